namespace Rig.Protocol
{
    /// <summary>Sizes both ends agree on. A decoder refuses anything past them before it allocates.</summary>
    public static class WireLimits
    {
        /// <summary>Largest message either side sends or accepts, in bytes.</summary>
        public const int MaxMessageBytes = 65536;

        /// <summary>Most records one event batch may hold.</summary>
        public const int MaxRecordsPerBatch = 4096;

        /// <summary>Smallest encoding of one event record: tag byte, one-byte time delta, one-byte value delta.</summary>
        public const int MinRecordBytes = 3;

        /// <summary>Largest encoding of one event record: tag byte and two 10-byte varints.</summary>
        public const int MaxRecordBytes = 21;

        /// <summary>Longest rig id, in characters.</summary>
        public const int MaxRigIdLength = 32;
    }
}
