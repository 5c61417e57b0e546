using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Sync;
using Xunit;

namespace Rig.Host.Tests.Sync;

public sealed class PulseTrainMatcherTests
{
    // Device µs to the other system's ns: 20 ppm apart, offset 7.3 s, with 1 µs of capture jitter on the other side.
    private static List<double> Other(IEnumerable<ulong> device, int seed, double jitterNanos = 1000)
    {
        var random = new Random(seed);
        return device.Select(t => 7.3e9 + (t * 1000 * (1 - 20e-6)) + ((random.NextDouble() - 0.5) * 2 * jitterNanos)).ToList();
    }

    [Fact]
    public void Every_pulse_of_two_recordings_of_one_train_is_paired_and_the_map_is_recovered_to_the_jitter()
    {
        var device = PulseTrainMatcher.Schedule(200, seed: 1, startMicros: 2_000_000);
        var other = Other(device, 2);
        var m = PulseTrainMatcher.Match(device.Select(t => (double)t).ToList(), other, 1000)!;
        Assert.Equal(200, m.Pairs.Count);
        Assert.All(m.Pairs, p => Assert.Equal(p.A, p.B));
        Assert.InRange(m.Slope, 1000 * (1 - 20.1e-6), 1000 * (1 - 19.9e-6));
        Assert.True(m.ResidualRms < 1000, $"rms {m.ResidualRms} ns");
        Assert.True(Math.Abs(m.ToB(500_000_000) - (7.3e9 + (500_000_000.0 * 1000 * (1 - 20e-6)))) < 1000);
    }

    [Fact]
    public void The_other_recording_may_start_late_and_miss_pulses_and_still_pairs_the_right_ones()
    {
        var device = PulseTrainMatcher.Schedule(300, seed: 3, startMicros: 1_000_000);
        var other = Other(device, 4);
        var kept = Enumerable.Range(0, 300).Where(i => i >= 40 && i % 37 != 0).ToList();
        var partial = kept.Select(i => other[i]).ToList();
        var m = PulseTrainMatcher.Match(device.Select(t => (double)t).ToList(), partial, 1000)!;
        Assert.True(m.Pairs.Count > 200, $"{m.Pairs.Count} pairs");
        Assert.All(m.Pairs, p => Assert.Equal(kept[p.B], p.A));
        Assert.True(m.ResidualMax < 3000, $"max {m.ResidualMax} ns");
    }

    [Fact]
    public void An_extra_pulse_on_one_side_breaks_only_the_runs_that_contain_it()
    {
        var device = PulseTrainMatcher.Schedule(120, seed: 5, startMicros: 0);
        var other = Other(device, 6);
        other.Insert(60, other[59] + 12_345_678);
        var m = PulseTrainMatcher.Match(device.Select(t => (double)t).ToList(), other, 1000)!;
        Assert.True(m.Pairs.Count >= 110, $"{m.Pairs.Count} pairs");
        Assert.All(m.Pairs, p => Assert.Equal(p.B <= 59 ? p.B : p.B - 1, p.A));
    }

    [Fact]
    public void Two_unrelated_trains_do_not_match()
    {
        var a = PulseTrainMatcher.Schedule(100, seed: 7, startMicros: 0).Select(t => (double)t).ToList();
        var b = Other(PulseTrainMatcher.Schedule(100, seed: 8, startMicros: 0), 9);
        Assert.Null(PulseTrainMatcher.Match(a, b, 1000));
    }

    [Fact]
    public void Too_short_a_train_gives_no_match_rather_than_a_guess()
    {
        var device = PulseTrainMatcher.Schedule(4, seed: 10, startMicros: 0);
        Assert.Null(PulseTrainMatcher.Match(device.Select(t => (double)t).ToList(), Other(device, 11), 1000));
    }
}
