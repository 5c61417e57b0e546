using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Alignment;
using Xunit;

namespace Rig.Host.Tests.Alignment;

public sealed class FrameRateTests
{
    private static List<FrameRow> Frames(double hz, int count, uint boot = 1, int acquisition = 0, long firstFrame = 0) =>
        [.. Enumerable.Range(0, count).Select(i => new FrameRow(boot, firstFrame + i, acquisition, (ulong)Math.Round(500_000 + (i * 1e6 / hz)), null, 0, null, 0, false))];

    [Fact]
    public void The_measured_rate_is_one_over_the_median_period_of_consecutive_frames_and_ignores_gaps_and_restarts()
    {
        // A 3 Hz volume clock, a missing frame (a gap of two periods), and a second acquisition starting much later.
        var frames = Frames(3, 20);
        frames.RemoveAt(7);
        frames.AddRange(Frames(3, 10, acquisition: 1).Select(f => f with { DeviceMicros = f.DeviceMicros + 60_000_000, Frame = f.Frame + 100 }));

        var rate = FrameRate.Of(3, frames);

        Assert.Equal(3, rate.MeasuredHz!.Value, 3);
        Assert.True(rate.Agrees);
        Assert.Equal(3, rate.Hz);
    }

    [Fact]
    public void A_scanner_at_another_rate_than_the_setting_disagrees_and_says_so()
    {
        var rate = FrameRate.Of(3, Frames(30, 50));
        Assert.False(rate.Agrees);
        Assert.StartsWith("DIFFERS: setting 3 Hz, but 30 Hz from the frame clock", rate.Describe(), StringComparison.Ordinal);
        // Within 2 %: a crystal's error and jitter, not a wrong setting.
        Assert.True(FrameRate.Of(30, Frames(30.5, 50)).Agrees);
    }

    [Fact]
    public void Without_a_setting_or_frames_the_rate_says_what_is_unknown()
    {
        Assert.Null(FrameRate.Of(null, Frames(30, 10)).Agrees);
        Assert.Contains("no --frame-rate-hz setting", FrameRate.Of(null, Frames(30, 10)).Describe(), StringComparison.Ordinal);
        var none = FrameRate.Of(30, []);
        Assert.Null(none.MeasuredHz);
        Assert.Null(none.Agrees);
        Assert.Contains("no frame clock recorded", none.Describe(), StringComparison.Ordinal);
    }
}
