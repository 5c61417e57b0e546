using System;
using System.Collections.Generic;

namespace Rig.Experiment.Tasks;

/// <summary>What one encoder sample changed: trial indices (−1 for none) of a trial that ended, started, or entered the grey space.</summary>
public readonly record struct CorridorStep(int Ended, int Started, int Gray);

/// <summary>
/// The VR corridor driven by encoder samples (device time): position within the corridor, trial starts, grey space and
/// trial ends. Pure and deterministic: the same samples give the same trials, so the live engine and the offline
/// rebuild run this one class over the same journal.
/// </summary>
public sealed class CorridorModel
{
    /// <summary>Running speed is measured over this window of encoder samples, µs (100 ms smooths 1 kHz quantisation yet follows a bout start within a tenth of a second).</summary>
    public const ulong SpeedWindowMicros = 100_000;

    private readonly TaskProtocol _protocol;
    private readonly double _countsPerCm;
    private readonly int _maxTrials;
    private readonly Queue<(ulong Micros, long Count)> _window = new();
    private ulong _startMicros;
    private ulong _noNewTrialsAfterMicros = ulong.MaxValue;
    private bool _started;
    private ulong _lastMicros;
    private long _lastCount;
    private bool _haveSample;

    /// <param name="countsPerCm">Encoder counts per cm of wheel surface (the rig's wheel and encoder).</param>
    /// <param name="maxTrials">Trials in the plan (the protocol's maximum or fewer).</param>
    public CorridorModel(TaskProtocol protocol, double countsPerCm, int maxTrials)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (!(countsPerCm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(countsPerCm), countsPerCm, "encoder counts per cm must be above 0");
        }

        _protocol = protocol;
        _countsPerCm = countsPerCm;
        _maxTrials = maxTrials;
    }

    /// <summary>Current trial (0-based), −1 before the first and after the last.</summary>
    public int Trial { get; private set; } = -1;

    /// <summary>Trials started so far.</summary>
    public int TrialsStarted { get; private set; }

    public double PositionDm { get; private set; } = double.NaN;

    public bool InGray { get; private set; }

    public double SpeedCmPerSecond { get; private set; }

    /// <summary>Encoder counts between the last two samples.</summary>
    public long LastMovementCounts { get; private set; }

    /// <summary>The first trial starts at the first encoder sample at or after <paramref name="deviceMicros"/>.</summary>
    public void Start(ulong deviceMicros)
    {
        _startMicros = deviceMicros;
        _started = true;
        double maxMicros = _protocol.MaxMinutes * 60e6;
        _noNewTrialsAfterMicros = deviceMicros + (ulong)Math.Min(maxMicros, ulong.MaxValue / 2.0);
    }

    /// <summary>No trial starts after <paramref name="deviceMicros"/> (the session stopped); the current one stays incomplete.</summary>
    public void StopStartingTrials(ulong deviceMicros) => _noNewTrialsAfterMicros = Math.Min(_noNewTrialsAfterMicros, deviceMicros);

    /// <summary>Feeds one encoder sample (cumulative count), in device-time order.</summary>
    public CorridorStep OnEncoder(ulong deviceMicros, long count)
    {
        int ended = -1, started = -1, gray = -1;
        if (_haveSample && deviceMicros < _lastMicros)
        {
            throw new ArgumentException($"encoder samples out of order: {deviceMicros} µs after {_lastMicros} µs", nameof(deviceMicros));
        }

        long movement = _haveSample ? count - _lastCount : 0;
        double dtSeconds = _haveSample ? (deviceMicros - _lastMicros) / 1e6 : 0;
        LastMovementCounts = movement;
        _window.Enqueue((deviceMicros, count));
        while (_window.Count > 2 && deviceMicros - _window.Peek().Micros > SpeedWindowMicros)
        {
            _window.Dequeue();
        }

        var oldest = _window.Peek();
        SpeedCmPerSecond = deviceMicros > oldest.Micros ? (count - oldest.Count) / _countsPerCm / ((deviceMicros - oldest.Micros) / 1e6) : 0;
        _haveSample = true;
        _lastMicros = deviceMicros;
        _lastCount = count;
        if (!_started || deviceMicros < _startMicros)
        {
            return new CorridorStep(-1, -1, -1);
        }

        if (Trial < 0)
        {
            if (TrialsStarted == 0 && deviceMicros <= _noNewTrialsAfterMicros && _maxTrials > 0)
            {
                Trial = 0;
                TrialsStarted = 1;
                PositionDm = 0;
                InGray = false;
                return new CorridorStep(-1, 0, -1);
            }

            return new CorridorStep(-1, -1, -1);
        }

        double advanceDm = _protocol.Movement.Mode == MovementMode.Proportional
            ? movement / _countsPerCm * _protocol.Movement.GainDmPerCm
            : Math.Abs(SpeedCmPerSecond) > _protocol.Movement.RunThresholdCmPerSecond
                ? _protocol.Movement.RunGatedSpeedCmPerSecond / 10 * dtSeconds
                : 0;

        // Backwards running moves the corridor back, but never before the trial's start.
        PositionDm = Math.Max(0, PositionDm + advanceDm);
        if (!InGray && PositionDm >= _protocol.TextureLengthDm)
        {
            InGray = true;
            gray = Trial;
        }

        if (PositionDm >= _protocol.CorridorLengthDm)
        {
            ended = Trial;
            double carry = PositionDm - _protocol.CorridorLengthDm;
            if (TrialsStarted < _maxTrials && deviceMicros <= _noNewTrialsAfterMicros)
            {
                Trial = TrialsStarted++;
                started = Trial;
                PositionDm = Math.Min(carry, _protocol.TextureLengthDm);
                InGray = false;
            }
            else
            {
                Trial = -1;
                PositionDm = double.NaN;
                InGray = false;
            }
        }

        return new CorridorStep(ended, started, gray);
    }
}
