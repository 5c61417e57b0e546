using Rig.Firmware.Hardware;

namespace Rig.VirtualRig.Peripherals;

/// <summary>
/// Simulated valve driver: the firmware core's valve calls go to the simulated native module, exactly as the
/// device's adapter calls NativeCapture (PulseValve, CloseValve, IsValveOpen, ArmReward, Disarm). The module
/// opens and closes the valve on its timers, decides armed rewards at the lick edge, and records both edges.
/// </summary>
public sealed class SimValve : IValve
{
    private readonly SimCaptureSource _capture;

    public SimValve(SimCaptureSource capture)
    {
        _capture = capture;
    }

    /// <summary>Armed rewards that opened the valve.</summary>
    public long ArmedRewards => _capture.Core.Counters.Rewards;

    /// <summary>Valve openings (commanded pulses and armed rewards).</summary>
    public long Pulses => _capture.ValveOpenings;

    public int ChannelCount => _capture.ValveChannels;

    public void StartPulse(byte channel, uint durationMicros) =>
        _capture.Command((core, now) => core.PulseValve(channel, durationMicros, now));

    public void ForceClose(byte channel) => _capture.Command((core, now) => core.CloseValve(channel, now));

    public bool IsOpen(byte channel)
    {
        _capture.CatchUp();
        return _capture.Core.IsValveOpen(channel);
    }

    public void Arm(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros) =>
        _capture.Command((core, now) => core.ArmReward(channel, windowStartMicros, windowEndMicros, durationMicros, now));

    public void Disarm() => _capture.Command((core, now) =>
    {
        core.Disarm();
        return 0;
    });
}

/// <summary>Simulated tone generator: PlayTone/StopTone on the simulated module, which records start and stop.</summary>
public sealed class SimTone : ITone
{
    private readonly SimCaptureSource _capture;

    public SimTone(SimCaptureSource capture)
    {
        _capture = capture;
    }

    public void Play(ushort frequencyHz, uint durationMicros) =>
        _capture.Command((core, now) => core.PlayTone(frequencyHz, durationMicros, now));

    public void Silence() => _capture.Command((core, now) => core.StopTone(now));
}

/// <summary>Simulated digital outputs: SetOutput on the simulated module, which records each change on the sync monitor line.</summary>
public sealed class SimOutputs : IDigitalOutputs
{
    private readonly SimCaptureSource _capture;

    public SimOutputs(SimCaptureSource capture)
    {
        _capture = capture;
    }

    public int ChannelCount => _capture.OutputChannels;

    public byte Level(int channel) => _capture.OutputLevel(channel);

    public void Write(byte channel, byte level) => _capture.Command((core, now) => core.SetOutput(channel, level, now));
}
