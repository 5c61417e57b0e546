namespace Rig.Firmware.Capture
{
    using Rig.Firmware.Hardware;

    /// <summary>
    /// Samples the encoder counter on a fixed period. The (time, count) pair is exact whenever it is taken; a
    /// sample is reported when the count changed or when the keep-alive period passed without a report.
    /// </summary>
    public sealed class EncoderSampler
    {
        private readonly IEncoderCounter _counter;
        private readonly uint _intervalMicros;
        private readonly uint _keepAliveMicros;
        private readonly PositionTriggers? _triggers;
        private bool _started;
        private ulong _nextSampleMicros;
        private ulong _lastReportMicros;
        private long _lastCount;

        /// <param name="triggers">Asked whether an unchanged count must still be reported (it reaches a run-gated trigger); null: never.</param>
        public EncoderSampler(IEncoderCounter counter, uint intervalMicros, uint keepAliveMicros, PositionTriggers? triggers = null)
        {
            _triggers = triggers;
            _counter = counter;
            _intervalMicros = intervalMicros == 0 ? 1 : intervalMicros;
            _keepAliveMicros = keepAliveMicros;
        }

        /// <summary>Device time of the last reported sample, µs (0 before the first).</summary>
        public ulong LastReportMicros
        {
            get { return _lastReportMicros; }
        }

        /// <summary>Samples taken (reported or not).</summary>
        public uint SamplesTaken { get; private set; }

        /// <summary>
        /// Samples if a period is due at <paramref name="nowMicros"/>. Returns true with the count to report.
        /// </summary>
        public bool Poll(ulong nowMicros, out long count)
        {
            count = 0;
            if (_started && nowMicros < _nextSampleMicros)
            {
                return false;
            }

            long value = _counter.ReadCount();
            SamplesTaken++;
            bool report = !_started || value != _lastCount || nowMicros - _lastReportMicros >= _keepAliveMicros
                || (_triggers != null && _triggers.ShouldReport(0, value, nowMicros));
            if (!_started)
            {
                _nextSampleMicros = nowMicros;
            }

            _started = true;

            // Keep the sampling grid fixed; after a stall (loop held up), resume from now instead of bursting.
            _nextSampleMicros += _intervalMicros;
            if (_nextSampleMicros <= nowMicros)
            {
                _nextSampleMicros = nowMicros + _intervalMicros;
            }

            if (!report)
            {
                return false;
            }

            _lastCount = value;
            _lastReportMicros = nowMicros;
            count = value;
            return true;
        }
    }
}
