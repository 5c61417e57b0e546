using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Xunit;

namespace Rig.Protocol.Tests.Wire;

public sealed class GoldenVectorTests
{
    private const uint Boot = 0xA1B2C3D4;

    public static TheoryData<string> ValidVectors() => new(GoldenVectors.Names("."));

    public static TheoryData<string> InvalidVectors() => new(GoldenVectors.Names("invalid"));

    [Fact]
    public void Every_message_type_has_a_valid_golden_vector_and_every_error_an_invalid_one()
    {
        var valid = GoldenVectors.Names(".").Select(GoldenVectors.Load).ToList();
        var invalid = GoldenVectors.Names("invalid").Select(GoldenVectors.Load).ToList();
        Assert.Equal(
            new[] { "ack", "command", "device_settings", "event_batch", "offline_will", "status", "sync_reply" },
            valid.Select(v => v.Message).Distinct().Order(StringComparer.Ordinal));
        var opcodes = valid.Where(v => v.Message == "command").Select(v => (CommandOpcode)v.Bytes[2]).ToHashSet();
        Assert.Equal(Enum.GetValues<CommandOpcode>().ToHashSet(), opcodes);
        var errors = invalid.Select(v => Enum.Parse<ProtocolError>(v.Expect)).ToHashSet();
        foreach (var e in new[]
        {
            ProtocolError.Truncated, ProtocolError.TrailingBytes, ProtocolError.UnknownMessageType,
            ProtocolError.UnsupportedVersion, ProtocolError.CountOutOfRange, ProtocolError.BadVarint,
            ProtocolError.TimeOutOfRange, ProtocolError.InvalidField, ProtocolError.ReservedNotZero,
        })
        {
            Assert.Contains(e, errors);
        }
    }

    [Theory]
    [MemberData(nameof(ValidVectors))]
    public void A_valid_vector_decodes_consuming_every_byte_and_encodes_back_to_the_same_bytes(string name)
    {
        var vector = GoldenVectors.Load(name);
        Assert.Equal("ok", vector.Expect);
        if (vector.Message == "offline_will")
        {
            // The text form is recognised whole rather than read field by field.
            Assert.True(DeviceStatus.TryReadOfflineWill(vector.Bytes, 0, vector.Bytes.Length, out uint willBoot));
            Assert.Equal(Boot, willBoot);
            Assert.Equal(Convert.ToHexString(vector.Bytes), Convert.ToHexString(Encoding.ASCII.GetBytes(DeviceStatus.OfflineWillText(willBoot))));
            return;
        }

        var reader = new ByteReader(vector.Bytes, 0, vector.Bytes.Length);
        byte[] encoded;
        switch (vector.Message)
        {
            case "event_batch":
                var records = new EventRecord[WireLimits.MaxRecordsPerBatch];
                var header = EventBatchReader.Decode(reader, records);
                encoded = EncodeBatch(header, records.AsSpan(0, header.RecordCount).ToArray(), vector.Bytes.Length);
                break;
            case "command":
                encoded = Encode(Command.Read(reader), static (c, w) => c.Write(w), vector.Bytes.Length);
                break;
            case "ack":
                encoded = Encode(Ack.Read(reader), static (a, w) => a.Write(w), vector.Bytes.Length);
                break;
            case "status":
                encoded = Encode(DeviceStatus.Read(reader), static (s, w) => s.Write(w), vector.Bytes.Length);
                break;
            case "sync_reply":
                encoded = Encode(SyncReply.Read(reader), static (s, w) => s.Write(w), vector.Bytes.Length);
                break;
            case "device_settings":
                encoded = Encode(DeviceSettingsRecord.Read(reader), static (s, w) => s.Write(w), vector.Bytes.Length);
                break;
            default:
                throw new InvalidOperationException($"{name}: unknown message '{vector.Message}'");
        }

        Assert.Equal(vector.Bytes.Length, reader.Position);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(Convert.ToHexString(vector.Bytes), Convert.ToHexString(encoded));
    }

