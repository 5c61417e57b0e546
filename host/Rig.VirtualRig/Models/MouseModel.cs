using System;
using Rig.Firmware.Hardware;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.Models;

/// <summary>Licking beyond the spontaneous rate, driven by what the mouse sees and has learned (<see cref="LearningMouse"/>).</summary>
public interface ILickDrive
{
    /// <summary>Rate of extra lick bouts at <paramref name="micros"/> (virtual time), per second.</summary>
    double ExtraLickBoutsPerSecond(ulong micros);

    /// <summary>Water arrived at <paramref name="micros"/>.</summary>
    void OnWater(ulong micros);
}

/// <summary>Parameters of the simulated mouse. Defaults are typical of head-fixed mice on a wheel.</summary>
public sealed record MouseOptions
{
    /// <summary>Mean duration of a running bout, s.</summary>
    public double MeanRunSeconds { get; init; } = 8;

    /// <summary>Mean duration of a pause, s.</summary>
    public double MeanRestSeconds { get; init; } = 3;

    /// <summary>Mean running speed, cm/s (head-fixed mice run at 10-40 cm/s).</summary>
    public double MeanSpeedCmPerSecond { get; init; } = 20;

    /// <summary>Spontaneous lick bouts per second.</summary>
    public double LickBoutsPerSecond { get; init; } = 0.2;

    /// <summary>Mean licks per bout.</summary>
    public double MeanLicksPerBout { get; init; } = 6;

    /// <summary>Lick rate within a bout, Hz (mice lick rhythmically at 6-10 Hz).</summary>
    public double LickRateHz { get; init; } = 7;

    /// <summary>Tongue contact time per lick, µs.</summary>
    public uint ContactMicros { get; init; } = 40_000;

    /// <summary>Bounce transitions at each contact edge: up to this many, each within 300 µs.</summary>
    public int MaxBounces { get; init; } = 3;

    /// <summary>Delay from water to the start of a consummatory lick bout, µs.</summary>
    public uint RewardLickLatencyMicros { get; init; } = 150_000;
}

/// <summary>
/// A mouse that runs in bouts and licks in bouts, deterministic for a seed. Running drives the wheel encoder;
/// licks are edges on lick channel 0, with contact bounce, so the firmware's debounce is exercised.
/// </summary>
public sealed class MouseModel : ISimInput, IEncoderCounter
{
    private const ulong StepMicros = 10_000;

    private readonly MouseOptions _options;
    private readonly VirtualClock _clock;
    private Random _random;
    private readonly double _countsPerCm;
    private ulong _motionTime;
    private long _originCounts;
    private double _originCm;
    private double _positionCm;
    private double _speed;
    private double _targetSpeed;
    private ulong _boutEnd;
    private bool _running;
    private ulong _nextLickBout;
    private ulong _nextLick;
    private int _licksLeft;
    private ulong _lastLickEdge;

    /// <param name="countsPerCm">Encoder counts per cm of wheel surface (e.g. 4096 counts/rev on a 20 cm wheel: 65.2).</param>
    public MouseModel(MouseOptions options, int seed, VirtualClock clock, double countsPerCm)
    {
        _options = options;
        _random = new Random(seed);
        _clock = clock;
        _countsPerCm = countsPerCm;
        _nextLickBout = SecondsToMicros(Exponential(1 / options.LickBoutsPerSecond));
        _boutEnd = SecondsToMicros(Exponential(options.MeanRestSeconds));
    }

    /// <summary>Contacts the mouse made (lick onsets before debounce).</summary>
    public long Contacts { get; private set; }

    /// <summary>Distance run so far, cm.</summary>
    public double PositionCm => _originCm + _positionCm;

    /// <summary>Licks stop after this time (end of a simulated session), µs.</summary>
    public ulong StopLickingAt { get; set; } = ulong.MaxValue;

    /// <summary>Extra, position-dependent licking (a mouse that learns); null: spontaneous and consummatory licks only.</summary>
    public ILickDrive? Drive { get; set; }

    /// <summary>Starts a consummatory lick bout shortly after water arrives.</summary>
    public void OnWater(ulong micros)
    {
        Drive?.OnWater(micros);
        _nextLickBout = Math.Min(_nextLickBout, micros + _options.RewardLickLatencyMicros);
    }

    public long ReadCount()
    {
        ulong now = _clock.NowMicros;
        AdvanceMotion(now);

        // Within the current 10 ms motion step the wheel turns at the step's speed, so 1 kHz samples see smooth motion.
        double position = _positionCm + _speed * (now - _motionTime) / 1e6;
        return _originCounts + (long)Math.Floor(position * _countsPerCm);
    }

    /// <summary>True when no lick bout is under way and the lick line has been still for <paramref name="quietMicros"/> at <paramref name="nowMicros"/>.</summary>
    public bool LickLineQuiet(ulong nowMicros, ulong quietMicros) => _licksLeft == 0 && nowMicros >= _lastLickEdge + quietMicros;

