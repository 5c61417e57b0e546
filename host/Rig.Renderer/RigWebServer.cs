using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rig.Recording.Link;
using Rig.Renderer.Live;

namespace Rig.Renderer;

/// <summary>What one <see cref="RigWebServer"/> serves, and where.</summary>
public sealed record RigWebOptions
{
    /// <summary>Loopback keeps every page on this computer; any other address needs a console login (and the renderer's Insecure).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 lets the operating system pick a free one (see <see cref="RigWebServer.Url"/>).</summary>
    public int Port { get; init; } = RendererOptions.DefaultPort;

    /// <summary>The renderer page: at <c>/</c> alone, at <c>/vr/</c> beside the console; null for none.</summary>
    public RendererOptions? Renderer { get; init; }

    /// <summary>The web console (<c>/</c>, <c>/rigs/{id}</c>, <c>/sessions</c>); null for none.</summary>
    public WebConsoleOptions? Console { get; init; }
}

/// <summary>
/// The rig process's one web host (Kestrel): the renderer page and the web console on one port. Requests are checked
/// against the console's login when it has one (HTTP Basic, the broker's password hashes: docs/console.md).
/// </summary>
public sealed class RigWebServer : IAsyncDisposable
{
    /// <summary>How long a stop waits for requests in flight; the pages hold none open (they poll). Our choice.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private int _disposed;

    private RigWebServer(WebApplication app, Uri url, RigWebOptions options)
    {
        _app = app;
        Url = url;
        Options = options;
    }

    public RigWebOptions Options { get; }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:8090/</c> (with the port the OS picked when the options said 0).</summary>
    public Uri Url { get; }

    /// <summary>The renderer page; null without one.</summary>
    public Uri? RendererUrl => Options.Renderer is null ? null : Options.Console is null ? Url : new Uri(Url, "vr/");

    /// <summary>The console's fleet page (or its sessions page when it serves recorded sessions only); null without a console.</summary>
    public Uri? ConsoleUrl => Options.Console is null ? null : Options.Console.Hub is null ? new Uri(Url, "sessions") : Url;

    /// <summary>
    /// Starts serving; throws <see cref="ArgumentException"/> naming every bad option, <see cref="InsecureNetworkException"/>
    /// for a console on a network address without a login, <see cref="IOException"/> naming a port in use.
    /// </summary>
    public static async Task<RigWebServer> StartAsync(RigWebOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Renderer is null && options.Console is null)
        {
            throw new ArgumentException("web server: nothing to serve (neither the renderer nor the console)", nameof(options));
        }

        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"web server: port {options.Port} is outside 0-65535 (0 picks a free one)", nameof(options));
        }

        if (options.Console is { } console && console.Login is null && !NetworkExposure.IsLoopback(options.BindAddress))
        {
            throw new InsecureNetworkException($"the web console would listen on {options.BindAddress} without a login: anyone on the network could watch " +
                "every rig and read every session; give --console-login FILE (a password file as `rig broker-config` writes it), or serve it on 127.0.0.1");
        }

        if (options.Renderer is { } renderer)
        {
            // Beside a console with a login, the page and its /config.json are behind that login: no separate Insecure needed.
            RendererOptionsValidator.ThrowIfInvalid(renderer with
            {
                BindAddress = options.BindAddress, Port = options.Port, Insecure = renderer.Insecure || options.Console?.Login is not null,
            });
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.BindAddress, options.Port));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            // Cross-origin isolation gives the renderer's clocks 5 µs resolution instead of 100 µs (Chromium's coarsening of
            // performance.now()); no page loads anything from other origins, and WebSockets are not subject to COEP.
            context.Response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
            context.Response.Headers["Cross-Origin-Embedder-Policy"] = "require-corp";
            context.Response.Headers.CacheControl = "no-store";
            await next(context);
        });
        if (options.Console?.Login is { } login)
        {
            app.Use((context, next) => login.Admits(context) ? next(context) : ConsoleLogin.ChallengeAsync(context));
        }

        if (options.Console is { } site)
        {
            ConsoleEndpoints.Map(app, site);
        }

        if (options.Renderer is { } page)
        {
            RendererServer.Map(app, page, options.Console is null ? "" : "/vr");
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new IOException($"cannot serve the rig's web pages on {options.BindAddress} port {options.Port}: {ex.Message} " +
                "(is another rig process serving them?); choose another port, or 0 for a free one", ex);
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting the address it listens on");
        var connectTo = options.BindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : options.BindAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : options.BindAddress;
        var host = connectTo.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{connectTo}]" : connectTo.ToString();
        return new RigWebServer(app, new Uri($"http://{host}:{new Uri(bound).Port}/"), options);
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
}
