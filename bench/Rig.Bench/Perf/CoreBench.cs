using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Protocol;
using Rig.TestSupport;
using Rig.VirtualRig;

namespace Rig.Bench.Perf;

/// <summary>Bytes on the wire per event for a recorded stream, against JSON of the same events.</summary>
internal sealed record WireCost(double PayloadPerEvent, double MqttPerEvent, double JsonPerEvent, double EventsPerBatch, string Mix);

/// <summary>The firmware core's cost per event in steady state, over one measured span.</summary>
/// <param name="CoreAllocatedBytes">Allocated inside Poll on ticks without a water pulse.</param>
/// <param name="PulseTickAllocatedBytes">Allocated inside Poll on the ticks that executed a water pulse command.</param>
internal readonly record struct FirmwareCost(long Events, long CoreAllocatedBytes, long PulseTicks, long PulseTickAllocatedBytes, long TickAllocatedBytes,
    double CoreNanosPerEvent);

/// <summary>Wire, firmware-core, simulator and session-length figures: no broker involved.</summary>
internal static class CoreBench
{
    /// <summary>
    /// The stream's event batches as published (payload), with the MQTT 3.1.1 QoS 1 PUBLISH framing a device adds (fixed
    /// header, topic rig/v1/rig-01/events, packet id; TCP/IP headers not counted), against the same events as JSON: one
    /// object per batch with boot id, batch number and an array of {seq, kind, channel, value, device_us}.
    /// </summary>
    public static WireCost Wire(RigStream stream)
    {
        int topicLength = Encoding.UTF8.GetByteCount(new RigTopics("rig-01").Events);
        long mqtt = 0;
        long json = 0;
        var records = new EventRecord[WireLimits.MaxRecordsPerBatch];
        var byKind = new long[EventKinds.Count + 1];
        var reader = new ByteReader([], 0, 0);
        using var counter = new CountingStream();
        foreach (byte[] batch in stream.Batches)
        {
            int remaining = 2 + topicLength + 2 + batch.Length;
            mqtt += 1 + (remaining < 128 ? 1 : remaining < 16384 ? 2 : 3) + remaining;
            reader.Reset(batch, 0, batch.Length);
            var header = EventBatchReader.Decode(reader, records);
            using var writer = new Utf8JsonWriter(counter);
            writer.WriteStartObject();
            writer.WriteNumber("boot_id", header.BootId);
            writer.WriteNumber("batch_seq", header.BatchSeq);
            writer.WriteStartArray("events");
            for (int i = 0; i < header.RecordCount; i++)
            {
                var r = records[i];
                byKind[(int)r.Kind]++;
                writer.WriteStartObject();
                writer.WriteNumber("seq", header.FirstEventSeq + (ulong)i);
                writer.WriteString("kind", EventKinds.Name(r.Kind));
                writer.WriteNumber("channel", r.Channel);
                writer.WriteNumber("value", r.Value);
                writer.WriteNumber("device_us", r.DeviceMicros);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
        }

        json = counter.Length;
        var mix = new StringBuilder();
        for (int k = 1; k <= EventKinds.Count; k++)
        {
            if (byKind[k] > 0)
            {
                mix.Append(mix.Length == 0 ? "" : ", ").Append(EventKinds.Name((EventKind)k)).Append(' ')
                    .Append((100.0 * byKind[k] / stream.Events).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)).Append('%');
            }
        }

        return new WireCost((double)stream.PayloadBytes / stream.Events, (double)mqtt / stream.Events, (double)json / stream.Events,
            (double)stream.Events / stream.Batches.Count, mix.ToString());
    }

    /// <summary>
    /// Runs the firmware core with the virtual peripherals, warmed up first, and measures a span of <paramref name="seconds"/>
    /// of virtual time: bytes allocated on this thread inside <see cref="Rig.Firmware.RigDevice.Poll"/> (drain, debounce,
    /// batch, encode, publish, and the acknowledgements it executes) and in whole ticks (the simulated peripherals too),
    /// and the core's time per event. Per-tick timestamps add about 2 × 20 ns to each ~1 ms tick's measured core time.
    /// </summary>
    public static FirmwareCost Firmware(SimRig rig, double seconds)
    {
        ulong end = rig.NowMicros + (ulong)(seconds * 1e6);
        ulong eventsBefore = rig.Device.EventsCaptured;
        long core = 0;
        long pulse = 0;
        long pulses = 0;
        long coreTicks = 0;
        long tickStart = GC.GetAllocatedBytesForCurrentThread();
        while (rig.NowMicros < end)
        {
            rig.Advance();
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            rig.Poll();
            coreTicks += Stopwatch.GetTimestamp() - t0;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - a0;
            if (rig.PulsedLastPoll)
            {
                pulse += allocated;
                pulses++;
            }
            else
            {
                core += allocated;
            }
        }

        long tick = GC.GetAllocatedBytesForCurrentThread() - tickStart;
        long events = (long)(rig.Device.EventsCaptured - eventsBefore);
        return new FirmwareCost(events, core, pulses, pulse, tick, coreTicks * 1e9 / Stopwatch.Frequency / events);
    }

