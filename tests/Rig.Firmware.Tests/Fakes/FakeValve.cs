using System.Collections.Generic;
using Rig.Firmware.Hardware;

namespace Rig.Firmware.Tests.Fakes;

/// <summary>
/// Water valves that record every <see cref="StartPulse"/> and <see cref="ForceClose"/>. A pulse opens the valve
/// (when <see cref="OpensOnPulse"/>); it stays open until the test closes it (the hardware timer firing) or the
/// firmware forces it shut, so a stuck valve is simply one the test never closes.
/// </summary>
public sealed class FakeValve : IValve
{
    private readonly bool[] _open;

    public FakeValve(int channelCount = 4)
    {
        _open = new bool[channelCount];
    }

    public int ChannelCount => _open.Length;

    /// <summary>Whether a pulse leaves the valve reading open.</summary>
    public bool OpensOnPulse { get; set; } = true;

    public List<(byte Channel, uint DurationMicros)> Pulses { get; } = [];

    public List<byte> ForceCloses { get; } = [];

    public void StartPulse(byte channel, uint durationMicros)
    {
        Pulses.Add((channel, durationMicros));
        if (OpensOnPulse)
        {
            _open[channel] = true;
        }
    }

    public void ForceClose(byte channel)
    {
        ForceCloses.Add(channel);
        _open[channel] = false;
    }

    public bool IsOpen(byte channel) => _open[channel];

    /// <summary>Every Arm call: channel, window start and end, duration.</summary>
    public List<(byte Channel, ulong WindowStart, ulong WindowEnd, uint DurationMicros)> Arms { get; } = [];

    public int Disarms { get; private set; }

    public void Arm(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros) =>
        Arms.Add((channel, windowStartMicros, windowEndMicros, durationMicros));

    public void Disarm() => Disarms++;

    /// <summary>What the valve hardware reads: open (stuck or uncommanded) or closed (its timer fired).</summary>
    public void SetOpen(byte channel, bool open) => _open[channel] = open;
}
