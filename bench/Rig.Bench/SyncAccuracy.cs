using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Host.Alignment;
using Rig.Host.Sync;
using Rig.VirtualRig.World;

namespace Rig.Bench;

/// <summary>Error statistics of one method on one trace, µs.</summary>
public sealed record ErrorStats(string Method, double Median, double P99, double Max)
{
    public static ErrorStats Of(string method, List<double> errors)
    {
        errors.Sort();
        return new ErrorStats(method, errors[errors.Count / 2], errors[(int)Math.Min(errors.Count - 1, errors.Count * 0.99)], errors[^1]);
    }
}

/// <summary>
/// Simulates a session's timing world (crystal, network both ways) with ground truth, and measures how far each way of
/// putting device events on the host timeline lands from the truth. The same trace serves every method.
/// </summary>
public sealed class SyncAccuracy(WorldScenario scenario, double minutes, double syncRateHz, int seed)
{
    private const double BatchAgeMicros = 20_000; // the firmware's MaxBatchAgeMicros
    private const double TurnaroundMicros = 200;  // request taken from the inbox to reply, main loop
    private const double ResendAfterLossMicros = 400_000; // a lost batch: gap grace 300 ms plus a round trip

    public IReadOnlyList<ErrorStats> Run(int events = 100_000)
    {
        var crystal = new CrystalClock(scenario.Crystal);
        var down = new NetworkLeg(scenario.Downlink, seed * 3 + 1);
        var up = new NetworkLeg(scenario.Uplink, seed * 3 + 2);
        var random = new Random(seed);
        double sessionNanos = minutes * 60e9;

        // Clock exchanges, host-timed at the sync rate; a lost request or reply is simply no exchange.
        var map = new ClockMap(1);
        var exchanges = new List<SyncExchange>();
        for (double t1 = 0; t1 < sessionNanos; t1 += 1e9 / syncRateHz)
        {
            double? d1 = down.DelayMicros();
            double? d2 = up.DelayMicros();
            if (d1 is null || d2 is null)
            {
                continue;
            }

            double rxTrue = t1 + (d1.Value * 1000);
            double rx = crystal.DeviceMicros(rxTrue);
            double tx = rx + TurnaroundMicros;
            double t4 = crystal.TrueNanos(tx) + (d2.Value * 1000);
            var x = new SyncExchange((long)t1, (ulong)rx, (ulong)tx, (long)t4);
            exchanges.Add(x);
            map.Add(x);
        }

        // Batches every 20 ms of device time carry the events; each arrives after an uplink delay (a lost one is
        // resent later). They are what arrival stamping and Harp's latest-message method see.
        var batchSendTrue = new List<double>();
        var batchArrival = new List<double>();
        for (double t = 0; t < sessionNanos + 1e9; t += BatchAgeMicros * 1000)
        {
            double? d = up.DelayMicros();
            batchSendTrue.Add(t);
            batchArrival.Add(t + ((d ?? (ResendAfterLossMicros + up.DelayMicros() ?? ResendAfterLossMicros)) * 1000));
        }

        // A hardware anchor: sync pulses at random intervals, captured by the device (exact) and by the imaging
        // system on the host clock with 1 µs of jitter.
        var pulsesTrue = PulseTrainMatcher.Schedule((int)(minutes * 60), seed, 500_000, 500_000, 1_500_000)
            .Select(t => (double)t * 1000).Where(t => t < sessionNanos).ToList();
        var pulsesDevice = pulsesTrue.Select(crystal.DeviceMicros).ToList();
        var pulsesHost = pulsesTrue.Select(t => t + ((random.NextDouble() - 0.5) * 2000)).ToList();
        var anchor = PulseTrainMatcher.Match(pulsesDevice, pulsesHost, 1000);

        var ours = new List<double>();
        var arrival = new List<double>();
        var linear = new List<double>();
        var harp = new List<double>();
        var anchored = new List<double>();
        var first = exchanges[0];
        var last = exchanges[^1];
        double linSlope = (last.HostMidNanos - first.HostMidNanos) / (last.DeviceMidMicros - first.DeviceMidMicros);
        for (int i = 0; i < events; i++)
        {
            double trueNanos = random.NextDouble() * sessionNanos;
            double device = Math.Floor(crystal.DeviceMicros(trueNanos));
            double truth = crystal.TrueNanos(device);

            ours.Add(Math.Abs(map.ToHost((ulong)device)!.Value.HostNanos - truth) / 1000);

            int b = (int)(trueNanos / (BatchAgeMicros * 1000)) + 1; // the batch that closes after the event
            arrival.Add(Math.Abs(batchArrival[b] - truth) / 1000);

            // Harp: the latest device message before the event (batch b-1, sent at its device time), as stamped on arrival.
            int prev = Math.Max(0, b - 1);
            double prevDevice = crystal.DeviceMicros(batchSendTrue[prev]);
            harp.Add(Math.Abs(batchArrival[prev] + ((device - prevDevice) * 1000) - truth) / 1000);

            linear.Add(Math.Abs(first.HostMidNanos + (linSlope * (device - first.DeviceMidMicros)) - truth) / 1000);

            if (anchor is not null)
            {
                anchored.Add(Math.Abs(Anchored(anchor, pulsesDevice, pulsesHost, device) - truth) / 1000);
            }
        }

        var stats = new List<ErrorStats>
        {
            ErrorStats.Of("clock map (ours)", ours),
            ErrorStats.Of("arrival stamping", arrival),
            ErrorStats.Of("linear start-end", linear),
            ErrorStats.Of("latest message (Harp)", harp),
        };
        if (anchored.Count > 0)
        {
            stats.Add(ErrorStats.Of("hardware anchor (ours)", anchored));
        }

        return stats;
    }

    /// <summary>Fraction of events within 1 ms of a frame edge assigned to the right frame (device clock: both share it).</summary>
    public (int Events, int Wrong) FrameAssignment(int events = 20_000)
    {
        var crystal = new CrystalClock(scenario.Crystal);
        var random = new Random(seed + 99);
        double period = 1e9 / 30;
        int frames = (int)(minutes * 60 * 30);
        var edgesDevice = Enumerable.Range(0, frames).Select(k => (ulong)crystal.DeviceMicros((k * period) + 5e8 + ((random.NextDouble() - 0.5) * 4000))).ToList();
        var timeline = FrameTimeline.Build(edgesDevice);
        int wrong = 0;
        for (int i = 0; i < events; i++)
        {
            int k = random.Next(1, frames - 1);
            long offset = random.Next(-1000, 1000);
            ulong t = (ulong)((long)edgesDevice[k] + offset);
            long expected = offset >= 0 ? k : k - 1;
            if (timeline.Locate(t)?.Frame != expected)
            {
                wrong++;
            }
        }

        return (events, wrong);
    }

    // Between the two anchor pulses around the event: linear in the pulses' own device and host times.
    private static double Anchored(PulseMatch match, List<double> device, List<double> host, double t)
    {
        int i = device.BinarySearch(t);
        i = i < 0 ? ~i : i;
        i = Math.Clamp(i, 1, device.Count - 1);
        double f = (t - device[i - 1]) / (device[i] - device[i - 1]);
        return match.Pairs.Count > 0 ? host[i - 1] + (f * (host[i] - host[i - 1])) : double.NaN;
    }
}
