namespace Rig.Firmware.Valve
{
    /// <summary>
    /// The valve's water budget (issue 19): limits on valve open time that no command, trigger or pulse train can pass,
    /// whoever sent it. Hardware-free: every call takes the device time. All valves share one budget (the water goes to
    /// one mouse). Two limits, both on open time, both over sliding windows of device time:
    /// <list type="bullet">
    /// <item>the window limit: at most <c>WaterWindowMaxOpenMicros</c> of open time, in at most
    /// <c>WaterWindowMaxOpenings</c> openings, in any <c>WaterWindowMicros</c> (bounds a single bolus and the duty cycle);</item>
    /// <item>the session limit: at most <c>WaterSessionMaxOpenMicros</c> in any <c>WaterSessionWindowMicros</c> (an hour by
    /// default: the device has no sessions, so this is the session-length window).</item>
    /// </list>
    /// Every opening is a charge of its duration d admitted at device time t. A pulse opens at once: its water flows in
    /// [t, t + d). An armed reward may open at any time until its window ends, so it is charged in full when armed, with
    /// a latest end E = window end + d; E is tightened to the real end when the capture layer reports the opening, and to
    /// cancellation time + d when it is disarmed or replaced (it may have opened, unreported, just before). A charge
    /// admitted at t counts, in the window check at time now, for min(d, E − (now − W)) when that is above 0: everything
    /// that can still flow after now − W. A new charge is admitted only when what counts plus d is within the limit;
    /// since every opening starts at or after its admission and ends by its E, no real window of length W ever holds
    /// more (docs/firmware.md, "Water budget", gives the argument). The session limit counts each admitted charge in full
    /// in a one-minute bucket of its admission time and admits a charge when the buckets since now − W − (longest arm
    /// window + hard maximum) plus d are within the limit: conservative, and arms that never fire still cost their d
    /// there (the device cannot prove an arming delivered nothing). Preallocated; nothing is allocated per command.
    /// </summary>
    public sealed class WaterBudget
    {
        /// <summary>Detail of a refusal that no wait can cure: the command alone exceeds a limit.</summary>
        public const uint Never = 0xFFFFFFFF;

        /// <summary>Buckets per session window: one-minute buckets for the hour default.</summary>
        public const int SessionBucketsPerWindow = 60;

        private readonly ulong _windowMicros;
        private readonly uint _windowMaxOpen;
        private readonly bool[] _used;
        private readonly uint[] _amount;
        private readonly ulong[] _end;
        private int _pendingArm = -1;
        private ulong _pendingArmAdmitted;

        private readonly ulong _sessionMicros;
        private readonly uint _sessionMaxOpen;
        private readonly ulong _bucketMicros;
        private readonly ulong _lookbackMicros;
        private readonly uint[] _buckets;
        private ulong _newestBucket;

        private readonly ulong _maxArmWindowMicros;

        /// <param name="windowMicros">Length of the window limit's sliding window, µs.</param>
        /// <param name="windowMaxOpenMicros">Open time allowed in any such window, µs.</param>
        /// <param name="windowMaxOpenings">Openings allowed in any such window (the size of the charge table).</param>
        /// <param name="sessionWindowMicros">Length of the session limit's sliding window, µs (at least <see cref="SessionBucketsPerWindow"/>).</param>
        /// <param name="sessionMaxOpenMicros">Open time allowed in any session window, µs.</param>
        /// <param name="maxArmWindowMicros">Longest time from arming to the end of an armed window, µs.</param>
        /// <param name="hardMaxMicros">The valve's hard maximum per opening, µs (the longest a charge's water can flow).</param>
        public WaterBudget(ulong windowMicros, uint windowMaxOpenMicros, int windowMaxOpenings, ulong sessionWindowMicros,
            uint sessionMaxOpenMicros, ulong maxArmWindowMicros, uint hardMaxMicros)
        {
            _windowMicros = windowMicros;
            _windowMaxOpen = windowMaxOpenMicros;
            _used = new bool[windowMaxOpenings];
            _amount = new uint[windowMaxOpenings];
            _end = new ulong[windowMaxOpenings];
            _sessionMicros = sessionWindowMicros;
            _sessionMaxOpen = sessionMaxOpenMicros;
            _bucketMicros = sessionWindowMicros / SessionBucketsPerWindow;
            _maxArmWindowMicros = maxArmWindowMicros;
            // A charge admitted at t can still flow until t + longest arm window + hard maximum.
            _lookbackMicros = sessionWindowMicros + maxArmWindowMicros + hardMaxMicros;
            _buckets = new uint[(int)(_lookbackMicros / _bucketMicros) + 3];
        }

