using System;
using System.Collections.Generic;

namespace Rig.Provisioning.Loopback;

/// <summary>One edge in device time: µs since boot and the level after it.</summary>
public readonly record struct Edge(ulong DeviceMicros, byte Level);

/// <summary>An output edge and the input edge it came back as.</summary>
public readonly record struct EdgePair(Edge Output, Edge Input)
{
    /// <summary>Captured minus commanded, µs.</summary>
    public long DelayMicros => (long)Input.DeviceMicros - (long)Output.DeviceMicros;
}

/// <summary>What <see cref="EdgeMatcher.Match"/> found.</summary>
public sealed record EdgeMatch(
    IReadOnlyList<EdgePair> Pairs,
    IReadOnlyList<Edge> Missed,
    IReadOnlyList<Edge> Extra,
    IReadOnlyList<long> PulseWidthErrorsMicros)
{
    public IReadOnlyList<long> DelaysMicros
    {
        get
        {
            var d = new long[Pairs.Count];
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = Pairs[i].DelayMicros;
            }

            return d;
        }
    }
}

/// <summary>
/// Pairs each output edge with the input edge it caused: the earliest unpaired input edge of the same level at or
/// after the output edge and at most <c>windowMicros</c> later. An output edge without one is missed; an input edge
/// paired with nothing is extra (noise, a bounce the filters let through, or an edge that came too late). With
/// <see cref="InputEdges.RisingOnly"/> only rising output edges are expected back. The pulse-width error of a pulse
/// whose both edges came back is the captured width minus the output's width (the difference of its two delays).
/// </summary>
public static class EdgeMatcher
{
    public static EdgeMatch Match(IReadOnlyList<Edge> outputs, IReadOnlyList<Edge> inputs, ulong windowMicros, InputEdges inputEdges)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        var outs = Sorted(outputs);
        var ins = Sorted(inputs);
        var used = new bool[ins.Count];
        var pairs = new List<EdgePair>();
        var missed = new List<Edge>();
        var pairedInput = new Edge?[outs.Count];

        // Per level, a cursor over the inputs: output edges come in time order, so a skipped input is never wanted later.
        int[] cursor = [0, 0];
        for (int o = 0; o < outs.Count; o++)
        {
            var edge = outs[o];
            if (inputEdges == InputEdges.RisingOnly && edge.Level == 0)
            {
                continue;
            }

            int level = edge.Level != 0 ? 1 : 0;
            int i = cursor[level];
            while (i < ins.Count && (used[i] || (ins[i].Level != 0 ? 1 : 0) != level || ins[i].DeviceMicros < edge.DeviceMicros))
            {
                i++;
            }

            cursor[level] = i;
            if (i < ins.Count && ins[i].DeviceMicros - edge.DeviceMicros <= windowMicros)
            {
                used[i] = true;
                pairs.Add(new EdgePair(edge, ins[i]));
                pairedInput[o] = ins[i];
                cursor[level] = i + 1;
            }
            else
            {
                missed.Add(edge);
            }
        }

        var extra = new List<Edge>();
        for (int i = 0; i < ins.Count; i++)
        {
            if (!used[i])
            {
                extra.Add(ins[i]);
            }
        }

        var widthErrors = new List<long>();
        if (inputEdges == InputEdges.Both)
        {
            for (int o = 0; o + 1 < outs.Count; o++)
            {
                if (outs[o].Level != 0 && outs[o + 1].Level == 0 && pairedInput[o] is { } rise && pairedInput[o + 1] is { } fall)
                {
                    long outWidth = (long)outs[o + 1].DeviceMicros - (long)outs[o].DeviceMicros;
                    long inWidth = (long)fall.DeviceMicros - (long)rise.DeviceMicros;
                    widthErrors.Add(inWidth - outWidth);
                }
            }
        }

        return new EdgeMatch(pairs, missed, extra, widthErrors);
    }

    private static List<Edge> Sorted(IReadOnlyList<Edge> edges)
    {
        var list = new List<Edge>(edges);

        // Stable: edges at the same µs keep their recorded order.
        var indexed = new List<(Edge E, int I)>(list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            indexed.Add((list[i], i));
        }

        indexed.Sort((a, b) => a.E.DeviceMicros != b.E.DeviceMicros ? a.E.DeviceMicros.CompareTo(b.E.DeviceMicros) : a.I.CompareTo(b.I));
        for (int i = 0; i < list.Count; i++)
        {
            list[i] = indexed[i].E;
        }

        return list;
    }
}
