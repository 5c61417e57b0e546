using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CsCheck;
using Rig.Protocol;
using Rig.TestSupport;

namespace Rig.Host.Tests.Fuzzing;

/// <summary>
/// Hostile inputs for the decoders: random bytes, valid messages built from generated fields (so the fuzzer reaches deep
/// into each format), and the golden vectors of tests/vectors mutated (bit flips, overwrites with boundary values,
/// insertions, deletions, truncation, duplicated and spliced chunks). Every mutation is derived from generated numbers, so
/// CsCheck can replay and shrink a failing case from its seed.
/// </summary>
public static class FuzzInputs
{
    private static readonly Lazy<byte[][]> LazyVectors = new(LoadVectors);

    /// <summary>Every golden vector, valid and invalid (tests/vectors/*.hex and tests/vectors/invalid/*.hex).</summary>
    public static byte[][] Vectors => LazyVectors.Value;

    /// <summary>Bytes for any decoder: a mix of every source, weighted towards inputs close to valid ones.</summary>
    public static Gen<byte[]> AnyMessage { get; } = Gen.Frequency(
        (1, Gen.Byte.Array[0, 200]),
        (3, MutatedVectors()),
        (2, Gen.OneOf(ValidBatch(), ValidCommand(), ValidAck(), ValidStatus(), ValidSyncReply())),
        (3, Mutate(Gen.OneOf(ValidBatch(), ValidCommand(), ValidAck(), ValidStatus(), ValidSyncReply()))));

    public static Gen<byte[]> MutatedVectors() => Mutate(Gen.Int[0, Vectors.Length - 1].Select(i => Vectors[i]));

    /// <summary>Applies 1 to 6 mutations to each input.</summary>
    public static Gen<byte[]> Mutate(Gen<byte[]> inputs) =>
        Gen.Select(inputs, Gen.Int[1, 6], Gen.Int, (bytes, count, seed) => Mutations.Apply(bytes, count, seed));

    /// <summary>An event batch written by the real writer from generated records (any kind number 1-15, any channel, extreme values and times).</summary>
    public static Gen<byte[]> ValidBatch() =>
        Gen.Select(Gen.UInt, Gen.UInt, Gen.ULong[0, ulong.MaxValue / 2], Gen.Int[1, 60], Gen.Int, (boot, batchSeq, firstSeq, count, seed) =>
        {
            var random = new Random(seed);
            var writer = new EventBatchWriter();
            byte[] buffer = new byte[WireLimits.MaxMessageBytes];
            ulong micros = (ulong)random.NextInt64(0, long.MaxValue / 4);
            writer.Begin(buffer, 0, buffer.Length, boot, batchSeq, firstSeq, micros, (uint)random.Next(0, 3), WireLimits.MaxRecordsPerBatch);
            for (int i = 0; i < count; i++)
            {
                micros += (ulong)(random.Next(4) == 0 ? random.NextInt64(0, uint.MaxValue) : random.Next(0, 2000));
                long value = random.Next(3) switch
                {
                    0 => random.NextInt64(long.MinValue, long.MaxValue),
                    1 => random.Next(-2, 3),
                    _ => random.Next(),
                };
                writer.TryAppend((EventKind)random.Next(1, EventKinds.Count + 1), (byte)random.Next(0, 16), value, micros);
            }

            int length = writer.Finish();
            return buffer.AsSpan(0, length).ToArray();
        });

    public static Gen<byte[]> ValidCommand() =>
        Gen.Select(Gen.Int[1, 10], Gen.UInt, Gen.UInt, Gen.Int, (opcode, id, boot, seed) =>
        {
            var random = new Random(seed);
            var command = new Command
            {
                Opcode = (CommandOpcode)opcode,
                CommandId = id,
                TargetBootId = random.Next(2) == 0 ? 0 : boot,
                Flags = (byte)random.Next(0, 2),
                Channel = (byte)random.Next(0, 16),
                DurationMicros = (uint)random.NextInt64(0, uint.MaxValue),
                BatchSeq = (uint)random.NextInt64(0, uint.MaxValue),
                BatchCount = (ushort)random.Next(0, ushort.MaxValue),
                Level = (byte)random.Next(0, 2),
                FrequencyHz = (ushort)random.Next(0, ushort.MaxValue),
                HostTime = (ulong)random.NextInt64(),
                WindowStartMicros = (ulong)random.NextInt64(),
                WindowEndMicros = (ulong)random.NextInt64(),
            };
            return Write(command.Write, Command.MaxSize);
        });

