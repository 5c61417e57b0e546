using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Analysis.Export;
using Rig.Analysis.Export.Nwb;
using Rig.Experiment.Tasks;
using Rig.Recording.Bridge;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.World;

namespace Rig.Bench;

/// <summary>
/// `-- nwb-export [--minutes 60] [--session DIR] [--keep]`: how long `rig export --format nwb` takes for one session and
/// how big the file is per hour of session (docs/export.md, "The NWB format"). Without --session it records a virtual
/// session of the supervised protocol first (the virtual rig as fast as it runs, the real bridge, journal and task
/// engine, as `rig demo --speed 0`). Prints the export's wall time of a first (cold) and a second export, the file size
/// and MB per hour; target: a 60-minute session exports in ≤ 10 s.
/// </summary>
internal static class NwbExportBench
{
    // The issue's goal (issue 18): a 60-minute session exports in at most 10 s on the lab machine.
    private const double TargetSecondsPerHour = 10;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        double minutes = 60;
        string? session = null;
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--minutes" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, C, out double m) && m > 0:
                    minutes = m;
                    i++;
                    break;
                case "--session" when i + 1 < args.Length:
                    session = args[++i];
                    break;
                case "--keep":
                    keep = true;
                    break;
                default:
                    Console.Error.WriteLine($"nwb-export: bad argument '{args[i]}'; usage: nwb-export [--minutes M > 0] [--session DIR] [--keep]");
                    return 2;
            }
        }

        string work = Path.Combine(Path.GetTempPath(), $"rig-nwb-bench-{Environment.ProcessId}");
        try
        {
            if (session is null)
            {
                session = Path.Combine(work, "session");
                var recording = Stopwatch.StartNew();
                await Record(session, minutes);
                Console.WriteLine($"nwb-export: recorded a {minutes.ToString("0.##", C)}-minute virtual session in {recording.Elapsed.TotalSeconds.ToString("0", C)} s: {session}");
            }

            var loaded = ExportSession.Load(session);
            double sessionHours = SessionHours(loaded);
            Console.WriteLine($"nwb-export: {loaded.Key}, {(sessionHours * 60).ToString("0.0", C)} min of trials, {loaded.Tables.Trials.Count} trials, "
                + $"{loaded.Tables.Licks.Count} licks, {loaded.Tables.Frames.Count} imaging frames; {Environment.ProcessorCount} cores, load {VrLoopBench.LoadAverage()}");
            Console.WriteLine("  run     export s  file MB  MB per hour  events");
            double first = 0;
            for (int run = 1; run <= 2; run++)
            {
                string output = Path.Combine(work, "nwb" + run.ToString(C));
                var watch = Stopwatch.StartNew();
                var file = NwbExport.Write([session], output, TimeProvider.System)[0];
                double seconds = watch.Elapsed.TotalSeconds;
                first = run == 1 ? seconds : first;
                double mb = file.Bytes / 1e6;
                Console.WriteLine($"  {(run == 1 ? "cold" : "warm"),-6} {seconds,9:0.00}  {mb,7:0.0}  {mb / sessionHours,11:0.0}  {file.Events,6}");
            }

            double targetSeconds = TargetSecondsPerHour * sessionHours;
            bool met = first <= targetSeconds;
            Console.WriteLine($"  target: <= {TargetSecondsPerHour.ToString(C)} s per hour of session ({targetSeconds.ToString("0.0", C)} s here): {(met ? "met" : "MISSED")}");
            return met ? 0 : 1;
        }
        finally
        {
            if (!keep && Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
            else if (keep)
            {
                Console.WriteLine($"nwb-export: kept {work}");
            }
        }
    }

    private static async Task Record(string folder, double minutes)
    {
        var supervised = ProtocolLoader.Load(ProtocolLoader.Resolve("supervised-leaf1-circle1"));
        var protocol = supervised with
        {
            MaxMinutes = Math.Max(supervised.MaxMinutes, minutes + 1),
            // At most one 60 dm trial per 10 s at 60 cm/s: enough planned trials for the session.
            MaxTrials = Math.Max(supervised.MaxTrials, (int)(minutes * 6) + 10),
        };
        var options = new VirtualRigOptions { RigId = "nwb-bench", Seed = 1, Speed = 0, Mouse = VirtualTaskSession.TaskMouse };
        var outcome = await VirtualTaskSession.RunAsync(new InMemoryBroker().CreateLinkFactory(), options, new BridgeOptions(), folder,
            TimeSpan.FromMinutes(minutes), new SessionStartInfo("inmemory", "nwb-export bench"), new VirtualHostTime(), NullLogger.Instance,
            new TaskSessionSettings(protocol, "m1", new DateOnly(2026, 12, 7), 1, new MouseLearningState { Mouse = "m1" }, new LearningOptions()),
            null, CancellationToken.None);
        if (!outcome.Recording.Complete)
        {
            throw new InvalidOperationException($"the virtual session {folder} is not complete: the benchmark would time a partial session");
        }
    }

    // The session's length by its imaging frames (first to last edge), else its trials.
    private static double SessionHours(ExportSession s)
    {
        var frames = s.Tables.Frames;
        if (frames.Count > 1)
        {
            return (frames[^1].DeviceMicros - frames[0].DeviceMicros) / 3.6e9;
        }

        var trials = s.Tables.Trials;
        return trials.Count > 1 ? (trials[^1].StartDeviceMicros - trials[0].StartDeviceMicros) / 3.6e9 : double.NaN;
    }
}
