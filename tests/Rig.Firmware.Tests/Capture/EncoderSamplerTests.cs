using System.Collections.Generic;
using Rig.Firmware.Capture;
using Rig.Firmware.Tests.Fakes;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class EncoderSamplerTests
{
    private const uint Interval = 1_000;
    private const uint KeepAlive = 10_000;

    [Fact]
    public void The_first_poll_samples_and_reports_at_once()
    {
        var encoder = new FakeEncoder { Count = 42 };
        var s = new EncoderSampler(encoder, Interval, KeepAlive);

        Assert.True(s.Poll(500, out long count));
        Assert.Equal(42, count);
        Assert.Equal(1u, s.SamplesTaken);
    }

    [Fact]
    public void Samples_are_taken_on_the_interval_grid_and_not_between()
    {
        var encoder = new FakeEncoder();
        var s = new EncoderSampler(encoder, Interval, KeepAlive);
        s.Poll(500, out _);

        s.Poll(1_499, out _);
        Assert.Equal(1, encoder.Reads);
        s.Poll(1_500, out _);
        Assert.Equal(2, encoder.Reads);

        // Late by 200 µs: sampled then, but the next one stays on the grid (3 500), not 200 µs later.
        s.Poll(2_700, out _);
        Assert.Equal(3, encoder.Reads);
        s.Poll(3_499, out _);
        Assert.Equal(3, encoder.Reads);
        s.Poll(3_500, out _);
        Assert.Equal(4, encoder.Reads);
        Assert.Equal(4u, s.SamplesTaken);
    }

    [Fact]
    public void An_unchanged_count_is_not_reported_until_the_keep_alive_period()
    {
        var encoder = new FakeEncoder { Count = 7 };
        var s = new EncoderSampler(encoder, Interval, KeepAlive);
        var reports = new List<(ulong At, long Count)>();

        for (ulong t = 0; t <= 25_000; t += Interval)
        {
            if (s.Poll(t, out long count))
            {
                reports.Add((t, count));
            }
        }

        Assert.Equal([(0UL, 7L), (10_000UL, 7L), (20_000UL, 7L)], reports);
        Assert.Equal(26u, s.SamplesTaken);
    }

    [Fact]
    public void A_change_is_reported_at_the_next_sample_and_restarts_the_keep_alive()
    {
        var encoder = new FakeEncoder();
        var s = new EncoderSampler(encoder, Interval, KeepAlive);
        var reports = new List<(ulong At, long Count)>();

        for (ulong t = 0; t <= 16_000; t += Interval)
        {
            if (t == 3_000)
            {
                encoder.Count = -5;
            }

            if (t == 4_000)
            {
                encoder.Count = 12;
            }

            if (s.Poll(t, out long count))
            {
                reports.Add((t, count));
            }
        }

        Assert.Equal([(0UL, 0L), (3_000UL, -5L), (4_000UL, 12L), (14_000UL, 12L)], reports);
    }

    [Fact]
    public void A_count_that_changes_and_changes_back_between_samples_is_not_reported()
    {
        var encoder = new FakeEncoder { Count = 3 };
        var s = new EncoderSampler(encoder, Interval, KeepAlive);
        s.Poll(0, out _);

        encoder.Count = 4;
        Assert.False(s.Poll(500, out _));
        encoder.Count = 3;
        Assert.False(s.Poll(1_000, out _));
    }

    [Fact]
    public void A_stalled_loop_resumes_with_one_sample_and_no_burst_of_catch_up_samples()
    {
        var encoder = new FakeEncoder();
        var s = new EncoderSampler(encoder, Interval, KeepAlive);
        s.Poll(0, out _);
        s.Poll(1_000, out _);
        Assert.Equal(2u, s.SamplesTaken);

        // Held up for 50 ms: the loop comes back and polls rapidly.
        encoder.Count = 99;
        Assert.True(s.Poll(51_300, out long count));
        Assert.Equal(99, count);
        for (ulong t = 51_301; t < 52_300; t += 50)
        {
            Assert.False(s.Poll(t, out _));
        }

        Assert.Equal(3u, s.SamplesTaken);
        s.Poll(52_300, out _);
        Assert.Equal(4u, s.SamplesTaken);
    }

    [Fact]
    public void A_zero_interval_samples_at_most_once_per_microsecond()
    {
        var encoder = new FakeEncoder();
        var s = new EncoderSampler(encoder, 0, KeepAlive);

        s.Poll(100, out _);
        s.Poll(100, out _);
        s.Poll(101, out _);

        Assert.Equal(2u, s.SamplesTaken);
    }
}
