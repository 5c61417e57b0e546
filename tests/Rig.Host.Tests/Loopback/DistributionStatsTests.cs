using System;
using System.Linq;
using Rig.Provisioning.Loopback;
using Xunit;

namespace Rig.Host.Tests.Loopback;

public sealed class DistributionStatsTests
{
    [Fact]
    public void Median_p99_max_and_spread_of_a_known_sample()
    {
        // 1..100: median of an even count is the mean of the middle two; nearest-rank p99 is the 99th value.
        var s = DistributionStats.Of(Enumerable.Range(1, 100).Select(i => (double)i));

        Assert.Equal(100, s.Count);
        Assert.Equal(50.5, s.Median);
        Assert.Equal(99, s.P99);
        Assert.Equal((1.0, 100.0), (s.Min, s.Max));
        Assert.Equal(50.5, s.Mean);
        Assert.Equal(Math.Sqrt(100 * 101 / 12.0), s.StdDev, 9);
    }

    [Fact]
    public void The_p99_of_a_small_sample_is_its_largest_value_and_an_odd_count_has_a_middle_median()
    {
        var s = DistributionStats.Of(new long[] { 9, 1, 5 });

        Assert.Equal(5, s.Median);
        Assert.Equal(9, s.P99);
    }

    [Fact]
    public void One_outlier_in_a_thousand_does_not_move_the_p99_but_shows_in_the_max()
    {
        var values = Enumerable.Repeat(7.0, 999).Append(500.0);

        var s = DistributionStats.Of(values);

        Assert.Equal(7, s.P99);
        Assert.Equal(500, s.Max);
    }

    [Fact]
    public void An_empty_sample_has_count_zero_and_no_values()
    {
        var s = DistributionStats.Of(Array.Empty<double>());

        Assert.Equal(0, s.Count);
        Assert.True(double.IsNaN(s.Median) && double.IsNaN(s.P99) && double.IsNaN(s.Max));
    }

    [Fact]
    public void A_value_that_is_not_finite_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DistributionStats.Of(new[] { 1.0, double.NaN }));
    }
}
