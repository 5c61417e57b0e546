using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Experiment.Tasks;

/// <summary>One planned trial: its corridor and the positions drawn for it.</summary>
public sealed record PlannedTrial(string Wall, bool Rewarded, bool Probe, double? CueDm, double? ZoneStartDm);

/// <summary>The trial sequence of a protocol, drawn once from its seed (same seed, same plan) and journaled whole.</summary>
public static class TrialPlan
{
    public static IReadOnlyList<PlannedTrial> Create(TaskProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var random = new Random(protocol.Sequence.Seed);
        var plan = new List<PlannedTrial>(protocol.MaxTrials);
        var block = new Queue<CorridorSpec>();
        double total = protocol.Corridors.Sum(c => c.Proportion);
        while (plan.Count < protocol.MaxTrials)
        {
            string wall;
            bool rewarded;
            bool probe = protocol.Probes.Count > 0 && random.NextDouble() < protocol.Sequence.ProbeFraction;
            if (probe)
            {
                wall = protocol.Probes[random.Next(protocol.Probes.Count)];
                rewarded = false;
            }
            else
            {
                CorridorSpec corridor;
                if (protocol.Sequence.Rule == SequenceRule.Blocks)
                {
                    if (block.Count == 0)
                    {
                        foreach (var c in Shuffle(BlockOf(protocol, total), random))
                        {
                            block.Enqueue(c);
                        }
                    }

                    corridor = block.Dequeue();
                }
                else
                {
                    corridor = Draw(protocol.Corridors, total, random.NextDouble());
                }

                wall = corridor.Wall;
                rewarded = corridor.Rewarded;
            }

            double? cue = protocol.Cue is { } c2 ? Uniform(c2.PositionDm, random) : null;
            double? zone = protocol.Reward.ZoneStartDm is { } z ? Uniform(z, random) : null;
            plan.Add(new PlannedTrial(wall, rewarded, probe, cue, zone));
        }

        return plan;
    }

    private static double Uniform(UniformRange range, Random random) => range.Min + (range.Max - range.Min) * random.NextDouble();

    private static CorridorSpec Draw(IReadOnlyList<CorridorSpec> corridors, double total, double u)
    {
        double x = u * total;
        foreach (var c in corridors)
        {
            x -= c.Proportion;
            if (x < 0)
            {
                return c;
            }
        }

        return corridors[^1];
    }

    // Largest-remainder rounding, so a block holds the proportions as closely as its size allows.
    private static List<CorridorSpec> BlockOf(TaskProtocol protocol, double total)
    {
        int size = Math.Max(1, protocol.Sequence.BlockSize);
        var exact = protocol.Corridors.Select(c => c.Proportion / total * size).ToList();
        var counts = exact.Select(e => (int)Math.Floor(e)).ToList();
        foreach (int i in exact.Select((e, i) => (Remainder: e - Math.Floor(e), i)).OrderByDescending(x => x.Remainder).Select(x => x.i)
            .Take(size - counts.Sum()))
        {
            counts[i]++;
        }

        var block = new List<CorridorSpec>(size);
        for (int i = 0; i < counts.Count; i++)
        {
            block.AddRange(Enumerable.Repeat(protocol.Corridors[i], counts[i]));
        }

        return block;
    }

    private static List<CorridorSpec> Shuffle(List<CorridorSpec> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }
}
