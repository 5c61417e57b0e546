namespace Rig.Protocol
{
    /// <summary>
    /// Bounds-checked little-endian reader over a byte array slice. Every read names its field so that a
    /// short or malformed message fails with <see cref="ProtocolException"/> saying what and where.
    /// Reusable (<see cref="Reset"/>) so the device decodes commands without allocating.
    /// </summary>
    public sealed class ByteReader
    {
        private byte[] _buffer;
        private int _start;
        private int _end;
        private int _position;

        public ByteReader(byte[] buffer, int offset, int count)
        {
            _buffer = buffer;
            Reset(buffer, offset, count);
        }

        /// <summary>Points the reader at a new slice.</summary>
        public void Reset(byte[] buffer, int offset, int count)
        {
            if (buffer == null || offset < 0 || count < 0 || offset + count > buffer.Length)
            {
                throw new ProtocolException(ProtocolError.Truncated, "slice", 0);
            }

            _buffer = buffer;
            _start = offset;
            _end = offset + count;
            _position = offset;
        }

        /// <summary>Bytes consumed since the start of the slice.</summary>
        public int Position
        {
            get { return _position - _start; }
        }

        /// <summary>Bytes not yet consumed.</summary>
        public int Remaining
        {
            get { return _end - _position; }
        }

        public byte ReadByte(string field)
        {
            Need(1, field);
            return _buffer[_position++];
        }

        public ushort ReadUInt16(string field)
        {
            Need(2, field);
            int p = _position;
            _position += 2;
            return (ushort)(_buffer[p] | (_buffer[p + 1] << 8));
        }

        public uint ReadUInt32(string field)
        {
            Need(4, field);
            int p = _position;
            _position += 4;
            return (uint)_buffer[p]
                | ((uint)_buffer[p + 1] << 8)
                | ((uint)_buffer[p + 2] << 16)
                | ((uint)_buffer[p + 3] << 24);
        }

        public ulong ReadUInt64(string field)
        {
            Need(8, field);
            int p = _position;
            uint lo = (uint)_buffer[p]
                | ((uint)_buffer[p + 1] << 8)
                | ((uint)_buffer[p + 2] << 16)
                | ((uint)_buffer[p + 3] << 24);
            uint hi = (uint)_buffer[p + 4]
                | ((uint)_buffer[p + 5] << 8)
                | ((uint)_buffer[p + 6] << 16)
                | ((uint)_buffer[p + 7] << 24);
            _position += 8;
            return ((ulong)hi << 32) | lo;
        }

        /// <summary>Reads a reserved field and refuses anything but zero, so it can be given a meaning later.</summary>
        public void ReadReservedZero(int bytes, string field)
        {
            Need(bytes, field);
            for (int i = 0; i < bytes; i++)
            {
                if (_buffer[_position + i] != 0)
                {
                    throw new ProtocolException(ProtocolError.ReservedNotZero, field, Position);
                }
            }

            _position += bytes;
        }

        /// <summary>Unsigned LEB128: 7 bits a byte, low group first, high bit set on all but the last byte.</summary>
        public ulong ReadVarUInt64(string field)
        {
            int at = Position;
            ulong result = 0;
            int shift = 0;
            while (true)
            {
                if (_position >= _end)
                {
                    throw new ProtocolException(ProtocolError.Truncated, field, at);
                }

                byte b = _buffer[_position++];
                if (shift == 63 && b > 1)
                {
                    // The tenth byte may only carry the 64th bit.
                    throw new ProtocolException(ProtocolError.BadVarint, field, at);
                }

                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }

                // After nine bytes shift is 63, and the check above refuses a tenth byte that continues.
                shift += 7;
            }
        }

        /// <summary>Zigzag-mapped signed LEB128: 0, -1, 1, -2, ... encode as 0, 1, 2, 3, ...</summary>
        public long ReadVarInt64(string field)
        {
            ulong raw = ReadVarUInt64(field);
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }

        /// <summary>
        /// A string written by <see cref="ByteWriter.WriteUtf8String"/>: a u16 byte count, then that many bytes of UTF-8.
        /// A count above <paramref name="maxBytes"/> is refused with <see cref="ProtocolError.CountOutOfRange"/> before
        /// anything is allocated; bytes that are not well-formed UTF-8 with <see cref="ProtocolError.InvalidField"/>.
        /// </summary>
        public string ReadUtf8String(int maxBytes, string field)
        {
            int at = Position;
            int count = ReadUInt16(field);
            if (count > maxBytes)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, field, at,
                    count.ToString() + " bytes, at most " + maxBytes.ToString());
            }

            Need(count, field);
            if (!IsWellFormedUtf8(_buffer, _position, count))
            {
                throw new ProtocolException(ProtocolError.InvalidField, field, at, "not well-formed UTF-8");
            }

            string value = count == 0 ? string.Empty : System.Text.Encoding.UTF8.GetString(_buffer, _position, count);
            _position += count;
            return value;
        }

        /// <summary>
        /// True when the bytes are UTF-8 as RFC 3629 defines it: no stray continuation byte, no overlong form, no surrogate,
        /// nothing past U+10FFFF. Checked here so that the device and the host, whose decoders treat bad bytes differently,
        /// refuse the same input.
        /// </summary>
        public static bool IsWellFormedUtf8(byte[] buffer, int offset, int count)
        {
            int end = offset + count;
            int i = offset;
            while (i < end)
            {
                int b = buffer[i];
                int extra;
                int min2 = 0x80;
                int max2 = 0xBF;
                if (b < 0x80)
                {
                    i++;
                    continue;
                }
                else if (b >= 0xC2 && b <= 0xDF)
                {
                    extra = 1;
                }
                else if (b >= 0xE0 && b <= 0xEF)
                {
                    extra = 2;
                    if (b == 0xE0) min2 = 0xA0;
                    if (b == 0xED) max2 = 0x9F;
                }
                else if (b >= 0xF0 && b <= 0xF4)
                {
                    extra = 3;
                    if (b == 0xF0) min2 = 0x90;
                    if (b == 0xF4) max2 = 0x8F;
                }
                else
                {
                    return false;
                }

                if (end - i <= extra)
                {
                    return false;
                }

                int second = buffer[i + 1];
                if (second < min2 || second > max2)
                {
                    return false;
                }

                for (int k = 2; k <= extra; k++)
                {
                    int c = buffer[i + k];
                    if (c < 0x80 || c > 0xBF)
                    {
                        return false;
                    }
                }

                i += extra + 1;
            }

            return true;
        }

        /// <summary>Refuses bytes left over after the last field.</summary>
        public void ExpectEnd(string message)
        {
            if (_position != _end)
            {
                throw new ProtocolException(ProtocolError.TrailingBytes, message, Position);
            }
        }

        private void Need(int bytes, string field)
        {
            if (_end - _position < bytes)
            {
                throw new ProtocolException(ProtocolError.Truncated, field, Position);
            }
        }
    }
}
