using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Rig.Host.Link;

/// <summary>
/// An <see cref="IRigLink"/> to any MQTT broker (the embedded one, Mosquitto, ...) over MQTTnet: MQTT 5.0, clean start,
/// QoS 1 both ways. Every connection (the first and each reconnect) uses a fresh MQTTnet client, so no state of a dead
/// connection leaks into the next. Logs nothing; see the counters and <see cref="LastError"/> for what happened in the background.
/// </summary>
public sealed class MqttLink : IRigLink
{
    private readonly BrokerAddress _broker;
    private readonly LinkOptions _options;
    private readonly MqttClientFactory _clientFactory = new();
    private readonly Lock _gate = new();
    private readonly List<string> _filters = [];
    private readonly Channel<LinkMessage> _messages = Channel.CreateUnbounded<LinkMessage>();

    // Serialises connection attempts (ConnectAsync and the reconnect loop): two live clients with one client id would
    // take the session from each other, and the broker would publish the will each time.
    private readonly SemaphoreSlim _connecting = new(1, 1);

    private Connection? _connection;
    private CancellationTokenSource? _lifetime;
    private Task _reconnectLoop = Task.CompletedTask;
    private bool _stopped = true;
    private bool _disposed;
    private long _published;
    private long _received;
    private long _undeliverable;
    private int _reconnects;
    private int _failedReconnectAttempts;
    private Exception? _lastError;

