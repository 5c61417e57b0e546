using Rig.Firmware.Capture;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class FrameCounterTests
{
    [Fact]
    public void Rising_edges_are_numbered_0_1_2()
    {
        var f = new FrameCounter();

        Assert.Equal(0, f.OnEdge(1));
        Assert.Equal(FrameCounter.None, f.OnEdge(0));
        Assert.Equal(1, f.OnEdge(1));
        Assert.Equal(FrameCounter.None, f.OnEdge(0));
        Assert.Equal(2, f.OnEdge(1));

        Assert.Equal(3, f.Count);
    }

    [Fact]
    public void Falling_edges_and_repeated_highs_are_ignored()
    {
        var f = new FrameCounter();

        Assert.Equal(FrameCounter.None, f.OnEdge(0));
        Assert.Equal(0, f.OnEdge(1));
        Assert.Equal(FrameCounter.None, f.OnEdge(1));
        Assert.Equal(FrameCounter.None, f.OnEdge(5));
        Assert.Equal(FrameCounter.None, f.OnEdge(0));
        Assert.Equal(FrameCounter.None, f.OnEdge(0));
        Assert.Equal(1, f.OnEdge(9));

        Assert.Equal(2, f.Count);
    }

    [Fact]
    public void A_long_frame_clock_counts_every_rising_edge()
    {
        var f = new FrameCounter();
        for (long i = 0; i < 10_000; i++)
        {
            Assert.Equal(i, f.OnEdge(1));
            Assert.Equal(FrameCounter.None, f.OnEdge(0));
        }

        Assert.Equal(10_000, f.Count);
    }
}
