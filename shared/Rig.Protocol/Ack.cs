namespace Rig.Protocol
{
    /// <summary>Outcome of a command, as the device reports it.</summary>
    public enum AckResult : byte
    {
        Ok = 0,
        /// <summary>The opcode is not one this firmware knows.</summary>
        UnknownOpcode = 1,
        /// <summary>The command message was malformed (its id could still be read).</summary>
        BadPayload = 2,
        /// <summary>A value is outside what the device allows (e.g. a valve time beyond the hard maximum). Detail: the limit.</summary>
        OutOfRange = 3,
        /// <summary>The resource is in use (e.g. the valve is already open). Detail: µs until it is free, if known.</summary>
        Busy = 4,
        /// <summary>Asked-for batches are no longer stored. Detail: the oldest batch seq the device still holds (everything asked for below it is gone).</summary>
        Unavailable = 5,
        /// <summary>The command names another boot id than the device's current one.</summary>
        WrongBoot = 6,
        /// <summary>
        /// The valve's water budget refuses it: the command would open a valve beyond a flash-time limit on open time
        /// (per sliding window, per hour), an arm window that is too long, or a valve pulse train denser than the window
        /// allows (docs/firmware.md, "Water budget"). Detail: µs until the same command would fit, counting only what is
        /// already charged; 0xFFFFFFFF when it never will (the command alone exceeds a limit).
        /// </summary>
        WaterBudget = 7,
    }

    /// <summary>Device-to-host acknowledgement of one command: 24 bytes, carrying the device time of execution.</summary>
    public struct Ack
    {
        public const int Size = 24;

        public AckResult Result;
        public CommandOpcode Opcode;
        public uint CommandId;
        public uint BootId;

        /// <summary>Device time at which the command took effect (or was refused), µs since boot.</summary>
        public ulong DeviceMicros;

        /// <summary>Result-specific detail (see <see cref="AckResult"/>).</summary>
        public uint Detail;

        public void Write(ByteWriter writer)
        {
            writer.WriteByte((byte)MessageType.Ack);
            writer.WriteByte(FormatVersion.Ack);
            writer.WriteByte((byte)Result);
            writer.WriteByte((byte)Opcode);
            writer.WriteUInt32(CommandId);
            writer.WriteUInt32(BootId);
            writer.WriteUInt64(DeviceMicros);
            writer.WriteUInt32(Detail);
        }

        public static Ack Read(ByteReader reader)
        {
            FormatVersion.Expect(reader, MessageType.Ack, FormatVersion.Ack);
            Ack a = new Ack();
            int at = reader.Position;
            byte result = reader.ReadByte("result");
            if (result > (byte)AckResult.WaterBudget)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "result", at);
            }

            a.Result = (AckResult)result;
            a.Opcode = (CommandOpcode)reader.ReadByte("opcode");
            a.CommandId = reader.ReadUInt32("command_id");
            a.BootId = reader.ReadUInt32("boot_id");
            a.DeviceMicros = reader.ReadUInt64("device_us");
            a.Detail = reader.ReadUInt32("detail");
            reader.ExpectEnd("ack");
            return a;
        }
    }
}
