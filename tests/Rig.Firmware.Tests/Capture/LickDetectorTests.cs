using System.Collections.Generic;
using System.Linq;
using Rig.Firmware.Capture;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class LickDetectorTests
{
    private const uint Debounce = 1_000;
    private const uint MinInterLick = 50_000;

    private static LickDetector NewDetector() => new(Debounce, MinInterLick);

    /// <summary>Feeds the edges in order, then settles at <paramref name="settleAt"/>; returns (1 onset / 0 offset, time).</summary>
    private static List<(int Value, ulong At)> Run(LickDetector d, IEnumerable<(ulong At, byte Level)> edges, ulong settleAt) =>
        RunFlagged(d, edges.Select(e => (e.At, e.Level, false)), settleAt);

    [Fact]
    public void A_clean_contact_gives_an_onset_then_an_offset_stamped_at_their_edges()
    {
        var d = NewDetector();
        var events = Run(d, [(10_000, 1), (40_000, 0)], 50_000);
        Assert.Equal([(1, 10_000ul), (0, 40_000ul)], events);
        Assert.Equal(1u, d.Licks);
        Assert.Equal(0u, d.BouncesIgnored);
    }

    [Fact]
    public void A_transition_is_decided_only_once_the_line_has_been_quiet_for_the_debounce_time()
    {
        var d = NewDetector();
        Assert.Equal(LickDetector.None, d.OnEdge(10_000, 1, out _));
        Assert.True(d.HasPending);
        Assert.Equal(LickDetector.None, d.Settle(10_000 + Debounce - 1, out _));
        Assert.Equal(1, d.Settle(10_000 + Debounce, out ulong at));
        Assert.Equal(10_000ul, at);
        Assert.False(d.HasPending);
    }

    [Fact]
    public void Any_nonzero_level_counts_as_high()
    {
        var d = NewDetector();
        var events = Run(d, [(10_000, 0xFF), (20_000, 7), (40_000, 0)], 50_000);
        Assert.Equal([(1, 10_000ul), (0, 40_000ul)], events);
    }

    [Fact]
    public void A_low_edge_first_after_boot_changes_nothing_because_the_line_starts_low()
    {
        var d = NewDetector();
        var events = Run(d, [(5_000, 0), (10_000, 1)], 20_000);
        Assert.Equal([(1, 10_000ul)], events);
        Assert.Equal(0u, d.BouncesIgnored);
    }

    [Fact]
    public void Bounces_at_an_onset_collapse_into_one_onset_at_the_first_edge_and_are_counted()
    {
        var d = NewDetector();
        var events = Run(d, [(10_000, 1), (10_150, 0), (10_300, 1), (10_450, 0), (10_600, 1), (45_000, 0)], 60_000);
        Assert.Equal([(1, 10_000ul), (0, 45_000ul)], events);
        Assert.Equal(4u, d.BouncesIgnored);
        Assert.Equal(1u, d.Licks);
    }

    [Fact]
    public void Bounces_at_an_offset_are_ignored_and_counted_and_the_next_lick_is_reported()
    {
        var d = NewDetector();
        var events = Run(d, [(10_000, 1), (45_000, 0), (45_200, 1), (45_400, 0), (150_000, 1)], 160_000);
        Assert.Equal([(1, 10_000ul), (0, 45_000ul), (1, 150_000ul)], events);
        Assert.Equal(2u, d.BouncesIgnored);
        Assert.Equal(2u, d.Licks);
    }

    [Fact]
    public void A_contact_shorter_than_the_debounce_time_is_a_glitch_and_does_not_swallow_the_next_lick()
    {
        var d = NewDetector();
        var events = Run(d, [(10_000, 1), (10_500, 0), (150_000, 1), (185_000, 0)], 200_000);
        Assert.Equal([(1, 150_000ul), (0, 185_000ul)], events);
        Assert.Equal(1u, d.GlitchesIgnored);
        Assert.Equal(1u, d.Licks);
    }

    [Fact]
    public void An_edge_exactly_one_debounce_time_after_the_last_starts_a_new_burst()
    {
        var inside = NewDetector();
        Assert.Empty(Run(inside, [(10_000, 1), (10_000 + Debounce - 1, 0)], 20_000));
        Assert.Equal(1u, inside.GlitchesIgnored);

        var atEdge = NewDetector();
        Assert.Equal([(1, 10_000ul), (0, 10_000ul + Debounce)], Run(atEdge, [(10_000, 1), (10_000 + Debounce, 0)], 20_000));
    }

    [Fact]
    public void Repeated_same_level_edges_are_ignored_and_not_counted_as_bounces()
    {
        var d = NewDetector();
        var events = Run(d, [(10_000, 1), (20_000, 1), (30_000, 1), (40_000, 0), (50_000, 0), (60_000, 0)], 70_000);
        Assert.Equal([(1, 10_000ul), (0, 40_000ul)], events);
        Assert.Equal(1u, d.Licks);
        Assert.Equal(0u, d.BouncesIgnored);
        Assert.Equal(0u, d.TooSoonRefused);
    }

    [Fact]
    public void An_onset_closer_than_the_minimum_inter_lick_interval_is_refused_and_counted_and_its_offset_is_not_reported()
    {
        var d = NewDetector();
        var events = Run(d, [(0, 1), (20_000, 0), (40_000, 1), (45_000, 0), (100_000, 1), (130_000, 0)], 140_000);

        // The next onset is measured from the last accepted one (0), not from the refused one.
        Assert.Equal([(1, 0ul), (0, 20_000ul), (1, 100_000ul), (0, 130_000ul)], events);
        Assert.Equal(1u, d.TooSoonRefused);
        Assert.Equal(2u, d.Licks);
    }

    [Fact]
    public void The_minimum_inter_lick_interval_ends_at_exactly_its_length()
    {
        var d = NewDetector();
        var events = Run(d, [(0, 1), (10_000, 0), (30_000, 1), (35_000, 0), (MinInterLick, 1)], MinInterLick + 10_000);
        Assert.Equal([(1, 0ul), (0, 10_000ul), (1, (ulong)MinInterLick)], events);
        Assert.Equal(1u, d.TooSoonRefused);
    }

    [Fact]
    public void A_realistic_7_Hz_lick_train_with_contact_bounce_gives_one_onset_and_one_offset_per_lick_at_the_first_edges()
    {
        var d = NewDetector();
        const int licks = 70;
        const ulong period = 1_000_000 / 7;
        const ulong contact = 35_000;
        var edges = new List<(ulong, byte)>();
        for (int i = 0; i < licks; i++)
        {
            ulong t = 200_000 + ((ulong)i * period);
            edges.AddRange([(t, 1), (t + 150, 0), (t + 300, 1), (t + 450, 0), (t + 600, 1),
                (t + contact, 0), (t + contact + 200, 1), (t + contact + 400, 0)]);
        }

        var events = Run(d, edges, ulong.MaxValue);
        Assert.Equal(2 * licks, events.Count);
        for (int i = 0; i < licks; i++)
        {
            ulong t = 200_000 + ((ulong)i * period);
            Assert.Equal((1, t), events[2 * i]);
            Assert.Equal((0, t + contact), events[(2 * i) + 1]);
        }

        Assert.Equal((uint)licks, d.Licks);
        Assert.Equal(0u, d.TooSoonRefused);
        Assert.Equal((uint)(licks * 6), d.BouncesIgnored);
    }

    [Fact]
    public void A_7_Hz_lick_train_with_double_contacts_counts_each_lick_once()
    {
        var d = NewDetector();
        var edges = new List<(ulong, byte)>();
        for (int i = 0; i < 35; i++)
        {
            ulong t = (ulong)i * (1_000_000 / 7);

            // A second touch within the same lick, 30 ms after the first: refused, and so is its release.
            edges.AddRange([(t, 1), (t + 20_000, 0), (t + 30_000, 1), (t + 40_000, 0)]);
        }

        var events = Run(d, edges, ulong.MaxValue);
        Assert.Equal(35, events.FindAll(e => e.Value == 1).Count);
        Assert.Equal(35, events.FindAll(e => e.Value == 0).Count);
        Assert.Equal(35u, d.Licks);
        Assert.Equal(35u, d.TooSoonRefused);
    }

    /// <summary>As <see cref="Run"/>, with the capture core's trigger flag on the edges marked true, and queued offsets taken.</summary>
    private static List<(int Value, ulong At)> RunFlagged(LickDetector d, IEnumerable<(ulong At, byte Level, bool Fired)> edges, ulong settleAt)
    {
        var events = new List<(int, ulong)>();
        void Take(int r, ulong when)
        {
            if (r != LickDetector.None)
            {
                events.Add((r, when));
            }

            if (d.TakeQueued(out ulong queuedAt) is var q && q != LickDetector.None)
            {
                events.Add((q, queuedAt));
            }
        }

        foreach (var (at, level, fired) in edges)
        {
            int r = d.OnEdge(at, level, fired, out ulong when);
            Take(r, when);
        }

        int last = d.Settle(settleAt, out ulong lastAt);
        Take(last, lastAt);
        return events;
    }

    [Fact]
    public void A_triggering_touch_shorter_than_the_debounce_time_is_recorded_as_an_onset_and_an_offset_at_its_release()
    {
        var d = NewDetector();
        var events = RunFlagged(d, [(5_000, 1, true), (5_400, 0, false)], 10_000);
        Assert.Equal([(1, 5_000ul), (0, 5_400ul)], events);
        Assert.Equal(1u, d.ShortTriggers);
        Assert.Equal(0u, d.GlitchesIgnored);
        Assert.Equal(1u, d.Licks);
    }

    [Fact]
    public void The_same_short_touch_without_the_trigger_flag_is_a_glitch()
    {
        var d = NewDetector();
        var events = RunFlagged(d, [(5_000, 1, false), (5_400, 0, false)], 10_000);
        Assert.Empty(events);
        Assert.Equal(1u, d.GlitchesIgnored);
    }

    [Fact]
    public void A_triggering_touch_starts_the_minimum_interval_so_a_contact_25_ms_later_is_refused_and_one_55_ms_later_counts()
    {
        var d = NewDetector();
        var events = RunFlagged(
            d,
            [(5_000, 1, true), (5_400, 0, false), (30_000, 1, false), (40_000, 0, false), (60_000, 1, false), (70_000, 0, false)],
            80_000);
        Assert.Equal([(1, 5_000ul), (0, 5_400ul), (1, 60_000ul), (0, 70_000ul)], events);
        Assert.Equal(1u, d.TooSoonRefused);
    }

    [Fact]
    public void A_triggering_contact_that_lasts_is_an_ordinary_lick_with_nothing_queued()
    {
        var d = NewDetector();
        var events = RunFlagged(d, [(5_000, 1, true), (5_300, 0, false), (5_500, 1, false), (30_000, 0, false)], 40_000);
        Assert.Equal([(1, 5_000ul), (0, 30_000ul)], events);
        Assert.Equal(0u, d.ShortTriggers);
        Assert.Equal(2u, d.BouncesIgnored);
    }

    [Fact]
    public void Settling_at_a_time_before_the_last_edge_decides_nothing_since_the_loop_read_its_time_before_it_drained()
    {
        var d = NewDetector();
        Assert.Equal(LickDetector.None, d.OnEdge(10_200, 1, out _));
        Assert.Equal(LickDetector.None, d.OnEdge(10_400, 0, out _));
        Assert.Equal(LickDetector.None, d.Settle(10_000, out _));
        Assert.True(d.HasPending);
        Assert.Equal(LickDetector.None, d.OnEdge(10_600, 1, out _));
        var events = Run(d, [(40_000, 0)], 50_000);
        Assert.Equal([(1, 10_200ul), (0, 40_000ul)], events);
        Assert.Equal(0u, d.GlitchesIgnored);
    }
}
