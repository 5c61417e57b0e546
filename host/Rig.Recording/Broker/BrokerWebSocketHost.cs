using System;
using System.IO;
using System.Linq;
using System.Net;
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
using MQTTnet.AspNetCore;

namespace Rig.Recording.Broker;

/// <summary>
/// Kestrel in the rig process carrying MQTT over WebSockets into the embedded broker: each upgraded request is handed to
/// MQTTnet.AspNetCore's <see cref="MqttWebSocketServerAdapter"/>, which the broker was created with, so browser clients
/// share the TCP clients' topics, sessions and retained messages.
/// </summary>
internal sealed class BrokerWebSocketHost : IAsyncDisposable
{
    /// <summary>How long a stop waits for open requests; the broker has already closed its clients by then. Our choice.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;

    private BrokerWebSocketHost(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static void ValidatePath(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains('?', StringComparison.Ordinal) || path.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the WebSocket path '{path}' must start with '/' and hold no query or fragment (e.g. /mqtt)", nameof(path));
        }
    }

    public static async Task<BrokerWebSocketHost> StartAsync(MqttWebSocketServerAdapter adapter, IPAddress bindAddress, int port, string path,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

        // Like the TCP side, the broker logs nothing of its own.
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k => k.Listen(bindAddress, port));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map(path, async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("this is an MQTT-over-WebSockets endpoint: connect with an MQTT client (subprotocol mqtt)");
                return;
            }

            // Browsers offer "mqtt" (MQTT 3.1.1/5) or "mqttv3.1"; the selector echoes the one MQTTnet speaks.
            var subProtocol = MqttSubProtocolSelector.SelectSubProtocol(context.Request);
            using var webSocket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
            await adapter.RunWebSocketConnectionAsync(webSocket, context);
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new IOException(
                $"cannot start the embedded MQTT broker's WebSocket listener on {bindAddress} port {port}: {ex.Message} " +
                "(is Mosquitto or another rig host using it?); choose another port, or 0 for a free one", ex);
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting the address it listens on");

        // A wildcard bind accepts loopback connections, and clients cannot connect to 0.0.0.0 or :: themselves.
        var connectTo = bindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bindAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bindAddress;
        var host = connectTo.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{connectTo}]" : connectTo.ToString();
        return new BrokerWebSocketHost(app, new Uri($"ws://{host}:{new Uri(bound).Port}{path}"));
    }

    public async ValueTask DisposeAsync()
    {
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