    /// <summary>Virtual seconds per wall second of the firmware core with the simulated mouse, 30 Hz scanner and valve (no link).</summary>
    public static double SimulatorSpeed(double seconds, int seed)
    {
        var rig = new SimRig(seed, keepBatches: false);
        var wall = Stopwatch.StartNew();
        rig.RunFor(seconds);
        return seconds / wall.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// A whole virtual session as the integration tests and `rig demo` run it: virtual rig at full speed and the real bridge,
    /// through the in-memory broker, recording a journal, then the journal re-decoded. Returns the speed of the session
    /// proper (virtual seconds over the rig's wall seconds, its real-time drain included) and the whole call's wall time.
    /// </summary>
    public static async Task<(double Speed, double TotalWallSeconds, bool Complete)> VirtualSessionSpeedAsync(string root, double seconds, int seed,
        CancellationToken cancellationToken)
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        var wall = Stopwatch.StartNew();
        var result = await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "perf-session", Seed = seed, Speed = 0 },
            new BridgeOptions(), Path.Combine(root, IngestBench.NextPrefix()), TimeSpan.FromSeconds(seconds),
            new SessionStartInfo(links.Description, "rig-bench perf"), TimeProvider.System, NullLogger.Instance, null, cancellationToken);
        return (result.Device.VirtualSeconds / result.Device.WallSeconds, wall.Elapsed.TotalSeconds, result.Complete && result.RedecodeMatches);
    }

    /// <summary>
    /// Memory the bridge's per-session state (decoder bookkeeping, aligning sink and its clock map) holds after a session of
    /// <paramref name="hours"/>, replaying the stream with batch and event numbers continued, one thread; and the ingest rate.
    /// The journal is left out (its memory is two bounded buffers; its size on disk is the payload plus 20 bytes a message).
    /// </summary>
    public static (long RetainedBytes, double EventsPerSecond, long Events) SessionLength(RigStream stream, double hours)
    {
        long batches = (long)(hours * 3600 / stream.VirtualSeconds * stream.Batches.Count);
        GC.Collect();
        long before = GC.GetTotalMemory(true);
        var sink = new AligningSink(stream.ClockMap(0, hours * 3600));
        var decoder = new SessionDecoder("length", sink);
        var status = new DeviceStatus { State = DeviceState.Online, BootId = stream.BootId, FirmwareMinor = 1 };
        var statusBytes = new byte[DeviceStatus.Size];
        status.Write(new ByteWriter(statusBytes, 0, statusBytes.Length));
        decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Status, 0, statusBytes));
        var scratch = new byte[WireLimits.MaxMessageBytes];
        long events = 0;
        var wall = Stopwatch.StartNew();
        for (long b = 0; b < batches; b++)
        {
            byte[] source = stream.Batches[(int)(b % stream.Batches.Count)];
            source.CopyTo(scratch, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch.AsSpan(8), (uint)b);
            BinaryPrimitives.WriteUInt64LittleEndian(scratch.AsSpan(16), (ulong)events);
            decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Events, b, scratch.AsMemory(0, source.Length)));
            events += RigStream.RecordCount(source);
        }

        double seconds = wall.Elapsed.TotalSeconds;
        long after = GC.GetTotalMemory(true);
        if (decoder.EventsTotal != events)
        {
            throw new InvalidOperationException($"session-length replay decoded {decoder.EventsTotal} of {events} events");
        }

        GC.KeepAlive(decoder);
        GC.KeepAlive(sink);
        return (after - before, events / seconds, events);
    }

    /// <summary>A write-only stream that only counts, so JSON sizes are measured without keeping the text.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }
}
