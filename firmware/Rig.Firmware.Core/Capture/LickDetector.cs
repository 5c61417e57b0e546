namespace Rig.Firmware.Capture
{
    /// <summary>
    /// Turns raw lick-line edges into lick onsets and offsets. Hardware-free: each call carries the device time.
    /// Edges closer together than the debounce time form one burst; the burst is decided once the line has been
    /// quiet for the debounce time, and a change of level is stamped at the burst's first edge (the moment of
    /// contact). A burst that ends at the level it started from is a glitch: ignored and counted. An onset closer
    /// than the minimum inter-lick interval to the previous onset is refused and counted, and so is its offset.
    /// A burst whose first edge fired the armed reward (the capture core's trigger flag; the core replays these same
    /// rules, so that edge starts an onset) is an onset whatever follows: a triggering touch shorter than the debounce
    /// time is recorded as an onset at its contact and an offset at its release (<see cref="TakeQueued"/>), so the
    /// record always shows the lick that opened the valve (docs/capture.md, "Which lick fires the reward").
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
        private bool _burstFiredReward;
        private bool _offsetQueued;
        private ulong _queuedOffsetMicros;

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

        /// <summary>Triggering touches shorter than the debounce time, recorded as a lick because they opened the valve.</summary>
        public uint ShortTriggers { get; private set; }

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
            return OnEdge(deviceMicros, level, false, out eventMicros);
        }

        /// <summary>
        /// As <see cref="OnEdge(ulong, byte, out ulong)"/>, for an edge that may carry the capture core's trigger flag
        /// (<paramref name="firedReward"/>: this edge opened the valve of the armed reward). Call <see cref="TakeQueued"/>
        /// after it.
        /// </summary>
        public int OnEdge(ulong deviceMicros, byte level, bool firedReward, out ulong eventMicros)
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
                _burstFiredReward = false;
            }

            // The core flags only an edge that starts a burst in its replay of these rules. This detector's bursts are
            // the core's or finer (a burst settled a few µs early, while an interrupt still wrote the next edge), so that
            // edge starts a burst here too; a flag on a later edge would still mark the burst.
            _burstFiredReward |= firedReward;
            _lastEdgeMicros = deviceMicros;
            return result;
        }

        /// <summary>Decides the pending burst if the line has been quiet for the debounce time at <paramref name="nowMicros"/>.</summary>
        public int Settle(ulong nowMicros, out ulong eventMicros)
        {
            eventMicros = 0;

            // The loop reads its time before it drains, so the last edge can be stamped after nowMicros: not quiet yet
            // (the unsigned difference would wrap and decide the burst early, splitting it from the capture core's view).
            if (!_pending || nowMicros < _lastEdgeMicros || nowMicros - _lastEdgeMicros < _debounceMicros)
            {
                return None;
            }

            return Decide(out eventMicros);
        }

        /// <summary>
        /// The offset of a triggering touch shorter than the debounce time, decided with its onset by the last call: 0
        /// with its time (the release), else <see cref="None"/>.
        /// </summary>
        public int TakeQueued(out ulong eventMicros)
        {
            eventMicros = _queuedOffsetMicros;
            if (!_offsetQueued)
            {
                return None;
            }

            _offsetQueued = false;
            return 0;
        }

        private int Decide(out ulong eventMicros)
        {
            _pending = false;
            eventMicros = _burstStartMicros;
            if (_burstFiredReward)
            {
                return DecideTriggered();
            }

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

        private int DecideTriggered()
        {
            _burstFiredReward = false;
            _seenOnset = true;
            _lastOnsetMicros = _burstStartMicros;
            Licks++;
            _accepted = _raw;
            _inAcceptedLick = _raw == 1;
            if (_raw == 0)
            {
                ShortTriggers++;
                _offsetQueued = true;
                _queuedOffsetMicros = _lastEdgeMicros;
            }

            return 1;
        }
    }
}
