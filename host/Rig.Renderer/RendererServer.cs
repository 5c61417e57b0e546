using System;
using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Rig.Experiment.Vr;

namespace Rig.Renderer;

/// <summary>
/// Serves Rig's renderer page from inside the rig process (Kestrel): the page's files, embedded in this assembly, and
/// <c>/config.json</c> (rig id, MQTT-over-WebSockets URL and login, field of view, screens, photodiode patch). The page
/// itself talks to the broker, not to this server: it can be reloaded, or opened on several screens, at any time.
/// </summary>
public sealed class RendererServer : IAsyncDisposable
{
    private const string ResourcePrefix = "renderer/";

    private readonly RigWebServer _server;

    private RendererServer(RigWebServer server, RendererOptions options)
    {
        _server = server;
        Options = options;
    }

    public RendererOptions Options { get; }

    /// <summary>The page, e.g. <c>http://127.0.0.1:8090/</c> (with the port the OS picked when the options said 0).</summary>
    public Uri Url => _server.RendererUrl!;

    /// <summary>Paths of the files the page is made of (index.html, the scripts, the vendored three.js and mqtt.js).</summary>
    public static IReadOnlyCollection<string> Files => Assets.Value.Keys;

    private static Lazy<FrozenDictionary<string, byte[]>> Assets { get; } =
        new(() => EmbeddedFiles.Load(ResourcePrefix, "index.html", "vendor/three.module.js"));

    /// <summary>
    /// Starts serving the page alone at <c>/</c>; throws <see cref="ArgumentException"/> naming every bad option,
    /// <see cref="IOException"/> naming a port in use. Beside the console, <see cref="RigWebServer"/> serves it at <c>/vr/</c>.
    /// </summary>
    public static async Task<RendererServer> StartAsync(RendererOptions options, CancellationToken cancellationToken)
    {
        RendererOptionsValidator.ThrowIfInvalid(options);
        var server = await RigWebServer.StartAsync(new RigWebOptions { BindAddress = options.BindAddress, Port = options.Port, Renderer = options }, cancellationToken);
        return new RendererServer(server, options);
    }

    /// <summary>Maps the page's files and /config.json under <paramref name="prefix"/> ("" for the root, or e.g. "/vr").</summary>
    internal static void Map(WebApplication app, RendererOptions options, string prefix)
    {
        var config = ConfigJson(options);
        var assets = Assets.Value;
        if (prefix.Length > 0)
        {
            // The page's scripts are relative to it: /vr must end in a slash for main.js to resolve to /vr/main.js.
            app.MapGet(prefix, (HttpContext context) => { context.Response.Redirect(prefix + "/"); return Task.CompletedTask; });
        }

        app.MapGet(prefix + "/config.json", (HttpContext context) => EmbeddedFiles.WriteAsync(context, "application/json", config));
        app.MapGet(prefix + "/{**path}", (HttpContext context, string? path) =>
            EmbeddedFiles.ServeAsync(context, assets, string.IsNullOrEmpty(path) ? "index.html" : path, "renderer"));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>What the page reads at start (docs/vr.md, "The renderer").</summary>
    internal static byte[] ConfigJson(RendererOptions options)
    {
        var topics = new VrTopics(options.RigId);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("rig", options.RigId);
            w.WriteStartObject("mqtt");
            w.WriteString("url", options.MqttWebSocketUrl.ToString());
            w.WriteString("username", options.Credentials?.Username);
            w.WriteString("password", options.Credentials?.Password);
            w.WriteEndObject();
            w.WriteStartObject("topics");
            w.WriteString("scene", topics.Scene);
            w.WriteString("session", topics.Session);
            w.WriteString("frame", topics.Frame);
            w.WriteString("ping", VrClockResponder.PingTopicFor(options.RigId));
            w.WriteString("pong", VrClockResponder.PongTopicFor(options.RigId));
            w.WriteEndObject();
            w.WriteBoolean("report_frames", options.ReportFrames);
            w.WriteNumber("fov_deg", options.FieldOfViewDegrees);
            w.WriteNumber("screens", options.Screens);
            w.WriteStartObject("photodiode");
            w.WriteString("corner", options.PhotodiodeCorner switch
            {
                PhotodiodeCorner.TopLeft => "top-left",
                PhotodiodeCorner.TopRight => "top-right",
                PhotodiodeCorner.BottomLeft => "bottom-left",
                _ => "bottom-right",
            });
            w.WriteNumber("size_px", options.PhotodiodeSizePixels);
            w.WriteEndObject();
            w.WriteStartObject("corridor");
            w.WriteNumber("width_dm", options.CorridorWidthDm);
            w.WriteNumber("eye_height_dm", options.EyeHeightDm);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
