using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Experiment.Tasks;
using Rig.Experiment.Vr;
using Rig.Recording.Link;
using Rig.Renderer;

namespace Rig.Cli.Commands;

/// <summary>Who draws the frames of record in `rig demo` (docs/vr.md, "rig demo").</summary>
internal enum DemoFrameSource
{
    /// <summary>The virtual rig's simulated renderer and display; the page, if opened, is a viewer.</summary>
    Simulated,

    /// <summary>The page in a browser is the renderer: its frames are journaled and flip the simulated photodiode (speed 1 only).</summary>
    Page,
}

/// <summary>
/// The VR side of `rig demo`: the renderer page served by this process, the clock responder the page needs, and the scene
/// published for it, all on the embedded broker (its WebSocket listener for the page). Disposed in reverse order.
/// </summary>
internal sealed class DemoRenderer : IAsyncDisposable
{
    private readonly IRigLink _sceneLink;
    private readonly IRigLink _clockLink;
    private readonly VrClockResponder _clock;

    private DemoRenderer(RigWebServer server, IRigLink sceneLink, MqttVrSceneSink scene, IRigLink clockLink, VrClockResponder clock, bool portMoved)
    {
        Server = server;
        _sceneLink = sceneLink;
        Scene = scene;
        _clockLink = clockLink;
        _clock = clock;
        PortMoved = portMoved;
    }

    /// <summary>The process's web host: the renderer page at /vr/ and the web console at / (one port).</summary>
    public RigWebServer Server { get; }

    /// <summary>The renderer page.</summary>
    public Uri PageUrl => Server.RendererUrl!;

    /// <summary>The scene for the page (rate-limited to the display by the virtual session's fan-out).</summary>
    public MqttVrSceneSink Scene { get; }

    /// <summary>The requested port was in use, so the page is served on a free one (the URL says which).</summary>
    public bool PortMoved { get; }

    /// <param name="webSocketUrl">The embedded broker's WebSocket listener.</param>
    /// <param name="hostTime">The bridge's host clock: the page's frame times must be on it.</param>
    /// <param name="web">Where the web host listens and the console it serves beside the page.</param>
    public static async Task<DemoRenderer> StartAsync(ILinkFactory links, Uri webSocketUrl, string rigId, TaskProtocol protocol, RigWebOptions web,
        DemoFrameSource source, TimeProvider hostTime, ILogger logger, CancellationToken cancellationToken)
    {
        var options = new RendererOptions { RigId = rigId, MqttWebSocketUrl = webSocketUrl, ReportFrames = source == DemoFrameSource.Page };
        var (server, moved) = await ConsoleCli.StartWebAsync(web with { Renderer = options }, cancellationToken);

        IRigLink? sceneLink = null;
        IRigLink? clockLink = null;
        try
        {
            sceneLink = links.Create(new LinkOptions { ClientId = "vr-scene-" + rigId });
            await sceneLink.ConnectAsync(cancellationToken);
            var scene = new MqttVrSceneSink(sceneLink, new VrSinkOptions { RigId = rigId, Corridor = VrCorridor.From(protocol) }, logger);

            // The responder reads every message of its link, so it has one of its own.
            clockLink = links.Create(new LinkOptions { ClientId = "vr-clock-" + rigId });
            await clockLink.ConnectAsync(cancellationToken);
            var clock = new VrClockResponder(clockLink, rigId, hostTime, logger);
            await clock.StartAsync(cancellationToken);
            return new DemoRenderer(server, sceneLink, scene, clockLink, clock, moved);
        }
        catch
        {
            // Started parts are released before the error is reported (no half-started renderer left listening).
            if (clockLink is not null)
            {
                await clockLink.DisposeAsync();
            }

            if (sceneLink is not null)
            {
                await sceneLink.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Scene.DisposeAsync();
        await _clock.DisposeAsync();
        await _clockLink.DisposeAsync();
        await _sceneLink.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>A `rig demo` option combination that cannot work (exit code 2, usage).</summary>
internal sealed class DemoUsageException(string message) : Exception(message);
