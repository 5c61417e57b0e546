namespace Rig.Firmware.Valve
{
    using Rig.Firmware.Hardware;
    using Rig.Protocol;

    /// <summary>
    /// Decides whether a valve pulse may start and watches that it ends. The pulse itself is timed by hardware;
    /// this class refuses durations beyond the hard maximum, refuses a pulse while one is running, and forces a
    /// valve shut (counting a fault) if it is still open after its commanded time plus a grace period. Every opening,
    /// whoever asked for it (a command, a position trigger, a pulse train), is charged to the <see cref="WaterBudget"/>
    /// before it reaches the hardware, and refused with <see cref="AckResult.WaterBudget"/> beyond it.
    /// </summary>
    public sealed class ValveController
    {
        private readonly IValve _valve;
        private readonly uint _hardMaxMicros;
        private readonly uint _graceMicros;
        private readonly ulong[] _openedAt;
        private readonly uint[] _duration;
        private readonly bool[] _commanded;
        private readonly bool[] _armed;
        private readonly ulong[] _armedUntil;
        private readonly uint[] _armedDuration;
        private readonly WaterBudget _budget;

        /// <summary>A controller with the default configuration's water budget.</summary>
        public ValveController(IValve valve, uint hardMaxMicros, uint graceMicros)
            : this(valve, hardMaxMicros, graceMicros, DefaultBudget(hardMaxMicros))
        {
        }

        public ValveController(IValve valve, uint hardMaxMicros, uint graceMicros, WaterBudget budget)
        {
            _valve = valve;
            _budget = budget;
            _hardMaxMicros = hardMaxMicros;
            _graceMicros = graceMicros;
            int n = valve.ChannelCount;
            _openedAt = new ulong[n];
            _duration = new uint[n];
            _commanded = new bool[n];
            _armed = new bool[n];
            _armedUntil = new ulong[n];
            _armedDuration = new uint[n];
        }

        private static WaterBudget DefaultBudget(uint hardMaxMicros)
        {
            DeviceConfig config = new DeviceConfig();
            config.ValveHardMaxOpenMicros = hardMaxMicros;
            return WaterBudget.FromConfig(config);
        }

        /// <summary>Valve channels the driver has.</summary>
        public int ChannelCount
        {
            get { return _openedAt.Length; }
        }

        public uint HardMaxMicros
        {
            get { return _hardMaxMicros; }
        }

        /// <summary>The water budget every opening is charged to.</summary>
        public WaterBudget Budget
        {
            get { return _budget; }
        }

        /// <summary>Valves found open past their time (or open without a command) and forced shut.</summary>
        public uint Faults { get; private set; }

        /// <summary>
        /// Times the host fell silent while a pulse was open or a reward armed, and the valve was shut and the arming
        /// cancelled (<see cref="CloseForHostSilence"/>).
        /// </summary>
        public uint HostSilenceCloses { get; private set; }

        /// <summary>Duration of the last pulse commanded on <paramref name="channel"/>, µs (reported with the open edge).</summary>
        public uint LastCommandedMicros(byte channel)
        {
            return channel < _duration.Length ? _duration[channel] : 0;
        }

        /// <summary>Starts a pulse or says why not; <paramref name="detail"/> carries the limit or the wait in µs.</summary>
        public AckResult TryPulse(byte channel, uint durationMicros, ulong nowMicros, out uint detail)
        {
            detail = 0;
            if (channel >= _openedAt.Length)
            {
                detail = (uint)_openedAt.Length;
                return AckResult.OutOfRange;
            }

            if (durationMicros == 0 || durationMicros > _hardMaxMicros)
            {
                detail = _hardMaxMicros;
                return AckResult.OutOfRange;
            }

            if (_valve.IsOpen(channel))
            {
                ulong end = _openedAt[channel] + _duration[channel];
                detail = end > nowMicros ? (uint)(end - nowMicros) : 0;
                return AckResult.Busy;
            }

            if (!_budget.TryChargePulse(durationMicros, nowMicros, out detail))
            {
                return AckResult.WaterBudget;
            }

            _openedAt[channel] = nowMicros;
            _duration[channel] = durationMicros;
            _commanded[channel] = true;
            _valve.StartPulse(channel, durationMicros);
            return AckResult.Ok;
        }

        /// <summary>
        /// Arms a reward on <paramref name="channel"/> or says why not (window empty or already over, duration
        /// beyond the hard maximum, channel unknown: OutOfRange with the limit; a window ending beyond the longest arm window
        /// or a duration the water budget cannot take now: WaterBudget with the wait). An arming is charged to the budget
        /// in full when it is accepted, whether or not it fires.
        /// </summary>
        public AckResult TryArm(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros, ulong nowMicros, out uint detail)
        {
            detail = 0;
            if (channel >= _openedAt.Length)
            {
                detail = (uint)_openedAt.Length;
                return AckResult.OutOfRange;
            }

            if (durationMicros == 0 || durationMicros > _hardMaxMicros)
            {
                detail = _hardMaxMicros;
                return AckResult.OutOfRange;
            }

            if (windowEndMicros <= windowStartMicros || windowEndMicros <= nowMicros)
            {
                return AckResult.OutOfRange;
            }

            // Charged before the hardware is told; the earlier arming it replaces is released by the budget.
            if (!_budget.TryChargeArm(durationMicros, windowEndMicros, nowMicros, out detail))
            {
                return AckResult.WaterBudget;
            }

            for (int ch = 0; ch < _armed.Length; ch++)
            {
                _armed[ch] = false;
            }

            _armed[channel] = true;
            _armedUntil[channel] = windowEndMicros;
            _armedDuration[channel] = durationMicros;
            _valve.Arm(channel, windowStartMicros, windowEndMicros, durationMicros);
            return AckResult.Ok;
        }

        /// <summary>Cancels an armed reward at <paramref name="nowMicros"/>.</summary>
        public void Disarm(ulong nowMicros)
        {
            _budget.ReleaseArm(nowMicros);
            for (int ch = 0; ch < _armed.Length; ch++)
            {
                _armed[ch] = false;
            }

            _valve.Disarm();
        }

        /// <summary>
        /// A valve edge as the capture layer recorded it. An opening while armed is the reward firing: from then on it
        /// is watched like a commanded pulse, timed from the recorded edge.
        /// </summary>
        public void OnValveEdge(byte channel, byte level, ulong deviceMicros)
        {
            if (channel >= _openedAt.Length || level == 0 || _commanded[channel] || !_armed[channel])
            {
                return;
            }

            _armed[channel] = false;
            _budget.ArmFired(deviceMicros);
            _commanded[channel] = true;
            _openedAt[channel] = deviceMicros;
            _duration[channel] = _armedDuration[channel];
        }

        /// <summary>Safety check, every loop iteration.</summary>
        public void Check(ulong nowMicros)
        {
            for (byte ch = 0; ch < _openedAt.Length; ch++)
            {
                if (_armed[ch] && nowMicros >= _armedUntil[ch])
                {
                    // The window closed without a lick; the capture layer has disarmed itself.
                    _armed[ch] = false;
                    _budget.ArmExpired();
                }

                if (!_valve.IsOpen(ch))
                {
                    _commanded[ch] = false;
                    continue;
                }

                bool overdue = nowMicros > _openedAt[ch] + _duration[ch] + _graceMicros;
                if (!_commanded[ch] || overdue)
                {
                    _valve.ForceClose(ch);
                    _commanded[ch] = false;
                    Faults++;
                }
            }
        }

        /// <summary>
        /// The host has stopped talking: whatever would deliver water without it (an open pulse, an armed window, the
        /// next pulse of a calibration train that the host paces) is stopped. Every valve is shut and any arming
        /// cancelled; returns true, and counts one, only when something was in progress, so a silent host with an idle
        /// valve costs nothing and is not reported.
        /// </summary>
        public bool CloseForHostSilence(ulong nowMicros)
        {
            bool active = false;
            for (byte ch = 0; ch < _openedAt.Length; ch++)
            {
                if (_valve.IsOpen(ch) || (_armed[ch] && nowMicros < _armedUntil[ch]))
                {
                    active = true;
                }
            }

            if (!active)
            {
                return false;
            }

            for (int ch = 0; ch < _armed.Length; ch++)
            {
                _armed[ch] = false;
            }

            _budget.ReleaseArm(nowMicros);
            _valve.Disarm();
            CloseAll();
            HostSilenceCloses++;
            return true;
        }

        /// <summary>Closes every valve (boot, shutdown, host silent).</summary>
        public void CloseAll()
        {
            for (byte ch = 0; ch < _openedAt.Length; ch++)
            {
                _valve.ForceClose(ch);
                _commanded[ch] = false;
            }
        }
    }
}
