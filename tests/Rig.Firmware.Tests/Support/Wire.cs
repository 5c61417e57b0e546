using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Protocol;

namespace Rig.Firmware.Tests.Support;

/// <summary>One event batch as the host decodes it.</summary>
public sealed record DecodedBatch(EventBatchHeader Header, EventRecord[] Records)
{
    public uint BatchSeq => Header.BatchSeq;

    public ulong FirstEventSeq => Header.FirstEventSeq;

    /// <summary>Sequence number just past the last record.</summary>
    public ulong EndEventSeq => Header.FirstEventSeq + Header.RecordCount;

    public bool Resent => (Header.Flags & EventBatchFlags.Resent) != 0;

    /// <summary>(seq, kind, channel, value, time) of every record.</summary>
    public IEnumerable<Evt> Events() =>
        Records.Select((r, i) => new Evt(Header.FirstEventSeq + (ulong)i, r.Kind, r.Channel, r.Value, r.DeviceMicros));
}

/// <summary>A decoded event with its sequence number, comparable by value.</summary>
public readonly record struct Evt(ulong Seq, EventKind Kind, byte Channel, long Value, ulong Micros);

/// <summary>Decodes what the device put on the wire with the shared protocol readers.</summary>
public static class Wire
{
    public static DecodedBatch DecodeBatch(byte[] bytes)
    {
        var records = new EventRecord[WireLimits.MaxRecordsPerBatch];
        EventBatchHeader header = EventBatchReader.Decode(new ByteReader(bytes, 0, bytes.Length), records);
        return new DecodedBatch(header, records.AsSpan(0, header.RecordCount).ToArray());
    }

    public static Ack DecodeAck(byte[] bytes) => Ack.Read(new ByteReader(bytes, 0, bytes.Length));

    public static DeviceStatus DecodeStatus(byte[] bytes) => DeviceStatus.Read(new ByteReader(bytes, 0, bytes.Length));

    public static SyncReply DecodeSyncReply(byte[] bytes) => SyncReply.Read(new ByteReader(bytes, 0, bytes.Length));

    /// <summary>Every event once (resent copies dropped), ordered by sequence number.</summary>
    public static List<Evt> DistinctEvents(IEnumerable<DecodedBatch> batches) =>
        batches.GroupBy(b => b.BatchSeq).Select(g => g.First()).SelectMany(b => b.Events()).OrderBy(e => e.Seq).ToList();
}
