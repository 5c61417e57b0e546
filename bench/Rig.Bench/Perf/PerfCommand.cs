using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Rig.TestSupport;

namespace Rig.Bench.Perf;

/// <summary>How big a perf run is: the full run for docs/performance.md, or a quick smoke run for CI.</summary>
internal sealed record PerfSize(bool Quick)
{
    /// <summary>Repetitions each figure's median is taken over.</summary>
    public int Repeats => Quick ? 1 : 5;

    /// <summary>Virtual seconds of the recorded stream the ingest runs replay.</summary>
    public double StreamSeconds => Quick ? 20 : 600;

    /// <summary>Batches each rig publishes in an ingest run (about 21 events each).</summary>
    public int IngestBatches => Quick ? 500 : 25_000;

    public double LatencySeconds => Quick ? 2 : 20;

    public double SimSeconds => Quick ? 20 : 600;

    public double SessionSeconds => Quick ? 10 : 120;

    public int[] ScalingRigs => Quick ? [1, 5] : [1, 5, 20, 50];

    public int ScalingEventsPerRun => Quick ? 50_000 : 1_000_000;
}

/// <summary>
/// `Rig.Bench perf [--quick]`: every performance figure of docs/performance.md beside its goal and, for the bridge, the raw
/// broker's own delivery rate measured in the same run. Starts its own Mosquitto on a free loopback port.
/// </summary>
internal static class PerfCommand
{
    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        var unknown = args.Where(a => a != "--quick").ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"perf: unknown option '{unknown[0]}'; usage: Rig.Bench perf [--quick]");
            return 2;
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 5 : 60));
        return RunAsync(new PerfSize(quick), cancel.Token).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(PerfSize size, CancellationToken cancellationToken)
    {
        var table = new PerfTable();
        using var root = new TempDirectory();
        Console.WriteLine($"# Rig performance ({(size.Quick ? "quick smoke run" : "full run")}, medians of {size.Repeats})");
        Console.WriteLine();
        Console.WriteLine(Machine.Describe());
        Console.WriteLine();

        var stream = RigStream.Record(size.StreamSeconds, seed: 1);
        Console.Error.WriteLine($"stream: {stream.Batches.Count} batches, {stream.Events} events, {stream.PayloadBytes} bytes over {stream.VirtualSeconds} s virtual");

        await using var broker = await MosquittoBroker.StartAsync(cancellationToken);
        var ingest = new IngestBench(broker.Port, stream, root.Path);
        await IngestFigures(table, ingest, stream, size, cancellationToken);

        table.Print(Console.Out);
        return 0;
    }

    private static async Task IngestFigures(PerfTable table, IngestBench ingest, RigStream stream, PerfSize size, CancellationToken cancellationToken)
    {
        int batches = Math.Min(size.IngestBatches, stream.Batches.Count);
        var raw = new List<IngestRate>();
        var bridge = new List<IngestRate>();
        var inProcess = new List<(double All, double Journal, double Decode, double Align)>();
        for (int i = 0; i < size.Repeats; i++)
        {
            raw.Add(await ingest.RawAsync(1, batches, cancellationToken));
            bridge.Add(await ingest.BridgeAsync(1, batches, cancellationToken));
            inProcess.Add(ingest.InProcess(batches));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest run {i + 1}: raw {raw[^1].EventsPerSecond:0} ev/s, bridge {bridge[^1].EventsPerSecond:0} ev/s (published {bridge[^1].PublishedPerSecond:0}), in-process {inProcess[^1].All:0}"));
        }

        double rawRate = Stats.Median(raw.Select(r => r.EventsPerSecond));
        double bridgeRate = Stats.Median(bridge.Select(r => r.EventsPerSecond));
        table.Add("1 ingest", "bridge through Mosquitto, events/s (1 rig)", bridgeRate, "≥ 500,000", bridgeRate >= 500_000,
            Fmt.Rate(rawRate) + " raw subscriber");
        table.Add("1 ingest", "bridge / raw subscriber", bridgeRate / rawRate, "≥ 0.8", bridgeRate / rawRate >= 0.8, "same broker, same run");
        table.Add("1 ingest", "publisher rate acknowledged by broker, events/s", Stats.Median(bridge.Select(r => r.PublishedPerSecond)), "", null, "load generator");
        table.Add("1 ingest", "bridge work alone, one thread, events/s", Stats.Median(inProcess.Select(r => r.All)), "", null,
            "journal + decode + map/align, no broker");
        table.Add("1 ingest", "  journal append alone, events/s", Stats.Median(inProcess.Select(r => r.Journal)), "", null, "stage");
        table.Add("1 ingest", "  decode alone, events/s", Stats.Median(inProcess.Select(r => r.Decode)), "", null, "stage");
        table.Add("1 ingest", "  decode + map/align, events/s", Stats.Median(inProcess.Select(r => r.Align)), "", null, "stage");
    }
}

/// <summary>Medians and percentiles.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }
}

/// <summary>Number formats of the table.</summary>
internal static class Fmt
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Rate(double eventsPerSecond) => eventsPerSecond.ToString("#,0", C);

    public static string Number(double value) => Math.Abs(value) >= 1000 ? value.ToString("#,0", C)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", C) : value.ToString("0.00", C);
}

/// <summary>The printed table: one row per figure, with its goal and baseline.</summary>
internal sealed class PerfTable
{
    private readonly List<string[]> _rows = [];

    public void Add(string section, string figure, double value, string goal, bool? met, string baseline) =>
        _rows.Add([section, figure, Fmt.Number(value), goal, met is null ? "" : met.Value ? "met" : "MISSED", baseline]);

    public void Print(TextWriter output)
    {
        output.WriteLine("| # | figure | measured | goal | | baseline / note |");
        output.WriteLine("|---|---|---:|---|---|---|");
        foreach (var row in _rows)
        {
            output.WriteLine("| " + string.Join(" | ", row) + " |");
        }
    }
}

/// <summary>The machine a run was on (docs/performance.md quotes it with the figures).</summary>
internal static class Machine
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        string memory = "unknown RAM";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            string? total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal));
            if (total is not null)
            {
                long kb = long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                memory = (kb / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB RAM";
            }
        }
        catch (IOException)
        {
            // Not Linux: the figures stand without the machine line's details.
        }

        return $"machine: {Environment.ProcessorCount} CPUs ({cpu}), {memory}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
