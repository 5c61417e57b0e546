using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Tasks;
using Rig.Recording.Bridge;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.World;
using Xunit;

namespace Rig.Integration.Tests.Tasks;

/// <summary>
/// `rig cohort` and `rig demo --speed 0` run virtual time about a hundred times faster than the wall clock, on which the
/// bridge's round waits. With the usual 100 ms round a virtual minute had 3-6 clock exchanges, and one 1-minute cohort
/// session in twelve ended with no clock map, which stopped the cohort's export.
/// </summary>
public sealed class AsFastAsPossibleSessionTests
{
    [Fact]
    public async Task A_one_minute_session_as_fast_as_possible_gets_clock_exchanges_throughout_and_every_event_a_host_time()
    {
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        var protocol = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"));
        var outcome = await VirtualTaskSession.RunAsync(links,
            new VirtualRigOptions { RigId = "fast", Seed = 2, Speed = 0, Mouse = VirtualTaskSession.TaskMouse }, new BridgeOptions(),
            dir.Combine("session"), TimeSpan.FromMinutes(1), new SessionStartInfo("inmemory", "tests"), new VirtualHostTime(),
            NullLogger.Instance, new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" },
                new LearningOptions()), null, TestContext.Current.CancellationToken);

        // The round is 10 ms of wall time; a virtual minute takes well over 0.1 s of it on any machine, so ten is a floor
        // far below what it gives (15-31 in twelve cohort sessions) and above what the 100 ms round gave (3-6).
        long replies = outcome.Recording.Replay.Counts.SyncReplies;
        Assert.True(replies >= 10, $"{replies} clock exchanges in a virtual minute");
        var events = outcome.Recording.Derived.Alignment.Events;
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.True(e.HostNanos is not null, $"{e.Kind} at {e.DeviceMicros} µs has no host time"));
    }
}
