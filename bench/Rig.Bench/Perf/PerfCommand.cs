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
    /// <summary>The sections a run measures (`--only`), in the order printed.</summary>
    public static readonly string[] Sections = ["ingest", "latency", "wire", "firmware", "simulator", "scaling", "console"];

    /// <summary>The sections this run measures: all unless `--only` named some.</summary>
    public IReadOnlyCollection<string> Only { get; init; } = Sections;

    public bool Runs(string section) => Only.Contains(section);

    /// <summary>Repetitions each figure's median is taken over.</summary>
    public int Repeats => Quick ? 1 : 5;

    /// <summary>Virtual seconds of the recorded stream the ingest runs replay.</summary>
    public double StreamSeconds => Quick ? 20 : 1200;

    /// <summary>Batches each rig publishes in an ingest run (about 21 events each).</summary>
    public int IngestBatches => Quick ? 500 : 50_000;

    public double LatencySeconds => Quick ? 2 : 10;

    /// <summary>Latency runs are long (seconds of paced traffic each): fewer repetitions.</summary>
    public int LatencyRepeats => Quick ? 1 : 3;

    public double SimSeconds => Quick ? 20 : 600;

    public double SessionSeconds => Quick ? 10 : 600;

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
        const string Usage = "usage: Rig.Bench perf [--quick] [--only ingest,latency,wire,firmware,simulator,scaling,console] [--min-threads N]";
        bool quick = false;
        IReadOnlyCollection<string> only = PerfSize.Sections;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick")
            {
                quick = true;
            }
            else if (args[i] == "--min-threads" && i + 1 < args.Length && int.TryParse(args[i + 1], out int minThreads) && minThreads > 0)
            {
                // An experiment: a thread pool that starts with this many threads cannot be starved by blocking work
                // until they are all blocked, so a tail that goes away with it is thread-pool starvation.
                i++;
                ThreadPool.GetMinThreads(out _, out int io);
                ThreadPool.SetMinThreads(minThreads, Math.Max(io, minThreads));
                Console.Error.WriteLine($"thread pool: at least {minThreads} worker threads (--min-threads)");
            }
            else if (args[i] == "--only" && i + 1 < args.Length)
            {
                only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (only.FirstOrDefault(s => !PerfSize.Sections.Contains(s)) is { } bad)
                {
                    Console.Error.WriteLine($"perf: unknown section '{bad}' in --only; {Usage}");
                    return 2;
                }
            }
            else
            {
                Console.Error.WriteLine($"perf: unknown option '{args[i]}'; {Usage}");
                return 2;
            }
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 5 : 60));
        try
        {
            return RunAsync(new PerfSize(quick) { Only = only }, cancel.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or OperationCanceledException
            or System.Net.Sockets.SocketException)
        {
            // A run that could not measure (no Mosquitto, a receiver that lost events, a stalled broker): exit code 1 with why.
            Console.Error.WriteLine($"perf: the run failed: {e}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(PerfSize size, CancellationToken cancellationToken)
    {
        var table = new PerfTable();
        using var root = new TempDirectory();
        Console.WriteLine($"# Rig performance ({(size.Quick ? "quick smoke run" : "full run")}, medians of {size.Repeats})");
        Console.WriteLine();
        Console.WriteLine(Machine.Describe());
        Console.WriteLine();
        Console.Error.WriteLine("load average at start: " + Machine.LoadAverage());

        var stream = RigStream.Record(size.StreamSeconds, seed: 1);
        Console.Error.WriteLine($"stream: {stream.Batches.Count} batches, {stream.Events} events, {stream.PayloadBytes} bytes over {stream.VirtualSeconds} s virtual");

        await using var broker = await MosquittoBroker.StartAsync(cancellationToken);
        var ingest = new IngestBench(broker.Port, stream, root.Path, new CpuMeter(CpuMeter.FindBroker(Path.GetDirectoryName(broker.LogPath)!)));
        if (size.Runs("ingest"))
        {
            await IngestFigures(table, ingest, stream, size, cancellationToken);
        }

        if (size.Runs("latency"))
        {
            await LatencyFigures(table, new LatencyBench(broker.Port, stream, root.Path), size, cancellationToken);
        }

        if (size.Runs("wire"))
        {
            WireFigures(table, stream);
        }

        if (size.Runs("firmware"))
        {
            FirmwareFigures(table, size);
        }

        if (size.Runs("simulator"))
        {
            await SimulatorFigures(table, root.Path, size, cancellationToken);
        }

        if (size.Runs("scaling"))
        {
            await ScalingFigures(table, ingest, stream, size, cancellationToken);
        }

        if (size.Runs("console"))
        {
            await ConsoleFigures(table, ingest, new LatencyBench(broker.Port, stream, root.Path), stream, size, cancellationToken);
        }

        table.Print(Console.Out);
        Console.WriteLine();
        Console.WriteLine("load average (1, 5, 15 min) at the end: " + Machine.LoadAverage() + " (other processes share this machine's CPUs)");
        return 0;
    }

    private static async Task IngestFigures(PerfTable table, IngestBench ingest, RigStream stream, PerfSize size, CancellationToken cancellationToken)
    {
        int batches = Math.Min(size.IngestBatches, stream.Batches.Count);
        var raw = new List<IngestRate>();
        var link = new List<IngestRate>();
        var bridge = new List<IngestRate>();
        var inProcess = new List<(double All, double Journal, double Decode, double Align)>();
        for (int i = 0; i < size.Repeats; i++)
        {
            raw.Add(await ingest.RawAsync(1, batches, cancellationToken));
            link.Add(await ingest.LinkOnlyAsync(1, batches, cancellationToken));
            bridge.Add(await ingest.BridgeAsync(1, batches, cancellationToken));
            inProcess.Add(ingest.InProcess(batches));
            Console.Error.WriteLine($"ingest run {i + 1}: raw {raw[^1]}");
            Console.Error.WriteLine($"ingest run {i + 1}: link {link[^1]}");
            Console.Error.WriteLine($"ingest run {i + 1}: bridge {bridge[^1]}");
            Console.Error.WriteLine($"ingest run {i + 1}: in-process {inProcess[^1]}");
        }

        double rawRate = Stats.Median(raw.Select(r => r.EventsPerSecond));
        double bridgeRate = Stats.Median(bridge.Select(r => r.EventsPerSecond));
        table.Add("1 ingest", "bridge through Mosquitto, events/s (1 rig)", bridgeRate, "≥ 500,000", bridgeRate >= 500_000,
            Fmt.Rate(rawRate) + " raw subscriber");
        table.Add("1 ingest", "bridge / raw subscriber", bridgeRate / rawRate, "≥ 0.8", bridgeRate / rawRate >= 0.8, "same broker, same run");
        double linkRate = Stats.Median(link.Select(r => r.EventsPerSecond));
        table.Add("1 ingest", "MQTTnet link alone (bridge's client, counting only), events/s", linkRate, "", null,
            string.Create(CultureInfo.InvariantCulture, $"{linkRate / rawRate:0.00} of raw"));
        table.Add("1 ingest", "broker busy (Mosquitto CPU / wall): raw, link, bridge", Stats.Median(bridge.Select(r => r.BrokerBusy)), "", null,
            string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(raw.Select(r => r.BrokerBusy)):0.00}, {Stats.Median(link.Select(r => r.BrokerBusy)):0.00}, {Stats.Median(bridge.Select(r => r.BrokerBusy)):0.00}"));
        table.Add("1 ingest", "bench process CPU µs per event: raw, link, bridge", Stats.Median(bridge.Select(r => r.BenchCpuMicrosPerEvent)), "", null,
            string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(raw.Select(r => r.BenchCpuMicrosPerEvent)):0.00}, {Stats.Median(link.Select(r => r.BenchCpuMicrosPerEvent)):0.00}, {Stats.Median(bridge.Select(r => r.BenchCpuMicrosPerEvent)):0.00} (load generator included)"));
        // CPU per event is less at the mercy of other processes than wall-clock rates: what the bridge costs above a receiver
        // that only counts, with the same load generator in the same process, tells how many events one core of it takes.
        double bridgeCpu = Stats.Median(bridge.Select(r => r.BenchCpuMicrosPerEvent)) - Stats.Median(raw.Select(r => r.BenchCpuMicrosPerEvent));
        double linkCpu = Stats.Median(link.Select(r => r.BenchCpuMicrosPerEvent)) - Stats.Median(raw.Select(r => r.BenchCpuMicrosPerEvent));
        table.Add("1 ingest", "bridge CPU per event above the raw subscriber, µs", bridgeCpu, "", null,
            string.Create(CultureInfo.InvariantCulture, $"of which the MQTTnet link {linkCpu:0.00} µs; one core of bridge = {Fmt.Rate(1 / bridgeCpu * 1e6)} events/s"));
        table.Add("1 ingest", "publisher rate acknowledged by broker, events/s", Stats.Median(bridge.Select(r => r.PublishedPerSecond)), "", null, "load generator");
        table.Add("1 ingest", "bridge work alone, one thread, events/s", Stats.Median(inProcess.Select(r => r.All)), "", null,
            "journal + decode + map/align, no broker");
        table.Add("1 ingest", "  journal append alone, events/s", Stats.Median(inProcess.Select(r => r.Journal)), "", null, "stage");
        table.Add("1 ingest", "  decode alone, events/s", Stats.Median(inProcess.Select(r => r.Decode)), "", null, "stage");
        table.Add("1 ingest", "  decode + map/align, events/s", Stats.Median(inProcess.Select(r => r.Align)), "", null, "stage");
    }

    /// <summary>
    /// The bridge with and without a web console and its clients (docs/console.md): runs alternate, so both see the same
    /// machine; the console must leave ingest and the p99 latency unchanged within noise.
    /// </summary>
    private static async Task ConsoleFigures(PerfTable table, IngestBench ingest, LatencyBench latency, RigStream stream, PerfSize size, CancellationToken cancellationToken)
    {
        int batches = Math.Min(size.IngestBatches, stream.Batches.Count);
        var without = new List<IngestRate>();
        var with = new List<IngestRate>();
        for (int i = 0; i < size.Repeats; i++)
        {
            // Which goes first alternates, so a load that rises or falls during the section favours neither.
            if (i % 2 == 0)
            {
                without.Add(await ingest.BridgeAsync(1, batches, cancellationToken));
                with.Add(await ingest.BridgeAsync(1, batches, cancellationToken, console: true));
            }
            else
            {
                with.Add(await ingest.BridgeAsync(1, batches, cancellationToken, console: true));
                without.Add(await ingest.BridgeAsync(1, batches, cancellationToken));
            }

            Console.Error.WriteLine($"console run {i + 1}: bridge without console {without[^1]}; with console {with[^1]}");
        }

        double rateWithout = Stats.Median(without.Select(r => r.EventsPerSecond));
        double rateWith = Stats.Median(with.Select(r => r.EventsPerSecond));
        table.Add("7 console", "bridge events/s (1 rig) with a console client", rateWith, "", null,
            string.Create(CultureInfo.InvariantCulture, $"{Fmt.Rate(rateWithout)} without; ratio {rateWith / rateWithout:0.00}"));
        const int Rigs = 20;
        const double RatePerRig = 2000;
        var latWithout = new List<LatencyResult>();
        var latWith = new List<LatencyResult>();
        // Medians of 5 pairs, not the latency section's 3: the question is a difference, and single runs here vary by several ms.
        for (int i = 0; i < size.Repeats; i++)
        {
            bool withFirst = i % 2 == 1;
            if (withFirst)
            {
                latWith.Add(await latency.RunAsync(Rigs, RatePerRig, size.LatencySeconds, TimeSpan.FromMilliseconds(200), cancellationToken, console: true));
            }

            latWithout.Add(await latency.RunAsync(Rigs, RatePerRig, size.LatencySeconds, TimeSpan.FromMilliseconds(200), cancellationToken));
            if (!withFirst)
            {
                latWith.Add(await latency.RunAsync(Rigs, RatePerRig, size.LatencySeconds, TimeSpan.FromMilliseconds(200), cancellationToken, console: true));
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"console latency run {i + 1}: without {latWithout[^1]}; with {latWith[^1]}"));
        }

        string note = string.Create(CultureInfo.InvariantCulture, $"{Rigs} rigs × {RatePerRig:0} ev/s; without console");
        table.Add("7 console", "publish → journaled, decoded, aligned: p50 ms, with console", Stats.Median(latWith.Select(r => r.AppendP50)), "", null,
            string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(latWithout.Select(r => r.AppendP50)):0.00} {note}"));
        table.Add("7 console", "publish → journaled, decoded, aligned: p99 ms, with console", Stats.Median(latWith.Select(r => r.AppendP99)), "≤ 5",
            Stats.Median(latWith.Select(r => r.AppendP99)) <= 5, string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(latWithout.Select(r => r.AppendP99)):0.00} {note}"));
        table.Add("7 console", "  hop: link receive callback → journal append: p99 ms, with console", Stats.Median(latWith.Select(r => r.ReceiveToJournal?.P99Ms ?? double.NaN)), "", null,
            string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(latWithout.Select(r => r.ReceiveToJournal?.P99Ms ?? double.NaN)):0.00} {note} (the recorder's lock)"));
        table.Add("7 console", "longest process stall during a run, ms, with console", Stats.Median(latWith.Select(r => r.Stalls!.MaxGapMs)), "", null,
            string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(latWithout.Select(r => r.Stalls!.MaxGapMs)):0.0} without: how much the machine itself stalls"));
    }

    private static async Task LatencyFigures(PerfTable table, LatencyBench latency, PerfSize size, CancellationToken cancellationToken)
    {
        const int Rigs = 20;
        const double RatePerRig = 2000;
        foreach (var (flush, label) in new[] { (TimeSpan.FromMilliseconds(200), "default journal flush every 200 ms"), (TimeSpan.FromMilliseconds(1), "journal flush every 1 ms") })
        {
            var runs = new List<LatencyResult>();
            for (int i = 0; i < size.LatencyRepeats; i++)
            {
                runs.Add(await latency.RunAsync(Rigs, RatePerRig, size.LatencySeconds, flush, cancellationToken));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency ({label}) run {i + 1}: {runs[^1]}"));
            }

            string note = string.Create(CultureInfo.InvariantCulture, $"{Rigs} rigs × {RatePerRig:0} ev/s ({Fmt.Rate(Stats.Median(runs.Select(r => r.EventsPerSecond)))} ev/s sent), {label}");
            if (flush == TimeSpan.FromMilliseconds(200))
            {
                table.Add("2 latency", "publish → journaled, decoded, aligned: p50 ms", Stats.Median(runs.Select(r => r.AppendP50)), "", null, note);
                table.Add("2 latency", "publish → journaled, decoded, aligned: p99 ms", Stats.Median(runs.Select(r => r.AppendP99)), "≤ 5", Stats.Median(runs.Select(r => r.AppendP99)) <= 5, note);
                table.Add("2 latency", "publish → journaled, decoded, aligned: p99.9 ms", Stats.Median(runs.Select(r => r.AppendP999)), "≤ 20", Stats.Median(runs.Select(r => r.AppendP999)) <= 20, note);
                table.Add("2 latency", "publish → journaled, decoded, aligned: max ms", Stats.Median(runs.Select(r => r.AppendMax)), "", null, note);
                table.Add("2 latency", "  hop: publish → taken from the link's queue: p99 ms", Stats.Median(runs.Select(r => r.DequeueP99)), "", null,
                    "broker, sockets, MQTTnet's receive loop, the link's queue");
                table.Add("2 latency", "  hop: link receive callback → journal append: p99 ms", Stats.Median(runs.Select(r => r.ReceiveToJournal?.P99Ms ?? double.NaN)), "", null,
                    "the link's queue and the recorder's lock");
                table.Add("2 latency", "GC pause during a run, total ms", Stats.Median(runs.Select(r => r.Stalls!.GcPauseMs)), "", null,
                    string.Join("; ", runs.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"run {i + 1}: {r.Stalls}"))));
                table.Add("2 latency", "longest process stall during a run, ms", Stats.Median(runs.Select(r => r.Stalls!.MaxGapMs)), "", null,
                    "a dedicated thread waking every 1 ms: the longest it went without running");
            }

            double p99 = Stats.Median(runs.Select(r => r.FlushP99));
            table.Add("2 latency", "publish → journal written to OS: p50 ms", Stats.Median(runs.Select(r => r.FlushP50)), "", null, note);
            table.Add("2 latency", "publish → journal written to OS: p99 ms", p99, "≤ 5", p99 <= 5, note);
        }
    }

    private static void WireFigures(PerfTable table, RigStream stream)
    {
        var wire = CoreBench.Wire(stream);
        string note = string.Create(CultureInfo.InvariantCulture, $"{wire.EventsPerBatch:0.0} events per batch; mix {wire.Mix}");
        table.Add("3 wire", "bytes per event, batch payload", wire.PayloadPerEvent, "≤ 8", wire.PayloadPerEvent <= 8, note);
        table.Add("3 wire", "bytes per event, with MQTT PUBLISH framing", wire.MqttPerEvent, "≤ 8", wire.MqttPerEvent <= 8, "topic rig/v1/rig-01/events, QoS 1");
        table.Add("3 wire", "bytes per event, same events as JSON", wire.JsonPerEvent, "", null,
            string.Create(CultureInfo.InvariantCulture, $"{wire.JsonPerEvent / wire.PayloadPerEvent:0.0}× the binary payload"));
    }

    private static void FirmwareFigures(PerfTable table, PerfSize size)
    {
        var rig = new SimRig(seed: 2, keepBatches: false);
        rig.RunFor(30);
        var spans = new List<FirmwareCost>();
        for (int i = 0; i < Math.Max(3, size.Repeats); i++)
        {
            spans.Add(CoreBench.Firmware(rig, size.Quick ? 10 : 60));
        }

        long events = spans.Sum(s => s.Events);
        long core = spans.Sum(s => s.CoreAllocatedBytes);
        long pulses = spans.Sum(s => s.PulseTicks);
        table.Add("4 firmware", "bytes allocated per event in RigDevice.Poll, steady state", (double)core / events, "0", core == 0,
            string.Create(CultureInfo.InvariantCulture, $"{events:#,0} events, {core} bytes"));
        table.Add("4 firmware", "  bytes allocated per water-pulse command", pulses == 0 ? 0 : (double)spans.Sum(s => s.PulseTickAllocatedBytes) / pulses, "", null,
            string.Create(CultureInfo.InvariantCulture, $"{pulses} pulses; the simulated valve's command closure (SimValve), a native call on the device"));
        table.Add("4 firmware", "  bytes allocated per event, whole ticks with the simulated peripherals", (double)spans.Sum(s => s.TickAllocatedBytes) / events, "", null, "simulator side");
        table.Add("4 firmware", "core time per event (drain, debounce, batch, encode), ns", Stats.Median(spans.Select(s => s.CoreNanosPerEvent)), "", null,
            ".NET 10 JIT on this machine, not the ESP32 interpreter");
    }

    private static async Task SimulatorFigures(PerfTable table, string root, PerfSize size, CancellationToken cancellationToken)
    {
        var core = new List<double>();
        var session = new List<(double Speed, double Wall, bool Complete)>();
        for (int i = 0; i < size.Repeats; i++)
        {
            core.Add(CoreBench.SimulatorSpeed(size.SimSeconds, seed: 3 + i));
            session.Add(await CoreBench.VirtualSessionSpeedAsync(root, size.SessionSeconds, 3 + i, cancellationToken));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"simulator run {i + 1}: core {core[^1]:0}×, session {session[^1]}"));
        }

        double coreSpeed = Stats.Median(core);
        double sessionSpeed = Stats.Median(session.Select(s => s.Speed));
        table.Add("5 simulator", "virtual s per wall s: firmware core + mouse, 1 kHz encoder, 30 Hz frames", coreSpeed, "≥ 200", coreSpeed >= 200,
            string.Create(CultureInfo.InvariantCulture, $"{size.SimSeconds:0} s sessions, no link; 1 h takes {3600 / coreSpeed:0.0} s"));
        table.Add("5 simulator", "virtual s per wall s: whole session, virtual rig + bridge, in-memory broker", sessionSpeed, "≥ 200", sessionSpeed >= 200,
            string.Create(CultureInfo.InvariantCulture, $"{size.SessionSeconds:0} s sessions, journal re-decoded; call took {Stats.Median(session.Select(s => s.Wall)):0.0} s; complete: {session.All(s => s.Complete)}"));
    }

    private static async Task ScalingFigures(PerfTable table, IngestBench ingest, RigStream stream, PerfSize size, CancellationToken cancellationToken)
    {
        double eventsPerBatch = (double)stream.Events / stream.Batches.Count;
        foreach (int rigs in size.ScalingRigs)
        {
            int batches = (int)Math.Min(stream.Batches.Count, size.ScalingEventsPerRun / eventsPerBatch / rigs);
            var raw = new List<IngestRate>();
            var bridge = new List<IngestRate>();
            for (int i = 0; i < size.Repeats; i++)
            {
                raw.Add(await ingest.RawAsync(rigs, batches, cancellationToken));
                bridge.Add(await ingest.BridgeAsync(rigs, batches, cancellationToken));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"scaling {rigs} rigs run {i + 1}: raw {raw[^1].EventsPerSecond:0}, bridge {bridge[^1].EventsPerSecond:0}, working set {bridge[^1].WorkingSetBytes / 1e6:0} MB"));
            }

            double b = Stats.Median(bridge.Select(r => r.EventsPerSecond));
            double r = Stats.Median(raw.Select(x => x.EventsPerSecond));
            table.Add("6 scaling", $"{rigs} rigs: bridge events/s", b, "", null, string.Create(CultureInfo.InvariantCulture,
                $"{Fmt.Rate(r)} raw ({b / r:0.00}); managed heap {Stats.Median(bridge.Select(x => (double)x.ManagedBytes)) / 1e6:0} MB, working set {Stats.Median(bridge.Select(x => (double)x.WorkingSetBytes)) / 1e6:0} MB"));
        }

        foreach (double hours in size.Quick ? new[] { 1.0 / 6, 1 } : [1, 4, 12])
        {
            var (retained, rate, events) = CoreBench.SessionLength(stream, hours);
            table.Add("6 scaling", string.Create(CultureInfo.InvariantCulture, $"{hours:0.##} h session: bridge state retained, MB"), retained / 1e6, "", null,
                string.Create(CultureInfo.InvariantCulture, $"{events:#,0} events; decode + align {Fmt.Rate(rate)} ev/s at that length"));
        }
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
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

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
