using System;
using Rig.Protocol;

namespace Rig.Recording.Journal;

/// <summary>What a journal record holds.</summary>
public enum JournalRecordType : byte
{
    /// <summary>A message the bridge received, byte for byte.</summary>
    Received = 1,

    /// <summary>A message the bridge published (commands), byte for byte.</summary>
    Sent = 2,

    /// <summary>A bridge marker: UTF-8 JSON (session start, stop, notes).</summary>
    Marker = 3,
}

/// <summary>One record of a session journal: raw bytes plus the host monotonic time they were seen.</summary>
/// <param name="HostNanos">Host monotonic clock (TimeProvider timestamp converted to ns), never wall-clock time.</param>
public readonly record struct JournalRecord(JournalRecordType Type, TopicKind Topic, long HostNanos, ReadOnlyMemory<byte> Payload);
