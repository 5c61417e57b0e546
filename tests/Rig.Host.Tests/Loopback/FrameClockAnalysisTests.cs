using System.Collections.Generic;
using System.Linq;
using Rig.Provisioning.Loopback;
using Xunit;

namespace Rig.Host.Tests.Loopback;

public sealed class FrameClockAnalysisTests
{
    private static List<ulong> Clock(int frames, ulong period, params int[] lost) =>
        Enumerable.Range(0, frames).Where(i => !lost.Contains(i)).Select(i => 1_000 + ((ulong)i * period)).ToList();

    [Fact]
    public void A_steady_clock_has_its_period_as_median_and_nothing_missing()
    {
        var r = FrameClockAnalysis.Analyze(Clock(300, 33_333));

        Assert.Equal(300, r.Frames);
        Assert.Equal(33_333, r.Periods.Median);
        Assert.Equal(0, r.MissingFrames);
        Assert.Equal(1e6 / 33_333, r.RateHz!.Value, 9);
    }

    [Fact]
    public void One_lost_frame_and_two_lost_in_a_row_count_three_missing()
    {
        var r = FrameClockAnalysis.Analyze(Clock(300, 33_333, 50, 120, 121));

        Assert.Equal(297, r.Frames);
        Assert.Equal(3, r.MissingFrames);
        Assert.Equal(3 * 33_333, r.Periods.Max);
    }

    [Fact]
    public void Jitter_of_a_few_microseconds_is_not_a_missing_frame()
    {
        var rises = Clock(100, 33_333).Select((t, i) => t + (ulong)(i % 2 == 0 ? 0 : 9)).ToList();

        Assert.Equal(0, FrameClockAnalysis.Analyze(rises).MissingFrames);
    }

    [Fact]
    public void No_frames_has_no_periods_and_no_rate()
    {
        var r = FrameClockAnalysis.Analyze([]);

        Assert.Equal((0, 0), (r.Frames, r.Periods.Count));
        Assert.Null(r.RateHz);
    }
}
