using System;
using System.Collections.Generic;
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

namespace Rig.Renderer.Tests;

/// <summary>A frame message as the host received it.</summary>
public sealed record ReceivedFrame(long Frame, long RenderNs, ulong? TUs, double? PosDm, string Wall, int Trial, int Patch, long ReceivedHostNs, long ClockRttUs);

/// <summary>
/// What the rig process runs for the renderer, all real: the embedded broker with its WebSocket listener, the
/// <see cref="RendererServer"/>, the <see cref="VrClockResponder"/>, the scene sink the task engine publishes through,
/// and a subscriber collecting the page's frame messages. Plus headless Debian Chromium (Playwright) on software GL.
/// </summary>
public sealed class RendererHarness : IAsyncDisposable
{
    public const string RigId = "r1";

    /// <summary>The Debian package's browser; Playwright's own browser download cannot work here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    // SwiftShader through ANGLE: WebGL without a GPU. Chromium refuses software WebGL unless told it is wanted.
    private static readonly string[] ChromiumArgs = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];

    private readonly List<ReceivedFrame> _frames = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _collector;

    private RendererHarness()
    {
    }

    public EmbeddedBroker Broker { get; private set; } = null!;

    public RendererServer Server { get; private set; } = null!;

    public VrClockResponder Clock { get; private set; } = null!;

    public MqttVrSceneSink Scene { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public long BadFrameMessages { get; private set; }

    private IRigLink ClockLink { get; set; } = null!;

    private IRigLink SceneLink { get; set; } = null!;

    private IRigLink FrameLink { get; set; } = null!;

    public static async Task<RendererHarness> StartAsync(RendererOptions? renderer, CancellationToken ct)
    {
        var h = new RendererHarness();
        try
        {
            h.Broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, WebSocketPort = 0 }, ct);
            h.Server = await RendererServer.StartAsync((renderer ?? new RendererOptions { RigId = RigId, MqttWebSocketUrl = h.Broker.WebSocketUrl! })
                with { Port = 0, MqttWebSocketUrl = h.Broker.WebSocketUrl! }, ct);
            var links = new MqttLinkFactory(h.Broker.Address);
            h.ClockLink = links.Create(new LinkOptions { ClientId = "clock" });
            await h.ClockLink.ConnectAsync(ct);
            h.Clock = new VrClockResponder(h.ClockLink, RigId, TimeProvider.System, NullLogger.Instance);
            await h.Clock.StartAsync(ct);
            h.FrameLink = links.Create(new LinkOptions { ClientId = "frames" });
            await h.FrameLink.ConnectAsync(ct);
            await h.FrameLink.SubscribeAsync(new VrTopics(RigId).Frame, ct);
            h._collector = Task.Run(h.CollectAsync, CancellationToken.None);
            h.SceneLink = links.Create(new LinkOptions { ClientId = "scene" });
            await h.SceneLink.ConnectAsync(ct);
            h.Scene = new MqttVrSceneSink(h.SceneLink, new VrSinkOptions
            {
                RigId = RigId,
                Corridor = new VrCorridor(40, 20, ["leaf1", "circle1"]),
            }, NullLogger.Instance);
            h.Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            h.Browser = await h.Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Args = ChromiumArgs });
            return h;
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the page at <paramref name="width"/> × <paramref name="height"/> and waits until it reports it is drawing.</summary>
    public async Task<IPage> OpenPageAsync(int width, int height, TimeSpan timeout)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var console = new List<string>();
        page.Console += (_, m) => { lock (console) { console.Add($"{m.Type}: {m.Text}"); } };
        page.PageError += (_, e) => { lock (console) { console.Add("page error: " + e); } };
        await page.GotoAsync(Server.Url.ToString());
        try
        {
            await page.WaitForFunctionAsync("() => window.rigRenderer && (window.rigRenderer.ready || window.rigRenderer.error)", null,
                new PageWaitForFunctionOptions { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 50 });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"the page did not report ready: {await StatusAsync(page)}; console: {string.Join(" | ", Snapshot(console))}", e);
        }

        var error = await page.EvaluateAsync<string?>("() => window.rigRenderer.error");
        if (error is not null)
        {
            throw new InvalidOperationException($"the page reported an error: {error}; console: {string.Join(" | ", Snapshot(console))}");
        }

        return page;
    }

    public static Task<string> StatusAsync(IPage page) => page.EvaluateAsync<string>("() => JSON.stringify(window.rigRenderer)");

    public IReadOnlyList<ReceivedFrame> Frames()
    {
        lock (_frames)
        {
            return _frames.ToList();
        }
    }

    /// <summary>Publishes a scene state as the task engine would, stamped with <paramref name="deviceMicros"/>.</summary>
    public void Publish(ulong deviceMicros, int trial, string wall, double positionDm) =>
        Scene.OnScene(new VrSceneState(deviceMicros, trial, wall, positionDm, InGray: positionDm >= 40, CueActive: false, 30, 10));

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
        if (Scene is not null)
        {
            await Scene.DisposeAsync();
        }

        await _stop.CancelAsync();
        if (_collector is not null)
        {
            await _collector;
        }

        if (Clock is not null)
        {
            await Clock.DisposeAsync();
        }

        foreach (var link in new[] { SceneLink, FrameLink, ClockLink })
        {
            if (link is not null)
            {
                await link.DisposeAsync();
            }
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        _stop.Dispose();
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return lines.ToList();
        }
    }

    private async Task CollectAsync()
    {
        try
        {
            await foreach (var m in FrameLink.Messages.ReadAllAsync(_stop.Token))
            {
                long received = JournalWriter.HostNanos(TimeProvider.System);
                try
                {
                    var j = JsonDocument.Parse(m.Payload).RootElement;
                    var frame = new ReceivedFrame(j.GetProperty("frame").GetInt64(), j.GetProperty("render_ns").GetInt64(),
                        j.GetProperty("t_us").ValueKind == JsonValueKind.Null ? null : j.GetProperty("t_us").GetUInt64(),
                        j.GetProperty("pos_dm").ValueKind == JsonValueKind.Null ? null : j.GetProperty("pos_dm").GetDouble(),
                        j.GetProperty("wall").GetString()!, j.GetProperty("trial").GetInt32(), j.GetProperty("patch").GetInt32(), received,
                        j.GetProperty("clock_rtt_us").GetInt64());
                    lock (_frames)
                    {
                        _frames.Add(frame);
                    }
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    BadFrameMessages++;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }
}
