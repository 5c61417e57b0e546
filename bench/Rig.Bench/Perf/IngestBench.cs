using System;
using System.Linq;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Protocol;

namespace Rig.Bench.Perf;

/// <summary>One ingest run: events delivered per second (start of publishing to last delivery) and the memory afterwards.</summary>
/// <param name="BrokerBusy">Mosquitto's CPU time over the run's wall time (1.0: its one thread was never idle).</param>
/// <param name="BenchCpuMicrosPerEvent">This process's CPU time (load generator plus receiver) per event.</param>
internal readonly record struct IngestRate(long Events, long Messages, double Seconds, double PublishedPerSecond, long ManagedBytes, long WorkingSetBytes,
    double BrokerBusy = double.NaN, double BenchCpuMicrosPerEvent = double.NaN)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>CPU time of this process and of the broker process, to tell which side a run was bound by.</summary>
internal sealed class CpuMeter(int? brokerPid)
{
    // proc(5): utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks of USER_HZ, 100 on Linux.
    private const double ClockTicksPerSecond = 100;

    public (double Process, double Broker, long Wall) Read() =>
        (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, BrokerSeconds(), Stopwatch.GetTimestamp());

    public (double BrokerBusy, double ProcessSeconds) Since((double Process, double Broker, long Wall) start)
    {
        var now = Read();
        double wall = Stopwatch.GetElapsedTime(start.Wall, now.Wall).TotalSeconds;
        return ((now.Broker - start.Broker) / wall, now.Process - start.Process);
    }

    /// <summary>The mosquitto started for this run: the process whose command line names the broker's own folder.</summary>
    public static int? FindBroker(string brokerFolder)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(brokerFolder, StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // The process ended while the list was read.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process: not ours.
            }
        }

        return null;
    }

    private double BrokerSeconds()
    {
        if (brokerPid is null)
        {
            return double.NaN;
        }

        string stat = File.ReadAllText($"/proc/{brokerPid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields after the command name start at field 3, so utime (14) and stime (15) are at 11 and 12.
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture))
            / ClockTicksPerSecond;
    }
}

/// <summary>
/// The bridge fed through a real broker: devices (raw MQTT publishers, QoS 1) publish a recorded stream on one topic per rig
/// as fast as the broker takes it; either the real bridge (one <see cref="SessionRecorder"/> per rig over <see cref="MqttLink"/>,
/// journal, decoder, clock map and frame alignment) or a raw subscriber that only acknowledges and counts bytes receives it.
/// Both are measured the same way, from the start of publishing to the last delivered message, in the same process and broker.
/// </summary>
internal sealed class IngestBench(int port, RigStream stream, string root, CpuMeter? cpu = null)
{
    /// <summary>Unacknowledged publishes the load generator allows itself: enough to keep the broker busy.</summary>
    private const int PublishWindow = 2000;

    private static int _runs;

    private CpuMeter Meter { get; } = cpu ?? new CpuMeter(null);

    public async Task<IngestRate> RawAsync(int rigs, int batchesPerRig, CancellationToken cancellationToken)
    {
        string prefix = NextPrefix();
        await using var subscriber = await RawMqtt.ConnectAsync(port, prefix + "-raw", cancellationToken);
        await subscriber.SubscribeAndCountAsync($"rig/v1/+/events", cancellationToken);
        long expectedMessages = (long)rigs * batchesPerRig;
        var start = Meter.Read();
        var (published, first) = await PublishAsync(prefix, rigs, batchesPerRig,
            () => subscriber.Messages >= expectedMessages, cancellationToken);
        var (busy, processSeconds) = Meter.Since(start);
        var (_, last) = subscriber.DeliveryWindow;
        if (subscriber.Messages != expectedMessages)
        {
            throw new InvalidOperationException($"raw subscriber got {subscriber.Messages} of {expectedMessages} messages");
        }

        long events = rigs * stream.EventsBefore[batchesPerRig];
        return new IngestRate(events, expectedMessages, Stopwatch.GetElapsedTime(first, last).TotalSeconds,
            published, GC.GetTotalMemory(false), Environment.WorkingSet, busy, processSeconds * 1e6 / events);
    }

