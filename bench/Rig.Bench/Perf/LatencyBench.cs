using System;
using System.Linq;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Protocol;

namespace Rig.Bench.Perf;

/// <summary>Latencies of one run, ms: publish to aligned and in the journal's buffer, and publish to written to the OS.</summary>
internal sealed record LatencyResult(double AppendP50, double AppendP99, double FlushP50, double FlushP99, double FlushMax, long Batches, double EventsPerSecond)
{
    /// <summary>Publish → journaled, decoded, aligned: the 99.9th percentile, ms.</summary>
    public double AppendP999 { get; init; }

    /// <summary>Publish → journaled, decoded, aligned: the longest, ms.</summary>
    public double AppendMax { get; init; }

    /// <summary>Publish → the recorder taking the batch from the link's queue (broker, socket, MQTTnet, the queue): p99, ms.</summary>
    public double DequeueP99 { get; init; }

    /// <summary>Publish → taken from the link's queue: the longest, ms.</summary>
    public double DequeueMax { get; init; }

    /// <summary>The link's receive callback → journal append, over all recorders (the recorder's own histogram).</summary>
    public Rig.Recording.Bridge.LatencySummary? ReceiveToJournal { get; init; }

    /// <summary>The longest sync to disk of any rig's journal during the run, ms (blocks the thread that syncs).</summary>
    public double LongestSyncMs { get; init; }

    /// <summary>What the process did meanwhile (collections, stalls, the thread pool).</summary>
    public StallReport? Stalls { get; init; }
}

