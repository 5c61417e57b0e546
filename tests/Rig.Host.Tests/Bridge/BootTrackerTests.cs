using Rig.Recording.Bridge;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class BootTrackerTests
{
    [Fact]
    public void The_first_boot_seen_is_no_reboot()
    {
        var boots = new BootTracker();
        Assert.Null(boots.Observe(null));
        Assert.Null(boots.Observe(7));
        Assert.Null(boots.Observe(7));
    }

    [Fact]
    public void A_new_boot_id_after_a_known_one_is_a_reboot_said_once()
    {
        var boots = new BootTracker();
        boots.Observe(7);
        Assert.Equal(new Reboot(7, 8), boots.Observe(8));
        Assert.Null(boots.Observe(8));
    }

    [Fact]
    public void An_unknown_boot_id_does_not_forget_the_last_one()
    {
        var boots = new BootTracker();
        boots.Observe(7);
        Assert.Null(boots.Observe(null));
        Assert.Null(boots.Observe(7));
    }

    [Fact]
    public void A_resumed_session_s_boot_is_known_so_a_different_one_is_a_reboot()
    {
        var boots = new BootTracker();
        boots.Assume(7);
        Assert.Null(boots.Observe(7));
        Assert.Equal(new Reboot(7, 9), boots.Observe(9));
    }
}
