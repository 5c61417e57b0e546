using System.Linq;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>Issue 8 item 3, on the device side: what a (re)boot does before anything else.</summary>
public sealed class RigDeviceBootTests
{
    [Fact]
    public void A_valve_that_reads_open_at_boot_is_closed_before_the_first_status_is_published()
    {
        var h = new DeviceHarness(valveChannels: 4);

        // A reboot in the middle of a reward (brown-out, watchdog) can leave a valve driver latched open.
        h.Valve.SetOpen(0, true);
        h.Valve.SetOpen(3, true);
        Assert.Empty(h.Link.Statuses());

        h.Device.Start(0);

        Assert.All(Enumerable.Range(0, 4), c => Assert.False(h.Valve.IsOpen((byte)c), $"valve {c} still open after boot"));
        Assert.Contains((byte)0, h.Valve.ForceCloses);
        Assert.Contains((byte)3, h.Valve.ForceCloses);
        var status = Assert.Single(h.Link.Statuses());
        Assert.Equal(DeviceState.Online, status.State);
        Assert.Equal(DeviceHarness.Boot, status.BootId);
    }

    [Fact]
    public void A_fresh_boot_numbers_events_and_batches_from_zero_so_the_host_sees_a_new_stream()
    {
        var h = new DeviceHarness();
        h.Device.Start(0);
        h.Frame(1_000);
        h.Device.Flush(30_000);
        h.Device.Poll(30_000);

        var batch = h.Link.Batches().First();
        Assert.Equal(DeviceHarness.Boot, batch.Header.BootId);
        Assert.Equal(0u, batch.Header.BatchSeq);
        Assert.Equal(0ul, batch.Header.FirstEventSeq);
    }
}