/// <summary>
/// Many rigs at a steady event rate through Mosquitto into one bridge process (one <see cref="SessionRecorder"/> per rig):
/// for every batch, the time from the device's publish (the raw publisher's send) to the bridge having journaled, decoded
/// and aligned it, and to the journal having written it to the operating system. The flush time is read from the journal
/// itself (<see cref="JournalWriter.BytesFlushed"/> after each of its flush timer callbacks), through a TimeProvider that
/// wraps the system one.
/// </summary>
internal sealed class LatencyBench(int port, RigStream stream, string root)
{
    /// <param name="console">Runs a web console with clients beside the bridge (<see cref="ConsoleLoad"/>).</param>
    public async Task<LatencyResult> RunAsync(int rigs, double eventsPerSecondPerRig, double seconds, TimeSpan flushInterval, CancellationToken cancellationToken,
        bool console = false)
    {
        ConsoleLoad? load = null;
        string prefix = IngestBench.NextPrefix();
        var time = new FlushWatchingTime();
        var trackers = new Tracker[rigs];
        var devices = new List<RawMqtt>();
        var links = new List<IRigLink>();
        var recorders = new List<SessionRecorder>();
        var ingest = new IngestBench(port, stream, root);
        CommandResponder? responder = null;
        try
        {
            long hostOffset = JournalWriter.HostNanos(TimeProvider.System);
            for (int r = 0; r < rigs; r++)
            {
                string rigId = IngestBench.RigId(prefix, r);
                var device = await RawMqtt.ConnectAsync(port, "dev-" + rigId, cancellationToken);
                devices.Add(device);
                device.StartPublisher(1000);
                device.WaitForWindow();
                device.QueuePublish(Encoding.UTF8.GetBytes(new RigTopics(rigId).Status), ingest.OnlineStatus(), retain: true);
                device.FlushSync();
            }

            await IngestBench.WaitUntilAsync(() => devices.TrueForAll(d => d.Acked >= 1), TimeSpan.FromSeconds(10), "statuses", cancellationToken);
            responder = await CommandResponder.StartAsync(new BrokerAddress("127.0.0.1", port), prefix + "-devices", stream.BootId, rigs,
                r => IngestBench.RigId(prefix, r), cancellationToken);
            for (int r = 0; r < rigs; r++)
            {
                string rigId = IngestBench.RigId(prefix, r);
                var tracker = new Tracker();
                trackers[r] = tracker;
                var sink = new AligningSink(stream.ClockMap(hostOffset)) { BatchAligned = tracker.OnAligned };
                var link = new MqttLink(new BrokerAddress("127.0.0.1", port), new LinkOptions { ClientId = "bridge-" + rigId });
                links.Add(link);
                await link.ConnectAsync(cancellationToken);
                var options = new BridgeOptions { Journal = new JournalWriterOptions { FlushInterval = flushInterval } };
                var recorder = await SessionRecorder.StartAsync(new RecorderSettings(link, rigId, Path.Combine(root, rigId))
                {
                    Info = new SessionStartInfo("mqtt://127.0.0.1:" + port, "rig-bench perf"), Options = options, Time = time, Sink = sink,
                }, cancellationToken);
                recorders.Add(recorder);
                tracker.Recorder = recorder;
                time.Watch(Path.Combine(root, rigId, Rig.Recording.Sessions.SessionFolder.JournalFile), tracker);
            }

            if (console)
            {
                load = await ConsoleLoad.StartAsync(recorders.Select((r, i) => (IngestBench.RigId(prefix, i), r)).ToList(), cancellationToken);
            }

            var topics = new byte[rigs][];
            for (int r = 0; r < rigs; r++)
            {
                topics[r] = Encoding.UTF8.GetBytes(new RigTopics(IngestBench.RigId(prefix, r)).Events);
            }

            // Each rig publishes its next batch when its event count is due at the rate; rigs are staggered evenly.
            double secondsPerEvent = 1 / eventsPerSecondPerRig;
            var next = new int[rigs];
            long published = 0;
            var clock = Stopwatch.StartNew();
            using var probe = new StallProbe();
            await Blocking.Run(() =>
            {
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    double now = clock.Elapsed.TotalSeconds;
                    for (int r = 0; r < rigs; r++)
                    {
                        double offset = r * 0.020 / rigs;
                        while (next[r] < stream.Batches.Count && offset + (stream.EventsBefore[next[r] + 1] * secondsPerEvent) <= now)
                        {
                            byte[] batch = stream.Batches[next[r]];
                            devices[r].WaitForWindow();
                            devices[r].QueuePublish(topics[r], batch);

                            // Noted before the send, so the bridge can never see a batch before its publish time is known.
                            trackers[r].OnPublished(BinaryPrimitives.ReadUInt64LittleEndian(batch.AsSpan(16)), Stopwatch.GetTimestamp());
                            devices[r].FlushSync();
                            next[r]++;
                            published += RigStream.RecordCount(batch);
                        }
                    }

                    Thread.Sleep(1);
                }
            }, cancellationToken);
            double elapsed = clock.Elapsed.TotalSeconds;

            // Everything published must come out the other end (aligned, then flushed by the journal's own timer).
            await IngestBench.WaitUntilAsync(() => Array.TrueForAll(trackers, t => t.Complete), TimeSpan.FromSeconds(30), "every batch to be flushed", cancellationToken);
            var append = new List<double>();
            var flush = new List<double>();
            var dequeue = new List<double>();
            foreach (var t in trackers)
            {
                t.Collect(append, flush, dequeue);
            }

            // The hop inside the bridge: the link's receive callback to the journal append (the link's queue and the recorder's lock).
            var receiveToJournal = new Rig.Recording.Bridge.LatencyHistogram();
            var longestSync = TimeSpan.Zero;
            foreach (var recorder in recorders)
            {
                receiveToJournal.Add(recorder.CopyReceiveToJournal());
                longestSync = longestSync < recorder.JournalSyncs.Longest ? recorder.JournalSyncs.Longest : longestSync;
            }

            // The probe covers the publishing and the drain: a batch's latency can end in either.
            var stalls = probe.Stop();
            if (load is not null)
            {
                Console.Error.WriteLine(load.ToString());
            }

            return new LatencyResult(Stats.Percentile(append, 0.5), Stats.Percentile(append, 0.99), Stats.Percentile(flush, 0.5),
                Stats.Percentile(flush, 0.99), Stats.Percentile(flush, 1), append.Count, published / elapsed)
            {
                AppendP999 = Stats.Percentile(append, 0.999),
                AppendMax = Stats.Percentile(append, 1),
                DequeueP99 = Stats.Percentile(dequeue, 0.99),
                DequeueMax = Stats.Percentile(dequeue, 1),
                ReceiveToJournal = receiveToJournal.Summarize(),
                LongestSyncMs = longestSync.TotalMilliseconds,
                Stalls = stalls,
            };
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

            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }

