using Rig.TestSupport;
using System;
using Rig.Firmware.Esp32.Settings;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;
using Rig.Protocol;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// The device's reader of I:\rig-config.bin, compiled for .NET from the same source the device runs: it reads what
/// `rig flash` writes (the real writer, Rig.Provisioning.Flashing.DeviceConfiguration, produces the input here) through the
/// shared settings codec and refuses, with a reason, anything it cannot run with. Never throws.
/// </summary>
public sealed class DeviceSettingsTests
{
    [Fact]
    public void Reads_the_configuration_rig_flash_writes_for_an_anonymous_broker()
    {
        DeviceSettings settings = Read(Written("rig-07", "mqtt://192.168.10.2:1884", null));

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("rig-07", settings.RigId);
        Assert.Equal("192.168.10.2", settings.BrokerHost);
        Assert.Equal(1884, settings.BrokerPort);
        Assert.False(settings.UseTls);
        Assert.Equal(string.Empty, settings.Username);
        Assert.Equal(string.Empty, settings.Password);
        Assert.Equal(Rig.Firmware.Esp32.PinMap.PinCount, settings.PinEntries);
    }

    [Fact]
    public void Reads_the_login_rig_flash_writes_including_quotes_backslashes_and_non_ascii()
    {
        DeviceSettings settings = Read(Written("rig_A", "mqtt://broker.lab", new MqttCredentials("user\"1", "pä\\ss/wörd\n\U0001F42D")));

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("broker.lab", settings.BrokerHost);
        Assert.Equal(1883, settings.BrokerPort);
        Assert.Equal("user\"1", settings.Username);
        Assert.Equal("pä\\ss/wörd\n\U0001F42D", settings.Password);
    }

    [Fact]
    public void A_login_without_password_reads_as_an_empty_password()
    {
        DeviceSettings settings = Read(Written("rig-1", "mqtt://h", new MqttCredentials("only-user", null)));

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("only-user", settings.Username);
        Assert.Equal(string.Empty, settings.Password);
    }

    [Fact]
    public void The_pin_entries_are_those_of_the_repository_pin_map()
    {
        DeviceSettings settings = Read(Written("rig-1", "mqtt://h", null));

        Assert.True(settings.IsValid, settings.Problem);
        for (int i = 0; i < settings.PinEntries; i++)
        {
            Assert.Equal(Rig.Firmware.Esp32.PinMap.GpioOf(settings.PinFunction(i), settings.PinChannel(i)), settings.PinGpio(i));
        }
    }

