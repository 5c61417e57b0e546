using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using Rig.Recording.Journal;
using Rig.Protocol;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Journal;

public sealed class JournalReaderTests
{
    private static List<JournalRecord> ThreeRecords() =>
    [
        new(JournalRecordType.Marker, TopicKind.Unknown, 10, "{\"event\":\"start\"}"u8.ToArray()),
        new(JournalRecordType.Received, TopicKind.Events, 20, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }),
        new(JournalRecordType.Sent, TopicKind.Command, 30, new byte[] { 0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 }),
    ];

    [Fact]
    public void Records_of_every_type_and_topic_round_trip_with_exact_bytes_and_times()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");
        List<JournalRecord> expected = JournalSamples.EveryKind();

        JournalSamples.Write(path, expected);
        JournalReadResult result = JournalReader.Read(path);

        Assert.True(result.IsComplete);
        Assert.Equal(expected.Count, result.RecordCount);
        JournalSamples.AssertSame(expected, result.Records);
        Assert.Equal(new FileInfo(path).Length, result.ValidLength);
    }

    [Fact]
    public void Cutting_the_file_anywhere_inside_the_last_record_returns_the_earlier_records_and_reports_a_torn_tail()
    {
        using var dir = new TempDirectory();
        string whole = dir.Combine("whole.rigj");
        List<JournalRecord> records = ThreeRecords();
        long lastStart = JournalSamples.Write(whole, records)[^1];
        byte[] bytes = File.ReadAllBytes(whole);

        for (long cut = lastStart; cut < bytes.Length; cut++)
        {
            string path = dir.Combine($"cut-{cut}.rigj");
            File.WriteAllBytes(path, bytes.AsSpan(0, (int)cut).ToArray());

            JournalReadResult result = JournalReader.Read(path);

            JournalSamples.AssertSame(records[..2], result.Records);
            Assert.Equal(cut - lastStart, result.TornTailBytes);
            Assert.Null(result.CorruptionOffset);
            Assert.Equal(lastStart, result.ValidLength);
        }
    }

    [Fact]
    public void Flipping_any_checked_byte_of_the_middle_record_reports_corruption_at_its_offset_and_keeps_the_records_before()
    {
        using var dir = new TempDirectory();
        string whole = dir.Combine("whole.rigj");
        List<JournalRecord> records = ThreeRecords();
        long[] offsets = JournalSamples.Write(whole, records);
        byte[] bytes = File.ReadAllBytes(whole);
        long middle = offsets[1];

        // The CRC field and the whole body: every byte the CRC protects, and the CRC itself.
        for (long at = middle + 4; at < offsets[2]; at++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0xFF;
            string path = dir.Combine($"flip-{at}.rigj");
            File.WriteAllBytes(path, damaged);

            JournalReadResult result = JournalReader.Read(path);

            Assert.Equal(middle, result.CorruptionOffset);
            Assert.Contains("CRC mismatch", result.CorruptionReason, StringComparison.Ordinal);
            Assert.Equal(0, result.TornTailBytes);
            JournalSamples.AssertSame(records[..1], result.Records);
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(11u)]
    [InlineData(12u + (1024 * 1024) + 1)]
    [InlineData(0x8000_001Cu)]
    public void An_impossible_record_length_reports_corruption_at_that_record(uint length)
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");
        List<JournalRecord> records = ThreeRecords();
        long middle = JournalSamples.Write(path, records)[1];
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)middle, 4), length);
        File.WriteAllBytes(path, bytes);

        JournalReadResult result = JournalReader.Read(path);

        Assert.Equal(middle, result.CorruptionOffset);
        Assert.Contains($"impossible record length {length}", result.CorruptionReason, StringComparison.Ordinal);
        JournalSamples.AssertSame(records[..1], result.Records);
    }

    [Theory]
    [InlineData(new byte[0], "shorter than the 16-byte journal header (0 bytes)")]
    [InlineData(new byte[] { 0x52, 0x49, 0x47, 0x4A, 0x52, 0x4E, 0x4C, 0x00, 0x01 }, "shorter than the 16-byte journal header (9 bytes)")]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x7D, 0x0A, 0x7B, 0x22, 0x62, 0x22, 0x3A, 0x32, 0x7D, 0x0A, 0x00 }, "does not start with the journal magic")]
    [InlineData(new byte[] { 0x52, 0x49, 0x47, 0x4A, 0x52, 0x4E, 0x4C, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, "journal format version 2")]
    public void A_file_that_is_not_a_journal_gives_JournalFormatException_naming_the_file_and_the_problem(byte[] content, string problem)
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("not-a-journal.rigj");
        File.WriteAllBytes(path, content);

        JournalFormatException ex = Assert.Throws<JournalFormatException>(() => JournalReader.Read(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void A_reader_stopped_at_a_torn_tail_reads_the_record_once_the_rest_of_it_arrives()
    {
        using var dir = new TempDirectory();
        string source = dir.Combine("source.rigj");
        List<JournalRecord> records = ThreeRecords();
        long lastStart = JournalSamples.Write(source, records)[^1];
        byte[] bytes = File.ReadAllBytes(source);
        string path = dir.Combine("growing.rigj");
        int split = (int)lastStart + 13;
        using var growing = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        growing.Write(bytes, 0, split);
        growing.Flush();

        using JournalReader reader = JournalReader.Open(path);
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out _));
        Assert.False(reader.TryRead(out _));
        Assert.Equal(13, reader.TornTailBytes);

        growing.Write(bytes, split, bytes.Length - split);
        growing.Flush();

        Assert.True(reader.TryRead(out JournalRecord last));
        JournalSamples.AssertSame(records[2], last);
        Assert.Equal(0, reader.TornTailBytes);
        Assert.False(reader.TryRead(out _));
        Assert.Equal(3, reader.RecordCount);
    }
}
