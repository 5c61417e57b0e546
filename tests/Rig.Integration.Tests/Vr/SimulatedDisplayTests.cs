using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Tasks;
using Rig.Experiment.Vr;
using Rig.Firmware;
using Rig.Firmware.Hardware;
using Rig.Protocol;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.Peripherals;
using Rig.VirtualRig.World;
using Xunit;

namespace Rig.Integration.Tests.Vr;

/// <summary>The virtual rig's simulated display and renderer: photodiode flips against the ground truth of every frame.</summary>
public sealed class SimulatedDisplayTests
{
    private static readonly VirtualDisplayOptions Lossy = new() { Enabled = true, DropProbability = 0.05, RepeatProbability = 0.05 };

    [Fact]
    public void The_photodiode_edges_are_the_ground_truths_flips_alternating_with_none_for_a_dropped_frame()
    {
        var (frames, edges) = RunDisplayAlone(Lossy, seed: 4, seconds: 20);

        Assert.InRange(frames.Count, 1100, 1200);
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.FrameId));
        Assert.True(frames.Count(f => f.Outcome == SimulatedFrameOutcome.Dropped) > 20, "too few dropped frames to test");
        Assert.True(frames.Count(f => f.Outcome == SimulatedFrameOutcome.Repeated) > 20, "too few repeated frames to test");

        // Every edge the capture module saw is a flip of the ground truth, at its display time, with the frame's colour.
        var flips = frames.Where(f => f.Flipped).ToList();
        Assert.Equal(flips.Select(f => (f.DisplayDeviceMicros!.Value, f.PatchLevel)), edges);
        for (int i = 1; i < edges.Count; i++)
        {
            Assert.NotEqual(edges[i - 1].Level, edges[i].Level);
        }

        // A dropped frame shows nothing; a shown frame flips exactly when the last frame shown had the other colour.
        byte shownLevel = 0;
        foreach (var f in frames)
        {
            Assert.Equal(f.FrameId % 2 == 0 ? 1 : 0, f.PatchLevel);
            if (f.Outcome == SimulatedFrameOutcome.Dropped)
            {
                Assert.False(f.Flipped);
                Assert.Null(f.DisplayTrueMicros);
                continue;
            }

            Assert.Equal(f.PatchLevel != shownLevel, f.Flipped);
            shownLevel = f.PatchLevel;
        }

        // Frames are shown one refresh after their callback, a repeated one holds the next back a refresh, and the
        // photodiode sees a frame the display latency (5 ms ± 0.5 ms) after its refresh.
        double period = 1e6 / 60;
        for (int i = 1; i < frames.Count; i++)
        {
            double gap = frames[i].RenderTrueMicros - (double)frames[i - 1].RenderTrueMicros;
            double expected = frames[i - 1].Outcome == SimulatedFrameOutcome.Repeated ? 2 * period : period;
            Assert.InRange(gap, expected - 2002, expected + 2002);
        }

        Assert.All(frames.Where(f => f.DisplayTrueMicros is not null), f =>
            Assert.InRange((double)(f.DisplayTrueMicros!.Value - f.RenderTrueMicros), period - 3000 + 4500 - 2, period - 1000 + 5500 + 2));
    }

    [Fact]
    public void The_frame_schedule_is_the_same_for_a_seed_and_another_for_another_seed()
    {
        var a = RunDisplayAlone(Lossy, seed: 9, seconds: 5).Frames;
        var b = RunDisplayAlone(Lossy, seed: 9, seconds: 5).Frames;
        var c = RunDisplayAlone(Lossy, seed: 10, seconds: 5).Frames;
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(f => (f.RenderTrueMicros, f.Outcome)), c.Select(f => (f.RenderTrueMicros, f.Outcome)));
    }

    [Fact]
    public void The_renderer_draws_the_newest_scene_that_arrived_before_its_frame_began()
    {
        var (frames, _) = RunDisplayAlone(Lossy with { SceneLatencyMicros = 1000 }, seed: 2, seconds: 3);

        // Scenes are given every 20 ms (a device batch) carrying the device time of their last sample, 1 ms before.
        Assert.All(frames.Where(f => f.SceneDeviceMicros is not null), f =>
        {
            // The callback ran 1 to 3 ms before the frame's render time; the newest scene had arrived (1 ms after it was
            // given) before it, and the next one had not.
            long earliestCallback = (long)f.RenderTrueMicros - 3001;
            Assert.InRange(earliestCallback - (long)f.SceneDeviceMicros!.Value, 0, 22_000);
        });
        Assert.True(frames.Count(f => f.SceneDeviceMicros is null) <= 2, "frames drew no scene long after the first one was given");
    }

    [Fact]
    public void Bad_display_settings_are_refused_with_an_error_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new VirtualDisplayOptions { RefreshHz = 0 }.Validate());
        Assert.Equal("RefreshHz", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new VirtualDisplayOptions { DropProbability = 0.7, RepeatProbability = 0.7 }.Validate());
        Assert.Equal("RepeatProbability", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new VirtualDisplayOptions { RenderMicros = 20_000 }.Validate());
        Assert.Contains("refresh period", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_virtual_protocol_session_over_busy_wifi_journals_a_photodiode_flip_for_every_flip_of_the_simulated_display()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        const string rig = "vr";

        // A renderer's view of the broker: every frame message the simulated renderer publishes.
        await using var watcher = links.Create(new LinkOptions { ClientId = "watcher" });
        await watcher.ConnectAsync(ct);
        await watcher.SubscribeAsync(new VrTopics(rig).Frame, ct);
        var messages = new ConcurrentQueue<JsonElement>();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = Task.Run(async () =>
        {
            await foreach (var m in watcher.Messages.ReadAllAsync(stopWatching.Token))
            {
                messages.Enqueue(JsonDocument.Parse(m.Payload).RootElement.Clone());
            }
        }, ct);

        var world = VirtualWorld.FromFile(RepositoryRoot.Combine("host", "Rig.VirtualRig", "Scenarios", "busy-wifi.json"), lossOnlyWhileRunning: true);
        var protocol = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"));
        var options = new VirtualRigOptions
        {
            RigId = rig, Seed = 6, Speed = 20, World = world, Mouse = VirtualTaskSession.TaskMouse,
            Display = new VirtualDisplayOptions { Enabled = true, DropProbability = 0.01, RepeatProbability = 0.01 },
        };
        var wall = Stopwatch.StartNew();
        var outcome = await VirtualTaskSession.RunAsync(links, options, new BridgeOptions { AckInterval = TimeSpan.FromMilliseconds(20) },
            dir.Combine("session"), TimeSpan.FromMinutes(1), new SessionStartInfo("inmemory", "tests"), new VirtualHostTime(), NullLogger.Instance,
            new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" }, new LearningOptions()),
            null, ct);
        var recording = outcome.Recording;
        var display = recording.Device.Display!;
        TestContext.Current.TestOutputHelper?.WriteLine($"{display.Describe()}; wall {wall.Elapsed.TotalSeconds:F1} s");
        Assert.True(recording.Complete, "the session is incomplete");
        var frames = display.Frames;

        // 60 Hz of virtual time for about a minute, each frame message published once and in order.
        Assert.InRange(frames.Count, 3300, 3620);
        Assert.Equal(frames.Count, display.MessagesPublished);
        Assert.Equal(0, display.MessagesDropped + display.PublishFailures);
        await WaitUntil(() => messages.Count >= frames.Count, TimeSpan.FromSeconds(30));
        await stopWatching.CancelAsync();
        await watching.ContinueWith(_ => { }, TaskScheduler.Default);
        var received = messages.ToArray();
        Assert.Equal(frames.Count, received.Length);
        for (int i = 0; i < received.Length; i++)
        {
            var m = received[i];
            var truth = frames[i];
            Assert.Equal(i, m.GetProperty("frame").GetInt64());
            Assert.Equal(truth.RenderHostNanos, m.GetProperty("render_ns").GetInt64());

            // The bridge's clock is the simulation's true time here (VirtualHostTime): render_ns is the true submit time.
            Assert.Equal((long)truth.RenderTrueMicros * 1000, truth.RenderHostNanos);
            Assert.Equal(truth.PatchLevel, m.GetProperty("patch").GetInt32());
            var tUs = m.GetProperty("t_us");
            Assert.Equal(truth.SceneDeviceMicros, tUs.ValueKind == JsonValueKind.Null ? (ulong?)null : tUs.GetUInt64());
        }

        // The renderer drew the task's corridors: every trial the engine started shows up in the frames.
        var drawnTrials = received.Select(m => m.GetProperty("trial").GetInt32()).Where(t => t >= 0).Distinct().Count();
        Assert.True(drawnTrials >= outcome.Tables.Trials.Count - 1, $"{drawnTrials} trials drawn of {outcome.Tables.Trials.Count}");

        // The journal's photodiode events on channel 0 are the display's flips: same device time, same level; every flip
        // up to the last frame rendered is on the record (a frame shown after the run ended may not be).
        var sink = new PhotodiodeSink();
        SessionFolder.Open(recording.Session.Folder).Replay(sink);
        var truthFlips = frames.Where(f => f.Flipped).Select(f => (f.DisplayDeviceMicros!.Value, f.PatchLevel)).ToList();
        ulong lastRender = frames[^1].RenderTrueMicros;
        int flipsInRun = frames.Count(f => f.Flipped && f.DisplayTrueMicros <= lastRender);
        var journaled = sink.Edges.Order().ToList();
        Assert.Equal(journaled.Count, journaled.Distinct().Count());
        Assert.Equal(truthFlips.Take(journaled.Count), journaled);
        Assert.InRange(journaled.Count, flipsInRun, truthFlips.Count);
        Assert.Equal(0, sink.OtherChannels);

        // Dropped frames left no flip; with 1 % drops a minute has some, and a shown frame after a dropped one had the colour
        // already on screen half the time (no flip either: unobservable).
        Assert.True(display.Dropped > 5, $"{display.Dropped} dropped");
        Assert.Equal(display.Flips, truthFlips.Count);
        Assert.True(display.Flips < display.Shown, "a dropped frame always leaves one shown frame with no visible change");

        // Motion to photon on the ground truth (reported, not a budget): from the device time of the encoder sample a frame
        // drew to its flip, for the first frame that drew each sample (a still wheel leaves the newest sample old).
        var mtp = frames.Where((f, i) => f.Flipped && f.SceneDeviceMicros is not null && (i == 0 || frames[i - 1].SceneDeviceMicros != f.SceneDeviceMicros))
            .Select(f => (f.DisplayDeviceMicros!.Value - (double)f.SceneDeviceMicros!.Value) / 1000).Order().ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"simulated motion to photon: median {mtp[mtp.Length / 2]:F1} ms, p99 {mtp[(int)(mtp.Length * 0.99)]:F1} ms, max {mtp[^1]:F1} ms over {mtp.Length} flips");
    }

    [Fact]
    public async Task An_external_renderers_frame_messages_flip_the_photodiode_at_the_next_refresh_plus_the_display_latency()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        const string rig = "ext";
        var options = new VirtualRigOptions
        {
            RigId = rig, Seed = 3, Speed = 1, DrainTimeout = TimeSpan.Zero, MouseConnected = false,
            Display = new VirtualDisplayOptions { Enabled = true, Source = SimulatedFrameSource.External },
        };
        await using var sim = await Rig.VirtualRig.VirtualRig.ConnectAsync(links, options, ct);
        var hook = new EventHook(rig);
        sim.Hook = hook;
        var running = new FirstProgress();

        // A renderer outside the simulation: 60 frames at its own 60 Hz, on the contract's topic.
        await using var renderer = links.Create(new LinkOptions { ClientId = "renderer" });
        await renderer.ConnectAsync(ct);
        var rendering = Task.Run(async () =>
        {
            await running.Started;
            using var frameClock = new PeriodicTimer(TimeSpan.FromMilliseconds(1000.0 / 60));
            for (int id = 0; id < 60 && await frameClock.WaitForNextTickAsync(ct); id++)
            {
                byte[] payload = FrameMessage.Write(id, JournalWriter.HostNanos(TimeProvider.System), null, id % 2 == 0 ? (byte)1 : (byte)0);
                await renderer.PublishAsync(new VrTopics(rig).Frame, payload, retain: false, ct);
            }

            await renderer.PublishAsync(new VrTopics(rig).Frame, "not a frame"u8.ToArray(), retain: false, ct);
        }, ct);

        var result = await sim.RunAsync(TimeSpan.FromSeconds(2.5), running, ct);
        await rendering;
        var display = result.Display!;
        Assert.Equal(SimulatedFrameSource.External, display.Source);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), display.Frames.Select(f => f.FrameId));
        Assert.Equal(1, display.MalformedMessages);
        Assert.Equal(60, display.Shown + display.Dropped);
        Assert.True(display.Shown >= 30, $"{display.Shown} of 60 shown: the renderer's frames should mostly land in refreshes of their own");

        // Each shown frame appears at the first refresh at or after its receipt, the display latency later.
        Assert.All(display.Frames.Where(f => f.DisplayTrueMicros is not null), f =>
            Assert.InRange(f.DisplayTrueMicros!.Value - f.RenderTrueMicros, 4500ul, 4500ul + 16_667 + 1000 + 1));
        var truthFlips = display.Frames.Where(f => f.Flipped).Select(f => (f.DisplayDeviceMicros!.Value, f.PatchLevel)).ToList();
        Assert.Equal(truthFlips, hook.Sink.Edges);
        Assert.True(truthFlips.Count >= 20, $"{truthFlips.Count} flips");
    }

    [Fact]
    public async Task With_a_host_mapping_an_external_renderers_frames_show_at_the_first_refresh_after_their_render_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        const string rig = "ext";
        var options = new VirtualRigOptions
        {
            RigId = rig, Seed = 4, Speed = 1, DrainTimeout = TimeSpan.Zero, MouseConnected = false,
            Display = new VirtualDisplayOptions { Enabled = true, Source = SimulatedFrameSource.External },
        };
        await using var sim = await Rig.VirtualRig.VirtualRig.ConnectAsync(links, options, ct);
        var display = sim.Display!;
        var mapping = PacedHostMapping.StartingNow(sim.Clock, TimeProvider.System, 1);
        display.UseHostMapping(mapping);
        var running = new FirstProgress();

        // A renderer whose messages take 3 ms to arrive (render_ns 3 ms before the publish), then one stamped 5 s in the future.
        await using var renderer = links.Create(new LinkOptions { ClientId = "renderer" });
        await renderer.ConnectAsync(ct);
        var rendering = Task.Run(async () =>
        {
            await running.Started;
            using var frameClock = new PeriodicTimer(TimeSpan.FromMilliseconds(1000.0 / 60));
            for (int id = 0; id < 60 && await frameClock.WaitForNextTickAsync(ct); id++)
            {
                byte[] payload = FrameMessage.Write(id, JournalWriter.HostNanos(TimeProvider.System) - 3_000_000, null, id % 2 == 0 ? (byte)1 : (byte)0);
                await renderer.PublishAsync(new VrTopics(rig).Frame, payload, retain: false, ct);
            }

            byte[] future = FrameMessage.Write(60, JournalWriter.HostNanos(TimeProvider.System) + 5_000_000_000, null, 1);
            await renderer.PublishAsync(new VrTopics(rig).Frame, future, retain: false, ct);
        }, ct);

        var result = (await sim.RunAsync(TimeSpan.FromSeconds(2.5), running, ct)).Display!;
        await rendering;
        Assert.Equal(Enumerable.Range(0, 61).Select(i => (long)i), result.Frames.Select(f => f.FrameId));
        Assert.Equal(1, result.UnplacedFrames);

        // Placed by render_ns through the mapping; shown at the first refresh at or after it unless it arrived after that
        // refresh was decided (late: at the next one).
        var placed = result.Frames.Take(60).ToList();
        Assert.All(placed, f => Assert.Equal((ulong)Math.Round(mapping.TrueMicros(f.RenderHostNanos)), f.RenderTrueMicros));
        var shown = placed.Where(f => f.Outcome != SimulatedFrameOutcome.Dropped).ToList();
        Assert.True(shown.Count >= 30, $"{shown.Count} of 60 shown");
        Assert.All(shown, f => Assert.InRange(f.DisplayTrueMicros!.Value - display.RefreshMicros(f.RefreshIndex), 4500ul, 5500ul));
        int atTheirRefresh = shown.Count(f => f.RefreshIndex == display.RefreshAtOrAfter(f.RenderTrueMicros));
        Assert.True(atTheirRefresh + result.LateFrames >= shown.Count, $"{atTheirRefresh} of {shown.Count} shown at their refresh, {result.LateFrames} late");
        Assert.True(atTheirRefresh >= shown.Count * 3 / 4, $"only {atTheirRefresh} of {shown.Count} shown at the refresh after their render time");
    }

    /// <summary>A display and its renderer on a capture module alone, given a scene every 20 ms as a device batch would.</summary>
    private static (List<SimulatedFrame> Frames, List<(ulong DeviceMicros, byte Level)> Edges) RunDisplayAlone(VirtualDisplayOptions options, int seed, double seconds)
    {
        var clock = new VirtualClock(1_000_000);
        var capture = new SimCaptureSource(clock, new SimCaptureOptions(), 500_000);
        var display = new SimDisplay(options, "r", clock, DeviceTimeline.Identity, seed, link: null);
        capture.AddInput(display);
        capture.Start();
        var renderer = display.Renderer!;
        var edges = new List<(ulong, byte)>();
        var buffer = new CaptureRecord[256];
        void Drain()
        {
            int n;
            while ((n = capture.Drain(buffer)) > 0)
            {
                edges.AddRange(buffer.Take(n).Where(r => r.Line == CaptureLine.Photodiode).Select(r => (r.DeviceMicros, r.Level)));
            }
        }

        ulong start = clock.NowMicros;
        ulong end = start + (ulong)(seconds * 1e6);
        for (ulong t = start; t <= end + 100_000; t += 1000)
        {
            clock.AdvanceTo(t);
            Drain();
            if (t == start)
            {
                renderer.OnSessionStarted("s", "p");
            }

            if (t < end && (t - start) % 20_000 == 19_000)
            {
                renderer.OnScene(new VrSceneState(t - 1000, 0, "leaf1", (t - start) / 1e5, false, false, 10, 3));
            }

            if (t == end)
            {
                renderer.OnSessionStopped("s");
            }
        }

        return (display.Snapshot().Frames.ToList(), edges);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var wall = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(wall.Elapsed < timeout, "timed out waiting for the frame messages");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private sealed class PhotodiodeSink : IEventSink
    {
        public List<(ulong DeviceMicros, byte Level)> Edges { get; } = [];

        public int OtherChannels { get; private set; }

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
            foreach (var r in records)
            {
                if (r.Kind == EventKind.Photodiode)
                {
                    if (r.Channel == 0)
                    {
                        Edges.Add((r.DeviceMicros, (byte)r.Value));
                    }
                    else
                    {
                        OtherChannels++;
                    }
                }
            }
        }
    }

    /// <summary>Reads the device's event batches as it publishes them (no bridge needed).</summary>
    private sealed class EventHook : IVirtualRigHook
    {
        private readonly SessionDecoder _decoder;

        public EventHook(string rigId) => _decoder = new SessionDecoder(rigId, Sink);

        public PhotodiodeSink Sink { get; } = new();

        public void OnPublished(TopicKind topic, byte[] payload)
        {
            if (topic == TopicKind.Events)
            {
                _decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Events, 0, payload));
            }
        }

        public void OnTick(ulong deviceNowMicros, RigDevice device)
        {
        }

        public void OnRunEnd(ulong deviceNowMicros, RigDevice device)
        {
        }
    }

    /// <summary>Completes when the run reports progress the first time: its virtual clock is then ticking.</summary>
    private sealed class FirstProgress : IProgress<VirtualRigProgress>
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public void Report(VirtualRigProgress value) => _started.TrySetResult();
    }
}
