namespace Rig.Protocol
{
    /// <summary>
    /// The run-gated corridor distance as the device integrates it (ResetTriggers, ArmTrigger in GatedDistance mode):
    /// over the reported encoder samples of one channel, the wheel speed is measured across a window of samples (the
    /// newest minus the oldest within the window, at least two samples kept) and, while its magnitude is above the
    /// threshold, the corridor advances at the gated speed for the time since the previous sample. The same rule as the
    /// host's CorridorModel, in integers, so the firmware and the host that plans the thresholds compute the same
    /// distance from the same samples (docs/task.md, "Position triggers on the device"). Preallocated: nothing is
    /// allocated per sample.
    /// </summary>
    public sealed class RunGate
    {
        /// <summary>Samples the speed window can hold: a 100 ms window at 1 kHz needs 101; beyond it the oldest is dropped.</summary>
        public const int WindowCapacity = 512;

        private readonly ulong[] _micros = new ulong[WindowCapacity];
        private readonly long[] _counts = new long[WindowCapacity];
        private int _head;
        private int _length;
        private uint _thresholdMilliCountsPerSecond;
        private uint _speedMicrometresPerSecond;
        private uint _windowMicros;
        private long _gatedMicros;
        private uint _windowOverflows;

        /// <summary>Restarts at distance 0 with an empty window and new parameters.</summary>
        public void Reset(uint thresholdMilliCountsPerSecond, uint speedMicrometresPerSecond, uint windowMicros)
        {
            _thresholdMilliCountsPerSecond = thresholdMilliCountsPerSecond;
            _speedMicrometresPerSecond = speedMicrometresPerSecond;
            _windowMicros = windowMicros;
            _head = 0;
            _length = 0;
            _gatedMicros = 0;
        }

        /// <summary>Time spent running (gated) since the reset, µs.</summary>
        public long GatedMicros
        {
            get { return _gatedMicros; }
        }

        /// <summary>Distance since the reset, µm (gated time × gated speed, rounded down).</summary>
        public long DistanceMicrometres
        {
            get { return _gatedMicros * _speedMicrometresPerSecond / 1000000; }
        }

        /// <summary>Samples dropped from a full window (a sample rate above the window's capacity).</summary>
        public uint WindowOverflows
        {
            get { return _windowOverflows; }
        }

        /// <summary>True when the distance has reached <paramref name="micrometres"/> (exact: compares gated time × speed).</summary>
        public bool Reached(long micrometres)
        {
            return _gatedMicros * _speedMicrometresPerSecond >= micrometres * 1000000;
        }

        /// <summary>
        /// True if feeding this sample would bring the distance to <paramref name="micrometres"/> or beyond; changes nothing.
        /// The device uses it to report a sample it would otherwise leave out (an unchanged count), so a threshold is
        /// decided at the first sample that reaches it, not at the next count change.
        /// </summary>
        public bool WouldReach(ulong micros, long count, long micrometres)
        {
            long gated = _gatedMicros;
            if (_length > 0)
            {
                ulong previousMicros = _micros[(_head + _length - 1) % WindowCapacity];
                int oldest = _head;
                int length = _length + 1;
                if (length > WindowCapacity)
                {
                    oldest = (oldest + 1) % WindowCapacity;
                    length--;
                }

                while (length > 2 && micros - _micros[oldest] > _windowMicros)
                {
                    oldest = (oldest + 1) % WindowCapacity;
                    length--;
                }

                if (micros > previousMicros && Gated(micros, count, _micros[oldest], _counts[oldest]))
                {
                    gated += (long)(micros - previousMicros);
                }
            }

            return gated * _speedMicrometresPerSecond >= micrometres * 1000000;
        }

        /// <summary>Feeds one reported sample (cumulative count), in time order; returns true if the corridor advanced.</summary>
        public bool OnSample(ulong micros, long count)
        {
            ulong previousMicros = 0;
            bool havePrevious = _length > 0;
            if (havePrevious)
            {
                previousMicros = _micros[(_head + _length - 1) % WindowCapacity];
            }

            if (_length == WindowCapacity)
            {
                _head = (_head + 1) % WindowCapacity;
                _length--;
                _windowOverflows++;
            }

            int at = (_head + _length) % WindowCapacity;
            _micros[at] = micros;
            _counts[at] = count;
            _length++;
            while (_length > 2 && micros - _micros[_head] > _windowMicros)
            {
                _head = (_head + 1) % WindowCapacity;
                _length--;
            }

            if (!havePrevious || micros <= previousMicros || !Gated(micros, count, _micros[_head], _counts[_head]))
            {
                return false;
            }

            _gatedMicros += (long)(micros - previousMicros);
            return true;
        }

        /// <summary>The wheel speed from the window's oldest sample to this one is above the threshold.</summary>
        private bool Gated(ulong micros, long count, ulong oldestMicros, long oldestCount)
        {
            ulong spanMicros = micros - oldestMicros;
            long moved = count - oldestCount;
            if (moved < 0)
            {
                moved = -moved;
            }

            // |Δcount| / span > threshold, without division: |Δcount| × 10^9 > mcount/s × span µs.
            return spanMicros != 0 && moved * 1000000000 > (long)_thresholdMilliCountsPerSecond * (long)spanMicros;
        }
    }
}
