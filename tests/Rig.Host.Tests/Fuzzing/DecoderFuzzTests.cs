using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using CsCheck;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Host.Tests.Journal;
using Rig.Protocol;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Fuzzing;

/// <summary>
/// Fuzzing of every decoder that reads bytes from the network or the disk (issue 8, item 5): no exception but the
/// documented one, no hang, and allocation per case under a stated bound. A short run in CI (<see cref="FuzzRun.DefaultCases"/>
/// cases per decoder); the long run is <c>RIG_FUZZ_CASES=1000000 dotnet test --project tests/Rig.Host.Tests --
/// --filter-class "*DecoderFuzzTests"</c>, with <c>RIG_FUZZ_REPORT=FILE</c> for the numbers (docs/security.md).
/// </summary>
public sealed class DecoderFuzzTests
{
    /// <summary>
    /// A decoder that refuses bytes allocates the <see cref="ProtocolException"/> it throws, its message and the stack
    /// trace the runtime captures (about 1-3 KiB measured); one that accepts them allocates nothing for the fixed-size
    /// messages. 16 KiB leaves room for that and for the runtime's lazy one-off allocations, and is far below any
    /// allocation that scales with a hostile length field (the smallest would be a 64 KiB message buffer).
    /// </summary>
    private const long ProtocolDecoderBoundBytes = 16 * 1024;

    [Fact]
    public void The_event_batch_decoder_throws_only_protocol_exceptions_and_allocates_a_bounded_amount_per_case()
    {
        var records = new EventRecord[WireLimits.MaxRecordsPerBatch];
        var lastValues = new long[256];
        var reader = new ByteReader([], 0, 0);
        var (accepted, refused) = FuzzRun.Run("event-batch", FuzzInputs.AnyMessage, bytes =>
        {
            reader.Reset(bytes, 0, bytes.Length);
            var header = EventBatchReader.Decode(reader, records, lastValues);
            Assert.InRange(header.RecordCount, 0, WireLimits.MaxRecordsPerBatch);
        }, _ => ProtocolDecoderBoundBytes);
        Assert.True(accepted > 0 && refused > 0, $"the inputs reached only one outcome ({accepted} accepted, {refused} refused)");
    }

    [Fact]
    public void The_command_decoder_throws_only_protocol_exceptions_and_allocates_a_bounded_amount_per_case()
    {
        var reader = new ByteReader([], 0, 0);
        var (accepted, refused) = FuzzRun.Run("command", FuzzInputs.AnyMessage, bytes =>
        {
            reader.Reset(bytes, 0, bytes.Length);
            var command = Command.Read(reader);
            Assert.Equal(Command.HeaderSize + Command.PayloadSize(command.Opcode), bytes.Length);
        }, _ => ProtocolDecoderBoundBytes);
        Assert.True(accepted > 0 && refused > 0, $"the inputs reached only one outcome ({accepted} accepted, {refused} refused)");
    }

    [Fact]
    public void The_ack_status_and_sync_reply_decoders_throw_only_protocol_exceptions_and_allocate_a_bounded_amount_per_case()
    {
        var reader = new ByteReader([], 0, 0);
        long acks = 0, statuses = 0, syncs = 0, refusals = 0;
        FuzzRun.Run("ack+status+sync", FuzzInputs.AnyMessage, bytes =>
        {
            // All three on every input: each must refuse the others' messages as cleanly as garbage.
            Exception? ack = Attempt(() => { reader.Reset(bytes, 0, bytes.Length); Ack.Read(reader); });
            Exception? status = Attempt(() =>
            {
                if (!DeviceStatus.TryReadOfflineWill(bytes, 0, bytes.Length, out _))
                {
                    reader.Reset(bytes, 0, bytes.Length);
                    DeviceStatus.Read(reader);
                }
            });
            Exception? sync = Attempt(() => { reader.Reset(bytes, 0, bytes.Length); SyncReply.Read(reader); });
            foreach (var e in new[] { ack, status, sync })
            {
                if (e is not null and not ProtocolException)
                {
                    throw e;
                }
            }

            acks += ack is null ? 1 : 0;
            statuses += status is null ? 1 : 0;
            syncs += sync is null ? 1 : 0;
            refusals += (ack is null ? 0 : 1) + (status is null ? 0 : 1) + (sync is null ? 0 : 1);
        }, _ => 3 * ProtocolDecoderBoundBytes);
        Assert.True(acks > 0 && statuses > 0 && syncs > 0 && refusals > 0, $"accepted {acks} acks, {statuses} statuses, {syncs} sync replies; {refusals} refusals");
    }

