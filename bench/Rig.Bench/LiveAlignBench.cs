using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Protocol;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.World;

namespace Rig.Bench;

/// <summary>
/// `-- live-align [--minutes M] [--speed S] [--seed N] [--world quiet-lan,busy-wifi]`: a virtual session per world on the virtual
/// host clock (journal times are the simulation's true timeline, so latencies are in session time whatever the speed), with a sink on
/// the bridge's live alignment. Prints, per world: receipt of an event's batch → its frame and provisional host time, receipt → its
/// settled host time, the provisional − settled host-time difference, the most events waiting to settle at once, and the cost of
/// the decoder (alignment included) per event when the journal is replayed.
/// </summary>
internal static class LiveAlignBench
{
    public static int Run(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        double minutes = 5;
        double speed = 20;
        int seed = 1;
        string[] worlds = ["quiet-lan", "busy-wifi"];
        for (int i = 0; i < args.Length; i++)
        {
            if (BenchArgs.TryTakeRun(args, ref i, ref minutes, ref speed, ref seed))
            {
                continue;
            }

            switch (args[i])
            {
                case "--world" when i + 1 < args.Length:
                    worlds = args[++i].Split(',');
                    break;
                default:
                    Console.Error.WriteLine("usage: Rig.Bench live-align [--minutes 5] [--speed 20] [--seed 1] [--world quiet-lan,busy-wifi]");
                    return 2;
            }
        }

        Console.WriteLine($"Live alignment: {minutes.ToString("0.#", c)} virtual min per world at speed {speed.ToString("0.#", c)}, seed {seed} "
            + $"({Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        Console.WriteLine();
        Console.WriteLine("| world | events | resent batches | receipt → placed (frame + provisional host), median / p99 / max ms | receipt → settled, median / p99 / max s | settled before stop | provisional − settled host time, median / p99 / max µs | provisional / settled uncertainty, median µs | most waiting to settle | replay decode, µs per event | live alignment alone, µs per event |");
        Console.WriteLine("|---|---:|---:|---|---|---:|---|---|---:|---:|---:|");
        foreach (string world in worlds)
        {
            var row = RunWorld(world, minutes, speed, seed);
            if (row is null)
            {
                return 1;
            }

            Console.WriteLine(row);
        }

        return 0;
    }

    private static string? RunWorld(string name, double minutes, double speed, int seed)
    {
        var c = CultureInfo.InvariantCulture;
        string scenario = Path.Combine(AppContext.BaseDirectory, "Scenarios", name + ".json");
        var world = VirtualWorld.FromFile(scenario, lossOnlyWhileRunning: true);
        var sink = new Sink();
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        var options = new VirtualRigOptions { RigId = "bench-" + name, Seed = seed, Speed = speed, World = world };
        var wall = Stopwatch.StartNew();
        var r = VirtualSession.RecordAsync(links, links, options, new BridgeOptions { AckInterval = TimeSpan.FromMilliseconds(20) }, dir.Combine("s"),
            TimeSpan.FromMinutes(minutes), new SessionStartInfo(links.Description, "bench"), new VirtualHostTime(), NullLogger.Instance, progress: null,
            CancellationToken.None, sink: sink).GetAwaiter().GetResult();
        Console.Error.WriteLine($"{name}: recorded in {wall.Elapsed.TotalSeconds.ToString("0.0", c)} s wall; complete {r.Complete}, redecode matches {r.RedecodeMatches}");
        if (!r.RedecodeMatches)
        {
            Console.Error.WriteLine($"{name}: the re-decoded counts differ from the live ones");
            return null;
        }

        // The replay's decode cost per event (journal read, decode, VR matcher and live alignment), median of 3.
        var times = new double[3];
        for (int i = 0; i < times.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            SessionFolder.Open(dir.Combine("s")).Replay();
            times[i] = clock.Elapsed.TotalMilliseconds * 1000 / Math.Max(1, r.Session.Counts.EventsTotal);
        }

        Array.Sort(times);
        double stage = StageMicrosPerEvent(dir.Combine("s"));
        long stop = sink.Settled.Max(e => e.AlignedNanos);
        double[] placed = [.. sink.Placed.Select(e => (e.AlignedNanos - e.ReceivedNanos) / 1e6).Order()];
        double[] settled = [.. sink.Settled.Select(e => (e.AlignedNanos - e.ReceivedNanos) / 1e9).Order()];
        double[] diff = [.. sink.Differences.Select(Math.Abs).Order()];
        double[] provisionalU = [.. sink.Placed.Where(e => !e.Settled && e.HostUncertaintyMicros is not null).Select(e => e.HostUncertaintyMicros!.Value).Order()];
        double[] settledU = [.. sink.Settled.Where(e => e.HostUncertaintyMicros is not null).Select(e => e.HostUncertaintyMicros!.Value).Order()];
        double early = sink.Settled.Count(e => e.AlignedNanos < stop) / (double)sink.Settled.Count;
        return $"| {name} | {sink.Settled.Count.ToString("N0", c)} | {r.Session.Counts.ResentBatches.ToString("N0", c)} | {Triple(placed, "0.0")} | {Triple(settled, "0.0")} | "
            + $"{early.ToString("P1", c)} | {Triple(diff, "0.0")} | {Med(provisionalU)} / {Med(settledU)} | {sink.MostWaiting.ToString("N0", c)} | {times[1].ToString("0.00", c)} | {stage.ToString("0.000", c)} |";

        string Med(double[] sorted) => sorted.Length == 0 ? "–" : sorted[sorted.Length / 2].ToString("0.0", c);

        string Triple(double[] sorted, string format) => sorted.Length == 0 ? "–"
            : $"{sorted[sorted.Length / 2].ToString(format, c)} / {SortedStats.P99(sorted)!.Value.ToString(format, c)} / {sorted[^1].ToString(format, c)}";
    }

    // The live alignment's own cost: the session's batches, captured from one replay, fed again to a fresh stage over the
    // session's clock maps (in order, nothing held; most fits already final), median of 3.
    private static double StageMicrosPerEvent(string folder)
    {
        var capture = new BatchCapture();
        var replay = SessionFolder.Open(folder).Replay(capture);
        var times = new double[3];
        for (int i = 0; i < times.Length; i++)
        {
            var stage = new LiveAlignment(replay.Decoder.ClockOf, static (_, _) => true, null);
            var clock = Stopwatch.StartNew();
            uint seq = 0;
            foreach (var (boot, first, records, host) in capture.Batches)
            {
                stage.OnBatch(boot, seq++, first, records, host);
                stage.Pump(host);
            }

            stage.Finish(capture.Batches[^1].HostNanos);
            times[i] = clock.Elapsed.TotalMilliseconds * 1000 / Math.Max(1, capture.Events);
        }

        Array.Sort(times);
        return times[1];
    }

    private sealed class BatchCapture : IEventSink
    {
        public List<(uint BootId, ulong FirstSeq, EventRecord[] Records, long HostNanos)> Batches { get; } = [];

        public long Events { get; private set; }

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
            Batches.Add((bootId, firstEventSeq, records.ToArray(), hostNanos));
            Events += records.Length;
        }
    }

    /// <summary>Every event's first placement and its settled value, and the provisional − settled host-time differences, ns → µs.</summary>
    private sealed class Sink : IEventSink, IAlignedEventSink
    {
        private readonly Dictionary<(uint, ulong), double?> _provisional = [];

        public List<AlignedEvent> Placed { get; } = [];

        public List<AlignedEvent> Settled { get; } = [];

        public List<double> Differences { get; } = [];

        public long MostWaiting { get; private set; }

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
        }

        public void OnAligned(in AlignedEvent aligned)
        {
            if (!aligned.Settled)
            {
                Placed.Add(aligned);
                _provisional[(aligned.BootId, aligned.Seq)] = aligned.HostNanos;
                MostWaiting = Math.Max(MostWaiting, _provisional.Count);
                return;
            }

            Settled.Add(aligned);
            if (_provisional.Remove((aligned.BootId, aligned.Seq), out var provisional))
            {
                if (provisional is { } p && aligned.HostNanos is { } s)
                {
                    Differences.Add((p - s) / 1000);
                }
            }
            else
            {
                Placed.Add(aligned);
            }
        }
    }
}