    public static Gen<byte[]> ValidAck() =>
        Gen.Select(Gen.Int[0, 12], Gen.Int[1, 10], Gen.UInt, Gen.ULong, (result, opcode, id, micros) =>
        {
            var ack = new Ack { Result = (AckResult)result, Opcode = (CommandOpcode)opcode, CommandId = id, BootId = id ^ 0x5A5A, DeviceMicros = micros, Detail = id >> 3 };
            return Write(ack.Write, Ack.Size);
        });

    public static Gen<byte[]> ValidStatus() =>
        Gen.Select(Gen.UInt, Gen.ULong, Gen.UInt, Gen.UInt, (boot, captured, sent, unacked) =>
        {
            var status = new DeviceStatus
            {
                State = DeviceState.Online, BootId = boot, EventsCaptured = captured, BatchesSent = sent, UnackedBatches = unacked,
                UptimeMicros = captured / 3, EventsLost = unacked / 2,
            };
            return Write(status.Write, DeviceStatus.Size);
        });

    public static Gen<byte[]> ValidSyncReply() =>
        Gen.Select(Gen.UInt, Gen.UInt, Gen.ULong, Gen.ULong, (id, boot, host, device) =>
        {
            var reply = new SyncReply { CommandId = id, BootId = boot, HostTime = host, DeviceReceiveMicros = device, DeviceReplyMicros = device + 40 };
            return Write(reply.Write, SyncReply.Size);
        });

    private static byte[] Write(Action<ByteWriter> write, int size)
    {
        byte[] buffer = new byte[size + 64];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        write(writer);
        return buffer.AsSpan(0, writer.Position).ToArray();
    }

    private static byte[][] LoadVectors()
    {
        string folder = RepositoryRoot.Combine("tests", "vectors");
        return Directory.GetFiles(folder, "*.hex", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(ParseHex)
            .ToArray();
    }

    private static byte[] ParseHex(string path)
    {
        var bytes = new List<byte>();
        foreach (string line in File.ReadLines(path))
        {
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            foreach (string pair in (hash >= 0 ? line[..hash] : line).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                bytes.Add(byte.Parse(pair, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return [.. bytes];
    }
}

/// <summary>Byte-level mutations, chosen by a seeded <see cref="Random"/>.</summary>
public static class Mutations
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0xFE, 0xFF];

    public static byte[] Apply(byte[] input, int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new List<byte>(input);
        for (int i = 0; i < count; i++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 3:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at); // truncation
                    break;
                case 6 when bytes.Count > 0:
                    int length = random.Next(1, Math.Min(32, bytes.Count - at) + 1);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length)); // duplicated chunk
                    break;
                case 7 when bytes.Count >= 4:
                    // A little-endian u16/u32 field set to a boundary value (lengths and counts live in such fields).
                    int width = random.Next(2) == 0 ? 2 : 4;
                    uint value = random.Next(3) switch { 0 => 0, 1 => uint.MaxValue, _ => (uint)random.Next(0, 70000) };
                    for (int b = 0; b < width && at + b < bytes.Count; b++)
                    {
                        bytes[at + b] = (byte)(value >> (8 * b));
                    }

                    break;
                case 8:
                    // Splice in a piece of another golden vector.
                    byte[] other = FuzzInputs.Vectors[random.Next(FuzzInputs.Vectors.Length)];
                    int from = random.Next(other.Length + 1);
                    bytes.InsertRange(at, other.AsSpan(from, random.Next(other.Length - from + 1)).ToArray());
                    break;
                default:
                    bytes.Add((byte)random.Next(256));
                    break;
            }
        }

        return [.. bytes];
    }
}
