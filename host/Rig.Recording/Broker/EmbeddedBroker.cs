using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.AspNetCore;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;
using Rig.Recording.Link;

namespace Rig.Recording.Broker;

/// <summary>How to run the <see cref="EmbeddedBroker"/>.</summary>
public sealed record EmbeddedBrokerOptions
{
    /// <summary>TCP port; 0 lets the operating system pick a free one (see <see cref="EmbeddedBroker.Port"/>).</summary>
    public int Port { get; init; } = BrokerAddress.DefaultPlainPort;

    /// <summary>The address to listen on; loopback keeps the broker private to this machine.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Messages the broker queues for one slow subscriber before it drops the oldest (counted in
    /// <see cref="EmbeddedBroker.DroppedMessages"/>). Generous, so a simulator publishing flat out does not overflow it.
    /// </summary>
    public int MaxPendingMessagesPerClient { get; init; } = 1_000_000;

    /// <summary>
    /// Also accept MQTT over WebSockets (browsers: the renderer page) on this port, at <see cref="WebSocketPath"/>, on
    /// <see cref="BindAddress"/>; 0 picks a free port (see <see cref="EmbeddedBroker.WebSocketUrl"/>). Null: TCP only.
    /// Same broker, same topics and retained messages as the TCP clients. 9001 is Mosquitto's customary WebSocket port.
    /// </summary>
    public int? WebSocketPort { get; init; }

    /// <summary>The HTTP path of the WebSocket endpoint; mqtt.js and paho connect to <c>/mqtt</c> unless told otherwise.</summary>
    public string WebSocketPath { get; init; } = "/mqtt";

    /// <summary>
    /// Null: anyone who reaches the listener may log in and publish or subscribe to anything (loopback keeps that to this
    /// computer). Set: clients must log in with an account of a <c>rig broker-config</c> folder and stay within its ACL;
    /// refusals are counted (<see cref="EmbeddedBroker.RefusedLogins"/>, <see cref="EmbeddedBroker.RefusedPublishes"/>,
    /// <see cref="EmbeddedBroker.RefusedSubscriptions"/>). Applies to the TCP and the WebSocket listener alike.
    /// </summary>
    public BrokerAccounts? Accounts { get; init; }

    /// <summary>
    /// Allows a non-loopback <see cref="BindAddress"/> without <see cref="Accounts"/>: an open broker anyone on the network
    /// can use (<c>rig broker --insecure</c>). Without it such a broker refuses to start (<see cref="InsecureNetworkException"/>).
    /// </summary>
    public bool Insecure { get; init; }
}

