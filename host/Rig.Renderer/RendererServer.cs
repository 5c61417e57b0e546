using System;
using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

    /// <summary>How long a stop waits for requests in flight; the page holds none open (its MQTT goes to the broker). Our choice.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly WebApplication _app;
    private int _disposed;

    private RendererServer(WebApplication app, RendererOptions options, Uri url)
    {
        _app = app;
        Options = options;
        Url = url;
    }

    public RendererOptions Options { get; }

    /// <summary>The page, e.g. <c>http://127.0.0.1:8090/</c> (with the port the OS picked when the options said 0).</summary>
    public Uri Url { get; }

    /// <summary>Paths of the files the page is made of (index.html, the scripts, the vendored three.js and mqtt.js).</summary>
    public static IReadOnlyCollection<string> Files => Assets.Value.Keys;

    private static Lazy<FrozenDictionary<string, byte[]>> Assets { get; } = new(LoadAssets);

    /// <summary>Starts serving; throws <see cref="ArgumentException"/> naming every bad option, <see cref="IOException"/> naming a port in use.</summary>
    public static async Task<RendererServer> StartAsync(RendererOptions options, CancellationToken cancellationToken)
    {
        RendererOptionsValidator.ThrowIfInvalid(options);
        var config = ConfigJson(options);
        var assets = Assets.Value;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.BindAddress, options.Port));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            // Cross-origin isolation gives the page's clocks 5 µs resolution instead of 100 µs (Chromium's coarsening of
            // performance.now()); the page loads nothing from other origins, and WebSockets are not subject to COEP.
            context.Response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
            context.Response.Headers["Cross-Origin-Embedder-Policy"] = "require-corp";
            context.Response.Headers.CacheControl = "no-store";
            await next(context);
        });
        app.MapGet("/config.json", (HttpContext context) => WriteAsync(context, "application/json", config));
        app.MapGet("/{**path}", (HttpContext context, string? path) =>
        {
            var name = string.IsNullOrEmpty(path) ? "index.html" : path;
            if (!assets.TryGetValue(name, out var bytes))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return context.Response.WriteAsync($"no renderer file '{name}'");
            }

            return WriteAsync(context, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"), bytes);
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new IOException($"cannot serve the renderer page on {options.BindAddress} port {options.Port}: {ex.Message} " +
                "(is another rig process serving it?); choose another port, or 0 for a free one", ex);
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting the address it listens on");
        var connectTo = options.BindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : options.BindAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : options.BindAddress;
        var host = connectTo.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{connectTo}]" : connectTo.ToString();
        return new RendererServer(app, options, new Uri($"http://{host}:{new Uri(bound).Port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

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

    private static Task WriteAsync(HttpContext context, string contentType, byte[] bytes)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, 0, bytes.Length, context.RequestAborted);
    }

    private static FrozenDictionary<string, byte[]> LoadAssets()
    {
        var assembly = typeof(RendererServer).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"the renderer file {name} is listed in {assembly.GetName().Name} but cannot be read");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[ResourcePrefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        if (!files.ContainsKey("index.html") || !files.ContainsKey("vendor/three.module.js"))
        {
            throw new InvalidOperationException($"{assembly.GetName().Name} was built without the renderer page (index.html, vendor/three.module.js)");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
