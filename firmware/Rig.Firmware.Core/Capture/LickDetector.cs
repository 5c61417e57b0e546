namespace Rig.Firmware.Capture
{
    /// <summary>
    /// Turns raw lick-line edges into lick onsets and offsets. Hardware-free: each call carries the device time.
    /// Edges closer together than the debounce time form one burst; the burst is decided once the line has been
    /// quiet for the debounce time, and a change of level is stamped at the burst's first edge (the moment of
    /// contact). A burst that ends at the level it started from is a glitch: ignored and counted. An onset closer
    /// than the minimum inter-lick interval to the previous onset is refused and counted, and so is its offset.
    /// </summary>
    public sealed class LickDetector
    {
        /// <summary>Nothing to report.</summary>
        public const int None = -1;

        private readonly uint _debounceMicros;
        private readonly uint _minInterLickMicros;
        private byte _raw;
        private byte _accepted;
        private bool _pending;
        private ulong _burstStartMicros;
        private ulong _lastEdgeMicros;
        private bool _seenOnset;
        private ulong _lastOnsetMicros;
        private bool _inAcceptedLick;

        public LickDetector(uint debounceMicros, uint minInterLickMicros)
        {
            _debounceMicros = debounceMicros;
            _minInterLickMicros = minInterLickMicros;
        }

        /// <summary>Edges inside a burst after its first (contact bounce).</summary>
        public uint BouncesIgnored { get; private set; }

        /// <summary>Bursts that ended at the level they started from (a touch shorter than the debounce time).</summary>
        public uint GlitchesIgnored { get; private set; }

        /// <summary>Onsets refused for coming too soon after the previous one.</summary>
        public uint TooSoonRefused { get; private set; }

        /// <summary>Accepted lick onsets.</summary>
        public uint Licks { get; private set; }

        /// <summary>True while a burst waits to be decided (call <see cref="Settle"/>).</summary>
        public bool HasPending
        {
            get { return _pending; }
        }

        /// <summary>
        /// Feeds one edge. If it comes after the previous burst went quiet, that burst is decided first: the return
        /// value is then 1 (onset) or 0 (offset) with its time in <paramref name="eventMicros"/>, else <see cref="None"/>.
        /// </summary>
        public int OnEdge(ulong deviceMicros, byte level, out ulong eventMicros)
        {
            eventMicros = 0;
            int result = None;
            if (_pending && deviceMicros - _lastEdgeMicros >= _debounceMicros)
            {
                result = Decide(out eventMicros);
            }

            level = level != 0 ? (byte)1 : (byte)0;
            if (level == _raw)
            {
                // Same level again: the opposite edge was not captured; nothing changed on the line.
                return result;
            }

            _raw = level;
            if (_pending)
            {
                BouncesIgnored++;
            }
            else
            {
                _pending = true;
                _burstStartMicros = deviceMicros;
            }

            _lastEdgeMicros = deviceMicros;
            return result;
        }

        /// <summary>Decides the pending burst if the line has been quiet for the debounce time at <paramref name="nowMicros"/>.</summary>
        public int Settle(ulong nowMicros, out ulong eventMicros)
        {
            eventMicros = 0;
            if (!_pending || nowMicros - _lastEdgeMicros < _debounceMicros)
            {
                return None;
            }

            return Decide(out eventMicros);
        }

        private int Decide(out ulong eventMicros)
        {
            _pending = false;
            eventMicros = _burstStartMicros;
            if (_raw == _accepted)
            {
                GlitchesIgnored++;
                return None;
            }

            _accepted = _raw;
            if (_accepted == 1)
            {
                if (_seenOnset && _burstStartMicros - _lastOnsetMicros < _minInterLickMicros)
                {
                    TooSoonRefused++;
                    _inAcceptedLick = false;
                    return None;
                }

                _seenOnset = true;
                _lastOnsetMicros = _burstStartMicros;
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
