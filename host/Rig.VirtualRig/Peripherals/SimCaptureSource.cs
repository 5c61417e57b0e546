using System;
using System.Collections.Generic;
using Rig.Firmware.Hardware;
using Rig.VirtualRig.Capture;
using Rig.VirtualRig.World;

namespace Rig.VirtualRig.Peripherals;

/// <summary>A simulated signal that produces input edges lazily, up to a virtual time.</summary>
public interface ISimInput
{
    /// <summary>Schedules every edge with time at or before <paramref name="untilMicros"/> not yet scheduled.</summary>
    void EmitUntil(ulong untilMicros, SimCaptureSource sink);
}

/// <summary>A simulated input that follows the tone output (the loopback fixture's tone-to-TTL path).</summary>
public interface ISimToneListener
{
    /// <summary>
    /// The tone output changed at <paramref name="trueMicros"/>: on at <paramref name="frequencyHz"/> until
    /// <paramref name="plannedStopTrueMicros"/> (the module's own timer), or off (frequency 0, planned stop = now).
    /// </summary>
    void OnTone(ushort frequencyHz, ulong trueMicros, ulong plannedStopTrueMicros);
}

/// <summary>Settings of the simulated native capture module.</summary>
public sealed record SimCaptureOptions
{
    /// <summary>Records the capture ring holds. Larger than the device's: fast mode drains once per virtual millisecond.</summary>
    public int RingCapacity { get; init; } = 4096;

    /// <summary>Lick edge to valve opening when an armed reward fires, µs: the time an ISR takes to act.</summary>
    public uint RewardLatencyMicros { get; init; } = 5;

    /// <summary>
    /// Glitch lockout of lick channel 0, µs: the device's setting (NativeSetup.LickGlitchMicros), so the simulated
    /// bounce reaches the firmware's debounce as it would on the device. 0 passes every edge.
    /// </summary>
    public uint LickGlitchMicros { get; init; } = 100;

    /// <summary>
    /// The firmware lick detector's debounce, µs, which the module replays so an armed reward fires only on an edge
    /// that starts a lick onset (NativeSetup passes DeviceConfig.LickDebounceMicros; the virtual rig passes its own).
    /// </summary>
    public uint LickDebounceMicros { get; init; } = new Rig.Firmware.DeviceConfig().LickDebounceMicros;

    /// <summary>The firmware lick detector's minimum time between onsets, µs (DeviceConfig.MinInterLickMicros).</summary>
    public uint LickMinIntervalMicros { get; init; } = new Rig.Firmware.DeviceConfig().MinInterLickMicros;

    /// <summary>Glitch lockout of frame-clock channel 0, µs (NativeSetup.FrameClockGlitchMicros).</summary>
    public uint FrameGlitchMicros { get; init; } = 2;

    /// <summary>Glitch lockout of photodiode channel 0, µs (NativeSetup.PhotodiodeGlitchMicros).</summary>
    public uint PhotodiodeGlitchMicros { get; init; } = 100;

    /// <summary>Glitch lockout of TTL channel 0, µs (NativeSetup.TtlGlitchMicros).</summary>
    public uint TtlGlitchMicros { get; init; } = 2;

    /// <summary>Period of the simulated PCNT counter: 32767 as the ESP-IDF port configures it (limits ±32767).</summary>
    public uint EncoderModulus { get; init; } = 32767;

    public int ValveChannels { get; init; } = 1;

    public int OutputChannels { get; init; } = 4;

    /// <summary>Loopback wires from outputs back to inputs, each with its latency model (rig loopback). None by default.</summary>
    public System.Collections.Generic.IReadOnlyList<SimWire> Wires { get; init; } = [];

    /// <summary>Seed of the wires' latency draws.</summary>
    public int WireSeed { get; init; } = 1;

    /// <summary>More simulated inputs (the loopback fixture's screen and tone path); an <see cref="ISimToneListener"/> also hears the tone output.</summary>
    public System.Collections.Generic.IReadOnlyList<ISimInput> Inputs { get; init; } = [];
}

/// <summary>
/// The simulator's native capture module: <see cref="CaptureCoreModel"/>, the C# twin of the device's C core, fed
/// with the simulated signals' edges in time order and its timers fired punctually in virtual time. Valve, tone
/// and output commands go through the same model, so armed rewards, the valve maximum, the glitch filter and the
/// encoder extension behave as on the device. It also plays the hardware beneath the module (valve pins, PCNT).
/// </summary>
public sealed class SimCaptureSource : ICaptureSource, IEncoderCounter, ICaptureHardware
{
    private readonly VirtualClock _clock;
    private readonly DeviceTimeline _timeline;
    private readonly SimCaptureOptions _options;
    private readonly CaptureCoreModel _core;
    private readonly PriorityQueue<CaptureRecord, (ulong Micros, long Order)> _edges = new();
    private readonly List<ISimInput> _inputs = [];
    private readonly List<ISimToneListener> _toneListeners = [];
    private readonly byte[] _outputLevels = new byte[CaptureCoreModel.Channels];
    private readonly Random _wireRandom;
    private NativeRecord[] _drainBuffer = [];
    private IEncoderCounter? _wheel;
    private long _order;

