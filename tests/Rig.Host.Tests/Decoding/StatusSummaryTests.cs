using Rig.Protocol;
using Rig.Recording.Decoding;
using Xunit;

namespace Rig.Host.Tests.Decoding;

public sealed class StatusSummaryTests
{
    [Fact]
    public void The_last_status_keeps_the_devices_buffer_in_seconds_and_its_counters()
    {
        var status = new DeviceStatus
        {
            State = DeviceState.Online, BufferSeconds = 34, BootId = 0xB007, FirmwareMajor = 0, FirmwareMinor = 2, FirmwarePatch = 1,
            UptimeMicros = 5_000_000, EventsCaptured = 1234, HostSilenceValveCloses = 2,
        };

        var summary = StatusSummary.From(status);

        Assert.Equal((byte)34, summary.BufferSeconds);
        Assert.Equal(0xB007u, summary.BootId);
        Assert.Equal("0.2.1", summary.FirmwareVersion);
        Assert.Equal(5.0, summary.UptimeSeconds);
        Assert.Equal(1234ul, summary.EventsCaptured);
        Assert.Equal(2u, summary.HostSilenceValveCloses);
    }
}
