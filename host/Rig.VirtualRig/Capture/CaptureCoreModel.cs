// Long: mirrors firmware/native/core/src/rc_core.c line for line (tests/vectors/capture pin both); one file keeps the two comparable side by side.
using System;

namespace Rig.VirtualRig.Capture;

/// <summary>
/// The C# twin of the native capture core (firmware/native/core/src/rc_core.c): the same state machine, the same
/// record stream and counters for the same inputs, held together by the shared vectors in tests/vectors/capture.
/// The virtual rig runs its capture through this class, so the simulator's glitch filter, armed reward, valve
/// maximum and encoder extension are the device's. Single-threaded: the simulator drives it from its loop.
/// Semantics: docs/capture.md. Keep the structure parallel to the C file so a change is made in both.
/// </summary>
public sealed partial class CaptureCoreModel
{
    public const int Channels = 16;
    public const int MaxInputs = 16;
    public const int MaxValves = 4;
    public const int MaxOutputs = 4;
    public const int MaxSyncPulses = 64;
    public const uint ValveCeilingMicros = 10_000_000;
    public const uint MaxEncoderRateHz = 100_000;
    public const ulong Never = ulong.MaxValue;

    private const byte LineLick = 1;
    private const byte LineTtl = 4;
    private const byte LineValve = 5;
    private const byte LineTone = 6;
    private const byte LineSync = 7;
    private const byte LineEncoder = 8;

    private readonly ICaptureHardware _hardware;
    private readonly NativeRecord[] _ring;
    private readonly Input[] _inputs = new Input[MaxInputs];
    private readonly Valve[] _valves = new Valve[MaxValves];
    private readonly Output[] _outputs = new Output[MaxOutputs];
    private readonly SyncPulse[] _syncPulses = new SyncPulse[MaxSyncPulses];
    private uint _head;
    private uint _tail;
    private uint _overflows;
    private bool _gap;
    private bool _started;

    private bool _armed;
    private int _armedValve;
    private ulong _armedStart;
    private ulong _armedEnd;
    private uint _armedDuration;

    private bool _rewardPending;
    private int _rewardValve;
    private ulong _rewardDue;
    private uint _rewardDuration;

    private bool _toneConfigured;
    private bool _tonePlaying;
    private ulong _toneStop;

    private bool _encoderConfigured;
    private uint _modulus = 65536;
    private uint _rateHz;
    private uint _periodWhole;
    private uint _periodRem;
    private uint _acc;
    private uint _lastRaw;
    private long _count;
    private ulong _nextSample;

    private bool _syncPlaying;
    private int _syncOutput;
    private int _syncCount;
    private int _syncNextEdge;
    private ulong _syncOrigin;

    private uint _glitches;
    private uint _sameLevel;
    private uint _settled;
    private uint _overMax;
    private uint _busy;
    private uint _rewards;
    private uint _expired;
    private uint _licksWhileOpen;
    private uint _notOnset;
    private uint _samples;
    private uint _samplesMissed;

    /// <param name="ringCapacity">Records the ring holds: a power of two, 2 to 2^30.</param>
    public CaptureCoreModel(ICaptureHardware hardware, int ringCapacity = 64)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        if (ringCapacity < 2 || ringCapacity > (1 << 30) || (ringCapacity & (ringCapacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ringCapacity), ringCapacity, "a power of two from 2 to 2^30");
        }

        _hardware = hardware;
        _ring = new NativeRecord[ringCapacity];
        for (int i = 0; i < MaxInputs; i++)
        {
            _inputs[i] = new Input();
        }

        for (int i = 0; i < MaxValves; i++)
        {
            _valves[i] = new Valve();
        }

