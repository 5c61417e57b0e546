using System.Collections.Generic;
using System.Linq;
using Rig.Provisioning.Loopback;
using Xunit;

namespace Rig.Host.Tests.Loopback;

public sealed class EdgeMatcherTests
{
    /// <summary>Pulses as rising and falling edges: (rise µs, width µs).</summary>
    private static List<Edge> Pulses(params (ulong Rise, ulong Width)[] pulses) =>
        pulses.SelectMany(p => new[] { new Edge(p.Rise, 1), new Edge(p.Rise + p.Width, 0) }).ToList();

    [Fact]
    public void Every_echoed_edge_is_paired_with_its_delay_and_the_width_error_is_the_difference_of_the_two_delays()
    {
        var outputs = Pulses((1_000, 500), (5_000, 800));
        var inputs = new List<Edge> { new(1_007, 1), new(1_509, 0), new(5_006, 1), new(5_806, 0) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.Both);

        Assert.Equal([7L, 9, 6, 6], m.DelaysMicros);
        Assert.Empty(m.Missed);
        Assert.Empty(m.Extra);
        Assert.Equal([2L, 0], m.PulseWidthErrorsMicros);
    }

    [Fact]
    public void An_edge_that_never_came_back_is_missed_and_its_pulse_has_no_width_error()
    {
        var outputs = Pulses((1_000, 500), (5_000, 800));
        var inputs = new List<Edge> { new(1_007, 1), new(1_507, 0), new(5_806, 0) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.Both);

        Assert.Equal([new Edge(5_000, 1)], m.Missed);
        Assert.Empty(m.Extra);
        Assert.Single(m.PulseWidthErrorsMicros);
    }

    [Fact]
    public void Input_edges_with_no_output_edge_before_them_are_extra_and_do_not_steal_a_later_match()
    {
        var outputs = Pulses((10_000, 2_000));

        // A spurious pulse before the train, a glitch of the wrong level, then the real echo.
        var inputs = new List<Edge> { new(3_000, 1), new(3_400, 0), new(10_002, 0), new(10_005, 1), new(12_005, 0) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.Both);

        Assert.Equal([5L, 5], m.DelaysMicros);
        Assert.Equal([new Edge(3_000, 1), new Edge(3_400, 0), new Edge(10_002, 0)], m.Extra);
        Assert.Empty(m.Missed);
    }

    [Fact]
    public void An_echo_later_than_the_window_counts_once_as_missed_and_once_as_extra()
    {
        var outputs = Pulses((1_000, 5_000));
        var inputs = new List<Edge> { new(2_500, 1), new(6_010, 0) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.Both);

        Assert.Equal([new Edge(1_000, 1)], m.Missed);
        Assert.Equal([new Edge(2_500, 1)], m.Extra);
        Assert.Equal([10L], m.DelaysMicros);
    }

    [Fact]
    public void A_delay_exactly_at_the_window_matches_and_one_microsecond_more_does_not()
    {
        var outputs = new List<Edge> { new(1_000, 1), new(5_000, 1) };
        var inputs = new List<Edge> { new(2_000, 1), new(6_001, 1) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.RisingOnly);

        Assert.Equal([1_000L], m.DelaysMicros);
        Assert.Equal([new Edge(5_000, 1)], m.Missed);
        Assert.Equal([new Edge(6_001, 1)], m.Extra);
    }

    [Fact]
    public void A_rising_only_input_expects_no_echo_of_falling_edges_and_reports_no_widths()
    {
        var outputs = Pulses((1_000, 500), (3_000, 500), (5_000, 500));
        var inputs = new List<Edge> { new(1_003, 1), new(3_002, 1), new(5_004, 1) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.RisingOnly);

        Assert.Equal([3L, 2, 4], m.DelaysMicros);
        Assert.Empty(m.Missed);
        Assert.Empty(m.Extra);
        Assert.Empty(m.PulseWidthErrorsMicros);
    }

    [Fact]
    public void Edges_given_out_of_order_are_matched_in_time_order()
    {
        var outputs = Pulses((1_000, 500), (3_000, 500));
        outputs.Reverse();
        var inputs = new List<Edge> { new(3_507, 0), new(1_007, 1), new(3_007, 1), new(1_507, 0) };

        var m = EdgeMatcher.Match(outputs, inputs, 1_000, InputEdges.Both);

        Assert.Equal(4, m.Pairs.Count);
        Assert.All(m.DelaysMicros, d => Assert.Equal(7, d));
        Assert.Equal([0L, 0], m.PulseWidthErrorsMicros);
    }

    [Fact]
    public void No_input_at_all_misses_every_expected_edge()
    {
        var m = EdgeMatcher.Match(Pulses((1_000, 500), (3_000, 500)), [], 1_000, InputEdges.Both);

        Assert.Equal(4, m.Missed.Count);
        Assert.Empty(m.Pairs);
        Assert.Empty(m.PulseWidthErrorsMicros);
    }
}