/// <summary>An MQTT broker inside the host process (MQTTnet.Server), for running without Mosquitto. Logs nothing.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServerFactory _factory;
    private readonly MqttServer _server;
    private BrokerWebSocketHost? _webSockets;
    private long _dropped;
    private readonly RefusalCounts _refused;
    private int _disposed;

    private EmbeddedBroker(MqttServerFactory factory, MqttServer server, int port, IPAddress bindAddress, RefusalCounts? refused)
    {
        _refused = refused ?? new RefusalCounts();
        RequiresLogin = refused is not null;
        _factory = factory;
        _server = server;
        Port = port;

        // A wildcard bind accepts loopback connections, and clients cannot connect to 0.0.0.0 or :: themselves.
        var connectTo = bindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bindAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bindAddress;
        Address = BrokerAddress.For(connectTo, port);
        _server.ApplicationMessageEnqueuedOrDroppedAsync += args =>
        {
            if (args.IsDropped)
            {
                Interlocked.Increment(ref _dropped);
            }

            return Task.CompletedTask;
        };

        // With the default overflow strategy the broker drops the OLDEST queued message to make room, which it reports here.
        _server.QueuedApplicationMessageOverwrittenAsync += _ =>
        {
            Interlocked.Increment(ref _dropped);
            return Task.CompletedTask;
        };
    }

    /// <summary>The port the broker listens on (the one the OS picked when the options said 0).</summary>
    public int Port { get; }

    /// <summary>Where clients connect, e.g. <c>mqtt://127.0.0.1:1883</c>.</summary>
    public BrokerAddress Address { get; }

    /// <summary>
    /// Where WebSocket clients connect, e.g. <c>ws://127.0.0.1:9001/mqtt</c>; null when
    /// <see cref="EmbeddedBrokerOptions.WebSocketPort"/> was not set.
    /// </summary>
    public Uri? WebSocketUrl => _webSockets?.Url;

    /// <summary>Messages the broker dropped because a subscriber fell too far behind; should stay 0.</summary>
    public long DroppedMessages => Interlocked.Read(ref _dropped);

    /// <summary>Connections refused because the user name or password was missing or wrong (with accounts only).</summary>
    public long RefusedLogins => Interlocked.Read(ref _refused.Logins);

    /// <summary>Publishes refused because the account may not write that topic (with accounts only); never delivered.</summary>
    public long RefusedPublishes => Interlocked.Read(ref _refused.Publishes);

    /// <summary>Subscriptions refused because no read pattern of the account covers the filter (with accounts only).</summary>
    public long RefusedSubscriptions => Interlocked.Read(ref _refused.Subscriptions);

    /// <summary>True when clients must log in (<see cref="EmbeddedBrokerOptions.Accounts"/> was set).</summary>
    public bool RequiresLogin { get; }

    /// <summary>Starts listening; throws <see cref="IOException"/> naming the port when it is already in use.</summary>
    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.BindAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPendingMessagesPerClient, 1);
        if (options.WebSocketPort is { } wsPort)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(wsPort, nameof(options.WebSocketPort));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(wsPort, 65535, nameof(options.WebSocketPort));
            if (wsPort != 0 && wsPort == options.Port)
            {
                throw new ArgumentException($"the WebSocket port {wsPort} is the TCP port too: choose another (9001 is customary) or 0", nameof(options));
            }

            BrokerWebSocketHost.ValidatePath(options.WebSocketPath);
        }

        if (NetworkExposure.OpenListenerProblem(options.BindAddress, options.Accounts is not null, "EmbeddedBrokerOptions.Accounts") is { } open && !options.Insecure)
        {
            throw new InsecureNetworkException(open);
        }

        cancellationToken.ThrowIfCancellationRequested();

        var isV6 = options.BindAddress.AddressFamily == AddressFamily.InterNetworkV6;
        var factory = new MqttServerFactory();
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Port)

            // One listener, on the requested address only: MQTTnet otherwise also listens on every IPv6 interface.
            .WithDefaultEndpointBoundIPAddress(isV6 ? IPAddress.None : options.BindAddress)
            .WithDefaultEndpointBoundIPV6Address(isV6 ? options.BindAddress : IPAddress.None)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage)
            .Build();
        // The TCP adapter is what CreateMqttServer(options) would use alone; the WebSocket adapter is fed by Kestrel below.
        var webSocketAdapter = options.WebSocketPort is null ? null : new MqttWebSocketServerAdapter();
        var server = webSocketAdapter is null ? factory.CreateMqttServer(serverOptions)
            : factory.CreateMqttServer(serverOptions, [new MqttTcpServerAdapter(), webSocketAdapter]);
        // The checks are in place before the server accepts anyone: no client can connect in between unchecked.
        var refused = options.Accounts is null ? null : new RefusalCounts();
        if (options.Accounts is not null)
        {
            EnforceAccounts(server, options.Accounts, refused!);
        }

        try
        {
            await server.StartAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            server.Dispose();
            throw new IOException(
                $"cannot start the embedded MQTT broker: port {options.Port} on {options.BindAddress} is already in use " +
                "(is Mosquitto or another rig host running?); stop it, choose another port, or use port 0 for a free one",
                ex);
        }
        catch (SocketException ex)
        {
            server.Dispose();
            throw new IOException($"cannot start the embedded MQTT broker on {options.BindAddress} port {options.Port}: {ex.Message}", ex);
        }

        // MQTTnet writes the port the OS picked back into the endpoint options when the requested port was 0.
        var broker = new EmbeddedBroker(factory, server, serverOptions.DefaultEndpointOptions.Port, options.BindAddress, refused);
        if (webSocketAdapter is not null)
        {
            try
            {
                broker._webSockets = await BrokerWebSocketHost.StartAsync(webSocketAdapter, options.BindAddress, options.WebSocketPort!.Value,
                    options.WebSocketPath, cancellationToken);
            }
            catch
            {
                await broker.DisposeAsync();
                throw;
            }
        }

        return broker;
    }

    /// <summary>Refuses logins, publishes and subscriptions the accounts do not allow, counting each.</summary>
    private static void EnforceAccounts(MqttServer server, BrokerAccounts accounts, RefusalCounts refused)
    {
        server.ValidatingConnectionAsync += args =>
        {
            if (!accounts.Authenticate(args.UserName, args.Password))
            {
                Interlocked.Increment(ref refused.Logins);
                args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }

            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += args =>
        {
            // A message the broker itself injects has no client; every client message (and its will) carries its login.
            if (string.IsNullOrEmpty(args.ClientId) || accounts.MayPublish(args.UserName, args.ApplicationMessage.Topic))
            {
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref refused.Publishes);
            args.ProcessPublish = false;

            // MQTT 5 clients are told why; MQTT 3.1.1 has no negative PUBACK, so the message just goes nowhere (counted).
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return Task.CompletedTask;
        };
        server.InterceptingSubscriptionAsync += args =>
        {
            if (accounts.MaySubscribe(args.UserName, args.TopicFilter.Topic))
            {
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref refused.Subscriptions);
            args.ProcessSubscription = false;

            // MQTT 3.1.1 clients see this as the failure code 0x80 in their SUBACK.
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            return Task.CompletedTask;
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            // The server first: stopping it disconnects every client, WebSocket ones too, so Kestrel then has no open
            // request to wait for.
            await _server.StopAsync(_factory.CreateMqttServerStopOptionsBuilder().Build());
        }
        finally
        {
            _server.Dispose();
            if (_webSockets is not null)
            {
                await _webSockets.DisposeAsync();
            }
        }
    }

    /// <summary>Shared by the server's event handlers (registered before the broker object exists) and the broker's counters.</summary>
    private sealed class RefusalCounts
    {
        public long Logins;
        public long Publishes;
        public long Subscriptions;
    }
}