    /// <summary>Stops the wheel at once and keeps the mouse at rest, starting no new lick bout (the one under way ends), until <see cref="Restart"/>.</summary>
    public void Hold(ulong nowMicros)
    {
        AdvanceMotion(nowMicros);
        _originCm += _positionCm + _speed * (nowMicros - _motionTime) / 1e6;
        _originCounts = ReadCount();
        _positionCm = 0;
        _motionTime = nowMicros;
        _speed = 0;
        _targetSpeed = 0;
        _running = false;
        _boutEnd = ulong.MaxValue;
        StopLickingAt = nowMicros;
    }

    /// <summary>
    /// Starts the mouse afresh at <paramref name="nowMicros"/> from <paramref name="seed"/>: at rest, no bout under way, its
    /// random sequence and its motion steps restarted, the wheel where it is (the count does not jump; later counts are
    /// whole counts from here, so they do not depend on the fraction of a count run before). What happened before (how
    /// long a start-up took in real time) then leaves no trace in what the mouse does next (docs/task.md, "Lockstep").
    /// </summary>
    public void Restart(ulong nowMicros, int seed)
    {
        Hold(nowMicros);
        _random = new Random(seed);
        _licksLeft = 0;
        _nextLickBout = nowMicros + SecondsToMicros(Exponential(1 / _options.LickBoutsPerSecond));
        _boutEnd = nowMicros + SecondsToMicros(Exponential(_options.MeanRestSeconds));
        StopLickingAt = ulong.MaxValue;
    }

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        AdvanceMotion(untilMicros);
        while (true)
        {
            if (_licksLeft == 0)
            {
                if (_nextLickBout > untilMicros || _nextLickBout >= StopLickingAt)
                {
                    return;
                }

                _licksLeft = 1 + (int)Math.Floor(Exponential(_options.MeanLicksPerBout - 1));
                _nextLick = Math.Max(_nextLickBout, _lastLickEdge + 1000);
                _nextLickBout = _nextLick + SecondsToMicros(_licksLeft / _options.LickRateHz)
                    + SecondsToMicros(Exponential(1 / _options.LickBoutsPerSecond));
            }

            if (_nextLick > untilMicros)
            {
                return;
            }

            EmitLick(_nextLick, sink);
            _licksLeft--;
            double interval = 1 / _options.LickRateHz * (0.85 + 0.3 * _random.NextDouble());
            _nextLick += SecondsToMicros(interval);
        }
    }

    private void EmitLick(ulong onset, SimCaptureSource sink)
    {
        Contacts++;
        ulong offset = onset + (ulong)(_options.ContactMicros * (0.75 + 0.5 * _random.NextDouble()));
        EmitEdgeWithBounce(onset, 1, sink);
        EmitEdgeWithBounce(offset, 0, sink);
        _lastLickEdge = offset + 300;
    }

    private void EmitEdgeWithBounce(ulong micros, byte level, SimCaptureSource sink)
    {
        sink.Schedule(new CaptureRecord(micros, CaptureLine.Lick, 0, level));
        int bounces = _random.Next(_options.MaxBounces + 1);
        ulong t = micros;
        for (int i = 0; i < bounces; i++)
        {
            // A bounce is a brief return to the old level and back, all within 300 µs of the edge.
            t += (ulong)_random.Next(20, 70);
            sink.Schedule(new CaptureRecord(t, CaptureLine.Lick, 0, (byte)(1 - level)));
            t += (ulong)_random.Next(20, 70);
            sink.Schedule(new CaptureRecord(t, CaptureLine.Lick, 0, level));
        }
    }

    private void AdvanceMotion(ulong untilMicros)
    {
        while (_motionTime + StepMicros <= untilMicros)
        {
            _motionTime += StepMicros;
            if (_motionTime >= _boutEnd)
            {
                _running = !_running;
                double mean = _running ? _options.MeanRunSeconds : _options.MeanRestSeconds;
                _boutEnd = _motionTime + SecondsToMicros(Exponential(mean));
                _targetSpeed = _running
                    ? Math.Max(2, _options.MeanSpeedCmPerSecond * (0.6 + 0.8 * _random.NextDouble()))
                    : 0;
            }

            if (Drive is not null && _licksLeft == 0)
            {
                // Drawn only with a drive attached, so a plain mouse's random sequence is as it was for a seed.
                double rate = Drive.ExtraLickBoutsPerSecond(_motionTime);
                if (rate > 0 && _random.NextDouble() < rate * StepMicros / 1e6)
                {
                    _nextLickBout = Math.Min(_nextLickBout, _motionTime);
                }
            }

            // First-order approach to the bout's speed (time constant ~200 ms) with a little noise.
            _speed += (_targetSpeed - _speed) * 0.05 + (_running ? (_random.NextDouble() - 0.5) * 0.5 : 0);
            _speed = Math.Max(0, _speed);
            _positionCm += _speed * StepMicros / 1e6;
        }
    }

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());

    private static ulong SecondsToMicros(double seconds) => (ulong)Math.Max(0, seconds * 1e6);
}