    /// <param name="clock">Virtual (true) time, in which the simulated signals produce their edges.</param>
    /// <param name="valveHardMaxMicros">The module's own hard maximum per valve (the device configures it from its settings).</param>
    /// <param name="timeline">
    /// True time to the device's crystal time: the module runs on the device's clock, so edges are stamped with the
    /// device time of their true time. Null: both are the same.
    /// </param>
    public SimCaptureSource(VirtualClock clock, SimCaptureOptions options, uint valveHardMaxMicros, DeviceTimeline? timeline = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _timeline = timeline ?? DeviceTimeline.Identity;
        _options = options;
        _wireRandom = new Random(options.WireSeed);
        foreach (var wire in options.Wires)
        {
            if (wire.To < CaptureLine.Lick || wire.To > CaptureLine.Ttl)
            {
                throw new ArgumentException("a loopback wire must end at an input line (lick, frame clock, photodiode, TTL), not " + wire.To, nameof(options));
            }

            if (!double.IsFinite(wire.LatencyMicros) || wire.LatencyMicros < 0 || !double.IsFinite(wire.JitterMicros) || wire.JitterMicros < 0)
            {
                throw new ArgumentException("a loopback wire's latency and jitter must be finite and not negative", nameof(options));
            }
        }

        _core = new CaptureCoreModel(this, options.RingCapacity) { RewardLatencyMicros = options.RewardLatencyMicros };
        Check(_core.ConfigureInput((byte)CaptureLine.Lick, 0, options.LickGlitchMicros));
        Check(_core.ConfigureLick(0, options.LickDebounceMicros, options.LickMinIntervalMicros));
        Check(_core.ConfigureInput((byte)CaptureLine.FrameClock, 0, options.FrameGlitchMicros));
        Check(_core.ConfigureInput((byte)CaptureLine.Photodiode, 0, options.PhotodiodeGlitchMicros));
        Check(_core.ConfigureInput((byte)CaptureLine.Ttl, 0, options.TtlGlitchMicros));
        for (int ch = 0; ch < options.ValveChannels; ch++)
        {
            Check(_core.ConfigureValve((byte)ch, valveHardMaxMicros));
        }

        for (int ch = 0; ch < options.OutputChannels; ch++)
        {
            Check(_core.ConfigureOutput((byte)ch));
        }

        Check(_core.ConfigureTone());
        foreach (var input in options.Inputs)
        {
            _inputs.Add(input);
            if (input is ISimToneListener listener)
            {
                _toneListeners.Add(listener);
            }
        }

        Check(_core.ConfigureEncoder(options.EncoderModulus, 0));
    }

    public CaptureCoreModel Core => _core;

    /// <summary>Records dropped because the capture ring was full.</summary>
    public uint Overflows => _core.Overflows;

    /// <summary>Records delivered to the firmware core so far.</summary>
    public long Delivered { get; private set; }

    /// <summary>Times a valve opened (commanded pulses and armed rewards).</summary>
    public long ValveOpenings { get; private set; }

    public int ValveChannels => _options.ValveChannels;

    public int OutputChannels => _options.OutputChannels;

    /// <summary>Raised (on the simulation thread) when a valve opens, with its true time: the mouse reacts to water.</summary>
    public event Action<ulong>? ValveOpened;

    /// <summary>Raised (on the simulation thread) at each valve edge: channel, open, true time. The water model listens.</summary>
    public event Action<byte, bool, ulong>? ValveEdge;

    public void AddInput(ISimInput input) => _inputs.Add(input);

    /// <summary>The wheel whose count the simulated PCNT counter holds (modulo its period).</summary>
    public void AttachWheel(IEncoderCounter wheel) => _wheel = wheel;

    /// <summary>Enables capture, as NativeCapture.Start does after configuration.</summary>
    public void Start() => Check(_core.Start(DeviceNow));

    /// <summary>The device's time now (the module's timeline).</summary>
    private ulong DeviceNow => _timeline.ToDevice(_clock.NowMicros);