    public MqttLink(BrokerAddress broker, LinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ClientId);
        _broker = broker;
        _options = options;
    }

    public BrokerAddress Broker => _broker;

    public string ClientId => _options.ClientId;

    public bool IsConnected => Volatile.Read(ref _connection)?.Client.IsConnected == true;

    /// <inheritdoc/>
    /// <remarks>A handler that throws does not disturb the link; its exception is kept in <see cref="LastError"/>.</remarks>
    public event Action<bool>? ConnectionChanged;

    public ChannelReader<LinkMessage> Messages => _messages.Reader;

    /// <summary>Publishes the broker acknowledged.</summary>
    public long MessagesPublished => Interlocked.Read(ref _published);

    /// <summary>Messages received and queued on <see cref="Messages"/>.</summary>
    public long MessagesReceived => Interlocked.Read(ref _received);

    /// <summary>Messages that arrived after the link was disposed and so went nowhere.</summary>
    public long UndeliverableMessages => Interlocked.Read(ref _undeliverable);

    /// <summary>Successful automatic reconnects so far.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Automatic reconnect attempts that failed (the broker was still down).</summary>
    public int FailedReconnectAttempts => Volatile.Read(ref _failedReconnectAttempts);

    /// <summary>The last failure the link handled in the background: why a connection dropped, a failed reconnect, a throwing event handler.</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Tries to connect until <see cref="LinkOptions.ConnectTimeout"/> has passed (pausing <see cref="LinkOptions.ReconnectDelay"/>
    /// between attempts, so a broker that is still starting is waited for), then throws <see cref="BrokerUnreachableException"/>
    /// with the last reason. A broker that refuses the client for good (not authorised, banned, ...) fails at once.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CancellationToken lifetime;
        lock (_gate)
        {
            if (_connection is not null)
            {
                return;
            }

            // After a drop the reconnect loop is still at work under the current lifetime: this connect joins it
            // rather than starting a second, competing one.
            if (_stopped || _lifetime is null)
            {
                _stopped = false;
                _lifetime?.Dispose();
                _lifetime = new CancellationTokenSource();
            }

            lifetime = _lifetime.Token;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime);
        var elapsed = Stopwatch.StartNew();
        Exception? failure = null;
        while (true)
        {
            try
            {
                switch (await TryConnectAsync(_options.ConnectTimeout - elapsed.Elapsed, linked.Token))
                {
                    case Attach.Attached:
                        RaiseConnectionChanged(true);
                        return;
                    case Attach.AlreadyConnected:
                        return;
                    default:
                        throw new OperationCanceledException($"link '{ClientId}' was disconnected while it was connecting");
                }
            }
            catch (ConnectionRefusedForGoodException ex)
            {
                throw new BrokerUnreachableException($"the MQTT broker at {_broker} refused client '{ClientId}': {ex.Message}", ex);
            }
            catch (Exception ex) when (!linked.IsCancellationRequested && ex is not ArgumentException)
            {
                // A last, shortened attempt that merely ran out of time must not hide the real reason of the one before
                // (e.g. "connection refused"); an attempt that timed out on its own is a "no answer".
                failure = ex is OperationCanceledException or TimeoutException && failure is not null ? failure : ex;
            }

            var left = _options.ConnectTimeout - elapsed.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new BrokerUnreachableException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"cannot connect client '{ClientId}' to the MQTT broker at {_broker} within {_options.ConnectTimeout.TotalSeconds:0.###} s: {Describe(failure)}"),
                    failure);
            }

            await Task.Delay(left < _options.ReconnectDelay ? left : _options.ReconnectDelay, linked.Token);
        }
    }

    public async Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidFilter(topicFilter);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = Volatile.Read(ref _connection);
        if (connection is null || !connection.Client.IsConnected)
        {
            throw NotConnected($"subscribe to '{topicFilter}'");
        }

        bool added;
        lock (_gate)
        {
            // Recorded before the SUBSCRIBE goes out, so a reconnect that happens meanwhile re-subscribes it too.
            added = !_filters.Contains(topicFilter);
            if (added)
            {
                _filters.Add(topicFilter);
            }
        }

        try
        {
            await SubscribeAsync(connection.Client, [topicFilter], cancellationToken);
        }
        catch (Exception ex)
        {
            if (added)
            {
                lock (_gate)
                {
                    _filters.Remove(topicFilter);
                }
            }

            if (ex is MqttCommunicationException or ObjectDisposedException)
            {
                throw new LinkDisconnectedException($"cannot subscribe to '{topicFilter}': link '{ClientId}' lost its connection to {_broker}", ex);
            }

            throw;
        }
    }

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidTopicName(topic);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = Volatile.Read(ref _connection);
        if (connection is null || !connection.Client.IsConnected)
        {
            throw NotConnected($"publish to '{topic}'");
        }

        // A copy, because MQTTnet keeps a reference to the payload and a cancelled publish could still be writing it
        // after this method returned and the caller reused its buffer.
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();

        MqttClientPublishResult result;
        try
        {
            result = await connection.Client.PublishAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            throw new LinkDisconnectedException($"cannot publish to '{topic}': link '{ClientId}' lost its connection to {_broker} before the broker acknowledged", ex);
        }

        // "No matching subscribers" is MQTT 5's way of saying "accepted, nobody listens": a success for QoS 1.
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            throw new LinkRejectedException(
                $"the MQTT broker at {_broker} rejected the publish to '{topic}' from '{ClientId}': {result.ReasonCode}{ReasonSuffix(result.ReasonString)}");
        }

        Interlocked.Increment(ref _published);
    }

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        var connection = await StopAsync();
        if (connection is null)
        {
            return;
        }

        try
        {
            await connection.Client.DisconnectAsync(
                new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection },
                cancellationToken);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or ObjectDisposedException)
        {
            throw new LinkDisconnectedException(
                $"link '{ClientId}' could not disconnect cleanly from {_broker} (the connection was already failing), so the broker may publish its will",
                ex);
        }
        finally
        {
            connection.Client.Dispose();
            RaiseConnectionChanged(false);
        }
    }

    /// <summary>
    /// Drops the TCP connection without sending MQTT DISCONNECT, as a crash or a pulled cable would, so the broker
    /// publishes the will: disposing the MQTTnet client closes its socket and sends nothing (a clean disconnect is only
    /// ever sent by <c>IMqttClient.DisconnectAsync</c>). No reconnect follows.
    /// </summary>
    public async Task AbortAsync()
    {
        var connection = await StopAsync();
        if (connection is null)
        {
            return;
        }

        connection.Client.Dispose();
        RaiseConnectionChanged(false);
    }

    /// <summary>Disconnects cleanly (no will) if connected, then completes <see cref="Messages"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            await DisconnectAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is LinkDisconnectedException or OperationCanceledException)
        {
            // Disposing must not throw; the broker sees a dropped connection instead of a clean one, which is recorded here.
            Volatile.Write(ref _lastError, ex);
        }

        _disposed = true;
        _messages.Writer.TryComplete();
        lock (_gate)
        {
            _lifetime?.Dispose();
            _lifetime = null;
        }

        _connecting.Dispose();
    }

    /// <summary>The human-readable reason inside a connect failure, e.g. "connection refused".</summary>
    internal static string Describe(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused (nothing listens on that port)",
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                        SocketError.TimedOut => "connection timed out",
                        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                        SocketError.ConnectionReset or SocketError.ConnectionAborted => "connection reset by the broker",
                        _ => socket.Message,
                    };
                case AuthenticationException tls:
                    return "TLS handshake failed: " + tls.Message;
                case ConnectionRefusedForGoodException or TransientRefusalException:
                    return "the broker refused the connection: " + e.Message;
            }
        }

        return failure is OperationCanceledException or TimeoutException or MqttCommunicationTimedOutException
            ? "no answer from the broker"
            : failure.Message;
    }

    private static string ReasonSuffix(string? reasonString) => string.IsNullOrEmpty(reasonString) ? "" : $" ({reasonString})";

    private static bool IsPermanentRefusal(MqttClientConnectResultCode code) => code is
        MqttClientConnectResultCode.NotAuthorized or
        MqttClientConnectResultCode.BadUserNameOrPassword or
        MqttClientConnectResultCode.ClientIdentifierNotValid or
        MqttClientConnectResultCode.Banned or
        MqttClientConnectResultCode.BadAuthenticationMethod or
        MqttClientConnectResultCode.UnsupportedProtocolVersion;

    private async Task SubscribeAsync(IMqttClient client, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in topicFilters)
        {
            builder.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce, noLocal: false, retainAsPublished: false, MqttRetainHandling.SendAtSubscribe);
        }

        var result = await client.SubscribeAsync(builder.Build(), cancellationToken);
        foreach (var item in result.Items)
        {
            // A QoS 0 grant would silently lose messages across a reconnect, which the link promises not to do.
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                throw new LinkRejectedException(
                    $"the MQTT broker at {_broker} did not grant QoS 1 for '{item.TopicFilter.Topic}' to '{ClientId}': {item.ResultCode}{ReasonSuffix(result.ReasonString)}");
            }
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_broker.Host, _broker.Port)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout);
        if (_broker.UseTls)
        {
            builder.WithTlsOptions(tls => tls.UseTls());
        }

        if (_options.Will is { } will)
        {
            builder
                .WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload.ToArray())
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return builder.Build();
    }

    /// <summary>One attempt: connect a fresh client, re-subscribe every filter, and install it unless the link was stopped meanwhile.</summary>
    private async Task<Attach> TryConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new TimeoutException("the connect timeout has passed");
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        await _connecting.WaitAsync(attempt.Token);
        IMqttClient? client = null;
        try
        {
            lock (_gate)
            {
                if (_stopped || _disposed)
                {
                    return Attach.Stopped;
                }

                if (_connection is not null)
                {
                    return Attach.AlreadyConnected;
                }
            }

            client = _clientFactory.CreateMqttClient();
            var connection = new Connection(client);
            client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
            client.DisconnectedAsync += args => OnDisconnectedAsync(connection, args);

            var result = await client.ConnectAsync(BuildClientOptions(), attempt.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                var reason = $"{result.ResultCode}{ReasonSuffix(result.ReasonString)}";
                throw IsPermanentRefusal(result.ResultCode) ? new ConnectionRefusedForGoodException(reason) : new TransientRefusalException(reason);
            }

            string[] filters;
            lock (_gate)
            {
                filters = [.. _filters];
            }

            if (filters.Length > 0)
            {
                await SubscribeAsync(client, filters, attempt.Token);
            }

            lock (_gate)
            {
                // IsConnected is checked under the lock: a drop before this point is not seen by OnDisconnectedAsync
                // (the connection was not installed yet), so it must fail the attempt here instead.
                if (_stopped || _disposed)
                {
                    return Attach.Stopped;
                }

                if (_connection is not null)
                {
                    return Attach.AlreadyConnected;
                }

                if (!client.IsConnected)
                {
                    throw new MqttCommunicationException("the connection dropped right after it was established");
                }

                _connection = connection;
                client = null;
                return Attach.Attached;
            }
        }
        finally
        {
            if (client is not null)
            {
                // Not installed: close it cleanly so the broker does not publish the will for a connection nobody used.
                await CloseQuietlyAsync(client);
            }

            _connecting.Release();
        }
    }

    private async Task CloseQuietlyAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            // The unused connection is gone either way; why it did not close cleanly is kept for diagnostics.
            Volatile.Write(ref _lastError, ex);
        }
        finally
        {
            client.Dispose();
        }
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;

        // MQTTnet reuses the payload buffers once the handler returns, so the bytes are copied out here.
        if (_messages.Writer.TryWrite(new LinkMessage(message.Topic, message.Payload.ToArray(), message.Retain)))
        {
            Interlocked.Increment(ref _received);
        }
        else
        {
            Interlocked.Increment(ref _undeliverable);
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(Connection connection, MqttClientDisconnectedEventArgs args)
    {
        CancellationToken lifetime;
        lock (_gate)
        {
            // Stale (an older connection) or intended (DisconnectAsync/AbortAsync took it out first): nothing to do.
            if (_connection != connection)
            {
                return Task.CompletedTask;
            }

            _connection = null;
            lifetime = _lifetime?.Token ?? new CancellationToken(canceled: true);
        }

        Volatile.Write(
            ref _lastError,
            args.Exception ?? new LinkDisconnectedException($"link '{ClientId}' lost its connection to {_broker}: {args.Reason}{ReasonSuffix(args.ReasonString)}"));
        connection.Client.Dispose();
        RaiseConnectionChanged(false);
        lock (_gate)
        {
            // Always a fresh loop: an older one may still be finishing (raising its "connected") and would not see this drop.
            if (_options.AutoReconnect && !_stopped && !_disposed && _connection is null)
            {
                _reconnectLoop = Task.Run(() => ReconnectLoopAsync(lifetime), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    private async Task ReconnectLoopAsync(CancellationToken lifetime)
    {
        while (!lifetime.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ReconnectDelay, lifetime);
                if (await TryConnectAsync(_options.ConnectTimeout, lifetime) == Attach.Attached)
                {
                    Interlocked.Increment(ref _reconnects);
                    RaiseConnectionChanged(true);
                }

                return;
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                // DisconnectAsync/AbortAsync/DisposeAsync ended the link: no more reconnects, by design.
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The broker is still down (or refused us): remembered for diagnostics, and the loop tries again after the delay.
                Interlocked.Increment(ref _failedReconnectAttempts);
                Volatile.Write(ref _lastError, ex);
            }
        }
    }

    /// <summary>Ends reconnecting and takes the live connection out, so its drop is not mistaken for an outage.</summary>
    private async Task<Connection?> StopAsync()
    {
        Connection? connection;
        Task reconnectLoop;
        lock (_gate)
        {
            _stopped = true;
            _lifetime?.Cancel();
            connection = _connection;
            _connection = null;
            reconnectLoop = _reconnectLoop;
        }

        await reconnectLoop;
        return connection;
    }

    private LinkDisconnectedException NotConnected(string action) =>
        new($"cannot {action}: link '{ClientId}' is not connected to {_broker}");

    private void RaiseConnectionChanged(bool connected)
    {
        try
        {
            ConnectionChanged?.Invoke(connected);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A subscriber's bug must not leave the link half-switched; it is kept for diagnostics instead.
            Volatile.Write(ref _lastError, ex);
        }
    }

    private sealed class Connection(IMqttClient client)
    {
        public IMqttClient Client { get; } = client;
    }

    /// <summary>The broker answered CONNACK with a refusal that retrying cannot fix (credentials, ban, client id).</summary>
    private sealed class ConnectionRefusedForGoodException(string message) : Exception(message);

    /// <summary>The broker answered CONNACK with a refusal that may pass (busy, unavailable, rate limit).</summary>
    private sealed class TransientRefusalException(string message) : Exception(message);
}

/// <summary>The broker answered a publish or a subscribe with a failure reason code (e.g. not authorised, quota exceeded).</summary>
public sealed class LinkRejectedException : Exception
{
    public LinkRejectedException()
    {
    }

    public LinkRejectedException(string message)
        : base(message)
    {
    }

    public LinkRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Makes <see cref="MqttLink"/>s to one broker.</summary>
public sealed class MqttLinkFactory(BrokerAddress broker) : ILinkFactory
{
    public BrokerAddress Broker { get; } = broker ?? throw new ArgumentNullException(nameof(broker));

    public string Description => Broker.ToString();

    public IRigLink Create(LinkOptions options) => new MqttLink(Broker, options);
}
