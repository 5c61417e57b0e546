namespace Rig.Firmware.Esp32.Settings
{
    /// <summary>
    /// The boot id: different at every boot of a device, so the host never takes a reset (device time back to 0) for a
    /// clock jump. A counter kept in storage guarantees the difference; a per-device random salt, drawn once and kept
    /// beside it, keeps two devices from walking the same sequence. The salt and counter are 8 bytes, little-endian.
    /// </summary>
    public static class BootIdentity
    {
        public const int RecordBytes = 8;

        /// <summary>Odd, so multiplying by it is a bijection on 32-bit counters (Knuth's multiplicative hash constant).</summary>
        private const uint Spread = 2654435761;

        /// <summary>
        /// The boot id of boot <paramref name="bootCount"/>. Distinct for every count of one salt (a bijection), except
        /// that 0, which commands use for "any boot", is replaced by the salt's complement: one chance in 2^32 of a repeat.
        /// </summary>
        public static uint Compute(uint salt, uint bootCount)
        {
            uint id = unchecked(bootCount * Spread) ^ salt;
            return id != 0 ? id : ~salt | 1;
        }

        public static void Write(byte[] buffer, uint salt, uint bootCount)
        {
            WriteUInt32(buffer, 0, salt);
            WriteUInt32(buffer, 4, bootCount);
        }

        public static uint ReadSalt(byte[] buffer)
        {
            return ReadUInt32(buffer, 0);
        }

        public static uint ReadBootCount(byte[] buffer)
        {
            return ReadUInt32(buffer, 4);
        }

        private static void WriteUInt32(byte[] b, int at, uint value)
        {
            b[at] = (byte)value;
            b[at + 1] = (byte)(value >> 8);
            b[at + 2] = (byte)(value >> 16);
            b[at + 3] = (byte)(value >> 24);
        }

        private static uint ReadUInt32(byte[] b, int at)
        {
            return (uint)b[at] | ((uint)b[at + 1] << 8) | ((uint)b[at + 2] << 16) | ((uint)b[at + 3] << 24);
        }
    }
}