        for (int i = 0; i < MaxOutputs; i++)
        {
            _outputs[i] = new Output();
        }
    }

    /// <summary>Lick-to-valve latency of an armed reward, µs: 0 on the device (the ISR opens at once).</summary>
    public uint RewardLatencyMicros { get; set; }

    public bool Started => _started;

    public uint Overflows => _overflows;

    public int Buffered => (int)(_head - _tail);

    public CaptureCounters Counters => new(_overflows, _glitches, _sameLevel, _settled, _overMax, _busy, _rewards, _expired,
        _licksWhileOpen, _samples, _samplesMissed, _captureClamped, _captureUnanchored, _notOnset);

    // ---- configuration --------------------------------------------------------------------------------

    /// <summary>Returns the input's index (the port's ISR argument) or a negative status.</summary>
    public int ConfigureInput(byte line, byte channel, uint glitchMicros, byte initialLevel = 0)
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        if (line < LineLick || line > LineTtl || channel >= Channels || initialLevel > 1)
        {
            return CaptureStatus.InvalidArgument;
        }

        int index = InputIndex(line, channel);
        if (index < 0)
        {
            index = Array.FindIndex(_inputs, i => !i.Used);
        }

        if (index < 0)
        {
            return CaptureStatus.NoResources;
        }

        _inputs[index] = new Input
        {
            Used = true, Line = line, Channel = channel, GlitchMicros = glitchMicros, Reported = initialLevel, Raw = initialLevel,
        };
        return index;
    }

    /// <summary>
    /// After <see cref="ConfigureInput"/> of lick channel <paramref name="channel"/>: the firmware lick detector's debounce
    /// and minimum inter-lick interval, so an armed reward fires only on an edge that starts a lick onset.
    /// </summary>
    public int ConfigureLick(byte channel, uint debounceMicros, uint minIntervalMicros)
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        int index = InputIndex(LineLick, channel);
        if (index < 0)
        {
            return CaptureStatus.NotConfigured;
        }

        _inputs[index].Gate.DebounceMicros = debounceMicros;
        _inputs[index].Gate.MinIntervalMicros = minIntervalMicros;
        return CaptureStatus.Ok;
    }

    public int InputIndex(byte line, byte channel)
    {
        for (int i = 0; i < MaxInputs; i++)
        {
            if (_inputs[i].Used && _inputs[i].Line == line && _inputs[i].Channel == channel)
            {
                return i;
            }
        }

        return -1;
    }

    /// <param name="modulus">The raw counter's period: 65536 for a wrapping 16-bit counter, 32767 for ESP-IDF PCNT limits ±32767.</param>
    /// <param name="rateHz">Encoder sample records per second; 0 for none (reads only).</param>
    public int ConfigureEncoder(uint modulus, uint rateHz)
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        if (modulus < 4 || modulus > 65536 || rateHz > MaxEncoderRateHz)
        {
            return CaptureStatus.InvalidArgument;
        }

        _encoderConfigured = true;
        _modulus = modulus;
        _rateHz = rateHz;
        if (rateHz != 0)
        {
            _periodWhole = 1_000_000 / rateHz;
            _periodRem = 1_000_000 % rateHz;
        }

        return CaptureStatus.Ok;
    }

    public int ConfigureValve(byte channel, uint hardMaxMicros)
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        if (channel >= Channels || hardMaxMicros == 0 || hardMaxMicros > ValveCeilingMicros)
        {
            return CaptureStatus.InvalidArgument;
        }

        int index = FindValve(channel);
        if (index < 0)
        {
            index = Array.FindIndex(_valves, v => !v.Used);
        }

        if (index < 0)
        {
            return CaptureStatus.NoResources;
        }

        _valves[index] = new Valve { Used = true, Channel = channel, HardMaxMicros = hardMaxMicros };
        return CaptureStatus.Ok;
    }

    public int ConfigureTone()
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        _toneConfigured = true;
        return CaptureStatus.Ok;
    }

    public int ConfigureOutput(byte channel)
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        if (channel >= Channels)
        {
            return CaptureStatus.InvalidArgument;
        }

        if (FindOutput(channel) >= 0)
        {
            return CaptureStatus.Ok;
        }

        int index = Array.FindIndex(_outputs, o => !o.Used);
        if (index < 0)
        {
            return CaptureStatus.NoResources;
        }

        _outputs[index] = new Output { Used = true, Channel = channel, Level = 0 };
        return CaptureStatus.Ok;
    }

    public int Start(ulong nowMicros)
    {
        if (_started)
        {
            return CaptureStatus.InvalidState;
        }

        _started = true;
        if (_encoderConfigured)
        {
            _lastRaw = NormalizeRaw(_hardware.ReadEncoder(nowMicros), _modulus);
            _count = 0;
            _acc = 0;
            _nextSample = nowMicros;
        }

        return CaptureStatus.Ok;
    }

    // ---- inputs ---------------------------------------------------------------------------------------

    /// <summary>An edge as the GPIO interrupt sees it: the pin's level after the edge, stamped when it happened.</summary>
    public void InputEdge(int inputIndex, byte level, ulong edgeMicros)
    {
        if (!_started || inputIndex < 0 || inputIndex >= MaxInputs || !_inputs[inputIndex].Used)
        {
            return;
        }

        var input = _inputs[inputIndex];
        level = level != 0 ? (byte)1 : (byte)0;
        input.Raw = level;
        if (input.GlitchMicros != 0 && input.HasAccepted && edgeMicros < input.LastAcceptedMicros + input.GlitchMicros)
        {
            _glitches++;
            input.SettlePending = true;
            return;
        }

        if (level == input.Reported)
        {
            _sameLevel++;
            return;
        }

        AcceptEdge(input, level, edgeMicros, CaptureFlags.None);
    }

    // LickDetector.Decide on the pending burst (rc_core.c lick_gate_decide).
    private static void LickGateDecide(LickGate g)
    {
        g.Pending = false;
        if (g.Triggered)
        {
            g.Triggered = false;
            g.Accepted = g.Raw;
            g.SeenOnset = true;
            g.LastOnsetMicros = g.BurstMicros;
            return;
        }

        if (g.Raw == g.Accepted)
        {
            return;
        }

        g.Accepted = g.Raw;
        if (g.Accepted == 1 && !(g.SeenOnset && g.BurstMicros - g.LastOnsetMicros < g.MinIntervalMicros))
        {
            g.SeenOnset = true;
            g.LastOnsetMicros = g.BurstMicros;
        }
    }

    // LickDetector.OnEdge on a lick record at t (rc_core.c lick_gate_edge): true when t starts a burst the detector will
    // stamp as an onset at t once it settles high.
    private static bool LickGateEdge(LickGate g, byte level, ulong t)
    {
        if (g.Pending && t - g.LastEdgeMicros >= g.DebounceMicros)
        {
            LickGateDecide(g);
        }

        if (level == g.Raw)
        {
            return false;
        }

        g.Raw = level;
        bool starts = !g.Pending;
        g.Pending = true;
        g.LastEdgeMicros = t;
        if (!starts)
        {
            return false;
        }

        g.BurstMicros = t;
        return level == 1 && g.Accepted == 0 && !(g.SeenOnset && t - g.LastOnsetMicros < g.MinIntervalMicros);
    }

    private void AcceptEdge(Input input, byte level, ulong t, CaptureFlags flags)
    {
        input.Reported = level;
        input.HasAccepted = true;
        input.LastAcceptedMicros = t;
        if (input.Line == LineLick)
        {
            if (_head - _tail >= (uint)_ring.Length)
            {
                // The record is lost, so LickDetector never sees it: the replay skips it too, and nothing fires on it.
                _overflows++;
                _gap = true;
                return;
            }

            bool onset = LickGateEdge(input.Gate, level, t);
            bool inWindow = _armed && t >= _armedStart && t < _armedEnd;
            if (onset && inWindow && FireArmedReward(t))
            {
                input.Gate.Triggered = true;
                flags |= CaptureFlags.Trigger;
            }
            else if (!onset && level == 1 && inWindow)
            {
                _notOnset++;
            }
        }

        Emit(t, input.Line, input.Channel, level, 0, flags);
    }

    // ---- valves and the armed reward ------------------------------------------------------------------

    private void OpenValve(int index, uint durationMicros, bool reward, ulong now)
    {
        var v = _valves[index];
        v.Open = true;
        v.OpenByReward = reward;
        v.OpenedMicros = now;
        v.CloseMicros = now + durationMicros;
        _hardware.SetValve(v.Channel, true, now);
        Emit(now, LineValve, v.Channel, 1, durationMicros, reward ? CaptureFlags.Reward : CaptureFlags.None);
    }

    private void CloseValveAt(int index, bool forced, ulong now)
    {
        var v = _valves[index];
        v.Open = false;
        _hardware.SetValve(v.Channel, false, now);
        var flags = (v.OpenByReward ? CaptureFlags.Reward : CaptureFlags.None) | (forced ? CaptureFlags.Forced : CaptureFlags.None);
        Emit(now, LineValve, v.Channel, 0, (long)(now - v.OpenedMicros), flags);
    }

    // A lick onset inside the armed window: schedules the valve. False if the valve is open or already opening (counted).
    private bool FireArmedReward(ulong t)
    {
        int index = _armedValve;
        if (_valves[index].Open || (_rewardPending && _rewardValve == index))
        {
            _licksWhileOpen++;
            return false;
        }

        _armed = false;
        _rewardPending = true;
        _rewardValve = index;
        _rewardDue = t + RewardLatencyMicros;
        _rewardDuration = _armedDuration;
        return true;
    }

    public int PulseValve(byte channel, uint durationMicros, ulong nowMicros)
    {
        if (!_started)
        {
            return CaptureStatus.InvalidState;
        }

        int index = FindValve(channel);
        if (index < 0)
        {
            return CaptureStatus.NotConfigured;
        }

        if (durationMicros == 0)
        {
            return CaptureStatus.InvalidArgument;
        }

        if (durationMicros > _valves[index].HardMaxMicros)
        {
            _overMax++;
            return CaptureStatus.ExceedsHardMax;
        }

        if (_valves[index].Open || (_rewardPending && _rewardValve == index))
        {
            _busy++;
            return CaptureStatus.Busy;
        }

        OpenValve(index, durationMicros, false, nowMicros);
        return CaptureStatus.Ok;
    }

    public int CloseValve(byte channel, ulong nowMicros)
    {
        int index = FindValve(channel);
        if (index < 0)
        {
            return CaptureStatus.NotConfigured;
        }

        if (_rewardPending && _rewardValve == index)
        {
            _rewardPending = false;
        }

        if (_valves[index].Open)
        {
            CloseValveAt(index, true, nowMicros);
        }

        return CaptureStatus.Ok;
    }

    public bool IsValveOpen(byte channel)
    {
        int index = FindValve(channel);
        return index >= 0 && _valves[index].Open;
    }

    public int ArmReward(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros, ulong nowMicros)
    {
        if (!_started)
        {
            return CaptureStatus.InvalidState;
        }

        int index = FindValve(channel);
        if (index < 0)
        {
            return CaptureStatus.NotConfigured;
        }

        if (durationMicros == 0 || windowEndMicros <= windowStartMicros || windowEndMicros <= nowMicros)
        {
            return CaptureStatus.InvalidArgument;
        }

        if (durationMicros > _valves[index].HardMaxMicros)
        {
            _overMax++;
            return CaptureStatus.ExceedsHardMax;
        }

        _armed = true;
        _armedValve = index;
        _armedStart = windowStartMicros;
        _armedEnd = windowEndMicros;
        _armedDuration = durationMicros;
        return CaptureStatus.Ok;
    }

    public void Disarm() => _armed = false;

    public bool IsArmed => _armed;

    // ---- tone, outputs, sync schedule -----------------------------------------------------------------

    /// <summary>When the playing tone's timer ends it, device µs (set before the tone switches on).</summary>
    public ulong ToneStopMicros => _toneStop;

    public int PlayTone(ushort frequencyHz, uint durationMicros, ulong nowMicros)
    {
        if (!_started)
        {
            return CaptureStatus.InvalidState;
        }

        if (!_toneConfigured)
        {
            return CaptureStatus.NotConfigured;
        }

        if (frequencyHz == 0 || durationMicros == 0)
        {
            return CaptureStatus.InvalidArgument;
        }

        _tonePlaying = true;
        _toneStop = nowMicros + durationMicros;
        _hardware.SetTone(frequencyHz, nowMicros);
        Emit(nowMicros, LineTone, 0, 1, frequencyHz, CaptureFlags.None);
        return CaptureStatus.Ok;
    }

    private void ToneOff(bool forced, ulong now)
    {
        _tonePlaying = false;
        _hardware.SetTone(0, now);
        Emit(now, LineTone, 0, 0, 0, forced ? CaptureFlags.Forced : CaptureFlags.None);
    }

    public int StopTone(ulong nowMicros)
    {
        if (!_toneConfigured)
        {
            return CaptureStatus.NotConfigured;
        }

        if (_tonePlaying)
        {
            ToneOff(true, nowMicros);
        }

        return CaptureStatus.Ok;
    }

    private void DriveOutput(int index, byte level, CaptureFlags flags, ulong now)
    {
        var o = _outputs[index];
        o.Level = level;
        _hardware.SetOutput(o.Channel, level, now);
        Emit(now, LineSync, o.Channel, level, 0, flags);
    }

    public int SetOutput(byte channel, byte level, ulong nowMicros)
    {
        if (!_started)
        {
            return CaptureStatus.InvalidState;
        }

        int index = FindOutput(channel);
        if (index < 0)
        {
            return CaptureStatus.NotConfigured;
        }

        if (level > 1)
        {
            return CaptureStatus.InvalidArgument;
        }

        if (_syncPlaying && _syncOutput == index)
        {
            return CaptureStatus.Busy;
        }

        if (_outputs[index].Level != level)
        {
            DriveOutput(index, level, CaptureFlags.None, nowMicros);
        }

        return CaptureStatus.Ok;
    }

    public int PlaySync(byte channel, ReadOnlySpan<SyncPulse> pulses, ulong nowMicros)
    {
        if (!_started)
        {
            return CaptureStatus.InvalidState;
        }

        int index = FindOutput(channel);
        if (index < 0)
        {
            return CaptureStatus.NotConfigured;
        }

        if (pulses.Length == 0 || pulses.Length > MaxSyncPulses)
        {
            return CaptureStatus.InvalidArgument;
        }

        for (int i = 0; i < pulses.Length; i++)
        {
            if (pulses[i].WidthMicros == 0)
            {
                return CaptureStatus.InvalidArgument;
            }

            // Each rise comes strictly after the previous fall, so every pulse is two distinct edges.
            if (i > 0 && (ulong)pulses[i].OffsetMicros <= (ulong)pulses[i - 1].OffsetMicros + pulses[i - 1].WidthMicros)
            {
                return CaptureStatus.InvalidArgument;
            }
        }

        if (_syncPlaying)
        {
            return CaptureStatus.Busy;
        }

        if (_outputs[index].Level != 0)
        {
            return CaptureStatus.InvalidState;
        }

        _syncPlaying = true;
        _syncOutput = index;
        _syncCount = pulses.Length;
        _syncNextEdge = 0;
        _syncOrigin = nowMicros;
        pulses.CopyTo(_syncPulses);
        return CaptureStatus.Ok;
    }

    private ulong SyncEdgeTime()
    {
        var p = _syncPulses[_syncNextEdge / 2];
        ulong rise = _syncOrigin + p.OffsetMicros;
        return _syncNextEdge % 2 == 0 ? rise : rise + p.WidthMicros;
    }

    // ---- encoder --------------------------------------------------------------------------------------

    private static uint NormalizeRaw(int raw, uint modulus)
    {
        int m = (int)modulus;
        int r = raw % m;
        if (r < 0)
        {
            r += m;
        }

        return (uint)r;
    }

    private long EncoderUpdate(ulong now)
    {
        uint m = _modulus;
        uint r = NormalizeRaw(_hardware.ReadEncoder(now), m);

        // The step since the last read, the shorter way round the counter's period (see rc_core.c).
        int d = (int)r - (int)_lastRaw;
        if (d < 0)
        {
            d += (int)m;
        }

        if ((uint)d >= m - (m / 2))
        {
            d -= (int)m;
        }

        _lastRaw = r;
        _count += d;
        return _count;
    }

    private void EncoderAdvanceGrid()
    {
        _nextSample += _periodWhole;
        _acc += _periodRem;
        if (_acc >= _rateHz)
        {
            _acc -= _rateHz;
            _nextSample += 1;
        }
    }

    /// <summary>Reads the counter through the hardware and returns the extended count (no record).</summary>
    public long EncoderCount(ulong nowMicros) => _encoderConfigured && _started ? EncoderUpdate(nowMicros) : 0;

    // ---- deadlines ------------------------------------------------------------------------------------

    private enum Due
    {
        None,
        Reward,
        Valve,
        Window,
        Settle,
        Sync,
        Tone,
        Encoder,
    }

    // Ties go to the kind listed first, then the lower table index (as in rc_core.c).
    private Due Earliest(out ulong when, out int which)
    {
        var kind = Due.None;
        ulong best = Never;
        int index = -1;

        void Consider(Due k, ulong t, int i)
        {
            if (t < best)
            {
                best = t;
                kind = k;
                index = i;
            }
        }

        if (_rewardPending)
        {
            Consider(Due.Reward, _rewardDue, _rewardValve);
        }

        for (int i = 0; i < MaxValves; i++)
        {
            if (_valves[i].Used && _valves[i].Open)
            {
                Consider(Due.Valve, _valves[i].CloseMicros, i);
            }
        }

        if (_armed)
        {
            Consider(Due.Window, _armedEnd, -1);
        }

        for (int i = 0; i < MaxInputs; i++)
        {
            if (_inputs[i].Used && _inputs[i].SettlePending)
            {
                Consider(Due.Settle, _inputs[i].LastAcceptedMicros + _inputs[i].GlitchMicros, i);
            }
        }

        if (_syncPlaying)
        {
            Consider(Due.Sync, SyncEdgeTime(), -1);
        }

        if (_tonePlaying)
        {
            Consider(Due.Tone, _toneStop, -1);
        }

        if (_started && _encoderConfigured && _rateHz != 0)
        {
            Consider(Due.Encoder, _nextSample, -1);
        }

        when = best;
        which = index;
        return kind;
    }

    /// <summary>The earliest time something is due; <see cref="Never"/> when nothing is.</summary>
    public ulong NextDeadline => Earliest(out ulong when, out _) == Due.None ? Never : when;

    /// <summary>Handles everything due at or before <paramref name="nowMicros"/>, earliest first, each stamped <paramref name="nowMicros"/>.</summary>
    public void Poll(ulong nowMicros)
    {
        while (true)
        {
            var kind = Earliest(out ulong when, out int which);
            if (kind == Due.None || when > nowMicros)
            {
                return;
            }

            switch (kind)
            {
                case Due.Reward:
                    _rewardPending = false;
                    _rewards++;
                    OpenValve(which, _rewardDuration, true, nowMicros);
                    break;
                case Due.Valve:
                    CloseValveAt(which, false, nowMicros);
                    break;
                case Due.Window:
                    _armed = false;
                    _expired++;
                    break;
                case Due.Settle:
                    var input = _inputs[which];
                    input.SettlePending = false;
                    if (input.Raw != input.Reported)
                    {
                        _settled++;
                        AcceptEdge(input, input.Raw, nowMicros, CaptureFlags.Settled);
                    }

                    break;
                case Due.Sync:
                    byte level = _syncNextEdge % 2 == 0 ? (byte)1 : (byte)0;
                    DriveOutput(_syncOutput, level, CaptureFlags.Scheduled, nowMicros);
                    _syncNextEdge++;
                    if (_syncNextEdge >= 2 * _syncCount)
                    {
                        _syncPlaying = false;
                    }

                    break;
                case Due.Tone:
                    ToneOff(false, nowMicros);
                    break;
                case Due.Encoder:
                    long count = EncoderUpdate(nowMicros);
                    _samples++;
                    Emit(nowMicros, LineEncoder, 0, 0, count, CaptureFlags.None);
                    EncoderAdvanceGrid();
                    while (_nextSample <= nowMicros)
                    {
                        _samplesMissed++;
                        EncoderAdvanceGrid();
                    }

                    break;
                default:
                    return;
            }
        }
    }

    /// <summary>Handles every deadline up to <paramref name="untilMicros"/> at its own time, as a punctual hardware timer would.</summary>
    public void AdvanceTo(ulong untilMicros)
    {
        for (ulong due = NextDeadline; due <= untilMicros; due = NextDeadline)
        {
            Poll(due);
        }
    }

    // ---- ring -----------------------------------------------------------------------------------------

    private void Emit(ulong t, byte line, byte channel, byte level, long value, CaptureFlags flags)
    {
        if (_head - _tail >= (uint)_ring.Length)
        {
            _overflows++;
            _gap = true;
            return;
        }

        if (_gap)
        {
            flags |= CaptureFlags.Gap;
            _gap = false;
        }

        _ring[_head & (uint)(_ring.Length - 1)] = new NativeRecord(t, value, line, channel, level, flags);
        _head++;
    }

    /// <summary>Moves up to <paramref name="destination"/>.Length records, oldest first; returns how many.</summary>
    public int Drain(Span<NativeRecord> destination)
    {
        int n = 0;
        while (n < destination.Length && _tail != _head)
        {
            destination[n++] = _ring[_tail & (uint)(_ring.Length - 1)];
            _tail++;
        }

        return n;
    }

    /// <summary>NativeCapture.Drain: up to <paramref name="maxRecords"/> 24-byte records into <paramref name="buffer"/>.</summary>
    public int DrainBytes(byte[] buffer, int maxRecords)
    {
        if (buffer is null || maxRecords < 0 || buffer.Length / NativeRecord.Bytes < maxRecords)
        {
            return CaptureStatus.InvalidArgument;
        }

        int n = 0;
        while (n < maxRecords && _tail != _head)
        {
            _ring[_tail & (uint)(_ring.Length - 1)].Encode(buffer.AsSpan(n * NativeRecord.Bytes, NativeRecord.Bytes));
            _tail++;
            n++;
        }

        return n;
    }

    private int FindValve(byte channel)
    {
        for (int i = 0; i < MaxValves; i++)
        {
            if (_valves[i].Used && _valves[i].Channel == channel)
            {
                return i;
            }
        }

        return -1;
    }

    private int FindOutput(byte channel)
    {
        for (int i = 0; i < MaxOutputs; i++)
        {
            if (_outputs[i].Used && _outputs[i].Channel == channel)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed class Input
    {
        public bool Used;
        public byte Line;
        public byte Channel;
        public byte Reported;
        public byte Raw;
        public bool HasAccepted;
        public bool SettlePending;
        public uint GlitchMicros;
        public ulong LastAcceptedMicros;
        public LickGate Gate = new();
    }

    // rc_lick_gate: the firmware LickDetector's rules replayed on this core's lick records.
    private sealed class LickGate
    {
        public uint DebounceMicros;
        public uint MinIntervalMicros;
        public bool Pending;
        public bool Triggered;
        public bool SeenOnset;
        public byte Raw;
        public byte Accepted;
        public ulong BurstMicros;
        public ulong LastEdgeMicros;
        public ulong LastOnsetMicros;
    }

    private sealed class Valve
    {
        public bool Used;
        public bool Open;
        public bool OpenByReward;
        public byte Channel;
        public uint HardMaxMicros;
        public ulong OpenedMicros;
        public ulong CloseMicros;
    }

    private sealed class Output
    {
        public bool Used;
        public byte Channel;
        public byte Level;
    }
}