    /// <summary>
    /// Schedules one input edge (lick, frame clock, photodiode or TTL) at its true time (<see cref="CaptureRecord.DeviceMicros"/>
    /// holds the true µs the model produced); the module sees it at the device time of that instant. Equal times keep
    /// their scheduling order.
    /// </summary>
    public void Schedule(CaptureRecord record)
    {
        if (record.Line < CaptureLine.Lick || record.Line > CaptureLine.Ttl)
        {
            throw new ArgumentOutOfRangeException(nameof(record), record.Line, "only input lines have edges of their own");
        }

        _edges.Enqueue(record, (_timeline.ToDevice(record.DeviceMicros), _order++));
    }

    public byte OutputLevel(int channel) => _outputLevels[channel];

    /// <summary>
    /// Brings the module up to the clock: every edge and timer up to now, in time order, a timer due at the time of
    /// an edge first (as the vectors' runner does). Commands call this before and after acting.
    /// </summary>
    public void CatchUp()
    {
        ulong trueNow = _clock.NowMicros;
        foreach (var input in _inputs)
        {
            input.EmitUntil(trueNow, this);
        }

        // The map is monotonic, so every edge at or before true now is at or before device now.
        ulong now = _timeline.ToDevice(trueNow);
        while (true)
        {
            bool hasEdge = _edges.TryPeek(out var edge, out var key) && key.Micros <= now;
            ulong due = _core.NextDeadline;
            if (due <= now && (!hasEdge || due <= key.Micros))
            {
                _core.Poll(due);
                continue;
            }

            if (!hasEdge)
            {
                return;
            }

            _edges.Dequeue();
            _core.InputEdge(_core.InputIndex((byte)edge.Line, edge.Channel), edge.Level, key.Micros);
        }
    }

    public int Drain(CaptureRecord[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        CatchUp();
        if (_drainBuffer.Length < buffer.Length)
        {
            _drainBuffer = new NativeRecord[buffer.Length];
        }

        int n = _core.Drain(_drainBuffer.AsSpan(0, buffer.Length));
        for (int i = 0; i < n; i++)
        {
            var r = _drainBuffer[i];
            buffer[i] = new CaptureRecord(r.DeviceMicros, (CaptureLine)r.Line, r.Channel, r.Level, r.Value, (byte)r.Flags);
        }

        Delivered += n;
        return n;
    }

    /// <summary>NativeCapture.EncoderCount: the PCNT counter read now and extended by the module.</summary>
    public long ReadCount()
    {
        CatchUp();
        return _core.EncoderCount(DeviceNow);
    }

    /// <summary>Runs one module call at the current time, with the module caught up before and after.</summary>
    public int Command(Func<CaptureCoreModel, ulong, int> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        CatchUp();
        int result = call(_core, DeviceNow);
        CatchUp();
        return result;
    }

    void ICaptureHardware.SetValve(byte channel, bool open, ulong nowMicros)
    {
        // The module acts in device time; the mouse and the water live in true time.
        ulong trueMicros = _timeline.ToTrue(nowMicros);
        if (open)
        {
            ValveOpenings++;
            ValveOpened?.Invoke(trueMicros);
        }

        ValveEdge?.Invoke(channel, open, trueMicros);
        Loop(SimOutputKind.Valve, channel, open ? (byte)1 : (byte)0, trueMicros);
    }

    void ICaptureHardware.SetOutput(byte channel, byte level, ulong nowMicros)
    {
        _outputLevels[channel] = level;
        Loop(SimOutputKind.SyncOut, channel, level, _timeline.ToTrue(nowMicros));
    }

    /// <summary>Sends an output edge down every connected wire from that output, each with its own drawn delay.</summary>
    private void Loop(SimOutputKind kind, byte channel, byte level, ulong trueMicros)
    {
        foreach (var wire in _options.Wires)
        {
            if (wire.Connected && wire.From == kind && wire.FromChannel == channel)
            {
                Schedule(new CaptureRecord(trueMicros + wire.DrawDelayMicros(_wireRandom), wire.To, wire.ToChannel, level));
            }
        }
    }

    void ICaptureHardware.SetTone(ushort frequencyHz, ulong nowMicros)
    {
        if (_toneListeners.Count == 0)
        {
            return;
        }

        // The module sets its stop timer before it switches the tone on, so the planned end is known now.
        ulong trueNow = _timeline.ToTrue(nowMicros);
        ulong plannedStop = frequencyHz == 0 ? trueNow : _timeline.ToTrue(_core.ToneStopMicros);
        foreach (var listener in _toneListeners)
        {
            listener.OnTone(frequencyHz, trueNow, plannedStop);
        }
    }

    int ICaptureHardware.ReadEncoder(ulong nowMicros) =>
        _wheel is null ? 0 : (int)(_wheel.ReadCount() % _options.EncoderModulus);

    private static void Check(int status)
    {
        if (status < 0)
        {
            throw new InvalidOperationException("capture module configuration refused: " + status);
        }
    }
}
