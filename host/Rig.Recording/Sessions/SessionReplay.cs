using System;
using System.Collections.Generic;
using System.IO;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Protocol;

namespace Rig.Recording.Sessions;

/// <summary>A consumer of the replay pass that also sees every journal record (markers included) before it is decoded.</summary>
public interface IRecordConsumer
{
    void OnRecord(in JournalRecord record);
}

/// <summary>A session re-decoded from its journal alone.</summary>
/// <param name="TornTailBytes">Bytes of an incomplete last record (a crash mid-write); the records before it are all decoded.</param>
/// <param name="CorruptionOffset">Where the journal stops being readable (CRC mismatch), or null.</param>
/// <param name="JournalSegments">journal.rigj plus the segments of resumed runs.</param>
public sealed record ReplayResult(string Folder, SessionHeader Header, SessionCounts Counts, long JournalRecords,
    long TornTailBytes, long? CorruptionOffset, string? CorruptionReason, int JournalSegments = 1)
{
    /// <summary>How each segment ended, in order.</summary>
    public IReadOnlyList<SegmentEnding> Segments { get; init; } = [];

    /// <summary>Host time of the last record read, or null for an empty journal.</summary>
    public long? LastHostNanos { get; init; }
}

/// <summary>How one journal segment ended when it was read back: its records, a torn last record, or where it stopped being readable.</summary>
public sealed record SegmentEnding(string Segment, long Records, long TornTailBytes, long? CorruptionOffset, string? Corruption);

/// <summary>
/// One pass over a session's journal segments, in recording order, through the same <see cref="SessionDecoder"/> the live
/// bridge ran: every event reaches every sink once, every record reaches every <see cref="IRecordConsumer"/> once, and the
/// decoder is kept for what it holds beyond the events (the clock map of each boot). A torn tail or corruption ends its own
/// segment only; the torn bytes are summed and the first corruption is reported.
/// </summary>
public sealed class SessionReplay
{
    private SessionReplay(SessionFolder folder, SessionDecoder decoder, ReplayResult result)
    {
        Folder = folder;
        Decoder = decoder;
        Result = result;
    }

    public SessionFolder Folder { get; }

    public SessionDecoder Decoder { get; }

    public ReplayResult Result { get; }

    /// <summary>Opens <paramref name="folder"/> and replays it into <paramref name="sinks"/> (the decode of `rig decode`).</summary>
    public static ReplayResult Decode(string folder, params IEventSink[] sinks) => SessionFolder.Open(folder).Replay(sinks).Result;

    internal static SessionReplay Run(SessionFolder folder, IReadOnlyList<IEventSink> sinks)
    {
        var records = new List<IRecordConsumer>();
        foreach (var sink in sinks)
        {
            if (sink is IRecordConsumer consumer)
            {
                records.Add(consumer);
            }
        }

        var decoder = new SessionDecoder(folder.Header.RigId, sinks.Count switch
        {
            0 => null,
            1 => sinks[0],
            _ => new FanOut(sinks),
        }, RewardVolumes.For(folder.Header.Calibration, folder.Header.RewardDoses));
        var segments = folder.JournalSegments;
        long count = 0;
        long torn = 0;
        long? corruptionOffset = null;
        string? corruptionReason = null;
        long? lastHostNanos = null;
        var endings = new List<SegmentEnding>();
        foreach (string segment in segments)
        {
            using var reader = JournalReader.Open(segment);
            while (reader.TryRead(out var record))
            {
                foreach (var consumer in records)
                {
                    consumer.OnRecord(record);
                }

                decoder.Process(record);
                lastHostNanos = record.HostNanos;
            }

            endings.Add(new SegmentEnding(Path.GetFileName(segment), reader.RecordCount, reader.TornTailBytes, reader.CorruptionOffset, reader.CorruptionReason));
            count += reader.RecordCount;
            torn += reader.TornTailBytes;
            if (corruptionOffset is null && reader.CorruptionOffset is not null)
            {
                corruptionOffset = reader.CorruptionOffset;
                corruptionReason = segments.Count == 1 ? reader.CorruptionReason : $"{Path.GetFileName(segment)}: {reader.CorruptionReason}";
            }
        }

        var result = new ReplayResult(folder.Path, folder.Header, decoder.Summarize(), count, torn, corruptionOffset, corruptionReason, segments.Count)
        {
            Segments = endings,
            LastHostNanos = lastHostNanos,
        };
        return new SessionReplay(folder, decoder, result);
    }

    private sealed class FanOut(IReadOnlyList<IEventSink> sinks) : IEventSink, IVrFrameSink, IAlignedEventSink
    {
        public void OnAligned(in AlignedEvent aligned)
        {
            foreach (var sink in sinks)
            {
                (sink as IAlignedEventSink)?.OnAligned(aligned);
            }
        }

        public void OnVrFrame(VrFrameOutcome frame)
        {
            foreach (var sink in sinks)
            {
                (sink as IVrFrameSink)?.OnVrFrame(frame);
            }
        }

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
            foreach (var sink in sinks)
            {
                sink.OnEvents(bootId, firstEventSeq, records, hostNanos);
            }
        }
    }
}
