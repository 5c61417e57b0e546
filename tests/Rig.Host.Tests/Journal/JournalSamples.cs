using System;
using System.Collections.Generic;
using System.IO;
using Rig.Recording.Journal;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.Journal;

internal static class JournalSamples
{
    /// <summary>Every record type with every topic kind, assorted payload sizes (empty and the maximum included) and extreme times.</summary>
    public static List<JournalRecord> EveryKind(int rounds = 5)
    {
        var random = new Random(20240611);
        long[] times = [0, 1, -1, long.MaxValue, long.MinValue, 123_456_789_012_345];
        int[] sizes = [0, 1, 7, 300];
        var records = new List<JournalRecord>();
        for (int round = 0; round < rounds; round++)
        {
            foreach (JournalRecordType type in Enum.GetValues<JournalRecordType>())
            {
                foreach (TopicKind topic in Enum.GetValues<TopicKind>())
                {
                    foreach (int size in sizes)
                    {
                        byte[] payload = new byte[size];
                        random.NextBytes(payload);
                        records.Add(new JournalRecord(type, topic, times[records.Count % times.Length], payload));
                    }
                }
            }
        }

        byte[] largest = new byte[JournalFormat.MaxPayloadLength];
        random.NextBytes(largest);
        records.Add(new JournalRecord(JournalRecordType.Received, TopicKind.Events, 42, largest));
        return records;
    }

    /// <summary>Writes <paramref name="records"/> to a new journal; returns the file offset of each record.</summary>
    public static long[] Write(string path, IReadOnlyList<JournalRecord> records)
    {
        var offsets = new long[records.Count];
        long offset = JournalFormat.FileHeaderLength;
        using JournalWriter writer = JournalWriter.Create(path, TimeProvider.System);
        for (int i = 0; i < records.Count; i++)
        {
            JournalRecord record = records[i];
            writer.Append(record.Type, record.Topic, record.HostNanos, record.Payload.Span);
            offsets[i] = offset;
            offset += JournalFormat.RecordHeaderLength + JournalFormat.BodyHeaderLength + record.Payload.Length;
        }

        return offsets;
    }

    public static void AssertSame(JournalRecord expected, JournalRecord actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.HostNanos, actual.HostNanos);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
    }

    public static void AssertSame(IReadOnlyList<JournalRecord> expected, IReadOnlyList<JournalRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSame(expected[i], actual[i]);
        }
    }

    /// <summary>Reads the file through a separate handle that tolerates a writer holding it open.</summary>
    public static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
