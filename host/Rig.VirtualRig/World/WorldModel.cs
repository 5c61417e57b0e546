using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rig.VirtualRig.World;

/// <summary>The device's crystal: a constant rate error plus a slow wander (temperature), in ppm.</summary>
public sealed record CrystalOptions
{
    /// <summary>Constant offset from nominal, ppm (ESP32 crystals: within ±20 ppm).</summary>
    public double OffsetPpm { get; init; } = 12;

    /// <summary>Amplitude of the slow wander, ppm (±2 ppm over tens of minutes with temperature).</summary>
    public double WanderPpm { get; init; } = 2;

    /// <summary>Period of the wander, minutes.</summary>
    public double WanderPeriodMinutes { get; init; } = 40;
}

/// <summary>One direction of the network: a floor, a log-normal body, rare stragglers, and bursts of loss.</summary>
public sealed record NetworkLegOptions
{
    /// <summary>Smallest one-way delay, µs.</summary>
    public double FloorMicros { get; init; } = 1500;

    /// <summary>Median of the delay above the floor, µs.</summary>
    public double BodyMedianMicros { get; init; } = 1500;

    /// <summary>Log-normal shape (sigma of the log).</summary>
    public double BodySigma { get; init; } = 0.8;

    /// <summary>Fraction of messages that straggle.</summary>
    public double StragglerFraction { get; init; } = 0.01;

    /// <summary>Straggler delay range, µs.</summary>
    public double StragglerMinMicros { get; init; } = 50_000;

    public double StragglerMaxMicros { get; init; } = 200_000;

    /// <summary>Chance per message that a loss burst starts, and its length in messages.</summary>
    public double BurstLossChance { get; init; } = 0.001;

    public int BurstLossLength { get; init; } = 10;
}

/// <summary>What happens at a <see cref="WorldEvent"/>.</summary>
public enum WorldEventKind
{
    /// <summary>The broker goes away for <see cref="WorldEvent.DurationSeconds"/>: every message either way is lost.</summary>
    BrokerRestart,

    /// <summary>The device reboots: a new boot id, its clock restarts, and it is silent for <see cref="WorldEvent.DurationSeconds"/>.</summary>
    DeviceReboot,
}

/// <summary>One event on a scenario's timeline, placed as a fraction of the session so one file serves any length.</summary>
public sealed record WorldEvent
{
    public WorldEventKind Kind { get; init; }

    /// <summary>When, as a fraction of the session (0 to 1).</summary>
    public double AtFraction { get; init; } = 0.5;

    /// <summary>How long the outage lasts (broker restart), or the device is down (reboot), s.</summary>
    public double DurationSeconds { get; init; } = 10;
}

/// <summary>A scenario: crystal, network and a timeline of events, loaded from a JSON file (host/Rig.VirtualRig/Scenarios).</summary>
public sealed record WorldScenario
{
    public string Name { get; init; } = "unnamed";

    public string Description { get; init; } = "";

    public CrystalOptions Crystal { get; init; } = new();

    /// <summary>Device to host.</summary>
    public NetworkLegOptions Uplink { get; init; } = new();

    /// <summary>Host to device.</summary>
    public NetworkLegOptions Downlink { get; init; } = new();

    /// <summary>Broker restarts and device reboots, in time order. The benchmark plays them; the virtual rig does not yet.</summary>
    public IReadOnlyList<WorldEvent> Events { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter<WorldEventKind>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    /// <summary>Reads a scenario file; an unknown field or bad JSON is an error naming the file.</summary>
    public static WorldScenario Load(string path)
    {
        try
        {
            var scenario = JsonSerializer.Deserialize<WorldScenario>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty scenario");
            for (int i = 0; i < scenario.Events.Count; i++)
            {
                var e = scenario.Events[i];
                if (e.AtFraction is < 0 or > 1 || double.IsNaN(e.AtFraction))
                {
                    throw new InvalidDataException($"{path}: events[{i}].at_fraction is {e.AtFraction}; it must be between 0 and 1");
                }

                if (e.DurationSeconds is < 0 || double.IsNaN(e.DurationSeconds))
                {
                    throw new InvalidDataException($"{path}: events[{i}].duration_seconds is {e.DurationSeconds}; it must be 0 or more");
                }

                if (i > 0 && e.AtFraction < scenario.Events[i - 1].AtFraction)
                {
                    throw new InvalidDataException($"{path}: events[{i}].at_fraction is before events[{i - 1}]'s; list events in time order");
                }
            }

            return scenario;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}

/// <summary>
/// Ground truth for the device clock: device µs as a function of true time (the host's clock, ns), integrating the
/// crystal's rate error. Deterministic; no randomness.
/// </summary>
public sealed class CrystalClock(CrystalOptions options, double deviceStartMicros = 1_000_000)
{
    /// <summary>Device µs at true time <paramref name="trueNanos"/> (≥ 0).</summary>
    public double DeviceMicros(double trueNanos)
    {
        double seconds = trueNanos / 1e9;
        double period = options.WanderPeriodMinutes * 60;

        // Rate error ppm(t) = offset + wander·sin(2πt/period); device time integrates (1 + ppm·1e-6).
        double integralPpmSeconds = (options.OffsetPpm * seconds)
            + (options.WanderPpm * period / (2 * Math.PI) * (1 - Math.Cos(2 * Math.PI * seconds / period)));
        return deviceStartMicros + (seconds * 1e6) + integralPpmSeconds;
    }

    /// <summary>True time (ns) at device µs, by Newton's method on the monotonic map.</summary>
    public double TrueNanos(double deviceMicros)
    {
        double t = (deviceMicros - deviceStartMicros) * 1000;
        for (int i = 0; i < 6; i++)
        {
            double err = DeviceMicros(t) - deviceMicros;
            t -= err * 1000 / (1 + (options.OffsetPpm * 1e-6));
        }

        return t;
    }
}

/// <summary>One network direction's delays, deterministic for a seed. Returns null for a lost message.</summary>
public sealed class NetworkLeg(NetworkLegOptions options, int seed)
{
    private readonly Random _random = new(seed);
    private int _lossLeft;

    public double? DelayMicros()
    {
        if (_lossLeft > 0)
        {
            _lossLeft--;
            return null;
        }

        if (_random.NextDouble() < options.BurstLossChance)
        {
            _lossLeft = options.BurstLossLength - 1;
            return null;
        }

        double gaussian = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
        double body = options.BodyMedianMicros * Math.Exp(options.BodySigma * gaussian);
        double straggle = _random.NextDouble() < options.StragglerFraction
            ? options.StragglerMinMicros + (_random.NextDouble() * (options.StragglerMaxMicros - options.StragglerMinMicros))
            : 0;
        return options.FloorMicros + body + straggle;
    }
}
