namespace Rig.Protocol
{
    /// <summary>First byte of every message. The second byte is the message's format version.</summary>
    public enum MessageType : byte
    {
        EventBatch = 0x01,
        Command = 0x10,
        Ack = 0x11,
        Status = 0x20,
        SyncReply = 0x30,
    }

    /// <summary>Format versions this build writes and reads.</summary>
    public static class FormatVersion
    {
        public const byte EventBatch = 1;
        public const byte Command = 1;
        public const byte Ack = 1;
        public const byte Status = 1;
        public const byte SyncReply = 1;

        /// <summary>Checks the type and version bytes at the reader's position and consumes them.</summary>
        public static void Expect(ByteReader reader, MessageType type, byte version)
        {
            int at = reader.Position;
            byte actualType = reader.ReadByte("type");
            if (actualType != (byte)type)
            {
                throw new ProtocolException(ProtocolError.UnknownMessageType, "type", at);
            }

            byte actualVersion = reader.ReadByte("version");
            if (actualVersion != version)
            {
                throw new ProtocolException(ProtocolError.UnsupportedVersion, "version", at + 1);
            }
        }
    }
}
