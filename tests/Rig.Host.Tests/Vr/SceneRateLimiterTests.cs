using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Vr;
using Xunit;

namespace Rig.Host.Tests.Vr;

public sealed class SceneRateLimiterTests
{
    private const double PeriodMicros = 1e6 / 60;

    [Fact]
    public void A_1_kHz_scene_in_device_batches_comes_out_at_most_60_states_a_second_each_the_newest_of_its_batch()
    {
        var sink = new RecordingSink();
        var limiter = new SceneRateLimiter(sink, new SceneRateOptions());
        var input = Encoder(seconds: 10, trialEveryMicros: 0);
        Feed(limiter, input, batchMicros: 20_000);

        // 20 ms device batches: one state per batch (50 a second), never two within a frame period.
        Assert.InRange(sink.States.Count, 450, 601);
        AssertSpacedByAFrame(sink.States);
        var batchLast = input.GroupBy(s => (s.DeviceMicros - 1) / 20_000).Select(g => g.Last().DeviceMicros).ToHashSet();

        // The limiter learns that batch ends come at the first one; from then on it forwards the newest state of a batch.
        Assert.All(sink.States.Where(s => s.DeviceMicros > 20_000), s => Assert.Contains(s.DeviceMicros, batchLast));
        Assert.Equal(input.Count, limiter.Received);
    }

    [Fact]
    public void A_1_kHz_scene_without_batch_ends_comes_out_at_most_60_states_a_second()
    {
        var sink = new RecordingSink();
        var limiter = new SceneRateLimiter(sink, new SceneRateOptions());
        var input = Encoder(seconds: 10, trialEveryMicros: 0);
        Feed(limiter, input, batchMicros: 0);

        Assert.InRange(sink.States.Count, 550, 601);
        AssertSpacedByAFrame(sink.States);
    }

    [Theory]
    [InlineData(20_000)]
    [InlineData(5_000)]
    [InlineData(0)]
    public void The_movement_of_coalesced_states_is_summed_into_the_ones_forwarded_so_none_is_lost(int batchMicros)
    {
        var sink = new RecordingSink();
        var limiter = new SceneRateLimiter(sink, new SceneRateOptions());
        var input = Encoder(seconds: 5, trialEveryMicros: 700_000);
        Feed(limiter, input, batchMicros);

        Assert.True(sink.States.Count < input.Count / 10, $"{sink.States.Count} of {input.Count} forwarded");
        Assert.Equal(input.Sum(s => s.MovementCounts), sink.States.Sum(s => s.MovementCounts));
        Assert.True(sink.Stopped);

        // Each forwarded state carries exactly the movement since the previous forwarded one.
        long since = 0;
        int next = 0;
        foreach (var s in input)
        {
            since += s.MovementCounts;
            if (next < sink.States.Count && s.DeviceMicros == sink.States[next].DeviceMicros)
            {
                Assert.Equal(since, sink.States[next].MovementCounts);
                since = 0;
                next++;
            }
        }

        Assert.Equal(sink.States.Count, next);
    }

    [Fact]
    public void A_trial_change_and_a_short_gap_between_trials_are_forwarded_at_once_within_a_frame_period()
    {
        var sink = new RecordingSink();
        var limiter = new SceneRateLimiter(sink, new SceneRateOptions());
        limiter.OnSessionStarted("s", "p");
        var states = new List<VrSceneState>();
        for (ulong t = 1000; t <= 60_000; t += 1000)
        {
            // Trial 0 until 30 ms, a 2 ms gap (trial -1), then trial 1 on another wall: all inside two frame periods.
            (int trial, string wall) = t < 30_000 ? (0, "leaf1") : t < 32_000 ? (-1, "") : (1, "circle1");
            states.Add(new VrSceneState(t, trial, wall, t / 1000.0, false, false, 10, 1));
        }

        foreach (var s in states)
        {
            limiter.OnScene(s);
        }

        limiter.OnSceneBatchEnd();
        limiter.OnSessionStopped("s");

        Assert.Equal([0, -1, 1], sink.States.Select(s => s.Trial).Distinct());
        Assert.Contains(sink.States, s => s.DeviceMicros == 30_000 && s.Trial == -1);
        Assert.Contains(sink.States, s => s.DeviceMicros == 32_000 && s.Trial == 1 && s.Wall == "circle1");
        Assert.Equal(2, limiter.ForwardedForChange);
        Assert.Equal(states.Count, sink.States.Sum(s => s.MovementCounts));
    }

