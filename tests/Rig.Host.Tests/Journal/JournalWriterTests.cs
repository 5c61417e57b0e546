using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Journal;
using Rig.Protocol;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Journal;

public sealed class JournalWriterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_file_has_exactly_the_documented_bytes()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");

        using (JournalWriter writer = JournalWriter.Create(path, TimeProvider.System))
        {
            writer.Append(JournalRecordType.Received, TopicKind.Events, 0x0102030405060708, [0xAA, 0xBB]);
        }

        byte[] expected =
        [
            (byte)'R', (byte)'I', (byte)'G', (byte)'J', (byte)'R', (byte)'N', (byte)'L', 0x00,
            0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,

            // Body length 14, then the CRC-32 of the body as computed independently (zlib.crc32 = 0x0D62EE34).
            0x0E, 0x00, 0x00, 0x00, 0x34, 0xEE, 0x62, 0x0D,
            0x01, 0x01, 0x00, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
            0xAA, 0xBB,
        ];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Counters_match_the_file_after_dispose()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");
        List<JournalRecord> records = JournalSamples.EveryKind(rounds: 1);

        JournalWriter writer = JournalWriter.Create(path, TimeProvider.System);
        foreach (JournalRecord record in records)
        {
            writer.Append(record.Type, record.Topic, record.HostNanos, record.Payload.Span);
        }

        writer.Dispose();

        long length = new FileInfo(path).Length;
        Assert.Equal(records.Count, writer.RecordsWritten);
        Assert.Equal(length, writer.BytesWritten);
        Assert.Equal(length, writer.BytesFlushed);
        Assert.Equal(length, writer.BytesSynced);
        Assert.Null(writer.Failure);
    }

    [Fact]
    public void Creating_a_journal_where_a_file_exists_throws_and_leaves_that_file_byte_for_byte_unchanged()
    {
        using var dir = new TempDirectory();
        string journal = dir.Combine("journal.rigj");
        JournalSamples.Write(journal, JournalSamples.EveryKind(rounds: 1));
        string other = dir.Combine("other.rigj");
        File.WriteAllBytes(other, "not a journal, but still not ours to overwrite"u8.ToArray());

        foreach (string path in new[] { journal, other })
        {
            byte[] before = File.ReadAllBytes(path);
            DateTime writtenBefore = File.GetLastWriteTimeUtc(path);

            JournalExistsException ex = Assert.Throws<JournalExistsException>(() => JournalWriter.Create(path, TimeProvider.System));

            Assert.Equal(path, ex.Path);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(writtenBefore, File.GetLastWriteTimeUtc(path));
        }
    }

    [Fact]
    public async Task Records_appended_without_dispose_reach_the_file_within_the_flush_interval()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");
        List<JournalRecord> records = JournalSamples.EveryKind(rounds: 1)[..20];
        await using JournalWriter writer = JournalWriter.Create(path, TimeProvider.System);
        foreach (JournalRecord record in records)
        {
            writer.Append(record.Type, record.Topic, record.HostNanos, record.Payload.Span);
        }

        long expectedLength = writer.BytesWritten;
        await Eventually.WaitUntil(
            () => JournalSamples.ReadShared(path).Length == expectedLength,
            Patience,
            "the timer to write the records to the file",
            TestContext.Current.CancellationToken);

        JournalReadResult result = JournalReader.Read(path);
        Assert.True(result.IsComplete);
        JournalSamples.AssertSame(records, result.Records);

        await Eventually.WaitUntil(
            () => writer.BytesSynced == expectedLength,
            Patience,
            "the timer to sync the records to disk",
            TestContext.Current.CancellationToken);
    }

    [Fact]
    public void The_timer_writes_after_each_flush_interval_and_syncs_once_per_sync_interval()
    {
        var clock = new ManualTimeProvider();
        var stream = new FaultyStream();
        // The disk work in the timer callback itself, so each Advance has done it when it returns.
        var options = new JournalWriterOptions { FlushInterval = TimeSpan.FromMilliseconds(200), SyncInterval = TimeSpan.FromSeconds(1), OwnDiskThread = false };
        using var writer = new JournalWriter(stream, "test.rigj", clock, options);
        int headerSyncs = stream.SyncCount;
        Assert.Equal(JournalFormat.FileHeaderLength, stream.Length);

        writer.Append(JournalRecordType.Received, TopicKind.Events, 1, [1, 2, 3]);
        clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(JournalFormat.FileHeaderLength, stream.Length);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(writer.BytesWritten, stream.Length);
        Assert.Equal(writer.BytesWritten, writer.BytesFlushed);
        Assert.Equal(headerSyncs, stream.SyncCount);

        clock.Advance(TimeSpan.FromMilliseconds(799));
        Assert.Equal(headerSyncs, stream.SyncCount);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(headerSyncs + 1, stream.SyncCount);
        Assert.Equal(writer.BytesWritten, writer.BytesSynced);

        // Nothing new: no pointless syncs.
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(headerSyncs + 1, stream.SyncCount);

        writer.Append(JournalRecordType.Sent, TopicKind.Command, 2, [4]);
        writer.Flush();
        Assert.Equal(headerSyncs + 2, stream.SyncCount);
        Assert.Equal(writer.BytesWritten, stream.Length);
    }

    [Fact]
    public async Task A_slow_disk_holds_the_journals_own_thread_not_the_timers_and_appends_go_on_meanwhile()
    {
        var clock = new ManualTimeProvider();
        using var stream = new GatedStream();
        using var writer = new JournalWriter(stream, "test.rigj", clock);
        writer.Append(JournalRecordType.Received, TopicKind.Events, 1, [1, 2, 3]);
        stream.Block();

        // The timer fires on this thread (a manual clock): it must come back while the write is stuck on the disk.
        clock.Advance(JournalWriterOptions.Default.FlushInterval);
        await Eventually.WaitUntil(() => stream.Blocked, Patience, "the disk thread to start writing", TestContext.Current.CancellationToken);
        writer.Append(JournalRecordType.Received, TopicKind.Events, 2, [4]);
        Assert.Equal(JournalFormat.FileHeaderLength, writer.BytesFlushed);

        stream.Release();
        long firstRecord = writer.BytesWritten - (JournalFormat.RecordHeaderLength + JournalFormat.BodyHeaderLength + 1);
        await Eventually.WaitUntil(() => writer.BytesFlushed == firstRecord, Patience, "the stuck write to finish", TestContext.Current.CancellationToken);
        clock.Advance(JournalWriterOptions.Default.FlushInterval);
        await Eventually.WaitUntil(() => writer.BytesFlushed == writer.BytesWritten, Patience, "the next timer round to write the second record",
            TestContext.Current.CancellationToken);
        Assert.Equal(writer.BytesWritten, stream.Length);
    }

    [Fact]
    public async Task Appends_from_four_threads_produce_whole_uncorrupted_records()
    {
        const int threads = 4;
        const int perThread = 5000;
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");

        // A tiny interval and buffer limit make the timer and the write-through path race the appenders.
        var options = new JournalWriterOptions { FlushInterval = TimeSpan.FromMilliseconds(1), BufferLimitBytes = 4096 };
        var failures = new ConcurrentQueue<Exception>();
        await using (JournalWriter writer = JournalWriter.Create(path, TimeProvider.System, options))
        {
            using var start = new Barrier(threads);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                byte id = (byte)t;
                workers[t] = new Thread(() =>
                {
                    try
                    {
                        start.SignalAndWait(TestContext.Current.CancellationToken);
                        for (int seq = 0; seq < perThread; seq++)
                        {
                            writer.Append(JournalRecordType.Received, TopicKind.Events, seq, Payload(id, seq));
                        }
                    }
                    catch (Exception ex)
                    {
                        // Rethrown on the test thread through the assertion below.
                        failures.Enqueue(ex);
                    }
                });
                workers[t].Start();
            }

            foreach (Thread worker in workers)
            {
                worker.Join();
            }
        }

        Assert.Empty(failures);
        JournalReadResult result = JournalReader.Read(path);
        Assert.True(result.IsComplete);
        Assert.Equal(threads * perThread, result.RecordCount);
        int[] next = new int[threads];
        foreach (JournalRecord record in result.Records)
        {
            byte id = record.Payload.Span[0];
            int seq = next[id]++;
            Assert.Equal(seq, record.HostNanos);
            Assert.Equal(Payload(id, seq), record.Payload.ToArray());
        }

        Assert.All(next, count => Assert.Equal(perThread, count));

        static byte[] Payload(byte id, int seq)
        {
            byte[] payload = new byte[5 + (seq % 50)];
            payload[0] = id;
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(1), seq);
            payload.AsSpan(5).Fill((byte)seq);
            return payload;
        }
    }

    [Fact]
    public void A_failed_timer_write_surfaces_as_JournalWriteException_on_every_later_Append()
    {
        var clock = new ManualTimeProvider();
        var stream = new FaultyStream();
        var diskFull = new IOException("No space left on device");
        var writer = new JournalWriter(stream, "test.rigj", clock, new JournalWriterOptions { OwnDiskThread = false });
        writer.Append(JournalRecordType.Received, TopicKind.Events, 1, [1]);

        stream.FailWith = diskFull;
        clock.Advance(JournalWriterOptions.Default.FlushInterval);

        Assert.Same(diskFull, writer.Failure);
        for (int i = 0; i < 2; i++)
        {
            JournalWriteException ex = Assert.Throws<JournalWriteException>(() => writer.Append(JournalRecordType.Received, TopicKind.Events, 2, [2]));
            Assert.Same(diskFull, ex.InnerException);
            Assert.Contains("test.rigj", ex.Message, StringComparison.Ordinal);
        }

        // Already reported by Append: closing does not throw it a second time.
        writer.Dispose();
    }

    [Fact]
    public void A_failed_write_through_throws_from_the_Append_that_triggered_it()
    {
        var stream = new FaultyStream();
        var ioError = new IOException("I/O error");
        var writer = new JournalWriter(stream, "test.rigj", new ManualTimeProvider(), new JournalWriterOptions { BufferLimitBytes = 64 });
        writer.Append(JournalRecordType.Received, TopicKind.Events, 1, [1]);
        stream.FailWith = ioError;

        JournalWriteException ex = Assert.Throws<JournalWriteException>(() => writer.Append(JournalRecordType.Received, TopicKind.Events, 2, new byte[64]));

        Assert.Same(ioError, ex.InnerException);
        writer.Dispose();
    }

    [Fact]
    public void Flush_throws_JournalWriteException_with_the_original_cause()
    {
        var stream = new FaultyStream();
        var ioError = new IOException("I/O error");
        var writer = new JournalWriter(stream, "test.rigj", new ManualTimeProvider());
        writer.Append(JournalRecordType.Sent, TopicKind.Command, 1, [1]);
        stream.FailWith = ioError;

        JournalWriteException ex = Assert.Throws<JournalWriteException>(writer.Flush);

        Assert.Same(ioError, ex.InnerException);
        writer.Dispose();
    }

    [Fact]
    public async Task Dispose_throws_a_write_failure_that_nothing_has_reported_yet()
    {
        var stream = new FaultyStream();
        var ioError = new IOException("I/O error");
        var writer = new JournalWriter(stream, "test.rigj", new ManualTimeProvider());
        writer.Append(JournalRecordType.Marker, TopicKind.Unknown, 1, "{}"u8);
        stream.FailWith = ioError;

        JournalWriteException ex = await Assert.ThrowsAsync<JournalWriteException>(async () => await writer.DisposeAsync());

        Assert.Same(ioError, ex.InnerException);
    }

    [Fact]
    public void Append_refuses_a_payload_over_the_limit_and_any_record_after_dispose()
    {
        var writer = new JournalWriter(new FaultyStream(), "test.rigj", new ManualTimeProvider());

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Append(JournalRecordType.Received, TopicKind.Events, 1, new byte[JournalFormat.MaxPayloadLength + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Append((JournalRecordType)9, TopicKind.Events, 1, [1]));
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.Append(JournalRecordType.Received, TopicKind.Events, 1, [1]));
        Assert.Equal(0, writer.RecordsWritten);
    }

    [Theory]
    [InlineData(1_000_000_000L, 123_456_789_012_345_678L)]
    [InlineData(10_000_000L, 31_536_000_000_000_000L)]
    [InlineData(3_579_545L, 3_579_545L * 86_400 * 365 * 200)]
    [InlineData(10_000_000_000L, long.MaxValue)]
    [InlineData(10_000_000L, 12_345_678L)]
    public void HostNanos_scales_long_uptimes_without_overflow(long frequency, long timestamp)
    {
        var clock = new ManualTimeProvider(frequency, timestamp);

        long nanos = JournalWriter.HostNanos(clock);

        Assert.Equal((long)(new BigInteger(timestamp) * 1_000_000_000 / frequency), nanos);
    }
}
