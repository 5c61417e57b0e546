using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Tasks;
using Rig.Recording.Bridge;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.World;

namespace Rig.Bench;

/// <summary>
/// `-- cue-position [--minutes 60] [--speed 30] [--seed 1] [--world busy-wifi] [--stall-every 60] [--stall 1]`: where the cue
/// plays and the reward zone opens against the plan (docs/task.md, "Position triggers on the device"), over one virtual
/// session per trigger path on the same seed and world, with the host (the task engine) stalled for `--stall` seconds every
/// `--stall-every` seconds of device time. The protocol is the reward-zone task with the supervised task's cue added, so
/// every trial has a cue and every rewarded one a zone. Prints median, p99 and max of played/entered − planned position
/// (dm) for the device-triggered path and today's host-triggered path side by side, and the target: one encoder sample's
/// travel at full speed.
/// </summary>
internal static class CuePositionBench
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        double minutes = 60, speed = 30, stallEvery = 60, stall = 1;
        int seed = 1;
        string worldName = "busy-wifi";
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            double value = 0;
            bool number = i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, C, out value) && value > 0;
            switch (args[i])
            {
                case "--minutes" when number:
                    minutes = value;
                    i++;
                    break;
                case "--speed" when number:
                    speed = value;
                    i++;
                    break;
                case "--stall-every" when number:
                    stallEvery = value;
                    i++;
                    break;
                case "--stall" when number:
                    stall = value;
                    i++;
                    break;
                case "--seed" when number:
                    seed = (int)value;
                    i++;
                    break;
                case "--world" when i + 1 < args.Length:
                    worldName = args[++i];
                    break;
                case "--keep":
                    keep = true;
                    break;
                default:
                    Console.Error.WriteLine($"cue-position: bad argument '{args[i]}'; usage: cue-position [--minutes M > 0] [--speed S > 0] [--seed N > 0] "
                        + "[--world NAME] [--stall-every SECONDS > 0] [--stall SECONDS > 0] [--keep]");
                    return 2;
            }
        }

        if (stall >= stallEvery)
        {
            Console.Error.WriteLine($"cue-position: a stall of {stall} s every {stallEvery} s never ends");
            return 2;
        }

        var zone = ProtocolLoader.LoadNamed("reward-zone-behaviour");
        var protocol = zone with
        {
            Name = "reward-zone-behaviour+cue",
            Cue = ProtocolLoader.LoadNamed("supervised-leaf1-circle1").Cue,
            MaxMinutes = Math.Max(zone.MaxMinutes, minutes + 1),
            // At most one 60 dm trial per 10 s at 60 cm/s: enough planned trials for the session (the plan marker carries them all).
            MaxTrials = Math.Max(zone.MaxTrials, (int)(minutes * 6) + 10),
        };
        var options = new VirtualRigOptions
        {
            RigId = "cue-position", Seed = seed, Speed = speed, World = VirtualWorld.Shipped(worldName), Mouse = VirtualTaskSession.TaskMouse,
        };

        // One sample's travel at full speed: the run-gated corridor's speed over one encoder sample period.
        double sampleTravelDm = protocol.Movement.RunGatedSpeedCmPerSecond / 10 * options.Device.EncoderSampleIntervalMicros / 1e6;
        var stalls = new HostStalls((ulong)(stallEvery * 1e6), (ulong)(stall * 1e6), (ulong)(stallEvery * 1e6));
        Console.WriteLine($"cue-position: {protocol.Name} ({protocol.Movement.Mode}, {protocol.Movement.RunGatedSpeedCmPerSecond.ToString(C)} cm/s above "
            + $"{protocol.Movement.RunThresholdCmPerSecond.ToString(C)} cm/s), {minutes.ToString("0.##", C)} virtual min at {speed.ToString("0.##", C)}x, "
            + $"world {worldName}, seed {seed}, host stalled {stall.ToString("0.###", C)} s every {stallEvery.ToString("0.###", C)} s; "
            + $"{Environment.ProcessorCount} cores, load {VrLoopBench.LoadAverage()}");
        Console.WriteLine($"  target: p99 <= one encoder sample's travel at full speed = {sampleTravelDm.ToString("0.####", C)} dm "
            + $"({protocol.Movement.RunGatedSpeedCmPerSecond.ToString(C)} cm/s x {(options.Device.EncoderSampleIntervalMicros / 1000.0).ToString(C)} ms)");

        var rows = new List<(string Path, PositionErrors Errors, int Trials, double Wall, long Held, bool Ok)>();
        foreach (var path in new[] { TriggerPath.Device, TriggerPath.Host })
        {
            string folder = Path.Combine(Path.GetTempPath(), $"rig-cue-position-{Environment.ProcessId}-{path}");
            if (keep)
            {
                Console.WriteLine($"  {path}: keeping {folder}");
            }

            var wall = Stopwatch.StartNew();
            try
            {
                var outcome = await VirtualTaskSession.RunAsync(new InMemoryBroker().CreateLinkFactory(), options, new BridgeOptions(), folder,
                    TimeSpan.FromMinutes(minutes), new SessionStartInfo("inmemory", "cue-position bench"), new VirtualHostTime(), NullLogger.Instance,
                    new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" }, new LearningOptions(),
                        Triggers: path, Stalls: stalls),
                    null, CancellationToken.None);
                var errors = outcome.Tables.Positions ?? throw new InvalidOperationException("the tables carry no position errors");
                bool ok = outcome.Recording.Complete && outcome.Recording.RedecodeMatches && outcome.LiveDifferences.Count == 0;
                rows.Add((path == TriggerPath.Device ? "device" : "host", errors, outcome.Tables.Trials.Count, wall.Elapsed.TotalSeconds,
                    outcome.Recording.Task?.HostStallHeldBatches ?? 0, ok));
                if (!ok)
                {
                    Console.WriteLine($"  {path}: session complete {outcome.Recording.Complete}, re-decode matches {outcome.Recording.RedecodeMatches}, "
                        + $"replay differences: {string.Join("; ", outcome.LiveDifferences.Take(3))}");
                }
            }
            finally
            {
                if (!keep && Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }

        static string F(double? v) => v is { } x ? x.ToString("0.0000", C) : "n/a";
        Console.WriteLine("  path     trials  cues  cue p50   cue p99   cue max   zones  zone p50  zone p99  zone max  (dm; played/entered - planned)  batches held by stalls  wall s");
        foreach (var (path, e, trials, wallSeconds, held, _) in rows)
        {
            Console.WriteLine($"  {path,-7} {trials,7} {e.Cues,5}  {F(e.CueMedianDm),8}  {F(e.CueP99Dm),8}  {F(e.CueMaxDm),8}  {e.ZoneEntries,5}  {F(e.ZoneMedianDm),8}  "
                + $"{F(e.ZoneP99Dm),8}  {F(e.ZoneMaxDm),8}  {"",31}{held,22}  {wallSeconds.ToString("0", C),6}");
        }

        var device = rows.Single(r => r.Path == "device").Errors;
        bool met = (device.CueP99Dm ?? 0) <= sampleTravelDm + 1e-9 && (device.ZoneP99Dm ?? 0) <= sampleTravelDm + 1e-9;
        Console.WriteLine($"  device-triggered p99 within one sample's travel ({sampleTravelDm.ToString("0.####", C)} dm): {(met ? "met" : "MISSED")}");
        return rows.All(r => r.Ok) ? 0 : 1;
    }
}
