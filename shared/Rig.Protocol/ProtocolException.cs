namespace Rig.Protocol
{
    using System;

    /// <summary>Why a message was refused. Stable numbers: they are logged and counted by the bridge.</summary>
    public enum ProtocolError : byte
    {
        None = 0,
        /// <summary>The message ended before a field it promised.</summary>
        Truncated = 1,
        /// <summary>Bytes were left after the last field.</summary>
        TrailingBytes = 2,
        /// <summary>The first byte names no known message type, or not the type expected on this topic.</summary>
        UnknownMessageType = 3,
        /// <summary>The format version byte is not one this build reads.</summary>
        UnsupportedVersion = 4,
        /// <summary>The message is larger than <see cref="WireLimits.MaxMessageBytes"/>.</summary>
        MessageTooLarge = 5,
        /// <summary>A count field promises more records than the message can hold or the limits allow.</summary>
        CountOutOfRange = 6,
        /// <summary>A variable-length integer ran past 10 bytes or past 64 bits.</summary>
        BadVarint = 7,
        /// <summary>A record's device time fell below 0 or past 2^64-1 µs.</summary>
        TimeOutOfRange = 8,
        /// <summary>An enumerated field (event kind, opcode, state) holds an undefined value.</summary>
        InvalidField = 9,
        /// <summary>A reserved field was not zero.</summary>
        ReservedNotZero = 10,
        /// <summary>An encoder ran out of room in its buffer.</summary>
        BufferTooSmall = 11,
        /// <summary>A rig id is empty, too long or holds a character outside [A-Za-z0-9_-].</summary>
        InvalidRigId = 12,
    }

    /// <summary>
    /// The one exception type of the wire contract: every malformed, short or oversized message raises it,
    /// with the reason and the byte offset, so the bridge can count and report it instead of crashing.
    /// </summary>
    public class ProtocolException : Exception
    {
        public ProtocolException(ProtocolError error, string field, int offset)
            : base(Describe(error, field, offset))
        {
            Error = error;
            Field = field;
            Offset = offset;
        }

        /// <summary>As above, with <paramref name="detail"/> saying what was found and what is allowed (the settings record uses it).</summary>
        public ProtocolException(ProtocolError error, string field, int offset, string detail)
            : base(Describe(error, field, offset) + ": " + detail)
        {
            Error = error;
            Field = field;
            Offset = offset;
        }

        /// <summary>A refusal with its own message, for input that is not a message at all (a rig id typed by a person).</summary>
        public ProtocolException(ProtocolError error, string field, string message)
            : base(message)
        {
            Error = error;
            Field = field;
        }

        public ProtocolException()
            : this(ProtocolError.None, string.Empty, 0)
        {
        }

        public ProtocolException(string message)
            : base(message)
        {
            Field = string.Empty;
        }

        public ProtocolException(string message, Exception innerException)
            : base(message, innerException)
        {
            Field = string.Empty;
        }

        /// <summary>The reason.</summary>
        public ProtocolError Error { get; }

        /// <summary>The field being read or written when the error was found.</summary>
        public string Field { get; }

        /// <summary>Byte offset within the message where the field starts.</summary>
        public int Offset { get; }

        private static string Describe(ProtocolError error, string field, int offset)
        {
            // Enum.ToString is numeric on nanoFramework, so the names are spelled out here.
            return "protocol error " + ErrorName(error) + " at byte " + offset.ToString() + " (field " + field + ")";
        }

        /// <summary>Readable name of an error on every platform.</summary>
        public static string ErrorName(ProtocolError error)
        {
            switch (error)
            {
                case ProtocolError.None: return "None";
                case ProtocolError.Truncated: return "Truncated";
                case ProtocolError.TrailingBytes: return "TrailingBytes";
                case ProtocolError.UnknownMessageType: return "UnknownMessageType";
                case ProtocolError.UnsupportedVersion: return "UnsupportedVersion";
                case ProtocolError.MessageTooLarge: return "MessageTooLarge";
                case ProtocolError.CountOutOfRange: return "CountOutOfRange";
                case ProtocolError.BadVarint: return "BadVarint";
                case ProtocolError.TimeOutOfRange: return "TimeOutOfRange";
                case ProtocolError.InvalidField: return "InvalidField";
                case ProtocolError.ReservedNotZero: return "ReservedNotZero";
                case ProtocolError.BufferTooSmall: return "BufferTooSmall";
                case ProtocolError.InvalidRigId: return "InvalidRigId";
                default: return "Error" + ((int)error).ToString();
            }
        }
    }
}
