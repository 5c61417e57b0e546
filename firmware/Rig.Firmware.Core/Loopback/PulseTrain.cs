namespace Rig.Firmware.Loopback
{
    using Rig.Firmware.Hardware;
    using Rig.Firmware.Valve;
    using Rig.Protocol;

    /// <summary>
    /// The loopback test's pulse train (PulseTrain command): pulses at pseudo-random intervals and widths on a valve
    /// or a sync output, scheduled here in device time so no network delay enters what is measured. Each pulse waits
    /// its interval after the previous pulse ended (or after the command), then rises; a valve pulse is ended by the
    /// hardware timer, a sync pulse by this class at the first main-loop iteration due. The edges that count are the
    /// ones the capture layer records where the output switched (Valve and SyncOut events): the host compares those
    /// with the captured input edges, so a late main loop changes the intervals, never the measured delays.
    /// Intervals and widths come from a xorshift32 generator seeded by the host, so a run can be repeated.
    /// </summary>
    public sealed class PulseTrain
    {
        /// <summary>Most pulses one command may ask for (the count is a u16 on the wire).</summary>
        public const int MaxPulses = 65535;

        private readonly ValveController _valve;
        private readonly IDigitalOutputs _outputs;
        private bool _active;
        private bool _high;
        private byte _output;
        private byte _channel;
        private int _remaining;
        private uint _state;
        private uint _minInterval;
        private uint _maxInterval;
        private uint _minWidth;
        private uint _maxWidth;
        private ulong _nextRiseMicros;
        private ulong _fallMicros;
        private uint _width;

        public PulseTrain(ValveController valve, IDigitalOutputs outputs)
        {
            _valve = valve;
            _outputs = outputs;
        }

        /// <summary>True while pulses remain to be played.</summary>
        public bool IsActive
        {
            get { return _active; }
        }

        /// <summary>Pulses started since boot.</summary>
        public uint PulsesStarted { get; private set; }

        /// <summary>Pulses the valve refused (still open from an earlier pulse, or beyond the water budget): skipped and counted.</summary>
        public uint PulsesRefused { get; private set; }

        /// <summary>
        /// Starts a train, or stops the running one when <c>PulseCount</c> is 0. On success <paramref name="detail"/> is
        /// the train's planned length in µs (the sum of its intervals and widths; stop: the pulses not played).
        /// </summary>
        public AckResult Start(ref Command cmd, ulong nowMicros, out uint detail)
        {
            detail = 0;
            if (cmd.PulseCount == 0)
            {
                detail = (uint)_remaining;
                Stop();
                return AckResult.Ok;
            }

            if (_active)
            {
                detail = (uint)_remaining;
                return AckResult.Busy;
            }

            if (cmd.Output == PulseTrainOutput.Valve)
            {
                if (cmd.Channel >= _valve.ChannelCount || cmd.MaxWidthMicros > _valve.HardMaxMicros)
                {
                    detail = _valve.HardMaxMicros;
                    return AckResult.OutOfRange;
                }
            }
            else if (cmd.Output == PulseTrainOutput.SyncOutput)
            {
                if (cmd.Channel >= _outputs.ChannelCount)
                {
                    detail = (uint)_outputs.ChannelCount;
                    return AckResult.OutOfRange;
                }
            }
            else
            {
                return AckResult.OutOfRange;
            }

            if (cmd.Seed == 0 || cmd.MinWidthMicros == 0 || cmd.MinIntervalMicros == 0
                || cmd.MinWidthMicros > cmd.MaxWidthMicros || cmd.MinIntervalMicros > cmd.MaxIntervalMicros)
            {
                return AckResult.OutOfRange;
            }

            // The planned length, drawn with the same generator the train will use, so the host knows when to stop
            // waiting; a train longer than the u32 detail can say (71 minutes) is refused.
            uint probe = cmd.Seed;
            ulong total = 0;
            ulong open = 0;
            for (int i = 0; i < cmd.PulseCount; i++)
            {
                total += Draw(ref probe, cmd.MinIntervalMicros, cmd.MaxIntervalMicros);
                uint width = Draw(ref probe, cmd.MinWidthMicros, cmd.MaxWidthMicros);
                total += width;
                open += width;
            }

            if (total > 0xFFFFFFFFUL)
            {
                return AckResult.OutOfRange;
            }

            // A valve train's duty cycle is bounded by the water budget: refused at once when its densest pattern would
            // not fit the window limit or its open time the session limit, rather than played with pulses refused.
            if (cmd.Output == PulseTrainOutput.Valve
                && !_valve.Budget.AdmitsTrain(cmd.PulseCount, cmd.MinIntervalMicros, cmd.MaxWidthMicros, open, nowMicros, out detail))
            {
                return AckResult.WaterBudget;
            }

            _output = cmd.Output;
            _channel = cmd.Channel;
            _remaining = cmd.PulseCount;
            _state = cmd.Seed;
            _minInterval = cmd.MinIntervalMicros;
            _maxInterval = cmd.MaxIntervalMicros;
            _minWidth = cmd.MinWidthMicros;
            _maxWidth = cmd.MaxWidthMicros;
            _high = false;
            _active = true;
            _nextRiseMicros = nowMicros + Draw(ref _state, _minInterval, _maxInterval);
            _width = Draw(ref _state, _minWidth, _maxWidth);
            detail = (uint)total;
            return AckResult.Ok;
        }

        /// <summary>Ends the train; a sync output that is high is driven low.</summary>
        public void Stop()
        {
            if (_active && _high && _output == PulseTrainOutput.SyncOutput)
            {
                _outputs.Write(_channel, 0);
            }

            _active = false;
            _high = false;
            _remaining = 0;
        }

        /// <summary>One main-loop iteration: starts or ends whatever pulse is due by <paramref name="nowMicros"/>.</summary>
        public void Poll(ulong nowMicros)
        {
            if (!_active)
            {
                return;
            }

            if (_high)
            {
                if (nowMicros < _fallMicros)
                {
                    return;
                }

                _outputs.Write(_channel, 0);
                _high = false;
                Next(nowMicros);
                return;
            }

            if (nowMicros < _nextRiseMicros)
            {
                return;
            }

            PulsesStarted++;
            if (_output == PulseTrainOutput.Valve)
            {
                uint ignored;
                if (_valve.TryPulse(_channel, _width, nowMicros, out ignored) != AckResult.Ok)
                {
                    PulsesRefused++;
                }

                // The hardware ends the pulse; the next interval counts from its planned end.
                Next(nowMicros + _width);
                return;
            }

            _outputs.Write(_channel, 1);
            _high = true;
            _fallMicros = nowMicros + _width;
        }

        private void Next(ulong endMicros)
        {
            _remaining--;
            if (_remaining <= 0)
            {
                _active = false;
                return;
            }

            _nextRiseMicros = endMicros + Draw(ref _state, _minInterval, _maxInterval);
            _width = Draw(ref _state, _minWidth, _maxWidth);
        }

        /// <summary>xorshift32 (Marsaglia 2003, shifts 13/17/5), mapped onto [min, max].</summary>
        private static uint Draw(ref uint state, uint min, uint max)
        {
            uint x = state;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            state = x;
            ulong span = (ulong)max - min + 1;
            return min + (uint)(x % span);
        }
    }
}
