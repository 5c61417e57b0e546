using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Tasks;
using Rig.Firmware;
using Rig.Protocol;
using Rig.Recording.Bridge;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.World;

namespace Rig.Bench;

/// <summary>
/// `-- decision-latency [--minutes 2] [--speed 1] [--seed 1] [--worlds quiet-lan,busy-wifi]`: device event → host engine decision, per world and per
/// batching policy (docs/performance.md, "Device event to engine decision"). The reference task runs on a virtual rig over
/// each shipped world with each policy; afterwards every event's host time (its device time through the session's clock
/// map) is set against the journal time of the first copy of its batch the bridge received. The engine decides on that
/// same call (the recorder hands it each batch as it is journaled), so this is the delay before any decision can be
/// made. Also printed: the wire cost of each policy (batch bytes per event, batches per second).
/// </summary>
internal static class DecisionLatencyBench
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private sealed record Policy(string Name, uint MaxAgeMicros, uint PromptKinds);

    private static readonly Policy[] Policies =
    [
        new("age 20 ms (the default)", 20_000, DeviceConfig.PromptKindsNone),
        new("age 20 ms, lick onsets at once", 20_000, DeviceConfig.PromptKindsLicks),
        new("age 5 ms", 5_000, DeviceConfig.PromptKindsNone),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        double minutes = 2;

        // Real time: the host clock is then the system's, and the bridge's own delays are not multiplied by a speed-up.
        double speed = 1;
        int seed = 1;
        string[] worlds = ["quiet-lan", "busy-wifi"];
        for (int i = 0; i < args.Length; i++)
        {
            if (BenchArgs.TryTakeRun(args, ref i, ref minutes, ref speed, ref seed))
            {
                continue;
            }

            switch (args[i])
            {
                case "--worlds" when i + 1 < args.Length:
                    worlds = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                default:
                    Console.Error.WriteLine($"decision-latency: bad argument '{args[i]}'; usage: decision-latency [--minutes M > 0] [--speed S > 0] [--seed N] [--worlds a,b]");
                    return 2;
            }
        }

        var protocol = ProtocolLoader.LoadNamed("supervised-leaf1-circle1");
        Console.WriteLine($"decision-latency: {protocol.Name}, {minutes.ToString("0.##", C)} virtual min per run at {speed.ToString("0.##", C)}x, seed {seed}; "
            + $"device event → first receipt of its batch by the bridge (host clock through the session's clock map); {Environment.ProcessorCount} cores, load {VrLoopBench.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| world | batching | lick onsets: median / p99 / max ms | all events: median / p99 ms | batch bytes per event | batches/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        int failures = 0;
        foreach (string worldName in worlds)
        {
            foreach (var policy in Policies)
            {
                var result = await RunOneAsync(protocol, worldName, policy, minutes, speed, seed);
                if (result is null)
                {
                    failures++;
                    continue;
                }

                Console.WriteLine($"| {worldName} | {policy.Name} | {Ms(result.Licks, 0.5)} / {Ms(result.Licks, 0.99)} / {Ms(result.Licks, 1)} ({result.Licks.Count} onsets) | "
                    + $"{Ms(result.All, 0.5)} / {Ms(result.All, 0.99)} | {result.BytesPerEvent.ToString("0.00", C)} | {result.BatchesPerSecond.ToString("0.0", C)} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {VrLoopBench.LoadAverage()}");
        return failures == 0 ? 0 : 1;
    }

    private sealed record Outcome(List<double> Licks, List<double> All, double BytesPerEvent, double BatchesPerSecond);

    private static async Task<Outcome?> RunOneAsync(TaskProtocol protocol, string worldName, Policy policy, double minutes, double speed, int seed)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"rig-decision-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var options = new VirtualRigOptions
        {
            RigId = "decision", Seed = seed, Speed = speed, World = VirtualWorld.Shipped(worldName), Mouse = VirtualTaskSession.TaskMouse,
            Device = new DeviceConfig { ResendSlots = 2048, EventRingCapacity = 65536, MaxBatchAgeMicros = policy.MaxAgeMicros, PromptKindsMask = policy.PromptKinds },
        };
        try
        {
            var outcome = await VirtualTaskSession.RunAsync(new InMemoryBroker().CreateLinkFactory(), options, new BridgeOptions(), folder,
                TimeSpan.FromMinutes(minutes), new SessionStartInfo("inmemory", "decision-latency bench"), VirtualHostTime.ForSpeed(speed, TimeProvider.System), NullLogger.Instance,
                new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" }, new LearningOptions()),
                null, CancellationToken.None);
            if (!outcome.Recording.Complete)
            {
                Console.Error.WriteLine($"decision-latency: the {worldName} / {policy.Name} session is incomplete; left out");
                return null;
            }

            // Each event's first receipt: the journal time of the first copy of its batch (a resent copy comes later).
            var received = new Dictionary<(uint Boot, ulong Seq), long>();
            long batchBytes = 0;
            long batches = 0;
            foreach (string segment in SessionFolder.Open(folder).JournalSegments)
            {
                foreach (var record in JournalReader.Read(segment).Records)
                {
                    if (record.Type != JournalRecordType.Received || record.Topic != TopicKind.Events)
                    {
                        continue;
                    }

                    byte[] payload = record.Payload.ToArray();
                    var header = EventBatchHeader.Read(new ByteReader(payload, 0, payload.Length));
                    if (received.TryAdd((header.BootId, header.FirstEventSeq), record.HostNanos))
                    {
                        batchBytes += payload.Length;
                        batches++;
                    }

                    for (ulong s = 1; s < header.RecordCount; s++)
                    {
                        received.TryAdd((header.BootId, header.FirstEventSeq + s), record.HostNanos);
                    }
                }
            }

            var licks = new List<double>();
            var all = new List<double>();
            long events = 0;
            foreach (var e in outcome.Recording.Derived.Alignment.Events)
            {
                events++;
                if (e.HostNanos is not { } host || !received.TryGetValue((e.BootId, e.Seq), out long at))
                {
                    continue;
                }

                double ms = (at - host) / 1e6;
                all.Add(ms);
                if (e.Kind == EventKind.Lick && e.Value > 0)
                {
                    licks.Add(ms);
                }
            }

            licks.Sort();
            all.Sort();
            return new Outcome(licks, all, (double)batchBytes / Math.Max(1, events), batches / (minutes * 60));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Ms(List<double> sorted, double quantile)
    {
        if (sorted.Count == 0)
        {
            return "–";
        }

        int i = (int)Math.Clamp(Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1);
        return sorted[i].ToString("0.0", C);
    }
}