            if (responder is not null)
            {
                await responder.DisposeAsync();
            }
        }
    }

    /// <summary>One rig's batches: when each was published, aligned (with the journal length then), and flushed.</summary>
    private sealed class Tracker
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<ulong, long> _published = [];
        private readonly Queue<(long JournalEnd, long PublishedTicks)> _unflushed = new();
        private readonly List<double> _appendMs = [];
        private readonly List<double> _flushMs = [];
        private readonly List<double> _dequeueMs = [];
        private long _publishedCount;

        public SessionRecorder? Recorder { get; set; }

        public bool Complete
        {
            get
            {
                lock (_gate)
                {
                    return _flushMs.Count == _publishedCount;
                }
            }
        }

        public void OnPublished(ulong firstEventSeq, long ticks)
        {
            lock (_gate)
            {
                _published[firstEventSeq] = ticks;
                _publishedCount++;
            }
        }

        /// <summary>Called by the sink under the recorder's lock, right after the batch was journaled and decoded.</summary>
        public void OnAligned(ulong firstEventSeq, long ticks, long dequeuedNanos)
        {
            long journalEnd = Recorder!.JournalBytes;
            lock (_gate)
            {
                if (!_published.Remove(firstEventSeq, out long sent))
                {
                    throw new InvalidOperationException($"batch from event {firstEventSeq} aligned but never published");
                }

                _appendMs.Add(Stopwatch.GetElapsedTime(sent, ticks).TotalMilliseconds);
                _dequeueMs.Add((dequeuedNanos - TicksToNanos(sent)) / 1e6);
                _unflushed.Enqueue((journalEnd, sent));
            }
        }

        /// <summary>The journal has written <paramref name="flushedBytes"/> to the OS, the last time at <paramref name="flushNanos"/>.</summary>
        public void OnFlushed(long flushedBytes, long flushNanos)
        {
            lock (_gate)
            {
                while (_unflushed.TryPeek(out var u) && u.JournalEnd <= flushedBytes)
                {
                    _unflushed.Dequeue();
                    _flushMs.Add((flushNanos - TicksToNanos(u.PublishedTicks)) / 1e6);
                }
            }
        }

        /// <summary>Adds this rig's samples, leaving out the first second of batches (connections and JIT warming up).</summary>
        public void Collect(List<double> append, List<double> flush, List<double> dequeue)
        {
            lock (_gate)
            {
                int skip = Math.Min(_appendMs.Count / 10, 100);
                append.AddRange(_appendMs.GetRange(skip, _appendMs.Count - skip));
                dequeue.AddRange(_dequeueMs.GetRange(skip, _dequeueMs.Count - skip));
                flush.AddRange(_flushMs.GetRange(Math.Min(skip, _flushMs.Count), _flushMs.Count - Math.Min(skip, _flushMs.Count)));
            }
        }

        private static long TicksToNanos(long ticks) => (long)((Int128)ticks * 1_000_000_000 / Stopwatch.Frequency);
    }

    /// <summary>
    /// The system clock, with the journal's flush timer observed: after each callback whose state is a
    /// <see cref="JournalWriter"/>, the writer's flushed byte count and flush time go to that journal's tracker.
    /// </summary>
    private sealed class FlushWatchingTime : TimeProvider
    {
        private readonly Dictionary<string, Tracker> _trackers = [];
        private readonly Lock _gate = new();

        public override long TimestampFrequency => System.TimestampFrequency;

        public override long GetTimestamp() => System.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

        public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

        public void Watch(string journalPath, Tracker tracker)
        {
            lock (_gate)
            {
                _trackers[Path.GetFullPath(journalPath)] = tracker;
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (state is not JournalWriter journal)
            {
                return System.CreateTimer(callback, state, dueTime, period);
            }

            return System.CreateTimer(s =>
            {
                callback(s);
                Tracker? tracker;
                lock (_gate)
                {
                    _trackers.TryGetValue(journal.Path, out tracker);
                }

                tracker?.OnFlushed(journal.BytesFlushed, journal.LastFlushHostNanos);
            }, state, dueTime, period);
        }
    }
}