    [Fact]
    public void The_live_session_decoder_never_throws_and_counts_every_bad_message_with_its_reason()
    {
        // One decoder for the whole run, as the bridge has for a session: hostile input must not make it throw, and a
        // message may cost the bytes it is given (the decoder copies each payload once), a bounded amount, and the
        // growth of the per-batch list, which is proportional to the batches accepted so far (a List doubles: 2 x 24 bytes
        // a slot), never to a number a message claims.
        var decoder = new SessionDecoder("fuzz");
        long cases = 0;
        var topics = Gen.Int[0, 6];
        FuzzRun.Run("session-decoder", Gen.Select(FuzzInputs.AnyMessage, topics), (bytes, topic) =>
        {
            var type = topic == 6 ? JournalRecordType.Sent : JournalRecordType.Received;
            var kind = topic == 6 ? TopicKind.Command : (TopicKind)topic;
            decoder.Process(new JournalRecord(type, kind, cases++, bytes));
        }, input => (2L * input.Item1.Length) + (64 * 1024) + (48 * (decoder.BatchesReceived + SessionDecoder.MaxBatchSeqJump)), allowed: _ => false);

        var counts = decoder.Summarize();
        Assert.NotEmpty(counts.MalformedMessages);

        // Valid batches are reached: decoded, or (once a generated command makes the decoder check identities, docs/security.md)
        // held for a boot no round trip confirmed, which needs them to parse.
        long held = counts.SuspiciousMessages.TryGetValue(SessionDecoder.UnconfirmedBootReason, out long h) ? h : 0;
        Assert.True(counts.EventsTotal > 0 || held > 0, "no generated batch was accepted or held: the generator does not reach valid input");
    }

    [Fact]
    public void Frame_messages_never_make_the_decoder_throw_and_every_bad_one_is_counted_by_field()
    {
        // Valid frame messages (any ids, times, positions, walls) and mutations of them, mixed with photodiode-bearing batches,
        // through one decoder: the live photodiode matcher must take whatever arrives.
        var frames = Gen.Select(Gen.Long[0, long.MaxValue], Gen.Long, Gen.Long[-5, long.MaxValue], Gen.Double, Gen.String, Gen.Int, (id, render, scene, pos, wall, trial) =>
            Encoding.UTF8.GetBytes($"{{\"frame\":{id},\"render_ns\":{render},\"t_us\":{scene},\"pos_dm\":{(double.IsFinite(pos) ? pos.ToString("R", CultureInfo.InvariantCulture) : "null")},"
                + $"\"wall\":{System.Text.Json.JsonSerializer.Serialize(wall)},\"trial\":{trial}}}"));
        var decoder = new SessionDecoder("fuzz");
        long cases = 0;
        FuzzRun.Run("vr-frames", Gen.Select(Gen.Frequency((2, frames), (3, FuzzInputs.Mutate(frames)), (1, FuzzInputs.ValidBatch())), Gen.Bool), (bytes, asFrame) =>
        {
            decoder.Process(new JournalRecord(JournalRecordType.Received, asFrame ? TopicKind.VrFrame : TopicKind.Events, cases++ * 1_000_000, bytes));
        }, input => (4L * input.Item1.Length) + (64 * 1024) + (48 * (decoder.BatchesReceived + SessionDecoder.MaxBatchSeqJump)), allowed: _ => false);

        var vr = decoder.Summarize().Vr!;
        Assert.True(vr.FramesReceived > 0, "no generated frame message was read: the generator does not reach valid input");
        Assert.NotEmpty(vr.MalformedFrames);
    }

    [Fact]
    public void The_journal_reader_throws_only_its_format_exception_and_keeps_every_record_before_the_damage()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("journal.rigj");
        var records = JournalSamples.EveryKind(rounds: 1).GetRange(0, 60);
        long[] offsets = JournalSamples.Write(path, records);
        byte[] journal = File.ReadAllBytes(path);
        // One case in 20 damages the checked part of the file header (magic and version, its first 10 bytes) and only that,
        // so refusals of a bad header are exercised in every run; mutations spread over the whole tail would reach those
        // few bytes too rarely to count on.
        const int checkedHeaderBytes = 10;
        var damage = Gen.Select(Gen.Frequency((1, Gen.Int[0, checkedHeaderBytes - 1]), (19, Gen.Int[checkedHeaderBytes, journal.Length])), Gen.Int[1, 4], Gen.Int);
        long damagedFound = 0;

