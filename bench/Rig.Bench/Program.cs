using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Rig.Bench;
using Rig.VirtualRig.World;

// `dotnet run -c Release --project bench/Rig.Bench -- sync [minutes ...] [--rates 0.5,2,10] [--events N] [--scenario NAME]`:
// the sync-accuracy table of docs/sync.md, for every scenario in host/Rig.VirtualRig/Scenarios.
var c = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "perf")
{
    return Rig.Bench.Perf.PerfCommand.Run(args[1..]); // `-- perf [--quick]`: the table of docs/performance.md
}

if (args.Length > 0 && args[0] == "live-align")
{
    return LiveAlignBench.Run(args[1..]); // `-- live-align [--minutes M] [--world quiet-lan,busy-wifi]`: live alignment latency (docs/sync.md)
}

if (args.Length > 0 && args[0] == "vr-match")
{
    return VrMatchBench.Run(args[1..]); // `-- vr-match [minutes]`: the live photodiode matcher's throughput (docs/sync.md)
}

if (args.Length > 0 && args[0] == "vr-frames")
{
    return await Rig.Bench.Perf.FrameMessageBench.RunAsync(args[1..]); // `-- vr-frames [rates ...] [--seconds S]`: docs/vr.md
}

if (args.Length > 0 && args[0] == "vr-loop")
{
    return await VrLoopBench.RunAsync(args[1..]); // `-- vr-loop [--minutes 5] [--speed 20]`: docs/vr.md, "Benchmark: the virtual loop"
}

if (args.Length > 0 && args[0] == "decision-latency")
{
    return await DecisionLatencyBench.RunAsync(args[1..]); // `-- decision-latency [--minutes 2] [--speed 1]`: docs/performance.md
}

if (args.Length > 0 && args[0] == "cue-position")
{
    return await CuePositionBench.RunAsync(args[1..]); // `-- cue-position [--minutes 60] [--speed 30]`: docs/task.md, "Position triggers on the device"
}

if (args.Length > 0 && args[0] == "nwb-export")
{
    return await NwbExportBench.RunAsync(args[1..]); // `-- nwb-export [--minutes 60] [--session DIR] [--keep]`: docs/export.md, "The NWB format"
}

if (args.Length > 0 && args[0] == "renderer")
{
    return await RendererBench.RunAsync(args[1..]); // `-- renderer [--seconds S] [--size WxH] [--screens N]`: docs/vr.md, "The renderer"
}

if (args.Length == 0 || args[0] != "sync")
{
    Console.Error.WriteLine("usage: Rig.Bench sync [minutes ...] [--rates 0.5,2,10] [--events N] [--scenario NAME] (default 10 and 60 min at 0.5, 2, 10 Hz and 240 min at 2 Hz, 20000 events per row) | Rig.Bench perf [--quick] [--only SECTIONS] [--min-threads N] | Rig.Bench vr-match [minutes] | Rig.Bench live-align [--minutes 5] [--speed 20] [--seed 1] [--world quiet-lan,busy-wifi] | Rig.Bench vr-frames [rates ...] | Rig.Bench vr-loop [--minutes M] [--speed S] [--seed N] [--world NAME] [--keep] | Rig.Bench nwb-export [--minutes M] [--session DIR] [--keep] | Rig.Bench renderer [--seconds S] [--size WxH] [--screens N] | Rig.Bench decision-latency [--minutes M] [--speed S] [--seed N] [--worlds a,b] | Rig.Bench cue-position [--minutes M] [--speed S] [--seed N] [--world NAME] [--stall-every S] [--stall S]");
    return 2;
}

var minutesList = new System.Collections.Generic.List<double>();
double[]? rates = null;
int events = 20_000;
string? only = null;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rates" when i + 1 < args.Length:
            rates = args[++i].Split(',').Select(r => double.Parse(r, c)).ToArray();
            break;
        case "--events" when i + 1 < args.Length:
            events = int.Parse(args[++i], c);
            break;
        case "--scenario" when i + 1 < args.Length:
            only = args[++i];
            break;
        default:
            if (!double.TryParse(args[i], NumberStyles.Float, c, out double m) || m <= 0)
            {
                Console.Error.WriteLine($"not a session length in minutes: '{args[i]}'");
                return 2;
            }

            minutesList.Add(m);
            break;
    }
}

// Default: 10 and 60 min at 0.5, 2 and 10 Hz, and 240 min at the default 2 Hz only (about 3 minutes for all scenarios;
// 240 min at 10 Hz alone takes minutes per scenario). Lengths or --rates given: every length at every rate.
double[] defaultRates = [0.5, 2.0, 10.0];
var plan = minutesList.Count > 0 || rates is not null
    ? (minutesList.Count > 0 ? minutesList : [10, 60, 240]).Select(m => (Minutes: m, Rates: rates ?? defaultRates)).ToList()
    : [(10.0, defaultRates), (60.0, defaultRates), (240.0, [2.0])];
string folder = Path.Combine(AppContext.BaseDirectory, "Scenarios");
var total = Stopwatch.StartNew();
foreach (string file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
{
    var scenario = WorldScenario.Load(file);
    if (only is not null && scenario.Name != only)
    {
        continue;
    }

    Console.WriteLine($"## {scenario.Name}: {scenario.Description}");
    Console.WriteLine();
    Console.WriteLine("| session | sync rate | boot | method | median µs | p99 µs | max µs |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    foreach (var (minutes, sessionRates) in plan)
    {
        foreach (double rate in sessionRates)
        {
            var stats = new SyncAccuracy(scenario, minutes, rate, seed: 1).Run(events);
            foreach (var (boot, s) in stats)
            {
                string b = boot == 0 ? "all" : boot.ToString(c);
                Console.WriteLine(string.Create(c, $"| {minutes} min | {rate} Hz | {b} | {s.Method} | {s.Median:0.0} | {s.P99:0.0} | {s.Max:0.0} |"));
            }

            var ours = stats.First(s => s.Boot == 0 && s.Stats.Method == "clock map (ours)").Stats;
            var arrival = stats.First(s => s.Boot == 0 && s.Stats.Method == "arrival stamping").Stats;
            Console.WriteLine(string.Create(c, $"| {minutes} min | {rate} Hz | all | p99 ratio arrival / ours | | {arrival.P99 / ours.P99:0}× | |"));
        }

        var (frameEvents, wrong) = new SyncAccuracy(scenario, minutes, 2, seed: 1).FrameAssignment();
        Console.WriteLine(string.Create(c, $"| {minutes} min | | | imaging-frame assignment, events within 1 ms of an edge | {wrong} wrong of {frameEvents} | | |"));
    }

    Console.WriteLine();
}

Console.Error.WriteLine(string.Create(c, $"done in {total.Elapsed.TotalSeconds:0} s"));
return 0;
