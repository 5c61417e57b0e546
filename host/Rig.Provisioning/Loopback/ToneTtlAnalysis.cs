using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Provisioning.Loopback;

/// <summary>
/// One tone the device played: where the tone output started (the device's Tone record, level on), the commanded
/// duration and frequency.
/// </summary>
public readonly record struct LoopbackTone(ulong StartDeviceMicros, uint CommandedMicros, ushort FrequencyHz);

/// <summary>One tone as the TTL input heard it.</summary>
/// <param name="OnsetLatencyMicros">First TTL rising edge − tone start.</param>
/// <param name="DurationErrorMicros">(Last TTL edge − first TTL rising edge) − commanded duration.</param>
/// <param name="FrequencyHz">Rising edges − 1 over the time from the first to the last rising edge; null with fewer than 2.</param>
public readonly record struct HeardTone(ulong StartDeviceMicros, long OnsetLatencyMicros, long DurationErrorMicros, double? FrequencyHz, int Edges);

/// <summary>What <see cref="ToneTtlAnalysis"/> found.</summary>
/// <param name="Unheard">Tones with no TTL rising edge within the onset window (their start times).</param>
/// <param name="ExtraEdges">TTL edges outside every tone's window (noise, or a tone the device did not record).</param>
public sealed record ToneTtlResult(int Tones, IReadOnlyList<HeardTone> Heard, IReadOnlyList<ulong> Unheard, int ExtraEdges,
    DistributionStats OnsetLatencyMicros, DistributionStats DurationErrorMicros, double? DurationErrorAbsMaxMicros);

/// <summary>
/// The tone-to-TTL loopback leg's analysis: the tone output, through the fixture's low-pass and opto-coupler, gives TTL
/// edges at the tone frequency while a tone plays (docs/loopback.md). Per tone: the onset latency is the first TTL
/// rising edge at or after the tone's start (within <c>onsetWindowMicros</c>) minus the start; the heard duration runs
/// from that edge to the last TTL edge before the tone's window closes (its commanded end plus the onset window, or the
/// next tone's start), and the duration error is the heard duration minus the commanded one. A square wave's last edge
/// comes up to half a period before the tone ends, so the error leans negative by up to 1 / (2 × frequency) (250 µs at 2 kHz).
/// </summary>
public static class ToneTtlAnalysis
{
    public static ToneTtlResult Analyze(IReadOnlyList<LoopbackTone> tones, IReadOnlyList<Edge> ttl, uint onsetWindowMicros)
    {
        ArgumentNullException.ThrowIfNull(tones);
        ArgumentNullException.ThrowIfNull(ttl);
        if (onsetWindowMicros == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(onsetWindowMicros), "the onset window must be more than 0 µs");
        }

        var sortedTones = tones.OrderBy(t => t.StartDeviceMicros).ToArray();
        var edges = ttl.OrderBy(e => e.DeviceMicros).ToArray();
        var used = new bool[edges.Length];
        var heard = new List<HeardTone>();
        var unheard = new List<ulong>();
        for (int t = 0; t < sortedTones.Length; t++)
        {
            var tone = sortedTones[t];
            ulong windowEnd = tone.StartDeviceMicros + tone.CommandedMicros + onsetWindowMicros;
            if (t + 1 < sortedTones.Length)
            {
                windowEnd = Math.Min(windowEnd, sortedTones[t + 1].StartDeviceMicros);
            }

            int first = -1;
            int lastEdge = -1;
            int rises = 0;
            ulong lastRise = 0;
            for (int i = LowerBound(edges, tone.StartDeviceMicros); i < edges.Length && edges[i].DeviceMicros < windowEnd; i++)
            {
                var e = edges[i];
                if (first < 0)
                {
                    if (e.Level == 0 || e.DeviceMicros - tone.StartDeviceMicros > onsetWindowMicros)
                    {
                        continue; // before the onset: a falling edge, or nothing yet within the window
                    }

                    first = i;
                }

                used[i] = true;
                lastEdge = i;
                if (e.Level != 0)
                {
                    rises++;
                    lastRise = e.DeviceMicros;
                }
            }

            if (first < 0)
            {
                unheard.Add(tone.StartDeviceMicros);
                continue;
            }

            ulong onset = edges[first].DeviceMicros;
            long heardMicros = (long)(edges[lastEdge].DeviceMicros - onset);
            double? frequency = rises >= 2 ? (rises - 1) * 1e6 / (lastRise - onset) : null;
            heard.Add(new HeardTone(tone.StartDeviceMicros, (long)(onset - tone.StartDeviceMicros), heardMicros - tone.CommandedMicros, frequency, lastEdge - first + 1));
        }

        int extra = used.Count(u => !u);
        var errors = heard.Select(h => h.DurationErrorMicros).ToList();
        return new ToneTtlResult(sortedTones.Length, heard, unheard, extra, DistributionStats.Of(heard.Select(h => h.OnsetLatencyMicros)),
            DistributionStats.Of(errors), errors.Count == 0 ? null : errors.Max(e => Math.Abs((double)e)));
    }

    private static int LowerBound(Edge[] edges, ulong micros)
    {
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (edges[mid].DeviceMicros < micros)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