    [Fact]
    public void Reads_an_mqtts_broker_with_the_ca_rig_flash_writes_and_refuses_one_without()
    {
        const string pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
        PinMap pins = RepositoryPins();
        byte[] withCa = new DeviceConfiguration("rig-tls", BrokerAddress.Parse("mqtts://broker.lab"), new MqttCredentials("rig-tls", "pw"), pins, "test", pem).ToBytes();
        byte[] withoutCa = new DeviceConfiguration("rig-tls", BrokerAddress.Parse("mqtts://broker.lab"), null, pins, "test").ToBytes();

        DeviceSettings settings = Read(withCa);
        DeviceSettings refused = Read(withoutCa);

        Assert.True(settings.IsValid, settings.Problem);
        Assert.True(settings.UseTls);
        Assert.Equal(8883, settings.BrokerPort);
        Assert.Equal(pem, settings.CaPem);
        Assert.False(refused.IsValid);
        Assert.Contains("mqtts:// (TLS) but the configuration holds no PEM certificate", refused.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_map_that_differs_from_the_firmware_is_refused()
    {
        DeviceSettingsRecord record = new DeviceConfiguration("rig-1", BrokerAddress.Parse("mqtt://h"), null, RepositoryPins(), "test").ToRecord();
        var moved = new DeviceSettingsRecord { RigId = record.RigId, BrokerHost = record.BrokerHost, BrokerPort = record.BrokerPort };
        for (int i = 0; i < record.PinCount; i++)
        {
            bool lick0 = record.PinFunction(i) == "lick" && record.PinChannel(i) == 0;
            moved.AddPin(lick0 ? 13 : record.PinGpio(i), record.PinChannel(i), record.PinFunction(i));
        }

        DeviceSettings settings = Read(Encode(moved));

        Assert.False(settings.IsValid);
        Assert.Contains("lick channel 0 is GPIO 13 in the file", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_map_missing_a_pin_of_the_firmware_is_refused()
    {
        var record = new DeviceSettingsRecord { RigId = "rig-1", BrokerHost = "h", BrokerPort = 1883 };
        record.AddPin(Rig.Firmware.Esp32.PinMap.Lick0, 0, "lick");

        DeviceSettings settings = Read(Encode(record));

        Assert.False(settings.IsValid);
        Assert.Contains("has 1 pins and this firmware uses", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_old_json_configuration_is_refused_as_not_a_settings_record()
    {
        byte[] json = System.Text.Encoding.UTF8.GetBytes("{\n  \"format\": 1,\n  \"rig_id\": \"rig-9\"\n}\n");

        DeviceSettings settings = Read(json);

        Assert.False(settings.IsValid);
        Assert.StartsWith("device configuration cannot be read (protocol error UnknownMessageType at byte 0 (field magic)", settings.Problem, StringComparison.Ordinal);
        Assert.Contains("re-run `rig flash`", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_format_version_is_refused_naming_both_versions()
    {
        byte[] bytes = Written("rig-1", "mqtt://h", null);
        bytes[4] = 2;

        DeviceSettings settings = Read(bytes);

        Assert.False(settings.IsValid);
        Assert.Contains("format version 2, this build reads version 1", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncated_file_is_refused_with_a_reason_and_never_throws()
    {
        byte[] bytes = Written("rig-1", "mqtt://h", new MqttCredentials("user", "pw"));

        for (int length = 0; length < bytes.Length; length++)
        {
            DeviceSettings settings = DeviceSettings.Read(bytes, 0, length);
            Assert.False(settings.IsValid, $"cut at {length}");
            Assert.Contains("Truncated", settings.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_over_long_field_is_refused_naming_it()
    {
        byte[] bytes = Written("rig-1", "mqtt://h", null);
        // rig_id's length prefix is at byte 8: claim 200 bytes.
        bytes[8] = 200;

        DeviceSettings settings = Read(bytes);

        Assert.False(settings.IsValid);
        Assert.Contains("CountOutOfRange at byte 8 (field rig_id): 200 bytes, at most 32", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slice_outside_the_buffer_is_refused_without_throwing()
    {
        DeviceSettings settings = DeviceSettings.Read(new byte[4], 2, 8);

        Assert.False(settings.IsValid);
        Assert.Contains("Truncated", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unavailable_settings_carry_their_reason()
    {
        DeviceSettings settings = DeviceSettings.Unavailable("no file");

        Assert.False(settings.IsValid);
        Assert.Equal("no file", settings.Problem);
        Assert.Equal(string.Empty, settings.RigId);
    }

    [Fact]
    public void The_safety_limits_rig_flash_writes_replace_the_firmwares_defaults_and_the_rest_stay()
    {
        var limits = DeviceSafetyLimits.Parse("""{"valve_hard_max_ms": 200, "host_silence_ms": 1000, "water_session_window_min": 120}""", "limits.json");
        byte[] bytes = new DeviceConfiguration("rig-1", BrokerAddress.Parse("mqtt://h"), null, RepositoryPins(), "test", null, limits, "limits.json").ToBytes();
        DeviceSettings settings = Read(bytes);
        Assert.True(settings.IsValid, settings.Problem);
        Assert.True(settings.HasSafetyLimits);

        var config = new Rig.Firmware.DeviceConfig();
        var defaults = new Rig.Firmware.DeviceConfig();
        Assert.Equal(string.Empty, settings.ApplyLimitsTo(config));
        Assert.Equal((200_000u, 1_000_000u, 7_200_000_000ul), (config.ValveHardMaxOpenMicros, config.HostSilenceCloseMicros, config.WaterSessionWindowMicros));
        Assert.Equal((defaults.WaterWindowMicros, defaults.WaterWindowMaxOpenMicros, defaults.WaterWindowMaxOpenings, defaults.WaterSessionMaxOpenMicros, defaults.WaterArmMaxWindowMicros),
            (config.WaterWindowMicros, config.WaterWindowMaxOpenMicros, config.WaterWindowMaxOpenings, config.WaterSessionMaxOpenMicros, config.WaterArmMaxWindowMicros));
    }

    [Fact]
    public void A_file_without_limits_leaves_the_firmwares_defaults()
    {
        DeviceSettings settings = Read(Written("rig-1", "mqtt://h", null));
        var config = new Rig.Firmware.DeviceConfig();
        Assert.False(settings.HasSafetyLimits);
        Assert.Equal(string.Empty, settings.ApplyLimitsTo(config));
        Assert.Equal((500_000u, 2_000_000u), (config.ValveHardMaxOpenMicros, config.HostSilenceCloseMicros));
    }

    [Fact]
    public void Limits_the_firmware_cannot_run_with_written_by_other_means_are_reported_at_boot_naming_the_setting()
    {
        // rig flash refuses these (DeviceSafetyLimits.Check); a file made another way reaches the device's own check.
        var record = new DeviceConfiguration("rig-1", BrokerAddress.Parse("mqtt://h"), null, RepositoryPins(), "test").ToRecord();
        record.HasSafetyLimits = true;
        record.ValveHardMaxMicros = 20_000_000; // 20 s: over the 10 s ceiling
        DeviceSettings settings = Read(Encode(record));
        Assert.True(settings.IsValid, settings.Problem);

        string problem = settings.ApplyLimitsTo(new Rig.Firmware.DeviceConfig());
        Assert.Contains("ValveHardMaxOpenMicros", problem, StringComparison.Ordinal);
        Assert.StartsWith("device configuration: the safety limits cannot run", problem, StringComparison.Ordinal);
    }

    private static DeviceSettings Read(byte[] bytes) => DeviceSettings.Read(bytes, 0, bytes.Length);

    /// <summary>What `rig flash` writes, from the repository's real pin map.</summary>
    private static byte[] Written(string rigId, string brokerUrl, MqttCredentials? credentials) =>
        new DeviceConfiguration(rigId, BrokerAddress.Parse(brokerUrl), credentials, RepositoryPins(), "test").ToBytes();

    private static PinMap RepositoryPins() => PinMap.Load(RepositoryRoot.Combine("hardware", "pinmap.json"));

    private static byte[] Encode(DeviceSettingsRecord record)
    {
        var buffer = new byte[DeviceSettingsRecord.MaxBytes];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        record.Write(writer);
        return buffer[..writer.Position];
    }
}
