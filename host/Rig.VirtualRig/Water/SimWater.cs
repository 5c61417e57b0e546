using System;
using System.Threading;
using System.Threading.Tasks;
using Rig.Provisioning.Calibration.Run;

namespace Rig.VirtualRig.Water;

/// <summary>
/// The simulated valve's flow: nothing for <see cref="DeadTimeMs"/> after the valve opens (the plunger lifting), then a
/// flow rate rising to <see cref="SaturatedFlowMicrolitresPerMs"/> with time constant <see cref="RiseMs"/> (the line
/// pressure settling): V(t) = Q·(u − τ·(1 − e^(−u/τ))) µL with u = t − dead time, in ms. Each pulse is scaled by
/// (1 + noise), the noise drawn normally at <see cref="NoiseFraction"/>. Not one of the fitter's model families, so
/// recovering it is a real test.
/// </summary>
public sealed record ValveFlowModel
{
    /// <summary>Time after the valve opens before any water flows, ms.</summary>
    public double DeadTimeMs { get; init; } = 3;

    /// <summary>Flow once the rate has saturated, µL per ms.</summary>
    public double SaturatedFlowMicrolitresPerMs { get; init; } = 0.09;

    /// <summary>Time constant of the rising flow, ms.</summary>
    public double RiseMs { get; init; } = 8;

    /// <summary>Relative standard deviation of one pulse's volume.</summary>
    public double NoiseFraction { get; init; } = 0.02;

    /// <summary>Density of the water, g/mL (mg per µL), for the mass the simulated scale reads.</summary>
    public double DensityGramsPerMl { get; init; } = 0.998;

    /// <summary>Scale resolution, g (an analytical balance reads 0.1 mg).</summary>
    public double ScaleResolutionGrams { get; init; } = 0.0001;

    /// <summary>The noise-free volume of one pulse of <paramref name="openMs"/>, µL, for an unclogged valve.</summary>
    public double VolumeMicrolitres(double openMs)
    {
        double u = openMs - DeadTimeMs;
        return u <= 0 ? 0 : SaturatedFlowMicrolitresPerMs * (u - (RiseMs * (1 - Math.Exp(-u / RiseMs))));
    }
}

/// <summary>
/// Water from the simulated valve, collected in a cup under the valve: each opening adds its model volume when the
/// valve closes (its actual open time, so a forced close counts only the water that flowed). Thread-safe: the
/// simulation adds on its thread, the scale reads on the host's.
/// </summary>
public sealed class SimWater
{
    private readonly ValveFlowModel _model;
    private readonly Random _random;
    private readonly object _gate = new();
    private readonly ulong?[] _openedAt;
    private double _cupMicrolitres;
    private double _clog = 1;
    private double _deliveredMicrolitres;

    public SimWater(ValveFlowModel model, int seed, int channels)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _random = new Random(seed);
        _openedAt = new ulong?[Math.Max(channels, 1)];
        Scale = new SimScale(this);
    }

    public ValveFlowModel Model => _model;

    /// <summary>The balance the cup stands on.</summary>
    public SimScale Scale { get; }

    /// <summary>Openings completed so far.</summary>
    public long Pulses { get; private set; }

    /// <summary>Every µL delivered since the start, whether or not it was weighed.</summary>
    public double DeliveredMicrolitres
    {
        get
        {
            lock (_gate)
            {
                return _deliveredMicrolitres;
            }
        }
    }

    /// <summary>µL in the cup now.</summary>
    public double CupMicrolitres
    {
        get
        {
            lock (_gate)
            {
                return _cupMicrolitres;
            }
        }
    }

    /// <summary>A partly clogged valve: every later pulse delivers <paramref name="flowFraction"/> of the model's volume.</summary>
    public void Clog(double flowFraction)
    {
        if (double.IsNaN(flowFraction) || flowFraction < 0 || flowFraction > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(flowFraction), flowFraction, "a clog passes between 0 and 1 of the flow");
        }

        lock (_gate)
        {
            _clog = flowFraction;
        }
    }

    /// <summary>The volume one pulse delivers now on average (model times clog), µL.</summary>
    public double ExpectedMicrolitres(double openMs)
    {
        lock (_gate)
        {
            return _model.VolumeMicrolitres(openMs) * _clog;
        }
    }

    /// <summary>Called on the simulation thread at each valve edge.</summary>
    public void OnValve(byte channel, bool open, ulong nowMicros)
    {
        if (channel >= _openedAt.Length)
        {
            return;
        }

        lock (_gate)
        {
            if (open)
            {
                _openedAt[channel] = nowMicros;
                return;
            }

            if (_openedAt[channel] is not { } opened)
            {
                return;
            }

            _openedAt[channel] = null;
            double volume = _model.VolumeMicrolitres((nowMicros - opened) / 1000.0) * _clog * (1 + _model.NoiseFraction * Gaussian());
            volume = Math.Max(volume, 0);
            _cupMicrolitres += volume;
            _deliveredMicrolitres += volume;
            Pulses++;
        }
    }

    /// <summary>Takes the cup off the scale and empties it: its mass in grams, rounded to the scale's resolution.</summary>
    internal double TakeCupGrams()
    {
        lock (_gate)
        {
            double grams = _cupMicrolitres * _model.DensityGramsPerMl / 1000;
            _cupMicrolitres = 0;
            return Math.Round(grams / _model.ScaleResolutionGrams) * _model.ScaleResolutionGrams;
        }
    }

    private double Gaussian()
    {
        // Box-Muller: deterministic for the seed, unlike a shared generator.
        double u1 = 1 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>
/// The virtual rig's balance: each reading weighs the simulated cup and empties it, as an operator does between
/// durations. Readings wait for no one: the runner reads only after the interval that follows the last pulse.
/// </summary>
public sealed class SimScale : IScale
{
    private readonly SimWater _water;

    internal SimScale(SimWater water)
    {
        _water = water;
    }

    public string Description => "simulated balance under the virtual rig's valve";

    public Task<double> ReadGramsAsync(ScaleRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_water.TakeCupGrams());
    }
}
