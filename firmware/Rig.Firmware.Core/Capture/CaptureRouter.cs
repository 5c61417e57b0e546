namespace Rig.Firmware.Capture
{
    using Rig.Firmware.Events;
    using Rig.Firmware.Hardware;
    using Rig.Firmware.Valve;
    using Rig.Protocol;

    /// <summary>
    /// Turns the capture source's records into numbered events: lick edges through a debouncing detector per
    /// channel, frame-clock edges into frame numbers, encoder samples thinned to changes and keep-alives, monitor
    /// edges as they come. Every buffer is allocated at construction: nothing is allocated per record.
    /// </summary>
    public sealed class CaptureRouter
    {
        private const int Channels = 16;

        private readonly ICaptureSource _capture;
        private readonly EventRing _ring;
        private readonly ValveController _valve;
        private readonly PositionTriggers _triggers;
        private readonly DeviceConfig _config;
        private readonly LickDetector[] _lickDetectors;
        private readonly FrameCounter[] _frameCounters;
        private readonly CaptureRecord[] _captureBuffer;
        private readonly long[] _lastEncoderSample;
        private readonly ulong[] _lastEncoderReportMicros;
        private readonly bool[] _encoderReported;
        private uint _invalidCaptures;

        public CaptureRouter(DeviceConfig config, ICaptureSource capture, EventRing ring, ValveController valve, PositionTriggers triggers)
        {
            _triggers = triggers;
            _capture = capture;
            _ring = ring;
            _valve = valve;
            _config = config;
            _lickDetectors = new LickDetector[Channels];
            _frameCounters = new FrameCounter[Channels];
            for (int i = 0; i < Channels; i++)
            {
                _lickDetectors[i] = new LickDetector(config.LickDebounceMicros, config.MinInterLickMicros);
                _frameCounters[i] = new FrameCounter();
            }

            _lastEncoderSample = new long[Channels];
            _lastEncoderReportMicros = new ulong[Channels];
            _encoderReported = new bool[Channels];
            _captureBuffer = new CaptureRecord[config.CaptureDrainBatch];
        }

        /// <summary>Captured records with a channel outside 0-15: dropped, since the wire carries 4-bit channels.</summary>
        public uint InvalidCaptures
        {
            get { return _invalidCaptures; }
        }

        /// <summary>
        /// Drains the capture source until it runs dry (position triggers decide at each reported encoder sample; their
        /// actions happen at <paramref name="nowMicros"/>). <paramref name="toneFrequencyHz"/> is the last commanded
        /// tone: a tone monitor edge reports it, since the line itself only says on or off.
        /// </summary>
        public void Drain(ushort toneFrequencyHz, ulong nowMicros)
        {
            while (true)
            {
                int n = _capture.Drain(_captureBuffer);
                for (int i = 0; i < n; i++)
                {
                    OnCapture(ref _captureBuffer[i], toneFrequencyHz, nowMicros);
                }

                if (n < _captureBuffer.Length)
                {
                    return;
                }
            }
        }

        /// <summary>Reports the licks whose debounce time has passed by <paramref name="nowMicros"/>.</summary>
        public void SettleLicks(ulong nowMicros)
        {
            for (int ch = 0; ch < Channels; ch++)
            {
                LickDetector detector = _lickDetectors[ch];
                if (detector.HasPending)
                {
                    ulong at;
                    int lick = detector.Settle(nowMicros, out at);
                    if (lick != LickDetector.None)
                    {
                        _ring.Push(EventKind.Lick, (byte)ch, lick, at);
                    }

                    PushQueuedLick(detector, (byte)ch);
                }
            }
        }

        // The offset of a triggering touch shorter than the debounce time comes right after its onset.
        private void PushQueuedLick(LickDetector detector, byte channel)
        {
            ulong at;
            int lick = detector.TakeQueued(out at);
            if (lick != LickDetector.None)
            {
                _ring.Push(EventKind.Lick, channel, lick, at);
            }
        }

        private void OnCapture(ref CaptureRecord r, ushort toneFrequencyHz, ulong nowMicros)
        {
            if (r.Channel >= Channels)
            {
                _invalidCaptures++;
                return;
            }

            byte ch = r.Channel;
            switch (r.Line)
            {
                case CaptureLine.Lick:
                    ulong at;
                    LickDetector detector = _lickDetectors[ch];
                    int lick = detector.OnEdge(r.DeviceMicros, r.Level, (r.Flags & CaptureRecord.TriggerFlag) != 0, out at);
                    if (lick != LickDetector.None)
                    {
                        _ring.Push(EventKind.Lick, ch, lick, at);
                    }

                    PushQueuedLick(detector, ch);

                    break;
                case CaptureLine.FrameClock:
                    long frame = _frameCounters[ch].OnEdge(r.Level);
                    if (frame != FrameCounter.None)
                    {
                        _ring.Push(EventKind.Frame, ch, frame, r.DeviceMicros);
                    }

                    break;
                case CaptureLine.Photodiode:
                    _ring.Push(EventKind.Photodiode, ch, r.Level, r.DeviceMicros);
                    break;
                case CaptureLine.Ttl:
                    _ring.Push(EventKind.Ttl, ch, r.Level, r.DeviceMicros);
                    break;
                case CaptureLine.ValveMonitor:
                    _valve.OnValveEdge(ch, r.Level, r.DeviceMicros);
                    _ring.Push(EventKind.Valve, ch, r.Level != 0 ? (long)_valve.LastCommandedMicros(ch) : 0, r.DeviceMicros);
                    break;
                case CaptureLine.EncoderSample:
                    // Same rule as the main-loop sampler: report a change at once, an unchanged count only as a
                    // keep-alive (or when it reaches a run-gated trigger), so a still wheel does not cost 1000 events a second.
                    if (!_encoderReported[ch] || r.Value != _lastEncoderSample[ch]
                        || r.DeviceMicros - _lastEncoderReportMicros[ch] >= _config.EncoderKeepAliveMicros
                        || _triggers.ShouldReport(ch, r.Value, r.DeviceMicros))
                    {
                        _encoderReported[ch] = true;
                        _lastEncoderSample[ch] = r.Value;
                        _lastEncoderReportMicros[ch] = r.DeviceMicros;
                        _ring.Push(EventKind.Encoder, ch, r.Value, r.DeviceMicros);

                        // Decided on the reported samples, the ones the host's corridor model sees, so both integrate
                        // the same run-gated distance.
                        _triggers.OnEncoderSample(ch, r.Value, r.DeviceMicros, nowMicros);
                    }

                    break;
                case CaptureLine.ToneMonitor:
                    _ring.Push(EventKind.Tone, ch, r.Level != 0 ? (long)toneFrequencyHz : 0, r.DeviceMicros);
                    break;
                case CaptureLine.SyncMonitor:
                    _ring.Push(EventKind.SyncOut, ch, r.Level, r.DeviceMicros);
                    break;
                default:
                    break;
            }
        }
    }
}