    [Theory]
    [MemberData(nameof(InvalidVectors))]
    public void An_invalid_vector_is_refused_with_the_named_protocol_error(string name)
    {
        var vector = GoldenVectors.Load(name);
        var expected = Enum.Parse<ProtocolError>(vector.Expect);
        var reader = new ByteReader(vector.Bytes, 0, vector.Bytes.Length);
        var e = Assert.Throws<ProtocolException>(() => DecodeAny(vector.Message, reader));
        Assert.Equal(expected, e.Error);
        Assert.InRange(e.Offset, 0, vector.Bytes.Length);
        Assert.Contains(ProtocolException.ErrorName(expected), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mixed_batch_decodes_to_the_documented_records()
    {
        var v = GoldenVectors.Load("event_batch_mixed.hex");
        var records = new EventRecord[8];
        var reader = new ByteReader(v.Bytes, 0, v.Bytes.Length);
        var h = EventBatchReader.Decode(reader, records);
        Assert.Equal(Boot, h.BootId);
        Assert.Equal(7u, h.BatchSeq);
        Assert.Equal(1000ul, h.FirstEventSeq);
        Assert.Equal((ushort)4, h.RecordCount);
        Assert.Equal(0u, h.LostEventsTotal);
        Assert.Equal(new EventRecord(EventKind.Lick, 0, 1, 5_000_000), records[0]);
        Assert.Equal(new EventRecord(EventKind.Encoder, 0, 300, 5_000_250), records[1]);
        Assert.Equal(new EventRecord(EventKind.Encoder, 0, 295, 5_001_250), records[2]);
        Assert.Equal(new EventRecord(EventKind.Frame, 0, 42, 5_001_200), records[3]);
    }

    [Fact]
    public void The_resent_batch_carries_its_flag_loss_counter_and_a_high_channel()
    {
        var v = GoldenVectors.Load("event_batch_resent.hex");
        var records = new EventRecord[1];
        var h = EventBatchReader.Decode(new ByteReader(v.Bytes, 0, v.Bytes.Length), records);
        Assert.Equal(EventBatchFlags.Resent, h.Flags);
        Assert.Equal(3u, h.LostEventsTotal);
        Assert.Equal(1007ul, h.FirstEventSeq);
        Assert.Equal(new EventRecord(EventKind.Valve, 15, 40_000, 5_001_056), records[0]);
    }

    [Fact]
    public void The_command_vectors_decode_to_their_documented_fields()
    {
        Command Read(string file)
        {
            var v = GoldenVectors.Load(file);
            return Command.Read(new ByteReader(v.Bytes, 0, v.Bytes.Length));
        }

        var pulse = Read("command_pulse_valve.hex");
        Assert.Equal((CommandOpcode.PulseValve, 0x01020304u, Boot, (byte)0, 40_000u),
            (pulse.Opcode, pulse.CommandId, pulse.TargetBootId, pulse.Channel, pulse.DurationMicros));
        var ack = Read("command_ack_batches.hex");
        Assert.Equal((CommandFlags.NoAck, 42u), (ack.Flags, ack.BatchSeq));
        var resend = Read("command_resend_batches.hex");
        Assert.Equal((16u, (ushort)3), (resend.BatchSeq, resend.BatchCount));
        var output = Read("command_set_output.hex");
        Assert.Equal(((byte)2, (byte)1), (output.Channel, output.Level));
        var tone = Read("command_play_tone.hex");
        Assert.Equal(((ushort)5000, 200_000u), (tone.FrequencyHz, tone.DurationMicros));
        var sync = Read("command_sync_request.hex");
        Assert.Equal(0x0102030405060708ul, sync.HostTime);
        var train = Read("command_pulse_train.hex");
        Assert.Equal((CommandOpcode.PulseTrain, 14u, PulseTrainOutput.Valve, (byte)0, (ushort)1000, 42u),
            (train.Opcode, train.CommandId, train.Output, train.Channel, train.PulseCount, train.Seed));
        Assert.Equal((60_000u, 120_000u, 2_000u, 20_000u),
            (train.MinIntervalMicros, train.MaxIntervalMicros, train.MinWidthMicros, train.MaxWidthMicros));
    }

    [Fact]
    public void The_position_trigger_vectors_decode_to_their_documented_fields()
    {
        var a = GoldenVectors.Load("command_arm_trigger.hex");
        var reader = new ByteReader(a.Bytes, 0, a.Bytes.Length);
        var arm = Command.Read(reader);
        Assert.Equal(a.Bytes.Length, reader.Position);
        Assert.Equal((CommandOpcode.ArmTrigger, 15u, 7u, TriggerAction.PlayCue, TriggerMode.GatedDistance, (byte)0, (byte)0),
            (arm.Opcode, arm.CommandId, arm.TriggerTag, arm.TriggerAction, arm.TriggerMode, arm.Channel, arm.ValveChannel));
        Assert.Equal((1_234_567L, (ushort)5000, 200_000u), (arm.Threshold, arm.FrequencyHz, arm.DurationMicros));

        var r = GoldenVectors.Load("command_reset_triggers.hex");
        reader = new ByteReader(r.Bytes, 0, r.Bytes.Length);
        var reset = Command.Read(reader);
        Assert.Equal(r.Bytes.Length, reader.Position);
        Assert.Equal((CommandOpcode.ResetTriggers, 16u, (byte)0, 411_600u, 600_000u, 100_000u),
            (reset.Opcode, reset.CommandId, reset.Channel, reset.GateThresholdMilliCountsPerSecond, reset.GatedSpeedMicrometresPerSecond,
             reset.SpeedWindowMicros));

        var b = GoldenVectors.Load("event_batch_trigger.hex");
        var records = new EventRecord[3];
        reader = new ByteReader(b.Bytes, 0, b.Bytes.Length);
        var h = EventBatchReader.Decode(reader, records);
        Assert.Equal(b.Bytes.Length, reader.Position);
        Assert.Equal((8u, 2000ul, (ushort)3), (h.BatchSeq, h.FirstEventSeq, h.RecordCount));
        Assert.Equal(new EventRecord(EventKind.Trigger, 0, TriggerAction.Origin, 5_000_000), records[0]);
        Assert.Equal(new EventRecord(EventKind.Encoder, 0, 12_345, 5_001_000), records[1]);
        Assert.Equal(new EventRecord(EventKind.Trigger, 0, (7L << 8) | TriggerAction.PlayCue, 5_001_000), records[2]);
    }

    [Fact]
    public void The_ack_status_and_sync_vectors_decode_to_their_documented_fields()
    {
        var a = GoldenVectors.Load("ack_pulse_ok.hex");
        var ack = Ack.Read(new ByteReader(a.Bytes, 0, a.Bytes.Length));
        Assert.Equal((AckResult.Ok, CommandOpcode.PulseValve, 0x01020304u, Boot, 5_001_300ul, 40_000u),
            (ack.Result, ack.Opcode, ack.CommandId, ack.BootId, ack.DeviceMicros, ack.Detail));

        var s = GoldenVectors.Load("status_online.hex");
        var status = DeviceStatus.Read(new ByteReader(s.Bytes, 0, s.Bytes.Length));
        Assert.Equal(DeviceStatus.Size, s.Bytes.Length);
        Assert.Equal((DeviceState.Online, Boot, "0.1.2", 5_000_000ul, 1004ul, 8u, 1u, 2u, 3u, 1u),
            (status.State, status.BootId, status.FirmwareVersion, status.UptimeMicros, status.EventsCaptured, status.BatchesSent,
             status.BatchesResent, status.UnackedBatches, status.CommandsExecuted, status.CommandsRejected));

        var y = GoldenVectors.Load("sync_reply.hex");
        var reply = SyncReply.Read(new ByteReader(y.Bytes, 0, y.Bytes.Length));
        Assert.Equal(SyncReply.Size, y.Bytes.Length);
        Assert.Equal((10u, Boot, 0x0102030405060708ul, 5_000_000ul, 5_000_010ul),
            (reply.CommandId, reply.BootId, reply.HostTime, reply.DeviceReceiveMicros, reply.DeviceReplyMicros));
    }

    [Fact]
    public void The_device_settings_vectors_decode_to_their_documented_fields()
    {
        var plain = GoldenVectors.Load("device_settings.hex");
        var record = DeviceSettingsRecord.Read(new ByteReader(plain.Bytes, 0, plain.Bytes.Length));
        Assert.Equal(("rig-7", "10.0.0.5", 1883, false, "rig", "pw", ""),
            (record.RigId, record.BrokerHost, record.BrokerPort, record.UseTls, record.Username, record.Password, record.CaPem));
        Assert.Equal(2, record.PinCount);
        Assert.Equal((34, 0, "lick"), (record.PinGpio(0), record.PinChannel(0), record.PinFunction(0)));
        Assert.Equal((25, 0, "valve"), (record.PinGpio(1), record.PinChannel(1), record.PinFunction(1)));

        var tls = GoldenVectors.Load("device_settings_tls.hex");
        var secure = DeviceSettingsRecord.Read(new ByteReader(tls.Bytes, 0, tls.Bytes.Length));
        Assert.Equal(("r1", "broker.lab", 8883, true, "u", "p\u00e4", "PEM\n", 0),
            (secure.RigId, secure.BrokerHost, secure.BrokerPort, secure.UseTls, secure.Username, secure.Password, secure.CaPem, secure.PinCount));
        Assert.False(record.HasSafetyLimits);
        Assert.False(secure.HasSafetyLimits);

        var limited = GoldenVectors.Load("device_settings_limits.hex");
        var withLimits = DeviceSettingsRecord.Read(new ByteReader(limited.Bytes, 0, limited.Bytes.Length));
        Assert.True(withLimits.HasSafetyLimits);
        Assert.False(withLimits.UseTls);
        Assert.Equal((200_000u, 1_000_000u, 0u, 0u, 16, 7_200_000_000ul, 90_000_000u, 0ul),
            (withLimits.ValveHardMaxMicros, withLimits.HostSilenceMicros, withLimits.WaterWindowMicros, withLimits.WaterWindowMaxOpenMicros,
             withLimits.WaterWindowMaxOpenings, withLimits.WaterSessionWindowMicros, withLimits.WaterSessionMaxOpenMicros, withLimits.WaterArmMaxWindowMicros));
    }

    [Fact]
    public void The_writer_refuses_more_water_window_openings_than_the_block_holds()
    {
        var record = new DeviceSettingsRecord { RigId = "r1", BrokerHost = "h", BrokerPort = 1883, HasSafetyLimits = true, WaterWindowMaxOpenings = 65_536 };
        var buffer = new byte[DeviceSettingsRecord.MaxBytes];
        var e = Assert.Throws<ProtocolException>(() => record.Write(new ByteWriter(buffer, 0, buffer.Length)));
        Assert.Equal(ProtocolError.InvalidField, e.Error);
        Assert.Contains("water_window_max_openings", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("offline a1b2c3d")]
    [InlineData("offline a1b2c3d45")]
    [InlineData("offline A1B2C3D4")]
    [InlineData("offline a1b2c3g4")]
    [InlineData("Offline a1b2c3d4")]
    public void Text_that_only_resembles_the_offline_will_is_not_taken_for_it(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        Assert.False(DeviceStatus.TryReadOfflineWill(bytes, 0, bytes.Length, out _));
    }

    [Fact]
    public void Every_prefix_of_every_valid_vector_is_refused_as_truncated_or_out_of_range_and_never_crashes()
    {
        var records = new EventRecord[WireLimits.MaxRecordsPerBatch];
        foreach (string name in GoldenVectors.Names("."))
        {
            var v = GoldenVectors.Load(name);
            if (v.Message == "offline_will")
            {
                continue; // not a framed message; its prefixes are covered by the resemblance test
            }

            for (int length = 0; length < v.Bytes.Length; length++)
            {
                var reader = new ByteReader(v.Bytes, 0, length);
                var e = Assert.Throws<ProtocolException>(() => DecodeAny(v.Message, reader, records));
                Assert.True(e.Error is ProtocolError.Truncated or ProtocolError.CountOutOfRange,
                    $"{name} cut at {length}: {e.Message}");
            }
        }
    }

    private static void DecodeAny(string message, ByteReader reader, EventRecord[]? records = null)
    {
        switch (message)
        {
            case "event_batch": EventBatchReader.Decode(reader, records ?? new EventRecord[WireLimits.MaxRecordsPerBatch]); break;
            case "command": Command.Read(reader); break;
            case "ack": Ack.Read(reader); break;
            case "status": DeviceStatus.Read(reader); break;
            case "sync_reply": SyncReply.Read(reader); break;
            case "device_settings": DeviceSettingsRecord.Read(reader); break;
            default: throw new InvalidOperationException("unknown message " + message);
        }
    }

    private static byte[] Encode<T>(T message, Action<T, ByteWriter> write, int size)
    {
        var buffer = new byte[size + 16];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        write(message, writer);
        return buffer[..writer.Position];
    }

    private static byte[] EncodeBatch(EventBatchHeader header, IReadOnlyList<EventRecord> records, int size)
    {
        var buffer = new byte[size + 64];
        var writer = new EventBatchWriter();
        writer.Begin(buffer, 0, buffer.Length, header.BootId, header.BatchSeq, header.FirstEventSeq, header.BaseDeviceMicros,
            header.LostEventsTotal, WireLimits.MaxRecordsPerBatch);
        foreach (var r in records)
        {
            Assert.True(writer.TryAppend(r.Kind, r.Channel, r.Value, r.DeviceMicros));
        }

        int length = writer.Finish();
        if ((header.Flags & EventBatchFlags.Resent) != 0)
        {
            buffer[EventBatchHeader.FlagsOffset] |= (byte)EventBatchFlags.Resent;
        }

        return buffer[..length];
    }
}
