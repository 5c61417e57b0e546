using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Rig.Analysis.Derivation;
using Rig.Experiment.Alignment;
using Rig.Protocol;
using Rig.Recording.Decoding;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Alignment;

/// <summary>The live photodiode matcher and the VR frame tables against a synthetic session whose every frame has a known fate.</summary>
public sealed class VrFrameMatchingTests
{
    private static readonly SyntheticVrSession Session = SyntheticVrSession.Create();

    [Fact]
    public void Every_frame_gets_the_status_its_ground_truth_allows()
    {
        var (outcomes, _) = Decode(Session);
        AssertStatusesMatchTruth(Session, outcomes);
    }

    [Fact]
    public void A_batch_of_flips_resent_after_later_ones_still_shows_its_own_frames()
    {
        // Batches lost on a lossy link arrive 400 ms late (resent after the bridge's gap grace), after the flips that follow
        // them; one pair of consecutive batches, one next to a dropped frame.
        var late = SyntheticVrSession.Create(new SyntheticVrOptions { LateBatches = new HashSet<uint> { 30, 31, 90, 251, 400 } });
        var (outcomes, counts) = Decode(late);
        AssertStatusesMatchTruth(late, outcomes);
        var vr = counts.Vr!;
        Assert.Equal(0, vr.UnmatchedFlips);
        Assert.Equal(0, vr.Unexplained);
        Assert.Equal(vr.PhotodiodeFlips, vr.Displayed);

        // The same decisions from the journal read back.
        using var dir = new TempDirectory();
        var replayed = late.WriteFolder(dir.Combine("s")).Replay().Result.Counts;
        Assert.Equal(JsonSerializer.Serialize(counts), JsonSerializer.Serialize(replayed));
    }

    [Fact]
    public void Motion_to_photon_counts_only_the_first_displayed_frame_of_each_scene_state()
    {
        // Three frames draw each state: the second and third show it one and two refreshes older, not the movement's latency.
        var held = SyntheticVrSession.Create(new SyntheticVrOptions { FramesPerScene = 3 });
        var (outcomes, counts) = Decode(held);
        var expected = held.Frames.Where(f => f.FlipDeviceMicros is not null).GroupBy(f => f.SceneMicros)
            .Select(g => (double)g.First().FlipDeviceMicros!.Value - g.Key).Order().ToArray();
        Assert.True(expected.Length < outcomes.Count(o => o.Status == VrFrameStatus.Displayed) * 0.5, $"{expected.Length} states measured");
        Assert.Equal(expected.Length, outcomes.Count(o => o.FirstShowingOfScene));
        Assert.Equal(expected[expected.Length / 2], counts.Vr!.MotionToPhotonMedianMicros);
        Assert.Equal(expected[^1], counts.Vr.MotionToPhotonMaxMicros);

        // The derived table gives motion-to-photon on the same frames.
        using var dir = new TempDirectory();
        var derived = SessionDerivation.Compute(held.WriteFolder(dir.Combine("s")));
        Assert.Equal(expected, derived.Alignment.VrFrames.Where(r => r.MotionToPhotonMicros is not null).Select(r => (double)r.MotionToPhotonMicros!.Value).Order());
        Assert.Equal(counts.Vr.MotionToPhotonMedianMicros, derived.Alignment.Summary.Vr!.MotionToPhotonMedianMicros);
    }

    private static void AssertStatusesMatchTruth(SyntheticVrSession session, List<VrFrameOutcome> outcomes)
    {
        Assert.Equal(session.Frames.Count, outcomes.Count);
        var truth = session.Frames.ToDictionary(f => f.Frame);
        long? lastFlipped = null;
        int displayed = 0, dropped = 0, unobservable = 0;
        foreach (var o in outcomes.OrderBy(o => o.FrameId))
        {
            var t = truth[o.FrameId];
            if (t.FlipDeviceMicros is { } flip)
            {
                Assert.Equal(VrFrameStatus.Displayed, o.Status);
                Assert.Equal(flip, o.FlipDeviceMicros);
                lastFlipped = o.FrameId;
                displayed++;
            }
            else
            {
                // Not seen: dropped when showing it would have flipped the patch, unobservable when the patch had its colour.
                var expected = (o.FrameId - lastFlipped!.Value) % 2 == 0 ? VrFrameStatus.Unobservable : VrFrameStatus.Dropped;
                Assert.True(expected == o.Status, $"frame {o.FrameId}: {o.Status}, expected {expected}");
                (expected == VrFrameStatus.Dropped ? ref dropped : ref unobservable)++;
                // Ground truth: every frame the display never showed is dropped or unobservable, never displayed.
                Assert.True(t.ShownDeviceMicros is null || expected == VrFrameStatus.Unobservable);
            }
        }

        Assert.True(displayed > 500 && dropped >= 3 && unobservable >= 3, $"{displayed} displayed, {dropped} dropped, {unobservable} unobservable");
    }

