using System;
using Rig.Recording.Bridge;
using Rig.Host.Tests.Journal;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class DrainWatchTests
{
    private static readonly BridgeOptions Options = new() { AckInterval = TimeSpan.FromMilliseconds(100), DrainTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public void Nothing_missing_is_drained_only_after_two_ack_intervals()
    {
        var time = new ManualTimeProvider();
        var drain = new DrainWatch(Options, time);
        Assert.Equal(DrainState.Waiting, drain.Check(0));
        time.Advance(TimeSpan.FromMilliseconds(201));
        Assert.Equal(DrainState.Drained, drain.Check(0));
    }

    [Fact]
    public void Batches_still_missing_after_the_drain_timeout_end_the_wait()
    {
        var time = new ManualTimeProvider();
        var drain = new DrainWatch(Options, time);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(DrainState.Waiting, drain.Check(2));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(DrainState.TimedOut, drain.Check(2));
    }
}
