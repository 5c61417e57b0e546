using System;
using System.Text;
using Xunit;

namespace Rig.Protocol.Tests.Wire;

/// <summary>
/// The settings record codec beyond the golden vectors: round trips at the limits, every limit refused on both sides,
/// and refusals that say what is wrong.
/// </summary>
public sealed class DeviceSettingsRecordTests
{
    [Fact]
    public void A_record_at_every_limit_round_trips_field_for_field()
    {
        var record = new DeviceSettingsRecord();
        record.RigId = new string('r', WireLimits.MaxRigIdLength);
        record.BrokerHost = new string('h', DeviceSettingsRecord.MaxBrokerHostBytes);
        record.Username = new string('ü', DeviceSettingsRecord.MaxUsernameBytes / 2);
        record.Password = new string('p', DeviceSettingsRecord.MaxPasswordBytes - 4) + "\U0001F42D";
        record.CaPem = new string('c', DeviceSettingsRecord.MaxCaPemBytes);
        record.UseTls = true;
        record.BrokerPort = 65535;
        record.HasSafetyLimits = true;
        record.ValveHardMaxMicros = uint.MaxValue;
        record.HostSilenceMicros = uint.MaxValue - 1;
        record.WaterWindowMicros = uint.MaxValue - 2;
        record.WaterWindowMaxOpenMicros = uint.MaxValue - 3;
        record.WaterWindowMaxOpenings = 65535;
        record.WaterSessionWindowMicros = ulong.MaxValue;
        record.WaterSessionMaxOpenMicros = uint.MaxValue - 4;
        record.WaterArmMaxWindowMicros = ulong.MaxValue - 1;
        for (int i = record.PinCount; i < DeviceSettingsRecord.MaxPins; i++)
        {
            record.AddPin(i, DeviceSettingsRecord.MaxChannel, new string('f', DeviceSettingsRecord.MaxFunctionBytes));
        }

        byte[] bytes = Encode(record);
        var reader = new ByteReader(bytes, 0, bytes.Length);
        var read = DeviceSettingsRecord.Read(reader);

        Assert.Equal(DeviceSettingsRecord.MaxBytes, bytes.Length);
        Assert.Equal(bytes.Length, reader.Position);
        Assert.Equal((record.RigId, record.BrokerHost, record.Username, record.Password, record.CaPem, true, 65535),
            (read.RigId, read.BrokerHost, read.Username, read.Password, read.CaPem, read.UseTls, read.BrokerPort));
        Assert.Equal((true, uint.MaxValue, uint.MaxValue - 1, uint.MaxValue - 2, uint.MaxValue - 3, 65535, ulong.MaxValue, uint.MaxValue - 4, ulong.MaxValue - 1),
            (read.HasSafetyLimits, read.ValveHardMaxMicros, read.HostSilenceMicros, read.WaterWindowMicros, read.WaterWindowMaxOpenMicros,
             read.WaterWindowMaxOpenings, read.WaterSessionWindowMicros, read.WaterSessionMaxOpenMicros, read.WaterArmMaxWindowMicros));
        Assert.Equal(DeviceSettingsRecord.MaxPins, read.PinCount);
        for (int i = 0; i < read.PinCount; i++)
        {
            Assert.Equal((record.PinGpio(i), record.PinChannel(i), record.PinFunction(i)), (read.PinGpio(i), read.PinChannel(i), read.PinFunction(i)));
        }

        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Encode(read)));
    }

    [Fact]
    public void Every_truncated_prefix_of_a_full_record_is_refused_as_truncated()
    {
        var record = Sample();
        record.CaPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        record.UseTls = true;
        record.HasSafetyLimits = true;
        record.ValveHardMaxMicros = 200_000;
        record.WaterSessionWindowMicros = 7_200_000_000;
        byte[] bytes = Encode(record);

        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<ProtocolException>(() => DeviceSettingsRecord.Read(new ByteReader(bytes, 0, length)));
            Assert.True(e.Error == ProtocolError.Truncated, $"cut at {length}: {e.Message}");
        }
    }

    [Theory]
    [InlineData("rig_id", WireLimits.MaxRigIdLength)]
    [InlineData("broker_host", DeviceSettingsRecord.MaxBrokerHostBytes)]
    [InlineData("username", DeviceSettingsRecord.MaxUsernameBytes)]
    [InlineData("password", DeviceSettingsRecord.MaxPasswordBytes)]
    [InlineData("ca_pem", DeviceSettingsRecord.MaxCaPemBytes)]
    [InlineData("pin.function", DeviceSettingsRecord.MaxFunctionBytes)]
    public void A_field_one_byte_over_its_limit_is_refused_by_the_writer_and_the_reader_naming_the_field(string field, int limit)
    {
        var record = Sample();
        byte[] good = Encode(record);
        int at = FieldOffset(good, field);
        string over = new string('a', limit + 1);

        // The reader: splice the longer string into otherwise valid bytes.
        int oldLength = good[at] | (good[at + 1] << 8);
        byte[] spliced = [.. good.AsSpan(0, at), (byte)(limit + 1), (byte)((limit + 1) >> 8), .. Encoding.ASCII.GetBytes(over), .. good.AsSpan(at + 2 + oldLength)];
        var read = Assert.Throws<ProtocolException>(() => DeviceSettingsRecord.Read(new ByteReader(spliced, 0, spliced.Length)));

        Assert.Equal(ProtocolError.CountOutOfRange, read.Error);
        Assert.Equal(field, read.Field);
        Assert.Equal(at, read.Offset);
        Assert.Contains($"(field {field}): {limit + 1} bytes, at most {limit}", read.Message, StringComparison.Ordinal);

        // The writer: the same string is refused before a byte is written (a rig id that long is not a rig id at all).
        if (field == "pin.function")
        {
            var refused = Assert.Throws<ProtocolException>(() => WriteWithFunction(over));
            Assert.Equal((ProtocolError.CountOutOfRange, field), (refused.Error, refused.Field));
            return;
        }

        var tooLong = Sample();
        switch (field)
        {
            case "rig_id": tooLong.RigId = over; break;
            case "broker_host": tooLong.BrokerHost = over; break;
            case "username": tooLong.Username = over; break;
            case "password": tooLong.Password = over; break;
            default: tooLong.CaPem = over; break;
        }

        var written = Assert.Throws<ProtocolException>(() => Encode(tooLong));
        Assert.Equal(field == "rig_id" ? ProtocolError.InvalidRigId : ProtocolError.CountOutOfRange, written.Error);
        Assert.Equal(field, written.Field);
    }

    [Fact]
    public void A_multi_byte_character_counts_as_its_utf8_bytes_against_the_limit()
    {
        var record = Sample();
        record.Password = new string('ä', (DeviceSettingsRecord.MaxPasswordBytes / 2) + 1);

        var e = Assert.Throws<ProtocolException>(() => Encode(record));

        Assert.Equal(ProtocolError.CountOutOfRange, e.Error);
        Assert.Contains("258 bytes of UTF-8, at most 256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_magic_is_refused_saying_the_file_is_not_a_settings_record()
    {
        byte[] bytes = Encode(Sample());
        bytes[3] = (byte)'J';

        var e = Assert.Throws<ProtocolException>(() => DeviceSettingsRecord.Read(new ByteReader(bytes, 0, bytes.Length)));

        Assert.Equal((ProtocolError.UnknownMessageType, "magic", 0), (e.Error, e.Field, e.Offset));
        Assert.Contains("does not start with RIGC", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_format_version_is_refused_naming_both_versions()
    {
        byte[] bytes = Encode(Sample());
        bytes[4] = 7;

        var e = Assert.Throws<ProtocolException>(() => DeviceSettingsRecord.Read(new ByteReader(bytes, 0, bytes.Length)));

        Assert.Equal((ProtocolError.UnsupportedVersion, "version", 4), (e.Error, e.Field, e.Offset));
        Assert.Contains("format version 7, this build reads version 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_writer_refuses_what_the_reader_would_refuse()
    {
        var badRig = Sample();
        badRig.RigId = "rig/7";
        var noPort = Sample();
        noPort.BrokerPort = 0;
        var bigPort = Sample();
        bigPort.BrokerPort = 65536;
        var noHost = Sample();
        noHost.BrokerHost = "";
        var full = new DeviceSettingsRecord();
        for (int i = 0; i < DeviceSettingsRecord.MaxPins; i++)
        {
            full.AddPin(i, 0, "ttl_in");
        }

        Assert.Equal(ProtocolError.InvalidRigId, Assert.Throws<ProtocolException>(() => Encode(badRig)).Error);
        Assert.Equal(ProtocolError.InvalidField, Assert.Throws<ProtocolException>(() => Encode(noPort)).Error);
        Assert.Equal(ProtocolError.InvalidField, Assert.Throws<ProtocolException>(() => Encode(bigPort)).Error);
        Assert.Equal("broker_host", Assert.Throws<ProtocolException>(() => Encode(noHost)).Field);
        Assert.Equal(ProtocolError.CountOutOfRange, Assert.Throws<ProtocolException>(() => full.AddPin(48, 0, "ttl_in")).Error);
        Assert.Equal("pin.gpio", Assert.Throws<ProtocolException>(() => Sample().AddPin(49, 0, "lick")).Field);
        Assert.Equal("pin.channel", Assert.Throws<ProtocolException>(() => Sample().AddPin(4, 16, "lick")).Field);
        Assert.Equal("pin.function", Assert.Throws<ProtocolException>(() => Sample().AddPin(4, 0, "")).Field);
    }

    [Fact]
    public void A_writer_without_room_for_the_record_fails_with_buffer_too_small()
    {
        var buffer = new byte[20];

        var e = Assert.Throws<ProtocolException>(() => Sample().Write(new ByteWriter(buffer, 0, buffer.Length)));

        Assert.Equal(ProtocolError.BufferTooSmall, e.Error);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("41 C3A4 E282AC F09F90AD", true)]
    [InlineData("80", false)]
    [InlineData("C0 80", false)]
    [InlineData("C3", false)]
    [InlineData("E0 9F BF", false)]
    [InlineData("ED A0 80", false)]
    [InlineData("F4 90 80 80", false)]
    [InlineData("F5 80 80 80", false)]
    [InlineData("E2 82 41", false)]
    public void Only_well_formed_utf8_is_accepted(string hex, bool wellFormed)
    {
        byte[] bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

        Assert.Equal(wellFormed, ByteReader.IsWellFormedUtf8(bytes, 0, bytes.Length));
    }

    private static DeviceSettingsRecord Sample()
    {
        var record = new DeviceSettingsRecord { RigId = "rig-7", BrokerHost = "broker.lab", BrokerPort = 1883, Username = "rig", Password = "pw" };
        record.AddPin(34, 0, "lick");
        return record;
    }

    private static byte[] WriteWithFunction(string function)
    {
        // AddPin accepts any non-empty name; the length limit is the writer's, as for every string.
        var record = new DeviceSettingsRecord { RigId = "rig-7", BrokerHost = "broker.lab", BrokerPort = 1883 };
        record.AddPin(34, 0, function);
        return Encode(record);
    }

    private static byte[] Encode(DeviceSettingsRecord record)
    {
        var buffer = new byte[DeviceSettingsRecord.MaxBytes + 64];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        record.Write(writer);
        return buffer[..writer.Position];
    }

    /// <summary>Offset of a string field's length prefix in a record from <see cref="Sample"/> (one pin).</summary>
    private static int FieldOffset(byte[] bytes, string field)
    {
        string[] order = ["rig_id", "broker_host", "username", "password", "ca_pem"];
        int at = DeviceSettingsRecord.HeaderBytes;
        foreach (string name in order)
        {
            if (name == field)
            {
                return at;
            }

            at += 2 + (bytes[at] | (bytes[at + 1] << 8));
        }

        return at + 1 + 2; // pin_count, then the first pin's gpio and channel
    }
}