        /// <summary>The budget a configuration sets.</summary>
        public static WaterBudget FromConfig(DeviceConfig c)
        {
            return new WaterBudget(c.WaterWindowMicros, c.WaterWindowMaxOpenMicros, c.WaterWindowMaxOpenings, c.WaterSessionWindowMicros,
                c.WaterSessionMaxOpenMicros, c.WaterArmMaxWindowMicros, c.ValveHardMaxOpenMicros);
        }

        /// <summary>Commands, trigger actions and train pulses the budget refused since boot.</summary>
        public uint Refusals { get; private set; }

        /// <summary>Open time charged since boot, µs (pulses and armings, fired or not).</summary>
        public ulong ChargedMicros { get; private set; }

        /// <summary>Open time the window limit counts at <paramref name="nowMicros"/>, µs.</summary>
        public ulong WindowCounted(ulong nowMicros)
        {
            return Counted(nowMicros);
        }

        /// <summary>Open time the session limit counts at <paramref name="nowMicros"/>, µs.</summary>
        public ulong SessionCounted(ulong nowMicros)
        {
            Advance(nowMicros);
            return SessionSum(nowMicros);
        }

        /// <summary>
        /// Charges a pulse of <paramref name="durationMicros"/> starting at <paramref name="nowMicros"/>, or refuses it;
        /// <paramref name="detail"/> is then the wait in µs until it would fit, or <see cref="Never"/>.
        /// </summary>
        public bool TryChargePulse(uint durationMicros, ulong nowMicros, out uint detail)
        {
            if (!Admits(durationMicros, nowMicros, out detail))
            {
                return false;
            }

            Charge(durationMicros, nowMicros + durationMicros, nowMicros);
            return true;
        }

        /// <summary>
        /// Charges an armed reward of <paramref name="durationMicros"/> whose window ends at <paramref name="windowEndMicros"/>
        /// (after <paramref name="nowMicros"/>), or refuses it: a window ending more than the longest arm window from now
        /// is refused with <see cref="Never"/>. The previous arming's charge, if any, is released (its latest end becomes
        /// now + its duration): the caller replaces it on the hardware.
        /// </summary>
        public bool TryChargeArm(uint durationMicros, ulong windowEndMicros, ulong nowMicros, out uint detail)
        {
            if (windowEndMicros - nowMicros > _maxArmWindowMicros)
            {
                detail = Never;
                Refusals++;
                return false;
            }

            if (!Admits(durationMicros, nowMicros, out detail))
            {
                return false;
            }

            ReleaseArm(nowMicros);
            _pendingArm = Charge(durationMicros, windowEndMicros + durationMicros, nowMicros);
            _pendingArmAdmitted = nowMicros;
            return true;
        }

        /// <summary>
        /// The armed reward opened the valve at <paramref name="openedMicros"/>: its water ends by then + its duration. An
        /// opening from before the pending arming was accepted belongs to an earlier arming (it fired, unreported, before
        /// this one replaced it; its charge was released then) and leaves the pending one charged in full.
        /// </summary>
        public void ArmFired(ulong openedMicros)
        {
            if (_pendingArm < 0 || openedMicros < _pendingArmAdmitted)
            {
                return;
            }

            ulong end = openedMicros + _amount[_pendingArm];
            if (end < _end[_pendingArm])
            {
                _end[_pendingArm] = end;
            }

            _pendingArm = -1;
        }

        /// <summary>
        /// The armed reward was cancelled (Disarm, a new arming, host silence) at <paramref name="nowMicros"/>. It may have
        /// opened just before, unreported yet, so its water may still flow until now + its duration.
        /// </summary>
        public void ReleaseArm(ulong nowMicros)
        {
            if (_pendingArm < 0)
            {
                return;
            }

            ulong end = nowMicros + _amount[_pendingArm];
            if (end < _end[_pendingArm])
            {
                _end[_pendingArm] = end;
            }

            _pendingArm = -1;
        }

