using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Rig.Experiment.Vr;
using Rig.Recording.Broker;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Renderer;

namespace Rig.Bench;

/// <summary>
/// <c>Rig.Bench renderer [--seconds S] [--size WxH] [--screens N]</c>: the real renderer page in headless Debian Chromium
/// (software WebGL: SwiftShader) against the embedded broker (WebSockets), the renderer server and the clock responder,
/// fed 60 scene states a second as the bridge publishes them. Prints the frame rate the page sustains and the
/// scene-published → frame-message-received latency through the broker (each scene's device time comes back in the
/// first frame that drew it).
/// </summary>
public static class RendererBench
{
    private const string RigId = "bench";

    /// <summary>The scene rate the bridge publishes at most (one state per display frame at 60 Hz; issue 15).</summary>
    private static readonly TimeSpan ScenePeriod = TimeSpan.FromSeconds(1.0 / 60);

    public static async Task<int> RunAsync(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        double seconds = 20;
        int width = 1280, height = 720, screens = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length:
                    seconds = double.Parse(args[++i], c);
                    break;
                case "--size" when i + 1 < args.Length:
                    var wh = args[++i].Split('x');
                    (width, height) = (int.Parse(wh[0], c), int.Parse(wh[1], c));
                    break;
                case "--screens" when i + 1 < args.Length:
                    screens = int.Parse(args[++i], c);
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}': Rig.Bench renderer [--seconds S] [--size WxH] [--screens N]");
                    return 2;
            }
        }

        var ct = CancellationToken.None;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, WebSocketPort = 0 }, ct);
        await using var server = await RendererServer.StartAsync(new RendererOptions
        {
            RigId = RigId, MqttWebSocketUrl = broker.WebSocketUrl!, Port = 0, Screens = screens,
        }, ct);
        var links = new MqttLinkFactory(broker.Address);
        await using var clockLink = links.Create(new LinkOptions { ClientId = "clock" });
        await clockLink.ConnectAsync(ct);
        await using var clock = new VrClockResponder(clockLink, RigId, TimeProvider.System, NullLogger.Instance);
        await clock.StartAsync(ct);
        await using var frameLink = links.Create(new LinkOptions { ClientId = "frames" });
        await frameLink.ConnectAsync(ct);
        await frameLink.SubscribeAsync(new VrTopics(RigId).Frame, ct);
        await using var sceneLink = links.Create(new LinkOptions { ClientId = "scene" });
        await sceneLink.ConnectAsync(ct);
        await using var sink = new MqttVrSceneSink(sceneLink, new VrSinkOptions { RigId = RigId, Corridor = new VrCorridor(40, 20, ["leaf1", "circle1"]) }, NullLogger.Instance);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        await page.GotoAsync(server.Url.ToString());
        await page.WaitForFunctionAsync("() => window.rigRenderer && (window.rigRenderer.ready || window.rigRenderer.error)", null,
            new PageWaitForFunctionOptions { Timeout = 60_000 });
        var status = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.rigRenderer)")).RootElement;
        if (status.GetProperty("error").ValueKind != JsonValueKind.Null)
        {
            Console.Error.WriteLine("the page reported an error: " + status.GetProperty("error"));
            return 1;
        }

        // Collect frames; publish scenes at 60 Hz with a fresh device time each, remembering when each went out.
        var frames = new List<(long Frame, long RenderNs, long TUs, long ReceivedNs)>();
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(async () =>
        {
            try
            {
                await foreach (var m in frameLink.Messages.ReadAllAsync(stop.Token))
                {
                    long received = JournalWriter.HostNanos(TimeProvider.System);
                    var j = JsonDocument.Parse(m.Payload).RootElement;
                    var t = j.GetProperty("t_us");
                    frames.Add((j.GetProperty("frame").GetInt64(), j.GetProperty("render_ns").GetInt64(),
                        t.ValueKind == JsonValueKind.Null ? -1 : t.GetInt64(), received));
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Done.
            }
        }, CancellationToken.None);

        sink.OnSessionStarted("bench", "bench");
        var published = new Dictionary<long, long>();
        using var timer = new PeriodicTimer(ScenePeriod);
        var run = Stopwatch.StartNew();
        long tUs = 1_000_000;
        while (run.Elapsed.TotalSeconds < seconds && await timer.WaitForNextTickAsync(ct))
        {
            tUs += 16_667;
            double pos = tUs / 1e6 * 6 % 60; // 60 cm/s through a 40 + 20 dm corridor
            published[tUs] = JournalWriter.HostNanos(TimeProvider.System);
            sink.OnScene(new VrSceneState((ulong)tUs, 0, "leaf1", pos, pos >= 40, false, 60, 10));
        }

        // Let the last frames arrive, then stop collecting.
        await Task.Delay(500, ct);
        await stop.CancelAsync();
        await collector;

        var inRun = frames.Where(f => published.ContainsKey(f.TUs)).ToList();
        var ids = frames.Select(f => f.Frame).ToList();
        bool consecutive = ids.Zip(ids.Skip(1)).All(p => p.Second == p.First + 1);
        double spanS = (inRun[^1].RenderNs - inRun[0].RenderNs) / 1e9;
        var intervalsMs = inRun.Zip(inRun.Skip(1)).Select(p => (p.Second.RenderNs - p.First.RenderNs) / 1e6).Order().ToArray();
        var firstDraw = inRun.GroupBy(f => f.TUs).Select(g => g.OrderBy(f => f.Frame).First()).ToList();
        var latencyMs = firstDraw.Select(f => (f.ReceivedNs - published[f.TUs]) / 1e6).Order().ToArray();
        var toRenderMs = firstDraw.Select(f => (f.RenderNs - published[f.TUs]) / 1e6).Order().ToArray();
        var renderToHostMs = firstDraw.Select(f => (f.ReceivedNs - f.RenderNs) / 1e6).Order().ToArray();

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Cpu()}, {Chromium()}, WebGL: {status.GetProperty("gl")}");
        Console.WriteLine(string.Create(c, $"page {width}x{height}, {screens} screen(s), {seconds:0} s of scene states at 60 Hz ({published.Count} published)"));
        Console.WriteLine(string.Create(c, $"frames: {inRun.Count} in {spanS:0.00} s = {inRun.Count / spanS:0.0} fps; frame ids consecutive: {consecutive}; " +
            $"frame interval median {P(intervalsMs, 50):0.0} ms, p99 {P(intervalsMs, 99):0.0} ms, max {intervalsMs[^1]:0.0} ms; intervals > 25 ms: {intervalsMs.Count(x => x > 25)}"));
        Console.WriteLine(string.Create(c, $"scene states drawn: {firstDraw.Count} of {published.Count} (the rest were superseded before a frame)"));
        Console.WriteLine(string.Create(c, $"scene published → frame message received: median {P(latencyMs, 50):0.0} ms, p99 {P(latencyMs, 99):0.0} ms, max {latencyMs[^1]:0.0} ms"));
        Console.WriteLine(string.Create(c, $"  of which published → rendered (page clock mapped to host): median {P(toRenderMs, 50):0.0} ms, p99 {P(toRenderMs, 99):0.0} ms; " +
            $"rendered → received: median {P(renderToHostMs, 50):0.0} ms, p99 {P(renderToHostMs, 99):0.0} ms"));
        Console.WriteLine(string.Create(c, $"clock pings answered: {clock.Answered}; best round trip in the page: {status.GetProperty("rttMs")} ms at start; broker drops: {broker.DroppedMessages}; scene sink drops: {sink.Dropped}"));
        return 0;
    }

    private static double P(double[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Cpu()
    {
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? "CPU unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string Chromium()
    {
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/chromium", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string version = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return version;
    }
}
