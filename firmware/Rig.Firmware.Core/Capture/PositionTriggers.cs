namespace Rig.Firmware.Capture
{
    using Rig.Firmware.Commands;
    using Rig.Firmware.Events;
    using Rig.Firmware.Valve;
    using Rig.Protocol;

    /// <summary>
    /// Position triggers (ArmTrigger, ResetTriggers): the cue, the reward zone's opening and closing and the texture's end,
    /// armed by the host ahead of time and decided here at each reported encoder sample, on the device clock, so no host
    /// or network delay can move them (docs/task.md, "Position triggers on the device"). A trigger fires at the first
    /// sample whose count (Count mode) or run-gated distance (GatedDistance mode, <see cref="RunGate"/>) is at or above its
    /// threshold: it acts at once (a cue plays as PlayTone does; a zone opens as ArmReward does, the window starting at the
    /// sample; a zone closes as Disarm does) and records a Trigger event stamped with that sample's time. Fixed table,
    /// preallocated: nothing is allocated per sample.
    /// </summary>
    public sealed class PositionTriggers
    {
        /// <summary>Triggers armed at once: four per trial (cue, zone open, zone close, texture end) for the current and the next trial.</summary>
        public const int Capacity = 16;

        /// <summary>An opened reward zone's armed window lasts at most this long, µs (the zone-close trigger ends it well before).</summary>
        public const ulong ZoneWindowMicros = 120000000;

        private const int Channels = 16;

        private readonly EventRing _ring;
        private readonly ValveController _valve;
        private readonly ToneDriver _tone;
        private readonly bool[] _active = new bool[Capacity];
        private readonly uint[] _tag = new uint[Capacity];
        private readonly byte[] _action = new byte[Capacity];
        private readonly byte[] _mode = new byte[Capacity];
        private readonly byte[] _channel = new byte[Capacity];
        private readonly byte[] _valveChannel = new byte[Capacity];
        private readonly long[] _threshold = new long[Capacity];
        private readonly ushort[] _frequencyHz = new ushort[Capacity];
        private readonly uint[] _durationMicros = new uint[Capacity];
        private readonly ulong[] _lastSampleMicros = new ulong[Channels];
        private readonly RunGate _gate = new RunGate();
        private bool _gateConfigured;
        private byte _gateChannel;
        private int _armedCount;
        private uint _fired;
        private uint _actionsRefused;

        public PositionTriggers(EventRing ring, ValveController valve, ToneDriver tone)
        {
            _ring = ring;
            _valve = valve;
            _tone = tone;
        }

        /// <summary>Triggers armed and not yet fired.</summary>
        public int Armed
        {
            get { return _armedCount; }
        }

        /// <summary>Triggers fired since boot.</summary>
        public uint Fired
        {
            get { return _fired; }
        }

        /// <summary>Fired triggers whose action the peripheral refused (a zone opening over the valve's hard maximum, a tone too long).</summary>
        public uint ActionsRefused
        {
            get { return _actionsRefused; }
        }

        /// <summary>The run-gated distance since the last reset, µm.</summary>
        public long GatedDistanceMicrometres
        {
            get { return _gate.DistanceMicrometres; }
        }

        /// <summary>
        /// Arms one trigger (a trigger with the same tag and action is replaced). Refused: a channel over 15, a
        /// GatedDistance trigger before any ResetTriggers or on another channel than the gate's, a cue with a frequency or
        /// duration of 0, a zone opening with a duration of 0 (detail 0), a full table (detail: the capacity).
        /// </summary>
        public AckResult Arm(ref Command c, out uint detail)
        {
            detail = 0;
            if (c.Channel >= Channels)
            {
                detail = Channels;
                return AckResult.OutOfRange;
            }

            if (c.TriggerMode == TriggerMode.GatedDistance && (!_gateConfigured || c.Channel != _gateChannel))
            {
                return AckResult.OutOfRange;
            }

            if ((c.TriggerAction == TriggerAction.PlayCue && (c.FrequencyHz == 0 || c.DurationMicros == 0))
                || (c.TriggerAction == TriggerAction.OpenZone && c.DurationMicros == 0))
            {
                return AckResult.OutOfRange;
            }

            int slot = -1;
            for (int i = 0; i < Capacity; i++)
            {
                if (_active[i] && _tag[i] == c.TriggerTag && _action[i] == c.TriggerAction)
                {
                    slot = i;
                    break;
                }

                if (slot < 0 && !_active[i])
                {
                    slot = i;
                }
            }

            if (slot < 0)
            {
                detail = Capacity;
                return AckResult.OutOfRange;
            }

            if (!_active[slot])
            {
                _armedCount++;
            }

            _active[slot] = true;
            _tag[slot] = c.TriggerTag;
            _action[slot] = c.TriggerAction;
            _mode[slot] = c.TriggerMode;
            _channel[slot] = c.Channel;
            _valveChannel[slot] = c.ValveChannel;
            _threshold[slot] = c.Threshold;
            _frequencyHz[slot] = c.FrequencyHz;
            _durationMicros[slot] = c.DurationMicros;
            return AckResult.Ok;
        }

        /// <summary>
        /// Clears the table and restarts the run-gated distance at 0 from the next sample on the channel; records a
        /// Trigger event with action Origin stamped with the channel's last sample (0 before any), so the host counts
        /// the same samples. Refused: a channel over 15, a zero speed window.
        /// </summary>
        public AckResult Reset(ref Command c, out uint detail)
        {
            detail = 0;
            if (c.Channel >= Channels || c.SpeedWindowMicros == 0)
            {
                return AckResult.OutOfRange;
            }

            for (int i = 0; i < Capacity; i++)
            {
                _active[i] = false;
            }

            _armedCount = 0;
            _gate.Reset(c.GateThresholdMilliCountsPerSecond, c.GatedSpeedMicrometresPerSecond, c.SpeedWindowMicros);
            _gateConfigured = true;
            _gateChannel = c.Channel;
            _ring.Push(EventKind.Trigger, c.Channel, TriggerAction.Origin, _lastSampleMicros[c.Channel]);
            return AckResult.Ok;
        }

        /// <summary>
        /// True when an encoder sample that would not be reported (an unchanged count, before its keep-alive) must be: on the
        /// gate's channel, counting it would bring the run-gated distance to an armed threshold. Reported, it is decided at
        /// once and the host's corridor model, which integrates the same reported samples, moves there too; left out, the
        /// cue would wait for the next count change (at a slow wheel, milliseconds of the corridor's 60 cm/s).
        /// </summary>
        public bool ShouldReport(byte channel, long count, ulong sampleMicros)
        {
            if (_armedCount == 0 || !_gateConfigured || channel != _gateChannel)
            {
                return false;
            }

            for (int i = 0; i < Capacity; i++)
            {
                if (_active[i] && _mode[i] == TriggerMode.GatedDistance && _channel[i] == channel && _gate.WouldReach(sampleMicros, count, _threshold[i]))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Every reported encoder sample, in time order per channel, after its Encoder event was numbered.</summary>
        public void OnEncoderSample(byte channel, long count, ulong sampleMicros, ulong nowMicros)
        {
            if (channel >= Channels)
            {
                return;
            }

            _lastSampleMicros[channel] = sampleMicros;
            if (_gateConfigured && channel == _gateChannel)
            {
                _gate.OnSample(sampleMicros, count);
            }

            if (_armedCount == 0)
            {
                return;
            }

            for (int i = 0; i < Capacity; i++)
            {
                if (!_active[i] || _channel[i] != channel)
                {
                    continue;
                }

                bool reached = _mode[i] == TriggerMode.Count ? count >= _threshold[i] : _gate.Reached(_threshold[i]);
                if (reached)
                {
                    Fire(i, sampleMicros, nowMicros);
                }
            }
        }

        private void Fire(int i, ulong sampleMicros, ulong nowMicros)
        {
            _active[i] = false;
            _armedCount--;
            _fired++;
            uint detail;
            AckResult outcome = AckResult.Ok;
            switch (_action[i])
            {
                case TriggerAction.PlayCue:
                    outcome = _tone.TryPlay(_frequencyHz[i], _durationMicros[i], out detail);
                    break;
                case TriggerAction.OpenZone:
                    outcome = _valve.TryArm(_valveChannel[i], sampleMicros, sampleMicros + ZoneWindowMicros,
                        _durationMicros[i], nowMicros, out detail);
                    break;
                case TriggerAction.CloseZone:
                    _valve.Disarm(nowMicros);
                    break;
                default:
                    break;
            }

            if (outcome != AckResult.Ok)
            {
                _actionsRefused++;
            }

            _ring.Push(EventKind.Trigger, _channel[i], ((long)_tag[i] << 8) | _action[i], sampleMicros);
        }
    }
}