    /// <summary>
    /// The bridge's MQTT link alone: an <see cref="MqttLink"/> (MQTTnet) subscribed to every rig's events, its messages
    /// taken from its channel and counted, nothing else. Between the raw subscriber and the bridge, it shows what the
    /// client library costs and what the bridge's own work adds.
    /// </summary>
    public async Task<IngestRate> LinkOnlyAsync(int rigs, int batchesPerRig, CancellationToken cancellationToken)
    {
        string prefix = NextPrefix();
        await using var link = new MqttLink(new BrokerAddress("127.0.0.1", port), new LinkOptions { ClientId = prefix + "-link" });
        await link.ConnectAsync(cancellationToken);
        await link.SubscribeAsync("rig/v1/+/events", cancellationToken);
        long expectedMessages = (long)rigs * batchesPerRig;
        long messages = 0;
        long last = 0;
        var counting = Task.Run(async () =>
        {
            while (messages < expectedMessages && await link.Messages.WaitToReadAsync(cancellationToken))
            {
                while (link.Messages.TryRead(out _))
                {
                    last = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref messages);
                }
            }
        }, cancellationToken);
        var start = Meter.Read();
        var (published, first) = await PublishAsync(prefix, rigs, batchesPerRig, () => Interlocked.Read(ref messages) >= expectedMessages, cancellationToken);
        var (busy, processSeconds) = Meter.Since(start);
        await counting;
        long events = rigs * stream.EventsBefore[batchesPerRig];
        return new IngestRate(events, expectedMessages, Stopwatch.GetElapsedTime(first, last).TotalSeconds, published,
            GC.GetTotalMemory(false), Environment.WorkingSet, busy, processSeconds * 1e6 / events);
    }

    /// <param name="console">Runs a web console with clients beside the bridge (<see cref="ConsoleLoad"/>).</param>
    public async Task<IngestRate> BridgeAsync(int rigs, int batchesPerRig, CancellationToken cancellationToken, bool console = false)
    {
        ConsoleLoad? load = null;
        string prefix = NextPrefix();
        var address = new BrokerAddress("127.0.0.1", port);
        var links = new List<IRigLink>();
        var recorders = new List<SessionRecorder>();
        var sinks = new List<AligningSink>();
        CommandResponder? responder = null;
        try
        {
            // Statuses first: the bridge finds each device by its retained Online status, as it does a real one.
            await using (var statuses = await RawMqtt.ConnectAsync(port, prefix + "-status", cancellationToken))
            {
                statuses.StartPublisher(PublishWindow);
                for (int r = 0; r < rigs; r++)
                {
                    statuses.WaitForWindow();
                    statuses.QueuePublish(Encoding.UTF8.GetBytes(new RigTopics(RigId(prefix, r)).Status), OnlineStatus(), retain: true);
                }

                statuses.FlushSync();
                await WaitUntilAsync(() => statuses.Acked >= rigs, TimeSpan.FromSeconds(10), "retained statuses", cancellationToken);
            }

            // The devices answer the bridge's commands (CommandResponder).
            // Its own client id: the load generator publishes as prefix-devices, and two clients with one id keep
            // disconnecting each other (the broker closes the older), which stalled the ingest run.
            responder = await CommandResponder.StartAsync(address, prefix + "-responder", stream.BootId, rigs, r => RigId(prefix, r), cancellationToken);

            long hostOffset = JournalWriter.HostNanos(TimeProvider.System);
            for (int r = 0; r < rigs; r++)
            {
                var link = new MqttLink(address, new LinkOptions { ClientId = "bridge-" + RigId(prefix, r) });
                links.Add(link);
                await link.ConnectAsync(cancellationToken);
                var sink = new AligningSink(stream.ClockMap(hostOffset));
                sinks.Add(sink);
                recorders.Add(await SessionRecorder.StartAsync(new RecorderSettings(link, RigId(prefix, r), Path.Combine(root, RigId(prefix, r)))
                {
                    Info = new SessionStartInfo("mqtt://127.0.0.1:" + port, "rig-bench perf"), Sink = sink,
                }, cancellationToken));
            }

            if (console)
            {
                load = await ConsoleLoad.StartAsync(recorders.Select((r, i) => (RigId(prefix, i), r)).ToList(), cancellationToken);
            }

            long expected = rigs * stream.EventsBefore[batchesPerRig];
            var start = Meter.Read();
            var (published, first) = await PublishAsync(prefix, rigs, batchesPerRig, () => Total(sinks) >= expected, cancellationToken);
            var (busy, processSeconds) = Meter.Since(start);
            long last = 0;
            foreach (var s in sinks)
            {
                last = Math.Max(last, s.LastTimestamp);
                if (s.Unmapped > 0)
                {
                    throw new InvalidOperationException($"{s.Unmapped} events had no host time: the clock map did not cover the stream");
                }
            }

            if (Total(sinks) != expected)
            {
                throw new InvalidOperationException($"bridge aligned {Total(sinks)} of {expected} events");
            }

            long managed = GC.GetTotalMemory(false);
            long workingSet = Environment.WorkingSet;
            foreach (var recorder in recorders)
            {
                var counts = recorder.Snapshot();
                if (counts.EventsTotal != stream.EventsBefore[batchesPerRig] || counts.MalformedMessages.Count > 0)
                {
                    throw new InvalidOperationException($"a recorder counted {counts.EventsTotal} events, {counts.MalformedMessages.Count} kinds of malformed message");
                }
            }

            if (load is not null)
            {
                Console.Error.WriteLine(load.ToString());
            }

            return new IngestRate(expected, (long)rigs * batchesPerRig, Stopwatch.GetElapsedTime(first, last).TotalSeconds, published, managed, workingSet,
                busy, processSeconds * 1e6 / expected);
        }
        finally
        {
            if (load is not null)
            {
                await load.DisposeAsync();
            }

            foreach (var recorder in recorders)
            {
                await recorder.DisposeAsync();
            }

            foreach (var link in links)
            {
                await link.DisposeAsync();
            }

            if (responder is not null)
            {
                await responder.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The bridge's own work on one thread, without a broker: per message what <see cref="SessionRecorder"/> does when it
    /// receives one (journal append, decode, the aligning sink), and the same stages alone, to show where the time goes.
    /// </summary>
    public (double All, double JournalOnly, double DecodeOnly, double DecodeAndAlign) InProcess(int batches)
    {
        double Run(bool journal, bool decode, bool align)
        {
            string folder = Path.Combine(root, NextPrefix());
            Directory.CreateDirectory(folder);
            var sink = align ? new AligningSink(stream.ClockMap(0)) : null;
            var decoder = new SessionDecoder("inproc", sink);
            using var writer = journal ? JournalWriter.Create(Path.Combine(folder, Rig.Recording.Sessions.SessionFolder.JournalFile), TimeProvider.System) : null;
            byte[] status = OnlineStatus();
            decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Status, 0, status));
            var gate = new object();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < batches; i++)
            {
                byte[] payload = stream.Batches[i];
                lock (gate)
                {
                    long now = JournalWriter.HostNanos(TimeProvider.System);
                    writer?.Append(JournalRecordType.Received, TopicKind.Events, now, payload);
                    if (decode)
                    {
                        decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Events, now, payload));
                    }
                }
            }

            double seconds = clock.Elapsed.TotalSeconds;
            if (decode && decoder.EventsTotal != stream.EventsBefore[batches])
            {
                throw new InvalidOperationException($"in-process decoder counted {decoder.EventsTotal} of {stream.EventsBefore[batches]} events");
            }

            return stream.EventsBefore[batches] / seconds;
        }

        return (Run(true, true, true), Run(true, false, false), Run(false, true, false), Run(false, true, true));
    }

    public byte[] OnlineStatus()
    {
        var status = new DeviceStatus { State = DeviceState.Online, BootId = stream.BootId, FirmwareMinor = 1 };
        var buffer = new byte[DeviceStatus.Size];
        status.Write(new ByteWriter(buffer, 0, buffer.Length));
        return buffer;
    }

    public static string NextPrefix() => "perf" + Interlocked.Increment(ref _runs).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string RigId(string prefix, int rig) => prefix + "-rig" + rig.ToString("00", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
            }

            await Task.Delay(2, cancellationToken);
        }
    }

    private static long Total(List<AligningSink> sinks)
    {
        long total = 0;
        foreach (var s in sinks)
        {
            total += s.Events;
        }

        return total;
    }

    /// <summary>
    /// Publishes batches 0..n-1 of the stream on every rig's topic, round robin (rig 0 batch 0, rig 1 batch 0, ...), from
    /// one thread, then waits for <paramref name="delivered"/>. Returns the broker-acknowledged publish rate, events/s, and the
    /// stopwatch time publishing started: rates are measured from it to the last delivery, the same way for every receiver.
    /// </summary>
    private async Task<(double Rate, long Started)> PublishAsync(string prefix, int rigs, int batches, Func<bool> delivered, CancellationToken cancellationToken)
    {
        await using var publisher = await RawMqtt.ConnectAsync(port, prefix + "-devices", cancellationToken);
        publisher.StartPublisher(PublishWindow);
        var topics = new byte[rigs][];
        for (int r = 0; r < rigs; r++)
        {
            topics[r] = Encoding.UTF8.GetBytes(new RigTopics(RigId(prefix, r)).Events);
        }

        long total = (long)rigs * batches;
        long started = Stopwatch.GetTimestamp();
        var clock = Stopwatch.StartNew();
        double acknowledgedSeconds = 0;
        var publishing = Blocking.Run(() =>
        {
            for (int i = 0; i < batches; i++)
            {
                for (int r = 0; r < rigs; r++)
                {
                    publisher.WaitForWindow();
                    publisher.QueuePublish(topics[r], stream.Batches[i]);
                }
            }

            publisher.FlushSync();
            while (publisher.Acked < total)
            {
                Thread.Sleep(1);
            }

            acknowledgedSeconds = clock.Elapsed.TotalSeconds;
        }, cancellationToken);
        await WaitUntilAsync(delivered, TimeSpan.FromSeconds(300), "every message to be delivered", cancellationToken);
        await publishing;
        return (rigs * stream.EventsBefore[batches] / acknowledgedSeconds, started);
    }
}
