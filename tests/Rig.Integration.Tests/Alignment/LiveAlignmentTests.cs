using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Alignment;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.World;
using Xunit;

namespace Rig.Integration.Tests.Alignment;

/// <summary>Issue 16 part 3: the bridge aligns every event live, and the offline derivation of the same journal agrees.</summary>
public sealed class LiveAlignmentTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    [Fact]
    public async Task Every_event_the_bridge_settles_live_over_lossy_busy_wifi_equals_its_row_in_the_derived_aligned_events_table()
    {
        // Busy Wi-Fi with five times its loss bursts, so batches are lost and resent after later ones (the live stage must
        // hold them back), on the virtual host clock (journal times are the simulation's true timeline), three virtual minutes:
        // long enough that the clock map's 2-minute windows close while recording, so most events settle live, not at the stop.
        var busy = VirtualWorld.FromFile(ScenarioPath("busy-wifi"), lossOnlyWhileRunning: true);
        var world = busy with
        {
            Scenario = busy.Scenario with { Uplink = busy.Scenario.Uplink with { BurstLossChance = busy.Scenario.Uplink.BurstLossChance * 5 } },
        };
        var live = new Collector();
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        var options = new VirtualRigOptions { RigId = "rig-live-align", Seed = 21, Speed = 20, World = world };
        var r = await VirtualSession.RecordAsync(links, links, options, new BridgeOptions { AckInterval = TimeSpan.FromMilliseconds(20) },
            dir.Combine("s"), TimeSpan.FromMinutes(3), new SessionStartInfo(links.Description, "tests"), new VirtualHostTime(), NullLogger.Instance,
            progress: null, TestContext.Current.CancellationToken, sink: live);
        Assert.True(r.Complete, $"incomplete: missing batches {r.Session.Counts.MissingBatches}");
        Assert.True(r.RedecodeMatches, "re-decoding the journal gave other counts (the alignment's among them)");
        Assert.True(r.Device.BatchesResent > 0, "the device never resent a batch: the test did not exercise late batches");

        var rows = AlignmentTables.EventsTable.Read(r.Derived.Alignment.Summary.Folder).ToList();
        Assert.Equal(r.Session.Counts.EventsTotal, rows.Count);
        Assert.Equal(rows.Count, live.Settled.Count);
        Assert.All(live.Provisional.Keys, k => Assert.True(live.Settled.ContainsKey(k), $"event {k} provisional and never settled"));

        int withHost = 0;
        foreach (var row in rows)
        {
            var e = live.Settled[(row.BootId, row.Seq)];
            var expected = (row.DeviceMicros, row.HostNanos, row.HostUncertaintyMicros, row.Frame, row.FrameFraction);
            var got = (e.Record.DeviceMicros, Whole(e.HostNanos), Rounded(e.HostUncertaintyMicros, "0.0"), e.Frame, Rounded(e.FrameFraction, "0.0000"));
            Assert.True(expected == got, $"boot {row.BootId:x8} event {row.Seq}: derived {expected}, live {got}");
            withHost += row.HostNanos is null ? 0 : 1;
        }

        // The session had a map and frames: the comparison is not between empty cells.
        Assert.True(withHost > rows.Count * 0.99, $"{withHost} of {rows.Count} events with a host time");
        Assert.True(rows.Count(x => x.Frame is not null) > rows.Count * 0.9);

        // Most events settled while recording (the map's windows closed), not at the stop marker; the rest settled there.
        long stop = live.Settled.Values.Max(e => e.AlignedNanos);
        double settledEarly = live.Settled.Values.Count(e => e.AlignedNanos < stop) / (double)rows.Count;
        var counts = r.Session.Counts.Alignment!;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"events {rows.Count}, provisional first {live.Provisional.Count}, settled before the stop {settledEarly:P1}; resent batches " +
            $"{r.Session.Counts.ResentBatches}; frames {counts.Frames}, late frame edges {counts.LateFrameEdges}, batches waited out {counts.BatchesWaitedOut}");
        Assert.InRange(settledEarly, 0.3, 1.0);
        Assert.Equal((rows.Count, rows.Count, 0L, 0L, 0L), (counts.Aligned, counts.Settled, counts.WaitingForBatches, counts.WaitingForFrame, counts.WaitingToSettle));
    }

    private static long? Whole(double? nanos) => nanos is { } n ? long.Parse(n.ToString("0", C), NumberStyles.Integer, C) : null;

    private static double? Rounded(double? value, string format) => value is { } v ? double.Parse(v.ToString(format, C), NumberStyles.Float, C) : null;

    private static string ScenarioPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "host", "Rig.VirtualRig", "Scenarios", name + ".json");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"scenario {name}.json not found above {AppContext.BaseDirectory}");
    }

    /// <summary>What the live stage handed on: each event's provisional value (if any) and its settled one, each at most once.</summary>
    private sealed class Collector : IEventSink, IAlignedEventSink
    {
        public Dictionary<(uint, ulong), AlignedEvent> Provisional { get; } = [];

        public Dictionary<(uint, ulong), AlignedEvent> Settled { get; } = [];

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<Rig.Protocol.EventRecord> records, long hostNanos)
        {
        }

        public void OnAligned(in AlignedEvent aligned)
        {
            var books = aligned.Settled ? Settled : Provisional;
            Assert.True(books.TryAdd((aligned.BootId, aligned.Seq), aligned), $"event {aligned.Seq} {(aligned.Settled ? "settled" : "provisional")} twice");
        }
    }
}
