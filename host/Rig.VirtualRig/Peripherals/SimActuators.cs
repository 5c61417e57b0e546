using System;
using Rig.Firmware.Hardware;

namespace Rig.VirtualRig.Peripherals;

/// <summary>
/// Simulated valve driver: a pulse opens at once and a "hardware timer" closes it exactly on time; both edges
/// are captured on the valve monitor line, as the native module records them.
/// </summary>
public sealed class SimValve : IValve, ISimInput
{
    private readonly VirtualClock _clock;
    private readonly SimCaptureSource _capture;
    private readonly ulong[] _closeAt;
    private readonly bool[] _open;
    private bool _armed;
    private byte _armedChannel;
    private ulong _windowStart;
    private ulong _windowEnd;
    private uint _armedDuration;

    public SimValve(VirtualClock clock, SimCaptureSource capture, int channels = 1)
    {
        _clock = clock;
        _capture = capture;
        _closeAt = new ulong[channels];
        _open = new bool[channels];
        capture.Delivering += OnCaptured;
    }

    /// <summary>Time from the lick edge to the valve opening when an armed reward fires, µs (an ISR's latency).</summary>
    public uint ArmedLatencyMicros { get; init; } = 5;

    /// <summary>Armed rewards that fired.</summary>
    public long ArmedRewards { get; private set; }

    /// <summary>Raised (on the simulation thread) when a valve opens: the mouse model reacts to water.</summary>
    public event Action<ulong>? Opened;

    public int ChannelCount => _open.Length;

    public long Pulses { get; private set; }

    public void StartPulse(byte channel, uint durationMicros) => Open(channel, durationMicros, _clock.NowMicros);

    private void Open(byte channel, uint durationMicros, ulong at)
    {
        _open[channel] = true;
        _closeAt[channel] = at + durationMicros;
        Pulses++;
        _capture.Schedule(new CaptureRecord(at, CaptureLine.ValveMonitor, channel, 1));
        Opened?.Invoke(at);
    }

    // The native module decides an armed reward in the lick ISR; here, as the lick edge is captured.
    private void OnCaptured(CaptureRecord record)
    {
        if (!_armed || record.Line != CaptureLine.Lick || record.Level == 0)
        {
            return;
        }

        if (record.DeviceMicros >= _windowEnd)
        {
            _armed = false;
            return;
        }

        if (record.DeviceMicros < _windowStart || _open[_armedChannel])
        {
            return;
        }

        _armed = false;
        ArmedRewards++;
        Open(_armedChannel, _armedDuration, record.DeviceMicros + ArmedLatencyMicros);
    }

    public void Arm(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros)
    {
        _armed = true;
        _armedChannel = channel;
        _windowStart = windowStartMicros;
        _windowEnd = windowEndMicros;
        _armedDuration = durationMicros;
    }

    public void Disarm() => _armed = false;

    public void ForceClose(byte channel)
    {
        if (_open[channel])
        {
            _open[channel] = false;
            _capture.Schedule(new CaptureRecord(_clock.NowMicros, CaptureLine.ValveMonitor, channel, 0));
        }
    }

    public bool IsOpen(byte channel)
    {
        if (_open[channel] && _clock.NowMicros >= _closeAt[channel])
        {
            Close(channel);
        }

        return _open[channel];
    }

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        for (byte ch = 0; ch < _open.Length; ch++)
        {
            if (_open[ch] && _closeAt[ch] <= untilMicros)
            {
                Close(ch);
            }
        }
    }

    private void Close(byte channel)
    {
        _open[channel] = false;
        _capture.Schedule(new CaptureRecord(_closeAt[channel], CaptureLine.ValveMonitor, channel, 0));
    }
}

/// <summary>Simulated tone generator: start and stop edges on the tone monitor line.</summary>
public sealed class SimTone : ITone, ISimInput
{
    private readonly VirtualClock _clock;
    private readonly SimCaptureSource _capture;
    private bool _playing;
    private ulong _stopAt;

    public SimTone(VirtualClock clock, SimCaptureSource capture)
    {
        _clock = clock;
        _capture = capture;
    }

    public void Play(ushort frequencyHz, uint durationMicros)
    {
        ulong now = _clock.NowMicros;
        _playing = true;
        _stopAt = now + durationMicros;
        _capture.Schedule(new CaptureRecord(now, CaptureLine.ToneMonitor, 0, 1));
    }

    public void Silence()
    {
        if (_playing)
        {
            _playing = false;
            _capture.Schedule(new CaptureRecord(_clock.NowMicros, CaptureLine.ToneMonitor, 0, 0));
        }
    }

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        if (_playing && _stopAt <= untilMicros)
        {
            _playing = false;
            sink.Schedule(new CaptureRecord(_stopAt, CaptureLine.ToneMonitor, 0, 0));
        }
    }
}

/// <summary>Simulated digital outputs; each change is captured on the sync monitor line.</summary>
public sealed class SimOutputs : IDigitalOutputs
{
    private readonly VirtualClock _clock;
    private readonly SimCaptureSource _capture;
    private readonly byte[] _levels;

    public SimOutputs(VirtualClock clock, SimCaptureSource capture, int channels = 4)
    {
        _clock = clock;
        _capture = capture;
        _levels = new byte[channels];
    }

    public int ChannelCount => _levels.Length;

    public byte Level(int channel) => _levels[channel];

    public void Write(byte channel, byte level)
    {
        if (_levels[channel] == level)
        {
            return;
        }

        _levels[channel] = level;
        _capture.Schedule(new CaptureRecord(_clock.NowMicros, CaptureLine.SyncMonitor, channel, level));
    }
}