    [Fact]
    public void Frames_left_on_screen_for_extra_refreshes_are_flagged_repeated()
    {
        var (outcomes, counts) = Decode(Session);
        // On screen for two refreshes or more: 150, 300, 301 (the next frame came a period late) and 99, 249, 400 (the frames
        // after them were dropped, so the display kept them).
        Assert.Equal([99, 150, 249, 300, 301, 400], outcomes.Where(o => o.Repeated).Select(o => o.FrameId).Order());
        Assert.Equal(6, counts.Vr!.Repeated);
    }

    [Fact]
    public void The_counts_account_for_every_frame_and_flip()
    {
        var vr = Decode(Session).Counts.Vr!;
        Assert.Equal(600, vr.Rendered);
        Assert.Equal(601, vr.FramesReceived);
        Assert.Equal(1, vr.RepeatedFrameIds);
        Assert.Equal(vr.Rendered, vr.Displayed + vr.Dropped + vr.Unobservable + vr.Unverified);
        Assert.Equal(0, vr.Pending);
        Assert.Equal(0, vr.Unverified);
        Assert.Equal(0, vr.UnmatchedFlips);
        Assert.Equal(0, vr.Unexplained);
        Assert.Equal(vr.PhotodiodeFlips, vr.Displayed);
    }

    [Fact]
    public void Motion_to_photon_is_the_flip_minus_the_drawn_scene_time_exactly()
    {
        using var dir = new TempDirectory();
        var folder = Session.WriteFolder(dir.Combine("s"));
        var derived = SessionDerivation.Compute(folder);
        var truth = Session.Frames.ToDictionary(f => f.Frame);
        var rows = derived.Alignment.VrFrames;
        Assert.Equal(600, rows.Count);
        foreach (var row in rows.Where(r => r.Status == VrFrameStatus.Displayed))
        {
            var t = truth[row.Frame];
            Assert.Equal((long)t.FlipDeviceMicros!.Value - t.SceneMicros, row.MotionToPhotonMicros);
            // No drift and symmetric exchanges: the flip's host time is its true time to within the 1 µs device resolution.
            Assert.InRange(row.FlipHostNanos!.Value - SyntheticVrSession.HostOf(t.FlipDeviceMicros.Value), -1_000, 1_000);
            Assert.InRange(row.DisplayLatencyMicros!.Value, 23_000, 25_001);
        }

        var mtp = rows.Where(r => r.MotionToPhotonMicros is not null).Select(r => (double)r.MotionToPhotonMicros!.Value).Order().ToArray();
        var summary = derived.Alignment.Summary.Vr!;
        Assert.Equal(mtp[mtp.Length / 2], summary.MotionToPhotonMedianMicros);
        Assert.Equal(mtp[^1], summary.MotionToPhotonMaxMicros);
        Assert.Equal(0, summary.Unexplained);
        Assert.Equal(600, summary.Rendered);
    }

    [Fact]
    public void Events_more_than_two_ms_from_a_flip_get_the_frame_on_screen()
    {
        using var dir = new TempDirectory();
        var folder = Session.WriteFolder(dir.Combine("s"));
        var derived = SessionDerivation.Compute(folder);
        int certain = 0, flagged = 0;
        foreach (var e in derived.Alignment.Events.Where(e => e.Kind == EventKind.Lick))
        {
            long? truth = Session.OnScreen(e.DeviceMicros);
            if (truth is null)
            {
                Assert.Null(e.VrFrame);
                continue;
            }

            if (e.VrFrameUncertaintyMicros == 1.0)
            {
                Assert.True(truth == e.VrFrame, $"lick at {e.DeviceMicros} µs: frame {e.VrFrame}, on screen {truth}");
                certain++;
            }
            else
            {
                // An unobservable frame follows: the screen may have changed unseen within one refresh period.
                Assert.InRange(e.VrFrameUncertaintyMicros!.Value, 16_000, 17_000);
                Assert.InRange(truth.Value - e.VrFrame!.Value, 0, 4);
                flagged++;
            }
        }

        Assert.True(certain > 200, $"{certain} licks with a certain frame");
        Assert.True(flagged > 0, "no lick fell where an unobservable frame made the frame uncertain");
    }

