namespace Rig.Firmware.Capture
{
    /// <summary>
    /// Counts the imaging frame clock's rising edges into a 0-based frame index since boot. Missing and extra
    /// edges are the host's to detect (it sees every edge's time); the device only numbers what it captured.
    /// </summary>
    public sealed class FrameCounter
    {
        /// <summary>Nothing to report.</summary>
        public const long None = -1;

        private byte _level;
        private long _nextIndex;

        /// <summary>Frames counted since boot.</summary>
        public long Count
        {
            get { return _nextIndex; }
        }

        /// <summary>Returns the frame index for a rising edge, or <see cref="None"/>.</summary>
        public long OnEdge(byte level)
        {
            level = level != 0 ? (byte)1 : (byte)0;
            bool rising = level == 1 && _level == 0;
            _level = level;
            if (!rising)
            {
                return None;
            }

            return _nextIndex++;
        }
    }
}
