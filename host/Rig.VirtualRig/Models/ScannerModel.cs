using System;
using Rig.Firmware.Hardware;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.Models;

/// <summary>Parameters of the simulated two-photon scanner's frame clock.</summary>
public sealed record ScannerOptions
{
    /// <summary>Frame rate, Hz (30 Hz: a resonant scanner at 512 lines).</summary>
    public double FrameRateHz { get; init; } = 30;

    /// <summary>Standard deviation of each frame edge's timing jitter, µs.</summary>
    public double JitterMicros { get; init; } = 2;

    /// <summary>Width of the frame-clock pulse, µs.</summary>
    public uint PulseMicros { get; init; } = 100;

    /// <summary>Acquisition starts this long after boot, µs.</summary>
    public ulong StartMicros { get; init; } = 500_000;

    /// <summary>Every Nth frame's pulse never reaches the rig (a bad cable), for loopback tests; 0: none is lost.</summary>
    public int LoseEveryNthFrame { get; init; }
}

/// <summary>The microscope's frame clock on frame-clock channel 0: one pulse per frame, deterministic for a seed.</summary>
public sealed class ScannerModel : ISimInput
{
    private readonly ScannerOptions _options;
    private readonly Random _random;
    private readonly double _periodMicros;
    private long _frame;
    private ulong _nextRise;
    private bool _nextDrawn;

    public ScannerModel(ScannerOptions options, int seed)
    {
        _options = options;
        _random = new Random(seed);
        _periodMicros = 1e6 / options.FrameRateHz;
    }

    /// <summary>Frames emitted so far.</summary>
    public long Frames => _frame;

    /// <summary>Acquisition stops after this time, µs.</summary>
    public ulong StopAt { get; set; } = ulong.MaxValue;

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        while (true)
        {
            if (!_nextDrawn)
            {
                // Drawn once per frame, so the edges do not depend on how often the loop asks.
                double ideal = _options.StartMicros + _frame * _periodMicros;
                _nextRise = (ulong)Math.Max(0, ideal + Gaussian() * _options.JitterMicros);
                _nextDrawn = true;
            }

            ulong rise = _nextRise;
            if (rise > untilMicros || rise >= StopAt)
            {
                return;
            }

            _nextDrawn = false;
            _frame++;
            if (_options.LoseEveryNthFrame > 0 && _frame % _options.LoseEveryNthFrame == 0)
            {
                continue;
            }

            sink.Schedule(new CaptureRecord(rise, CaptureLine.FrameClock, 0, 1));
            sink.Schedule(new CaptureRecord(rise + _options.PulseMicros, CaptureLine.FrameClock, 0, 0));
        }
    }

    private double Gaussian()
    {
        double u1 = 1 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