        /// <summary>The armed window ended: whatever it opened ends by its window end + duration, as charged.</summary>
        public void ArmExpired()
        {
            _pendingArm = -1;
        }

        /// <summary>
        /// Whether a valve pulse train could play without the budget refusing its pulses: its densest pattern (every interval
        /// the shortest, every pulse the widest, each pulse waiting its interval after the previous one ended) must keep
        /// within the window limit on its own, and its planned open time <paramref name="totalOpenMicros"/> within the session
        /// limit. Charges nothing (each pulse is charged as it starts); <paramref name="detail"/> as for a pulse.
        /// </summary>
        public bool AdmitsTrain(int pulseCount, uint minIntervalMicros, uint maxWidthMicros, ulong totalOpenMicros, ulong nowMicros, out uint detail)
        {
            // At the start of a pulse, the earlier pulses k = 1, 2, ... of the densest pattern started k periods before and
            // count min(w, w + W − k·P) each while that is above 0: n = W / P of them in full, then one part.
            ulong period = (ulong)minIntervalMicros + maxWidthMicros;
            ulong earlier = _windowMicros / period;
            ulong partial = 0;
            if (earlier + 1 >= (ulong)pulseCount)
            {
                earlier = (ulong)(pulseCount - 1);
            }
            else
            {
                ulong reach = _windowMicros + maxWidthMicros;
                ulong at = (earlier + 1) * period;
                partial = reach > at ? reach - at : 0;
            }

            ulong densest = (earlier + 1) * maxWidthMicros + partial;
            ulong openings = earlier + (partial > 0 ? 2UL : 1UL);
            if (densest > _windowMaxOpen || openings > (ulong)_used.Length || totalOpenMicros > _sessionMaxOpen)
            {
                detail = Never;
                Refusals++;
                return false;
            }

            Advance(nowMicros);
            ulong session = SessionSum(nowMicros);
            if (session + totalOpenMicros > _sessionMaxOpen)
            {
                detail = Saturate(SessionWait(nowMicros, session + totalOpenMicros - _sessionMaxOpen));
                Refusals++;
                return false;
            }

            detail = 0;
            return true;
        }

        private bool Admits(uint durationMicros, ulong nowMicros, out uint detail)
        {
            detail = 0;
            if (durationMicros > _windowMaxOpen || durationMicros > _sessionMaxOpen)
            {
                detail = Never;
                Refusals++;
                return false;
            }

            Advance(nowMicros);
            ulong session = SessionSum(nowMicros);
            bool windowFits = Fits(nowMicros, durationMicros);
            bool sessionFits = session + durationMicros <= _sessionMaxOpen;
            if (windowFits && sessionFits)
            {
                return true;
            }

            // Both waits shrink as time passes and nothing else is charged, so the later of the two is when both fit.
            ulong wait = windowFits ? 0 : WindowWait(nowMicros, durationMicros);
            if (!sessionFits)
            {
                ulong sessionWait = SessionWait(nowMicros, session + durationMicros - _sessionMaxOpen);
                if (sessionWait > wait)
                {
                    wait = sessionWait;
                }
            }

            detail = Saturate(wait);
            Refusals++;
            return false;
        }

        private int Charge(uint durationMicros, ulong latestEndMicros, ulong nowMicros)
        {
            int slot = FreeSlot(nowMicros);
            _used[slot] = true;
            _amount[slot] = durationMicros;
            _end[slot] = latestEndMicros;
            _buckets[(int)((nowMicros / _bucketMicros) % (ulong)_buckets.Length)] += durationMicros;
            ChargedMicros += durationMicros;
            return slot;
        }

        /// <summary>
        /// A slot whose charge no longer counts (its water ended more than a window ago), or -1 (never, after
        /// <see cref="Fits"/>: both use the same rule). A pending arming found there is over too: its latest end, window end
        /// + d, is more than a window ago (it stays pending when its report went to another arming and nothing expired it).
        /// </summary>
        private int FreeSlot(ulong nowMicros)
        {
            for (int i = 0; i < _used.Length; i++)
            {
                if (!_used[i] || _end[i] + _windowMicros <= nowMicros)
                {
                    if (i == _pendingArm)
                    {
                        _pendingArm = -1;
                    }

                    _used[i] = false;
                    return i;
                }
            }

            return -1;
        }

