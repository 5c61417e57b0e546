namespace Rig.Firmware.Capture
{
    /// <summary>
    /// Turns raw lick-line edges into lick onsets and offsets. Hardware-free: each call carries the edge's
    /// device time. Bounce (a transition within <c>debounce</c> of the last accepted one) is ignored and counted;
    /// an onset within <c>minInterLick</c> of the previous onset is refused and counted, and so is its offset.
    /// </summary>
    public sealed class LickDetector
    {
        /// <summary>Nothing to report.</summary>
        public const int None = -1;

        private readonly uint _debounceMicros;
        private readonly uint _minInterLickMicros;
        private byte _level;
        private bool _seenTransition;
        private ulong _lastTransitionMicros;
        private bool _seenOnset;
        private ulong _lastOnsetMicros;
        private bool _inAcceptedLick;

        public LickDetector(uint debounceMicros, uint minInterLickMicros)
        {
            _debounceMicros = debounceMicros;
            _minInterLickMicros = minInterLickMicros;
        }

        /// <summary>Transitions ignored as contact bounce.</summary>
        public uint BouncesIgnored { get; private set; }

        /// <summary>Onsets refused for coming too soon after the previous one.</summary>
        public uint TooSoonRefused { get; private set; }

        /// <summary>Accepted lick onsets.</summary>
        public uint Licks { get; private set; }

        /// <summary>
        /// Feeds one edge. Returns 1 for a lick onset, 0 for a lick offset, or <see cref="None"/>.
        /// </summary>
        public int OnEdge(ulong deviceMicros, byte level)
        {
            level = level != 0 ? (byte)1 : (byte)0;
            if (level == _level)
            {
                // Same level again: the opposite edge was lost to bounce filtering; nothing changed.
                return None;
            }

            if (_seenTransition && deviceMicros - _lastTransitionMicros < _debounceMicros)
            {
                BouncesIgnored++;
                return None;
            }

            _seenTransition = true;
            _lastTransitionMicros = deviceMicros;
            _level = level;
            if (level == 1)
            {
                if (_seenOnset && deviceMicros - _lastOnsetMicros < _minInterLickMicros)
                {
                    TooSoonRefused++;
                    _inAcceptedLick = false;
                    return None;
                }

                _seenOnset = true;
                _lastOnsetMicros = deviceMicros;
                _inAcceptedLick = true;
                Licks++;
                return 1;
            }

            if (_inAcceptedLick)
            {
                _inAcceptedLick = false;
                return 0;
            }

            return None;
        }
    }
}
