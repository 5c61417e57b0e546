using System;
using Rig.Protocol;

namespace Rig.Firmware.Tests.Support;

/// <summary>Host commands, built and encoded with the shared contract.</summary>
public static class Cmd
{
    public static byte[] Encode(Command command)
    {
        byte[] buffer = new byte[64];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        command.Write(writer);
        return buffer.AsSpan(0, writer.Position).ToArray();
    }

    public static Command Ping(uint id, uint targetBoot = 0) =>
        new() { Opcode = CommandOpcode.Ping, CommandId = id, TargetBootId = targetBoot };

    public static Command PulseValve(uint id, byte channel, uint durationMicros, uint targetBoot = 0) =>
        new() { Opcode = CommandOpcode.PulseValve, CommandId = id, TargetBootId = targetBoot, Channel = channel, DurationMicros = durationMicros };

    public static Command AckBatches(uint id, uint upToBatchSeq, bool noAck = true) =>
        new() { Opcode = CommandOpcode.AckBatches, Flags = noAck ? CommandFlags.NoAck : (byte)0, CommandId = id, BatchSeq = upToBatchSeq };

    public static Command ResendBatches(uint id, uint firstBatchSeq, ushort count) =>
        new() { Opcode = CommandOpcode.ResendBatches, CommandId = id, BatchSeq = firstBatchSeq, BatchCount = count };

    public static Command SetOutput(uint id, byte channel, byte level) =>
        new() { Opcode = CommandOpcode.SetOutput, CommandId = id, Channel = channel, Level = level };

    public static Command PlayTone(uint id, ushort frequencyHz, uint durationMicros) =>
        new() { Opcode = CommandOpcode.PlayTone, CommandId = id, FrequencyHz = frequencyHz, DurationMicros = durationMicros };

    public static Command SyncRequest(uint id, ulong hostTime) =>
        new() { Opcode = CommandOpcode.SyncRequest, CommandId = id, HostTime = hostTime };

    public static Command RequestStatus(uint id) =>
        new() { Opcode = CommandOpcode.RequestStatus, CommandId = id };
}