        var (_, notJournals) = FuzzRun.Run("journal", damage, (at, count, seed) =>
        {
            // Damage confined to the tail from offset 'at': everything that ends before it must come back unchanged.
            byte[] damaged = at < checkedHeaderBytes
                ? [.. journal.AsSpan(0, at), .. Mutations.Apply(journal[at..checkedHeaderBytes], count, seed), .. journal.AsSpan(checkedHeaderBytes)]
                : [.. journal.AsSpan(0, at), .. Mutations.Apply(journal[at..], count, seed)];
            using var reader = JournalReader.Open(new MemoryStream(damaged, writable: false), "fuzzed journal");
            int read = 0;
            while (reader.TryRead(out var record))
            {
                if (read < records.Count && offsets[read] + RecordLength(records[read]) <= at)
                {
                    Assert.Equal(records[read].HostNanos, record.HostNanos);
                    Assert.True(records[read].Payload.Span.SequenceEqual(record.Payload.Span), $"record {read} changed");
                }

                read++;
            }

            int intact = 0;
            while (intact < records.Count && offsets[intact] + RecordLength(records[intact]) <= at)
            {
                intact++;
            }

            Assert.True(read >= intact, $"only {read} records read back, {intact} lie wholly before the damage at {at}");
            damagedFound += reader.CorruptionOffset is null && reader.TornTailBytes == 0 ? 0 : 1;
        }, input => (2L * journal.Length) + JournalFormat.MaxBodyLength + (64 * 1024), allowed: e => e is JournalFormatException);
        Assert.True(damagedFound > 0, "no case was reported as a corrupt or torn journal: the mutations do not reach the records");
        Assert.True(notJournals > 0, "no case damaged the file header: the mutations do not reach it");
    }

    private static long RecordLength(JournalRecord record) => JournalFormat.RecordHeaderLength + JournalFormat.BodyHeaderLength + record.Payload.Length;

    private static Exception? Attempt(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}

/// <summary>Runs one fuzz target under CsCheck and checks the limits on every case.</summary>
public static class FuzzRun
{
    /// <summary>Cases per decoder in CI: a few seconds each on one core.</summary>
    public const long DefaultCases = 20_000;

    /// <summary>
    /// Longest a single case may take, wall time, before it counts as a hang. Decoding one message takes microseconds
    /// (docs/security.md has the measured figures), but on a shared machine a thread can stall for many seconds (one
    /// case took 20 s at a load average of 50 on 2 cores): 60 s names a hang, never slowness. Each case's time is
    /// reported as a maximum, not asserted as a goal.
    /// </summary>
    private static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(60);

    public static long Cases =>
        long.TryParse(Environment.GetEnvironmentVariable("RIG_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : DefaultCases;

    public static (long Accepted, long Refused) Run(string name, Gen<byte[]> gen, Action<byte[]> target, Func<byte[], long> allocationBound, Func<Exception, bool>? allowed = null) =>
        Run<byte[]>(name, gen, target, allocationBound, allowed);

    public static (long Accepted, long Refused) Run<T1, T2>(string name, Gen<(T1, T2)> gen, Action<T1, T2> target, Func<(T1, T2), long> allocationBound, Func<Exception, bool>? allowed = null) =>
        Run(name, gen, input => target(input.Item1, input.Item2), allocationBound, allowed);

    public static (long Accepted, long Refused) Run<T1, T2, T3>(string name, Gen<(T1, T2, T3)> gen, Action<T1, T2, T3> target, Func<(T1, T2, T3), long> allocationBound, Func<Exception, bool>? allowed = null) =>
        Run(name, gen, input => target(input.Item1, input.Item2, input.Item3), allocationBound, allowed);

    /// <summary>Runs <see cref="Cases"/> cases; returns how many the target accepted and how many it refused with an allowed exception.</summary>
    public static (long Accepted, long Refused) Run<T>(string name, Gen<T> gen, Action<T> target, Func<T, long> allocationBound, Func<Exception, bool>? allowed = null)
    {
        allowed ??= e => e is ProtocolException;
        long accepted = 0, refused = 0, maxAllocated = 0, totalAllocated = 0;
        var maxTime = TimeSpan.Zero;
        var total = Stopwatch.StartNew();

        // One thread: the allocation counter is per thread, and the CI machine's cores are shared.
        gen.Sample(
            input =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                long started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    target(input);
                    ok = true;
                }
                catch (Exception e) when (allowed(e))
                {
                    ok = false;
                }

                var took = Stopwatch.GetElapsedTime(started);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (took > HangAfter)
                {
                    throw new TimeoutException($"{name}: one case took {took.TotalMilliseconds:0} ms (hang)");
                }

                long bound = allocationBound(input);
                if (allocated > bound)
                {
                    throw new InvalidOperationException($"{name}: one case allocated {allocated:N0} bytes, above the bound of {bound:N0}");
                }

                if (ok)
                {
                    accepted++;
                }
                else
                {
                    refused++;
                }

                maxAllocated = Math.Max(maxAllocated, allocated);
                totalAllocated += allocated;
                maxTime = took > maxTime ? took : maxTime;
            },
            seed: Environment.GetEnvironmentVariable("RIG_FUZZ_SEED"),
            iter: Cases,
            threads: 1);

        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"fuzz {name}: {accepted + refused:N0} cases ({accepted:N0} accepted, {refused:N0} refused) in {total.Elapsed.TotalSeconds:0.0} s ({total.Elapsed.TotalMicroseconds / Math.Max(1, accepted + refused):0.0} µs a case with generation); allocated per case: mean {totalAllocated / Math.Max(1, accepted + refused):N0} bytes, max {maxAllocated:N0}; slowest case {maxTime.TotalMilliseconds:0.0} ms");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("RIG_FUZZ_REPORT") is { Length: > 0 } report)
        {
            File.AppendAllText(report, line + Environment.NewLine);
        }

        return (accepted, refused);
    }
}
