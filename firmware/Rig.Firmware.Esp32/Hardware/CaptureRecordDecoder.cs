namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Hardware;

    /// <summary>
    /// Reads the native module's capture records (layout documented on <c>NativeCapture</c>) into a
    /// <see cref="CaptureRecord"/> in place. Byte order is spelled out because the records are little-endian by
    /// contract, not by host (BitConverter is banned for that reason), and nothing is allocated.
    /// </summary>
    /// <remarks>
    /// The flags byte is carried over for the lick detector, which needs the trigger flag (the edge that fired the
    /// armed reward); ring losses are counted by <c>NativeCapture.Overflows</c> and reported in every status message.
    /// </remarks>
    public static class CaptureRecordDecoder
    {
        /// <summary>Bytes per record; must equal <c>NativeCapture.RecordBytes</c> (checked by a test).</summary>
        public const int RecordBytes = 24;

        public const int DeviceMicrosOffset = 0;
        public const int ValueOffset = 8;
        public const int LineOffset = 16;
        public const int ChannelOffset = 17;
        public const int LevelOffset = 18;
        public const int FlagsOffset = 19;

        /// <summary>Decodes the record starting at <paramref name="offset"/> into <paramref name="record"/>.</summary>
        public static void Decode(byte[] source, int offset, ref CaptureRecord record)
        {
            record.DeviceMicros = ReadUInt64(source, offset + DeviceMicrosOffset);
            record.Value = (long)ReadUInt64(source, offset + ValueOffset);
            record.Line = (CaptureLine)source[offset + LineOffset];
            record.Channel = source[offset + ChannelOffset];
            record.Level = source[offset + LevelOffset];
            record.Flags = source[offset + FlagsOffset];
        }

        private static ulong ReadUInt64(byte[] b, int at)
        {
            uint low = (uint)b[at] | ((uint)b[at + 1] << 8) | ((uint)b[at + 2] << 16) | ((uint)b[at + 3] << 24);
            uint high = (uint)b[at + 4] | ((uint)b[at + 5] << 8) | ((uint)b[at + 6] << 16) | ((uint)b[at + 7] << 24);
            return ((ulong)high << 32) | low;
        }
    }
}
