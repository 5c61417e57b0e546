using System;
using Rig.Firmware.Hardware;

namespace Rig.VirtualRig.Peripherals;

/// <summary>Which output of the rig a loopback wire starts at.</summary>
public enum SimOutputKind
{
    Valve,
    SyncOut,
}

/// <summary>How a wire's delay spreads around its mean.</summary>
public enum SimJitter
{
    /// <summary>Uniform within ± <see cref="SimWire.JitterMicros"/> ("7 µs ± 2 µs": every delay from 5 to 9 µs).</summary>
    Uniform,

    /// <summary>Normal with standard deviation <see cref="SimWire.JitterMicros"/>, cut at 0.</summary>
    Normal,
}

/// <summary>
/// A loopback wire from an output to an input (docs/loopback.md): each edge the simulated module switches on the
/// output reaches the input <see cref="LatencyMicros"/> ± <see cref="JitterMicros"/> later, as the fixture's
/// opto-coupler, buffer and the input's interrupt entry would delay it. <see cref="Connected"/> false is a
/// disconnected wire: nothing arrives.
/// </summary>
public sealed record SimWire
{
    public required SimOutputKind From { get; init; }

    public byte FromChannel { get; init; }

    /// <summary>The input line the wire reaches: lick, frame clock, photodiode or TTL.</summary>
    public required CaptureLine To { get; init; }

    public byte ToChannel { get; init; }

    /// <summary>Mean delay from the output edge to the input edge, µs.</summary>
    public double LatencyMicros { get; init; } = 7;

    /// <summary>Spread of the delay, µs: the half-width of a uniform jitter or the standard deviation of a normal one.</summary>
    public double JitterMicros { get; init; } = 2;

    public SimJitter Jitter { get; init; } = SimJitter.Uniform;

    public bool Connected { get; init; } = true;

    /// <summary>Draws one delay, rounded to whole µs (device time has µs resolution), never negative.</summary>
    public ulong DrawDelayMicros(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double offset;
        if (Jitter == SimJitter.Uniform)
        {
            offset = JitterMicros * ((2 * random.NextDouble()) - 1);
        }
        else
        {
            // Box-Muller: two uniforms to one standard normal.
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            offset = JitterMicros * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return (ulong)Math.Max(0, Math.Round(LatencyMicros + offset, MidpointRounding.AwayFromZero));
    }

    /// <summary>The model in words, for reports: "7 µs ± 2 µs (uniform)".</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{LatencyMicros:0.###} µs ± {JitterMicros:0.###} µs ({(Jitter == SimJitter.Uniform ? "uniform" : "normal, standard deviation")}){(Connected ? "" : ", disconnected")}");
}
