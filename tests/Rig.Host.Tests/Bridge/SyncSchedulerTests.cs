using System;
using Rig.Recording.Bridge;
using Rig.Host.Tests.Journal;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class SyncSchedulerTests
{
    private static readonly BridgeOptions Options = new()
    {
        SyncInterval = TimeSpan.FromMilliseconds(500),
        SyncFastInterval = TimeSpan.FromMilliseconds(100),
        SyncFastPeriod = TimeSpan.FromSeconds(5),
    };

    /// <summary>How many exchanges fall due while the clock moves on by <paramref name="span"/>, checked every 10 ms.</summary>
    private static int Count(SyncScheduler sync, ManualTimeProvider time, TimeSpan span)
    {
        int due = 0;
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromMilliseconds(10))
        {
            due += sync.TryTake() ? 1 : 0;
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        return due;
    }

    [Fact]
    public void An_exchange_is_due_at_once_after_the_start_and_not_again_within_the_fast_interval()
    {
        var time = new ManualTimeProvider();
        var sync = new SyncScheduler(Options, time);
        sync.Restart();
        Assert.True(sync.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(sync.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(sync.TryTake());
    }

    [Fact]
    public void Exchanges_go_at_the_fast_interval_during_the_fast_period_and_at_the_normal_interval_after_it()
    {
        var time = new ManualTimeProvider();
        var sync = new SyncScheduler(Options, time);
        sync.Restart();
        Assert.Equal(50, Count(sync, time, TimeSpan.FromSeconds(5)));
        Assert.Equal(10, Count(sync, time, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_new_boot_restarts_the_fast_sync_period()
    {
        var time = new ManualTimeProvider();
        var sync = new SyncScheduler(Options, time);
        sync.Restart();
        Count(sync, time, TimeSpan.FromSeconds(10));
        sync.Restart();
        Assert.True(sync.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(sync.TryTake());
    }

    [Fact]
    public void A_sync_request_carries_the_host_send_time()
    {
        var command = SyncScheduler.Request(3, 7, 123_456);
        Assert.Equal((Protocol.CommandOpcode.SyncRequest, 3u, 7u, 123_456ul), (command.Opcode, command.CommandId, command.TargetBootId, command.HostTime));
    }
}
