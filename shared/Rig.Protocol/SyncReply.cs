namespace Rig.Protocol
{
    /// <summary>
    /// Device answer to a <see cref="CommandOpcode.SyncRequest"/>: the NTP-style middle two timestamps of a
    /// clock exchange (device receive and reply, µs) with the host's send time echoed (36 bytes).
    /// </summary>
    public struct SyncReply
    {
        public const int Size = 36;

        public uint CommandId;
        public uint BootId;

        /// <summary>The host timestamp from the request, unchanged.</summary>
        public ulong HostTime;

        /// <summary>Device time when the link received the request (stamped on the receive thread), µs.</summary>
        public ulong DeviceReceiveMicros;

        /// <summary>Device time just before the reply was handed to the link, µs.</summary>
        public ulong DeviceReplyMicros;

        public void Write(ByteWriter writer)
        {
            writer.WriteByte((byte)MessageType.SyncReply);
            writer.WriteByte(FormatVersion.SyncReply);
            writer.WriteZeros(2);
            writer.WriteUInt32(CommandId);
            writer.WriteUInt32(BootId);
            writer.WriteUInt64(HostTime);
            writer.WriteUInt64(DeviceReceiveMicros);
            writer.WriteUInt64(DeviceReplyMicros);
        }

        public static SyncReply Read(ByteReader reader)
        {
            FormatVersion.Expect(reader, MessageType.SyncReply, FormatVersion.SyncReply);
            reader.ReadReservedZero(2, "reserved");
            SyncReply r = new SyncReply();
            r.CommandId = reader.ReadUInt32("command_id");
            r.BootId = reader.ReadUInt32("boot_id");
            r.HostTime = reader.ReadUInt64("host_time");
            r.DeviceReceiveMicros = reader.ReadUInt64("device_receive_us");
            r.DeviceReplyMicros = reader.ReadUInt64("device_reply_us");
            reader.ExpectEnd("sync reply");
            return r;
        }
    }
}
