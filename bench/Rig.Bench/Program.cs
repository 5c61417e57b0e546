using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Rig.Bench;
using Rig.VirtualRig.World;

// `dotnet run -c Release --project bench/Rig.Bench -- sync [minutes...]`: the sync-accuracy table of docs/sync.md.
var c = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "perf")
{
    return Rig.Bench.Perf.PerfCommand.Run(args[1..]); // `-- perf [--quick]`: the table of docs/performance.md
}

if (args.Length == 0 || args[0] != "sync")
{
    Console.Error.WriteLine("usage: Rig.Bench sync [minutes ...] (default 10 60 240) | Rig.Bench perf [--quick]");
    return 2;
}

double[] sessions = args.Length > 1 ? args[1..].Select(a => double.Parse(a, c)).ToArray() : [10, 60, 240];
string folder = Path.Combine(AppContext.BaseDirectory, "Scenarios");
foreach (string file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
{
    var scenario = WorldScenario.Load(file);
    Console.WriteLine($"## {scenario.Name}: {scenario.Description}");
    Console.WriteLine();
    Console.WriteLine("| session | sync rate | method | median µs | p99 µs | max µs |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach (double minutes in sessions)
    {
        foreach (double rate in new[] { 0.5, 2.0, 10.0 })
        {
            var stats = new SyncAccuracy(scenario, minutes, rate, seed: 1).Run();
            foreach (var s in stats)
            {
                Console.WriteLine(string.Create(c, $"| {minutes} min | {rate} Hz | {s.Method} | {s.Median:0.0} | {s.P99:0.0} | {s.Max:0.0} |"));
            }

            var ours = stats[0];
            var arrival = stats.First(s => s.Method == "arrival stamping");
            Console.WriteLine(string.Create(c, $"| {minutes} min | {rate} Hz | p99 ratio arrival / ours | | {arrival.P99 / ours.P99:0}× | |"));
        }

        var (events, wrong) = new SyncAccuracy(scenario, minutes, 2, seed: 1).FrameAssignment();
        Console.WriteLine(string.Create(c, $"| {minutes} min | | imaging-frame assignment, events within 1 ms of an edge | {wrong} wrong of {events} | | |"));
    }

    Console.WriteLine();
}

return 0;