    [Fact]
    public void After_the_photodiode_goes_dead_frames_are_unverified_and_events_get_the_frame_from_render_time_within_one_refresh()
    {
        using var dir = new TempDirectory();
        var session = SyntheticVrSession.Create(new SyntheticVrOptions { PhotodiodeUntilFrame = 450 });
        var derived = SessionDerivation.Compute(session.WriteFolder(dir.Combine("s")));
        var rows = derived.Alignment.VrFrames;
        // Frame 449 made the last flip; everything drawn from 450 on is unverified, never dropped.
        Assert.Equal(VrFrameStatus.Displayed, rows.Single(r => r.Frame == 449).Status);
        Assert.All(rows.Where(r => r.Frame >= 450), r => Assert.Equal(VrFrameStatus.Unverified, r.Status));
        Assert.Equal(rows.Count(r => r.Frame >= 450), derived.Alignment.Summary.Vr!.Unverified);
        ulong lastFlip = session.Frames.Where(f => f.FlipDeviceMicros is not null).Max(f => f.FlipDeviceMicros!.Value);
        int placed = 0;
        foreach (var e in derived.Alignment.Events.Where(e => e.Kind == EventKind.Lick && e.DeviceMicros > lastFlip + 100_000))
        {
            long truth = session.OnScreen(e.DeviceMicros)!.Value;
            Assert.InRange(e.VrFrame!.Value, truth - 1, truth + 1);
            Assert.InRange(e.VrFrameUncertaintyMicros!.Value, 16_000, 17_000);
            placed++;
        }

        Assert.True(placed > 50, $"{placed} licks after the photodiode went dead");
    }

    [Fact]
    public void Live_and_replayed_counts_are_identical_even_with_snapshots_taken_while_recording()
    {
        var live = new SessionDecoder(SyntheticVrSession.RigId);
        foreach (var r in Session.Records)
        {
            live.Process(r);
            _ = live.Summarize();
        }

        using var dir = new TempDirectory();
        var folder = Session.WriteFolder(dir.Combine("s"));
        var replayed = folder.Replay().Result.Counts;
        Assert.Equal(JsonSerializer.Serialize(live.Summarize()), JsonSerializer.Serialize(replayed));
        Assert.Equal(JsonSerializer.Serialize(folder.ReadSummary()!.Counts), JsonSerializer.Serialize(replayed));
    }

    [Fact]
    public void Imaging_frames_carry_the_vr_frame_on_screen_at_their_edge()
    {
        using var dir = new TempDirectory();
        var withImaging = SyntheticVrSession.Create(new SyntheticVrOptions { ImagingPeriodMicros = 33_333 });
        var derived = SessionDerivation.Compute(withImaging.WriteFolder(dir.Combine("s")));
        int checkedFrames = 0;
        foreach (var f in derived.Alignment.Frames.Where(f => f.VrFrame is not null))
        {
            long? truth = withImaging.OnScreen(f.DeviceMicros);
            bool nearFlip = withImaging.Frames.Any(v => v.FlipDeviceMicros is { } flip && (flip > f.DeviceMicros ? flip - f.DeviceMicros : f.DeviceMicros - flip) <= 2_000);
            bool unseen = withImaging.Frames.Any(v => v.FlipDeviceMicros is null && v.ShownDeviceMicros <= f.DeviceMicros && v.Frame == truth);
            if (!nearFlip && !unseen)
            {
                Assert.Equal(truth, f.VrFrame);
                checkedFrames++;
            }
        }

        Assert.True(checkedFrames > 200, $"{checkedFrames} imaging frames checked");
    }

    [Fact]
    public void The_vr_frame_table_reads_back_the_rows_it_wrote()
    {
        using var dir = new TempDirectory();
        var folder = Session.WriteFolder(dir.Combine("s"));
        var derived = SessionDerivation.Derive(folder);
        var read = VrFrameCollector.Table.Read(derived.WrittenTo!);
        Assert.Equal(derived.Alignment.VrFrames, read);
    }

    private static (List<VrFrameOutcome> Outcomes, SessionCounts Counts) Decode(SyntheticVrSession session)
    {
        var sink = new Collect();
        var d = new SessionDecoder(SyntheticVrSession.RigId, sink);
        foreach (var r in session.Records)
        {
            d.Process(r);
        }

        return (sink.Frames, d.Summarize());
    }

    private sealed class Collect : IEventSink, IVrFrameSink
    {
        public List<VrFrameOutcome> Frames { get; } = [];

        public void OnEvents(uint bootId, ulong firstEventSeq, System.ReadOnlySpan<EventRecord> records, long hostNanos)
        {
        }

        public void OnVrFrame(VrFrameOutcome frame) => Frames.Add(frame);
    }
}
