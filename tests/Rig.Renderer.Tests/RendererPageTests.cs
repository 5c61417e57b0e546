using System;
using System.Linq;
using System.Threading.Tasks;
using Rig.Recording.Journal;
using Rig.TestSupport;
using Xunit;

namespace Rig.Renderer.Tests;

/// <summary>The real page in Debian's Chromium (headless, SwiftShader WebGL) against the real broker, server and clock responder.</summary>
public sealed class RendererPageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_page_draws_the_published_scene_reports_every_frame_on_the_host_clock_and_flips_the_patch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await RendererHarness.StartAsync(null, ct);
        long hostBefore = JournalWriter.HostNanos(TimeProvider.System);
        var page = await h.OpenPageAsync(640, 360, Wait);

        h.Scene.OnSessionStarted("s1", "supervised-leaf1-circle1");
        h.Publish(5_000_000, 0, "leaf1", 12.5);
        await Eventually.WaitUntil(() => h.Frames().Any(f => f.TUs == 5_000_000), Wait, "a frame drawing the published scene", ct);

        // Two screenshots an odd number of frames apart would be ideal; the frame id in flight is not known to the test, so
        // screenshots are taken until both patch colours have been seen.
        var white = false;
        var black = false;
        var textured = false;
        for (int shot = 0; shot < 20 && !(white && black && textured); shot++)
        {
            var png = await page.ScreenshotAsync();
            var image = Png.Decode(png);
            Assert.Equal((640, 360), (image.Width, image.Height));
            var patch = image.Mean(640 - 64 + 8, 360 - 64 + 8, 48, 48);
            white |= patch.Min > 240 && patch.StdDev < 2;
            black |= patch.Max < 15 && patch.StdDev < 2;

            // The left wall, away from the status line and the patch: a texture varies, grey does not.
            var wall = image.Mean(10, 120, 120, 160);
            textured |= wall.StdDev > 20;
        }

        Assert.True(textured, "the left wall region shows no texture (flat colour)");
        Assert.True(white, "the photodiode patch was never white");
        Assert.True(black, "the photodiode patch was never black");

        long hostAfter = JournalWriter.HostNanos(TimeProvider.System);
        var frames = h.Frames();
        Assert.Equal(0, h.BadFrameMessages);
        Assert.True(frames.Count > 10, $"only {frames.Count} frames");
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(i, frames[i].Frame);
            Assert.Equal(frames[i].Frame % 2 == 0 ? 1 : 0, frames[i].Patch);
            Assert.InRange(frames[i].RenderNs, hostBefore, hostAfter);
            if (i > 0)
            {
                Assert.True(frames[i].RenderNs > frames[i - 1].RenderNs, $"render_ns not increasing at frame {i}");
            }

            // A frame cannot be drawn after the host received its message, up to the mapping's error: at most half the round
            // trip of the clock sample the page used, which the frame reports (on a loaded machine the first samples' round
            // trips run to several ms). 0.1 ms more for rounding and the clocks' ppm drift over the test.
            Assert.True(frames[i].ClockRttUs >= 0, $"frame {i} reports a negative clock round trip");
            long boundNs = frames[i].ClockRttUs * 1000 / 2 + 100_000;
            Assert.True(frames[i].RenderNs < frames[i].ReceivedHostNs + boundNs,
                $"frame {i} rendered {(frames[i].RenderNs - frames[i].ReceivedHostNs) / 1e6} ms after it was received (clock round trip {frames[i].ClockRttUs / 1e3} ms)");
        }

        var drawn = frames.First(f => f.TUs == 5_000_000);
        Assert.Equal(("leaf1", 0, 12.5), (drawn.Wall, drawn.Trial, drawn.PosDm));
        Assert.All(frames.TakeWhile(f => f.TUs is null), f => Assert.Equal(("", -1), (f.Wall, f.Trial)));
        Assert.Equal(0, h.Clock.Malformed);
        Assert.True(h.Clock.Answered > 0);
    }

    [Fact]
    public async Task Frames_keep_coming_while_the_pages_main_thread_is_blocked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await RendererHarness.StartAsync(null, ct);
        var page = await h.OpenPageAsync(320, 240, Wait);
        await Eventually.WaitUntil(() => h.Frames().Count > 5, Wait, "the first frames", ct);

        // The page's main thread is busy for 300 ms; the worker should draw on. The busy loop lies somewhere inside
        // [started, ended] on the host clock; with slack = (ended - started) - busy it surely covers
        // [started + slack, ended - slack], which is where frames are counted.
        var blocked = page.EvaluateAsync<double>("() => { const t0 = performance.now(); while (performance.now() - t0 < 300) {} return performance.now() - t0; }");
        long startedNs = JournalWriter.HostNanos(TimeProvider.System);
        var busyMs = await blocked;
        long endedNs = JournalWriter.HostNanos(TimeProvider.System);
        long slackNs = endedNs - startedNs - (long)(busyMs * 1e6);
        long fromNs = startedNs + slackNs, toNs = endedNs - slackNs;
        Assert.True(toNs - fromNs > 100_000_000, $"the block could not be placed on the host clock: {busyMs} ms busy, {slackNs / 1e6} ms of slack");
        await Eventually.WaitUntil(() => h.Frames().Any(f => f.RenderNs > endedNs), Wait, "a frame after the block", ct);

        // At 60 Hz a 100 ms window holds 6 frames; at least a third of that rate while the main thread is stalled.
        var during = h.Frames().Count(f => f.RenderNs > fromNs && f.RenderNs < toNs);
        double expected = (toNs - fromNs) / 1e9 * 60;
        Assert.True(during >= expected / 3, $"{during} frames rendered while the main thread was blocked ({(toNs - fromNs) / 1e6:0} ms window, {expected:0} at 60 Hz)");
    }
}
