using System;
using Rig.Protocol;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;
using Xunit;

namespace Rig.Host.Tests.Flashing;

/// <summary>The limits file of <c>rig flash --limits</c>: each key's unit, what reaches the device, and what is refused.</summary>
public sealed class DeviceSafetyLimitsTests
{
    [Fact]
    public void Every_key_reaches_its_own_device_setting_in_microseconds()
    {
        var limits = DeviceSafetyLimits.Parse("""
            {"valve_hard_max_ms": 150, "host_silence_ms": 900, "water_window_ms": 400, "water_window_max_open_ms": 250,
             "water_window_max_openings": 20, "water_session_window_min": 90, "water_session_max_open_s": 150, "water_arm_max_window_s": 300}
            """, "limits.json");
        var record = new DeviceSettingsRecord();
        limits.WriteTo(record);
        var config = DeviceSafetyLimits.Check(record, "limits.json");

        Assert.Equal((150_000u, 900_000u, 400_000u, 250_000u, 20, 5_400_000_000ul, 150_000_000u, 300_000_000ul),
            (config.ValveHardMaxOpenMicros, config.HostSilenceCloseMicros, config.WaterWindowMicros, config.WaterWindowMaxOpenMicros,
             config.WaterWindowMaxOpenings, config.WaterSessionWindowMicros, config.WaterSessionMaxOpenMicros, config.WaterArmMaxWindowMicros));
    }

    [Fact]
    public void Fractions_are_rounded_to_the_nearest_microsecond()
    {
        var limits = DeviceSafetyLimits.Parse("""{"valve_hard_max_ms": 12.3456, "water_session_max_open_s": 0.5}""", "l.json");
        Assert.Equal((12_346u, 500_000u), (limits.ValveHardMaxMicros, limits.WaterSessionMaxOpenMicros));
    }

    [Fact]
    public void A_session_window_shorter_than_the_arm_window_is_refused_before_the_device_would_build_a_huge_table()
    {
        // 0.6 s against a 1 h arm window would have asked the device for about 360,000 buckets at boot.
        var limits = DeviceSafetyLimits.Parse("""{"water_session_window_min": 0.01, "water_arm_max_window_s": 3600}""", "l.json");
        var record = new DeviceSettingsRecord();
        limits.WriteTo(record);
        var e = Assert.Throws<FlashInputException>(() => DeviceSafetyLimits.Check(record, "l.json"));
        Assert.Contains("at least WaterWindowMicros and WaterArmMaxWindowMicros", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"water_session_window_min": 1e300}""", "out of range")]
    [InlineData("""{"water_window_ms": 5000000}""", "the device holds 1 to 4294967295 µs")]
    [InlineData("""{"water_window_max_openings": "32"}""", "must be a positive number")]
    [InlineData("""not json""", "is not valid JSON")]
    public void A_value_the_record_cannot_hold_is_refused_naming_the_key_or_the_file(string json, string expected)
    {
        var e = Assert.Throws<FlashInputException>(() => DeviceSafetyLimits.Parse(json, "l.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("'l.json'", e.Message, StringComparison.Ordinal);
    }
}