    [Fact]
    public void Session_start_and_stop_pass_through_and_rate_0_forwards_every_state()
    {
        var sink = new RecordingSink();
        var limiter = new SceneRateLimiter(sink, new SceneRateOptions { RateHz = 0 });
        var input = Encoder(seconds: 1, trialEveryMicros: 0);
        Feed(limiter, input, batchMicros: 20_000);
        Assert.True(sink.Started);
        Assert.True(sink.Stopped);
        Assert.Equal(input.Select(s => s.DeviceMicros), sink.States.Select(s => s.DeviceMicros));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_bad_rate_is_refused_with_an_error_naming_it(double rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SceneRateLimiter(new RecordingSink(), new SceneRateOptions { RateHz = rate }));
        Assert.Equal("RateHz", e.ParamName);
    }

    /// <summary>A 1 kHz encoder: 1 to 5 counts a sample, trials of <paramref name="trialEveryMicros"/> (0: one trial).</summary>
    private static List<VrSceneState> Encoder(double seconds, ulong trialEveryMicros)
    {
        var random = new Random(5);
        var states = new List<VrSceneState>();
        for (ulong t = 1000; t <= seconds * 1e6; t += 1000)
        {
            int trial = trialEveryMicros == 0 ? 0 : (int)(t / trialEveryMicros);
            states.Add(new VrSceneState(t, trial, trial % 2 == 0 ? "leaf1" : "circle1", t / 1e4, false, false, 20, random.Next(1, 6)));
        }

        return states;
    }

    private static void Feed(SceneRateLimiter limiter, List<VrSceneState> states, int batchMicros)
    {
        limiter.OnSessionStarted("s", "p");
        ulong? batch = null;
        foreach (var s in states)
        {
            ulong b = batchMicros == 0 ? 0 : (s.DeviceMicros - 1) / (ulong)batchMicros;
            if (batchMicros != 0 && batch is { } previous && b != previous)
            {
                limiter.OnSceneBatchEnd();
            }

            batch = b;
            limiter.OnScene(s);
        }

        if (batchMicros != 0)
        {
            limiter.OnSceneBatchEnd();
        }

        limiter.OnSessionStopped("s");
    }

    private static void AssertSpacedByAFrame(List<VrSceneState> forwarded)
    {
        // The last one may be the stop's flush of the pending state.
        for (int i = 1; i < forwarded.Count - 1; i++)
        {
            double gap = forwarded[i].DeviceMicros - (double)forwarded[i - 1].DeviceMicros;
            Assert.True(gap >= PeriodMicros, $"states {i - 1} and {i} {gap} µs apart");
        }

        double seconds = (forwarded[^1].DeviceMicros - (double)forwarded[0].DeviceMicros) / 1e6;
        Assert.True((forwarded.Count - 2) / seconds <= 60, $"{forwarded.Count} states in {seconds} s");
    }

    private sealed class RecordingSink : IVrSceneSink
    {
        public List<VrSceneState> States { get; } = [];

        public bool Started { get; private set; }

        public bool Stopped { get; private set; }

        public void OnSessionStarted(string sessionId, string protocol) => Started = true;

        public void OnScene(VrSceneState state) => States.Add(state);

        public void OnSessionStopped(string sessionId) => Stopped = true;
    }
}