        /// <summary>True when a charge of <paramref name="durationMicros"/> at <paramref name="atMicros"/> fits the window limit.</summary>
        private bool Fits(ulong atMicros, uint durationMicros)
        {
            int live = 0;
            ulong counted = 0;
            for (int i = 0; i < _used.Length; i++)
            {
                ulong part = Part(i, atMicros);
                if (part > 0)
                {
                    live++;
                    counted += part;
                }
            }

            return live < _used.Length && counted + durationMicros <= _windowMaxOpen;
        }

        private ulong Counted(ulong atMicros)
        {
            ulong counted = 0;
            for (int i = 0; i < _used.Length; i++)
            {
                counted += Part(i, atMicros);
            }

            return counted;
        }

        /// <summary>What charge <paramref name="i"/> counts at <paramref name="atMicros"/>: min(d, E − (at − W)), at least 0.</summary>
        private ulong Part(int i, ulong atMicros)
        {
            if (!_used[i])
            {
                return 0;
            }

            ulong reach = _end[i] + _windowMicros;
            if (reach <= atMicros)
            {
                return 0;
            }

            ulong left = reach - atMicros;
            return left < _amount[i] ? left : _amount[i];
        }

        /// <summary>
        /// The least wait after which a charge of <paramref name="durationMicros"/> fits the window limit, counting only what
        /// is charged now: what counts only falls with time, so a bisection over the wait finds it.
        /// </summary>
        private ulong WindowWait(ulong nowMicros, uint durationMicros)
        {
            ulong latest = nowMicros;
            for (int i = 0; i < _used.Length; i++)
            {
                if (_used[i] && _end[i] + _windowMicros > latest)
                {
                    latest = _end[i] + _windowMicros;
                }
            }

            // By latest every charge counts 0 (a pending arm's end is tightened when it is cancelled, never later).
            ulong lo = 0;
            ulong hi = latest - nowMicros;
            while (hi - lo > 1)
            {
                ulong mid = lo + ((hi - lo) / 2);
                if (Fits(nowMicros + mid, durationMicros))
                {
                    hi = mid;
                }
                else
                {
                    lo = mid;
                }
            }

            return hi;
        }

        /// <summary>Moves the bucket ring up to <paramref name="nowMicros"/>, clearing the buckets it reuses.</summary>
        private void Advance(ulong nowMicros)
        {
            ulong bucket = nowMicros / _bucketMicros;
            if (bucket <= _newestBucket)
            {
                return;
            }

            ulong steps = bucket - _newestBucket;
            if (steps > (ulong)_buckets.Length)
            {
                steps = (ulong)_buckets.Length;
            }

            for (ulong k = 0; k < steps; k++)
            {
                _buckets[(int)((bucket - k) % (ulong)_buckets.Length)] = 0;
            }

            _newestBucket = bucket;
        }

        private ulong OldestCountedBucket(ulong atMicros)
        {
            return atMicros > _lookbackMicros ? (atMicros - _lookbackMicros) / _bucketMicros : 0;
        }

        private ulong SessionSum(ulong nowMicros)
        {
            ulong sum = 0;
            for (ulong k = OldestCountedBucket(nowMicros); k <= _newestBucket; k++)
            {
                sum += _buckets[(int)(k % (ulong)_buckets.Length)];
            }

            return sum;
        }

        /// <summary>The least wait after which the buckets that leave the look-back have freed <paramref name="excess"/> µs.</summary>
        private ulong SessionWait(ulong nowMicros, ulong excess)
        {
            ulong freed = 0;
            for (ulong k = OldestCountedBucket(nowMicros); k <= _newestBucket; k++)
            {
                freed += _buckets[(int)(k % (ulong)_buckets.Length)];
                if (freed >= excess)
                {
                    // Bucket k leaves the look-back when (at − look-back) / bucket passes k.
                    ulong leaves = ((k + 1) * _bucketMicros) + _lookbackMicros;
                    return leaves > nowMicros ? leaves - nowMicros : 0;
                }
            }

            return Never;
        }

        private static uint Saturate(ulong wait)
        {
            return wait >= Never ? Never - 1 : (uint)wait;
        }
    }
}
