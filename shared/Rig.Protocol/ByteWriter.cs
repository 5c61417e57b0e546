namespace Rig.Protocol
{
    /// <summary>
    /// Little-endian writer into a caller-owned buffer (preallocated on the device: no allocation per event).
    /// Running out of room raises <see cref="ProtocolException"/> with <see cref="ProtocolError.BufferTooSmall"/>.
    /// </summary>
    public sealed class ByteWriter
    {
        private byte[] _buffer;
        private int _start;
        private int _end;
        private int _position;

        public ByteWriter(byte[] buffer, int offset, int capacity)
        {
            _buffer = buffer;
            Reset(buffer, offset, capacity);
        }

        public void Reset(byte[] buffer, int offset, int capacity)
        {
            if (buffer == null || offset < 0 || capacity < 0 || offset + capacity > buffer.Length)
            {
                throw new ProtocolException(ProtocolError.BufferTooSmall, "slice", 0);
            }

            _buffer = buffer;
            _start = offset;
            _end = offset + capacity;
            _position = offset;
        }

        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <summary>Offset of the slice start within <see cref="Buffer"/>.</summary>
        public int Start
        {
            get { return _start; }
        }

        /// <summary>Bytes written since the start of the slice.</summary>
        public int Position
        {
            get { return _position - _start; }
        }

        public int Remaining
        {
            get { return _end - _position; }
        }

        public void WriteByte(byte value)
        {
            Need(1, "byte");
            _buffer[_position++] = value;
        }

        public void WriteUInt16(ushort value)
        {
            Need(2, "u16");
            _buffer[_position] = (byte)value;
            _buffer[_position + 1] = (byte)(value >> 8);
            _position += 2;
        }

        public void WriteUInt32(uint value)
        {
            Need(4, "u32");
            _buffer[_position] = (byte)value;
            _buffer[_position + 1] = (byte)(value >> 8);
            _buffer[_position + 2] = (byte)(value >> 16);
            _buffer[_position + 3] = (byte)(value >> 24);
            _position += 4;
        }

        public void WriteUInt64(ulong value)
        {
            WriteUInt32((uint)value);
            WriteUInt32((uint)(value >> 32));
        }

        public void WriteZeros(int count)
        {
            Need(count, "reserved");
            for (int i = 0; i < count; i++)
            {
                _buffer[_position++] = 0;
            }
        }

        public void WriteVarUInt64(ulong value)
        {
            Need(VarUInt64Size(value), "varint");
            while (value >= 0x80)
            {
                _buffer[_position++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[_position++] = (byte)value;
        }

        public void WriteVarInt64(long value)
        {
            WriteVarUInt64(ZigZag(value));
        }

        /// <summary>
        /// A string as a u16 byte count and that many bytes of UTF-8. Refuses (<see cref="ProtocolError.CountOutOfRange"/>)
        /// a string whose UTF-8 is longer than <paramref name="maxBytes"/>, so nothing is written that the reader would refuse.
        /// Allocates the encoded bytes: for settings and set-up, not for the per-event path.
        /// </summary>
        public void WriteUtf8String(string value, int maxBytes, string field)
        {
            byte[] bytes = value.Length == 0 ? new byte[0] : System.Text.Encoding.UTF8.GetBytes(value);
            if (bytes.Length > maxBytes || bytes.Length > 65535)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, field, Position,
                    bytes.Length.ToString() + " bytes of UTF-8, at most " + maxBytes.ToString());
            }

            Need(2 + bytes.Length, field);
            WriteUInt16((ushort)bytes.Length);
            for (int i = 0; i < bytes.Length; i++)
            {
                _buffer[_position++] = bytes[i];
            }
        }

        /// <summary>Overwrites a u16 already written at <paramref name="position"/> (slice-relative).</summary>
        public void PatchUInt16(int position, ushort value)
        {
            int p = _start + position;
            _buffer[p] = (byte)value;
            _buffer[p + 1] = (byte)(value >> 8);
        }

        public static ulong ZigZag(long value)
        {
            return (ulong)((value << 1) ^ (value >> 63));
        }

        /// <summary>Bytes that <see cref="WriteVarUInt64"/> takes for <paramref name="value"/>.</summary>
        public static int VarUInt64Size(ulong value)
        {
            int size = 1;
            while (value >= 0x80)
            {
                value >>= 7;
                size++;
            }

            return size;
        }

        private void Need(int bytes, string field)
        {
            if (_end - _position < bytes)
            {
                throw new ProtocolException(ProtocolError.BufferTooSmall, field, Position);
            }
        }
    }
}
