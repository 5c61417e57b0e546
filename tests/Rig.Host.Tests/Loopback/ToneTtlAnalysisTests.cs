using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Provisioning.Loopback;
using Xunit;

namespace Rig.Host.Tests.Loopback;

public sealed class ToneTtlAnalysisTests
{
    // A 2 kHz tone's TTL echo: a level change every 250 µs from start + delay, high first, for as long as the tone plays.
    private static IEnumerable<Edge> Square(ulong start, ulong delay, uint durationMicros, bool closingEdge = false)
    {
        int n = 0;
        for (ulong t = 0; t < durationMicros; t += 250, n++)
        {
            yield return new Edge(start + delay + t, (byte)(n % 2 == 0 ? 1 : 0));
        }

        if (closingEdge && n % 2 == 1)
        {
            yield return new Edge(start + delay + durationMicros, 0);
        }
    }

    [Fact]
    public void A_square_wave_30_us_late_gives_a_30_us_onset_the_half_period_short_duration_and_the_tone_frequency()
    {
        // 100 ms at 2 kHz: 400 edges, the last a fall at 99,750 µs after the first rise: 250 µs short of the tone.
        var tones = new[] { new LoopbackTone(1_000_000, 100_000, 2000), new LoopbackTone(1_300_000, 100_000, 2000) };
        var ttl = Square(1_000_000, 30, 100_000).Concat(Square(1_300_000, 40, 100_000)).ToList();

        var r = ToneTtlAnalysis.Analyze(tones, ttl, 5_000);

        Assert.Equal(2, r.Heard.Count);
        Assert.Equal([30L, 40L], r.Heard.Select(h => h.OnsetLatencyMicros));
        Assert.Equal([-250L, -250L], r.Heard.Select(h => h.DurationErrorMicros));
        Assert.All(r.Heard, h => Assert.Equal(2000.0, h.FrequencyHz!.Value, 9));
        Assert.All(r.Heard, h => Assert.Equal(400, h.Edges));
        Assert.Equal((35.0, 40.0), (r.OnsetLatencyMicros.Median, r.OnsetLatencyMicros.P99));
        Assert.Equal(250, r.DurationErrorAbsMaxMicros);
        Assert.Empty(r.Unheard);
        Assert.Equal(0, r.ExtraEdges);
    }

    [Fact]
    public void A_tone_that_stops_while_high_ends_with_its_closing_edge_and_has_no_duration_error()
    {
        // 100,100 µs: the wave is high from 100,000 µs when the tone stops, and the output falls there.
        var r = ToneTtlAnalysis.Analyze([new LoopbackTone(500_000, 100_100, 2000)], Square(500_000, 20, 100_100, closingEdge: true).ToList(), 5_000);

        Assert.Equal(0, r.Heard.Single().DurationErrorMicros);
        Assert.Equal(20, r.Heard.Single().OnsetLatencyMicros);
    }

    [Fact]
    public void A_tone_with_no_echo_is_unheard_and_an_edge_between_tones_is_extra()
    {
        var tones = new[] { new LoopbackTone(1_000_000, 50_000, 2000), new LoopbackTone(1_200_000, 50_000, 2000), new LoopbackTone(1_400_000, 50_000, 2000) };
        var ttl = Square(1_000_000, 25, 50_000).Concat(Square(1_400_000, 25, 50_000)).Append(new Edge(1_100_000, 1)).ToList();

        var r = ToneTtlAnalysis.Analyze(tones, ttl, 5_000);

        Assert.Equal([1_200_000UL], r.Unheard);
        Assert.Equal(2, r.Heard.Count);
        Assert.Equal(1, r.ExtraEdges);
    }

    [Fact]
    public void An_echo_later_than_the_onset_window_does_not_count_as_the_tones_onset()
    {
        var r = ToneTtlAnalysis.Analyze([new LoopbackTone(1_000_000, 50_000, 2000)], Square(1_000_000, 6_000, 40_000).ToList(), 5_000);

        Assert.Single(r.Unheard);
        Assert.Equal(160, r.ExtraEdges);
    }

    [Fact]
    public void The_tone_leg_passes_within_its_budget_and_fails_naming_the_onset_or_the_duration()
    {
        var tones = Enumerable.Range(0, 5).Select(i => new LoopbackTone(1_000_000 + ((ulong)i * 300_000), 100_000, 2000)).ToList();
        ToneTtlResult Heard(ulong delay) => ToneTtlAnalysis.Analyze(tones, tones.SelectMany(t => Square(t.StartDeviceMicros, delay, 100_000)).ToList(), 5_000);

        var pass = LoopbackLegEvaluator.EvaluateTone(DisplayLatencyAnalysisTests.Run("tone-to-ttl", requested: 5), Heard(30), 5, LoopbackThresholds.Default);
        Assert.True(pass.Verdict == LoopbackVerdict.Pass, pass.ToText());
        Assert.Equal((5, 5, 30.0), (pass.Tone!.TonesPlayed, pass.Tone.TonesHeard, pass.CaptureDelayMicros.P99));
        Assert.Equal(2000.0, pass.Tone.MedianFrequencyHz!.Value, 9);

        var late = LoopbackLegEvaluator.EvaluateTone(DisplayLatencyAnalysisTests.Run("tone-to-ttl", requested: 5), Heard(1_500), 5, LoopbackThresholds.Default);
        Assert.Equal(LoopbackVerdict.Fail, late.Verdict);
        Assert.StartsWith("tone onset latency p99 is 1500 µs, over the limit of 1000 µs", late.Message, StringComparison.Ordinal);

        // The 250 µs a 2 kHz wave loses at its end fails a 100 µs duration budget.
        var strict = LoopbackThresholds.Default with { ToneDurationErrorMaxMicros = 100 };
        var shortened = LoopbackLegEvaluator.EvaluateTone(DisplayLatencyAnalysisTests.Run("tone-to-ttl", requested: 5), Heard(30), 5, strict);
        Assert.Equal(LoopbackVerdict.Fail, shortened.Verdict);
        Assert.StartsWith("tone duration error |max| is 250 µs, over the limit of 100 µs", shortened.Message, StringComparison.Ordinal);
    }
}
