using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Alignment;
using Rig.Recording.Sync;
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
    private const double ReconnectMicros = 500_000; // LinkOptions.ReconnectDelay: the device reconnects, then resends
    private const double BootMicros = 300_000; // device clock when the firmware's first exchange can happen after a reboot (boot time, assumed)

    /// <summary>One boot's device clock: the crystal's time since the boot, from <paramref name="DeviceAtStartMicros"/>.</summary>
    private sealed record Boot(CrystalClock Crystal, double StartNanos, double EndNanos, double DeviceAtStartMicros)
    {
        private readonly double _crystalAtStart = Crystal.DeviceMicros(StartNanos);

        public double DeviceMicros(double trueNanos) => Crystal.DeviceMicros(trueNanos) - _crystalAtStart + DeviceAtStartMicros;

        public double TrueNanos(double deviceMicros) => Crystal.TrueNanos(deviceMicros - DeviceAtStartMicros + _crystalAtStart);
    }

    /// <summary>Errors per method over all boots (<c>Boot</c> 0) and, when the device rebooted, per boot (1, 2, …).</summary>
    public IReadOnlyList<(int Boot, ErrorStats Stats)> Run(int events = 100_000)
    {
        var crystal = new CrystalClock(scenario.Crystal);
        var down = new NetworkLeg(scenario.Downlink, seed * 3 + 1);
        var up = new NetworkLeg(scenario.Uplink, seed * 3 + 2);
        var random = new Random(seed);
        double sessionNanos = minutes * 60e9;

        // The event timeline: broker outages (everything lost both ways) and device reboots (a new boot whose clock
        // starts again at BootMicros, after the device was down for the event's duration).
        var outages = scenario.Events.Where(e => e.Kind == WorldEventKind.BrokerRestart)
            .Select(e => (From: e.AtFraction * sessionNanos, To: (e.AtFraction * sessionNanos) + (e.DurationSeconds * 1e9))).ToList();
        var boots = new List<Boot> { new(crystal, 0, sessionNanos, 1_000_000) };
        foreach (var e in scenario.Events.Where(e => e.Kind == WorldEventKind.DeviceReboot))
        {
            double at = e.AtFraction * sessionNanos;
            boots[^1] = boots[^1] with { EndNanos = at };
            boots.Add(new Boot(crystal, at + (e.DurationSeconds * 1e9), sessionNanos, BootMicros));
        }

        bool Lost(double trueNanos) => outages.Any(o => trueNanos >= o.From && trueNanos < o.To);
        double OutageEnd(double trueNanos) => outages.First(o => trueNanos >= o.From && trueNanos < o.To).To;
        int BootAt(double trueNanos) => boots.FindIndex(b => trueNanos >= b.StartNanos && trueNanos < b.EndNanos);

        // Clock exchanges, host-timed at the sync rate, each into its boot's map; a lost request or reply, or one
        // while the broker is away or the device is down, is simply no exchange.
        var maps = boots.Select((_, i) => new ClockMap((uint)(i + 1))).ToList();
        var exchanges = boots.Select(_ => new List<SyncExchange>()).ToList();
        for (double t1 = 0; t1 < sessionNanos; t1 += 1e9 / syncRateHz)
        {
            double? d1 = down.DelayMicros();
            double? d2 = up.DelayMicros();
            if (d1 is null || d2 is null)
            {
                continue;
            }

            double rxTrue = t1 + (d1.Value * 1000);
            int boot = BootAt(rxTrue);
            if (boot < 0 || Lost(t1) || Lost(rxTrue))
            {
                continue;
            }

            var clock = boots[boot];
            double rx = clock.DeviceMicros(rxTrue);
            double tx = rx + TurnaroundMicros;
            double txTrue = clock.TrueNanos(tx);
            if (Lost(txTrue))
            {
                continue;
            }

            double t4 = txTrue + (d2.Value * 1000);
            var x = new SyncExchange((long)t1, (ulong)rx, (ulong)tx, (long)t4);
            exchanges[boot].Add(x);
            maps[boot].Add(x);
        }

        // Batches every 20 ms of device time carry the events; each arrives after an uplink delay (a lost one is
        // resent later; one sent while the broker is away is resent after the reconnect). They are what arrival
        // stamping and Harp's latest-message method see.
        var batchSendTrue = new List<double>();
        var batchArrival = new List<double>();
        for (double t = 0; t < sessionNanos + 1e9; t += BatchAgeMicros * 1000)
        {
            double? d = up.DelayMicros();
            double delay = d ?? (ResendAfterLossMicros + up.DelayMicros() ?? ResendAfterLossMicros);
            batchSendTrue.Add(t);
            batchArrival.Add(Lost(t) ? OutageEnd(t) + (ReconnectMicros * 1000) + ((up.DelayMicros() ?? ResendAfterLossMicros) * 1000) : t + (delay * 1000));
        }

        // A hardware anchor: sync pulses at random intervals, captured by the device (exact) and by the imaging
        // system on the host clock with 1 µs of jitter; matched per boot.
        var pulsesTrue = PulseTrainMatcher.Schedule((int)(minutes * 60), seed, 500_000, 500_000, 1_500_000)
            .Select(t => (double)t * 1000).Where(t => t < sessionNanos).ToList();
        var pulsesHostAll = pulsesTrue.Select(t => t + ((random.NextDouble() - 0.5) * 2000)).ToList();
        var anchors = boots.Select(b =>
        {
            var inBoot = Enumerable.Range(0, pulsesTrue.Count).Where(i => pulsesTrue[i] >= b.StartNanos && pulsesTrue[i] < b.EndNanos).ToList();
            var device = inBoot.Select(i => b.DeviceMicros(pulsesTrue[i])).ToList();
            var host = inBoot.Select(i => pulsesHostAll[i]).ToList();
            return (Match: PulseTrainMatcher.Match(device, host, 1000), Device: device, Host: host);
        }).ToList();

        var methods = new[] { "clock map (ours)", "arrival stamping", "linear start-end", "latest message (Harp)", "hardware anchor (ours)" };
        var errors = new Dictionary<(int Boot, string Method), List<double>>();
        void Add(int boot, string method, double micros)
        {
            foreach (int key in new[] { 0, boot + 1 })
            {
                if (!errors.TryGetValue((key, method), out var list))
                {
                    errors[(key, method)] = list = [];
                }

                list.Add(micros);
            }
        }

        for (int i = 0; i < events; i++)
        {
            double trueNanos = random.NextDouble() * sessionNanos;
            int boot = BootAt(trueNanos);
            if (boot < 0 || exchanges[boot].Count < 2)
            {
                // The device was down (no event), or the boot too short to map.
                continue;
            }

            var clock = boots[boot];
            double device = Math.Floor(clock.DeviceMicros(trueNanos));
            double truth = clock.TrueNanos(device);

            Add(boot, methods[0], Math.Abs(maps[boot].ToHost((ulong)device)!.Value.HostNanos - truth) / 1000);

            int b = (int)(trueNanos / (BatchAgeMicros * 1000)) + 1; // the batch that closes after the event
            Add(boot, methods[1], Math.Abs(batchArrival[b] - truth) / 1000);

            // Linear start-end within the boot: its first and last exchange.
            var first = exchanges[boot][0];
            var last = exchanges[boot][^1];
            double linSlope = (last.HostMidNanos - first.HostMidNanos) / (last.DeviceMidMicros - first.DeviceMidMicros);
            Add(boot, methods[2], Math.Abs(first.HostMidNanos + (linSlope * (device - first.DeviceMidMicros)) - truth) / 1000);

            // Harp: the latest device message of the same boot before the event, as stamped on arrival.
            int prev = Math.Max(0, b - 1);
            if (batchSendTrue[prev] >= clock.StartNanos)
            {
                double prevDevice = clock.DeviceMicros(batchSendTrue[prev]);
                Add(boot, methods[3], Math.Abs(batchArrival[prev] + ((device - prevDevice) * 1000) - truth) / 1000);
            }

            var anchor = anchors[boot];
            if (anchor.Match is not null && anchor.Device.Count >= 2)
            {
                Add(boot, methods[4], Math.Abs(Anchored(anchor.Match, anchor.Device, anchor.Host, device) - truth) / 1000);
            }
        }

        var stats = new List<(int, ErrorStats)>();
        int lastKey = boots.Count > 1 ? boots.Count : 0;
        for (int key = 0; key <= lastKey; key++)
        {
            foreach (string method in methods)
            {
                if (errors.TryGetValue((key, method), out var list) && list.Count > 0)
                {
                    stats.Add((key, ErrorStats.Of(method, list)));
                }
            }
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
