using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Rig.Recording.Link;

/// <summary>
/// An <see cref="IRigLink"/> to any MQTT broker (the embedded one, Mosquitto, ...) over MQTTnet: MQTT 5.0, clean start,
/// QoS 1 both ways. Every connection (the first and each reconnect) uses a fresh MQTTnet client, so no state of a dead
/// connection leaks into the next. Logs nothing; see the counters and <see cref="ReconnectingLink.LastError"/> for what
/// happened in the background.
/// </summary>
public sealed class MqttLink : ReconnectingLink
{
    private readonly BrokerAddress _broker;
    private readonly BrokerLogin _login;
    private readonly MqttClientFactory _clientFactory = new();

    // Serialises connection attempts (ConnectAsync and the reconnect loop): two live clients with one client id would
    // take the session from each other, and the broker would publish the will each time.
    private readonly SemaphoreSlim _connecting = new(1, 1);

    private long _published;

    public MqttLink(BrokerAddress broker, LinkOptions options, BrokerLogin? login = null)
        : base((broker ?? throw new ArgumentNullException(nameof(broker))).ToString(), options)
    {
        _broker = broker;
        _login = login ?? BrokerLogin.Anonymous;
    }

    public BrokerAddress Broker => _broker;

    /// <summary>Publishes the broker acknowledged.</summary>
    public long MessagesPublished => Interlocked.Read(ref _published);

    private protected override string ConnectTarget => $"the MQTT broker at {_broker}";

    public override async Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidFilter(topicFilter);
        ThrowIfDisposed();
        if (CurrentSession is not Connection { IsConnected: true } connection)
        {
            throw NotConnected($"subscribe to '{topicFilter}'");
        }

        // Recorded before the SUBSCRIBE goes out, so a reconnect that happens meanwhile re-subscribes it too.
        var added = AddFilter(topicFilter);
        try
        {
            await SubscribeAsync(connection.Client, [topicFilter], cancellationToken);
        }
        catch (Exception ex)
        {
            if (added)
            {
                RemoveFilter(topicFilter);
            }

            if (ex is MqttCommunicationException or ObjectDisposedException)
            {
                throw new LinkDisconnectedException($"cannot subscribe to '{topicFilter}': link '{ClientId}' lost its connection to {_broker}", ex);
            }

            throw;
        }
    }

    public override async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidTopicName(topic);
        ThrowIfDisposed();
        if (CurrentSession is not Connection { IsConnected: true } connection)
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

    /// <summary>One attempt: connect a fresh client, re-subscribe every filter, and install it unless the link was stopped meanwhile.</summary>
    private protected override async Task<Attach> TryAttachAsync(TimeSpan timeout, CancellationToken cancellationToken)
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
            if (AttachBlocked() is { } blocked)
            {
                return blocked;
            }

            client = _clientFactory.CreateMqttClient();
            var connection = new Connection(this, client);
            client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
            client.DisconnectedAsync += args => OnDisconnectedAsync(connection, args);

            MqttClientConnectResult result;
            try
            {
                result = await client.ConnectAsync(BuildClientOptions(), attempt.Token);
            }
            catch (Exception ex) when (IsTlsFailure(ex))
            {
                throw new ConnectionRefusedForGoodException(
                    $"TLS handshake with {_broker} failed ({Innermost(ex).Message}); the broker's certificate must chain to a CA this host trusts "
                    + $"(the system's, or --ca-file / {BrokerLogin.CaFileVariable}) and name '{_broker.Host}'",
                    MqttClientConnectResultCode.UnspecifiedError,
                    ex);
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                var reason = $"{result.ResultCode}{ReasonSuffix(result.ReasonString)}{RefusalHint(result.ResultCode)}";
                throw IsPermanentRefusal(result.ResultCode) ? new ConnectionRefusedForGoodException(reason, result.ResultCode) : new TransientRefusalException(reason);
            }

            var filters = SubscribedFilters();
            if (filters.Length > 0)
            {
                await SubscribeAsync(client, filters, attempt.Token);
            }

            // IsConnected is checked under the lock: a drop before this point is not seen by OnDisconnectedAsync
            // (the connection was not installed yet), so it must fail the attempt here instead.
            var attached = TryInstall(_ => connection.IsConnected
                ? connection
                : throw new MqttCommunicationException("the connection dropped right after it was established"));
            if (attached == Attach.Attached)
            {
                client = null;
            }

            return attached;
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

    // A refused login or a failed TLS handshake is not fixed by retrying: report it at once, not after the timeout.
    private protected override ConnectFailure ClassifyConnectFailure(Exception failure, CancellationToken connecting) =>
        failure is ConnectionRefusedForGoodException || IsTlsFailure(failure) ? ConnectFailure.RefusedForGood
        : !connecting.IsCancellationRequested && failure is not ArgumentException ? ConnectFailure.Retry
        : ConnectFailure.Rethrow;

    private protected override string DescribeConnectFailure(Exception failure)
    {
        var text = Describe(failure);

        // Mosquitto closes a plain connection to a TLS listener without a word: say what it most likely means. Not when the
        // connection was refused (wrapped or not): nothing listens there, TLS or not.
        return _broker.UseTls || IsConnectionRefused(failure)
            ? text
            : $"{text} (if that port is a TLS listener, use mqtts://{_broker.ToString()[(BrokerAddress.PlainScheme.Length + 3)..]})";
    }

    private static bool IsConnectionRefused(Exception? failure)
    {
        for (; failure is not null; failure = failure.InnerException)
        {
            if (failure is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="failure"/> (a connect failure, or one wrapping it) is the broker refusing the login or a
    /// failed TLS handshake: a matter of credentials or certificates, not of reachability.
    /// </summary>
    public static bool IsSecurityFailure(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is ConnectionRefusedForGoodException { InnerException: null } refused)
            {
                return refused.Code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
                    or MqttClientConnectResultCode.Banned or MqttClientConnectResultCode.BadAuthenticationMethod;
            }
        }

        return IsTlsFailure(failure);
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private static bool IsTlsFailure(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    private protected override void OnDisposed() => _connecting.Dispose();

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
            .WithClientId(Options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(Options.KeepAlive)
            .WithTimeout(Options.ConnectTimeout);
        if (_broker.UseTls)
        {
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithCertificateValidationHandler(args => _login.ValidateServerCertificate(args.Certificate, args.SslPolicyErrors)));
        }

        if (_login.Credentials is { } credentials)
        {
            builder.WithCredentials(credentials.Username, credentials.Password);
        }

        if (Options.Will is { } will)
        {
            builder
                .WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload.ToArray())
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return builder.Build();
    }

    private async Task CloseQuietlyAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(Options.ConnectTimeout);
                await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            // The unused connection is gone either way; why it did not close cleanly is kept for diagnostics.
            RecordError(ex);
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
        OnMessage(new LinkMessage(message.Topic, message.Payload.ToArray(), message.Retain) { ReceivedTimestamp = Stopwatch.GetTimestamp() });
        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(Connection connection, MqttClientDisconnectedEventArgs args)
    {
        OnConnectionLost(
            connection,
            args.Exception ?? new LinkDisconnectedException($"link '{ClientId}' lost its connection to {_broker}: {args.Reason}{ReasonSuffix(args.ReasonString)}"));
        return Task.CompletedTask;
    }

    /// <summary>One MQTTnet client, connected once; the link never reuses it.</summary>
    private sealed class Connection(MqttLink link, IMqttClient client) : LinkSession
    {
        public IMqttClient Client { get; } = client;

        public override bool IsConnected => Client.IsConnected;

        public override async Task DisconnectAsync(CancellationToken cancellationToken)
        {
            try
            {
                await Client.DisconnectAsync(
                    new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection },
                    cancellationToken);
            }
            catch (Exception ex) when (ex is MqttCommunicationException or ObjectDisposedException)
            {
                throw new LinkDisconnectedException(
                    $"link '{link.ClientId}' could not disconnect cleanly from {link._broker} (the connection was already failing), so the broker may publish its will",
                    ex);
            }
            finally
            {
                DisposeClient();
            }
        }

        /// <summary>
        /// Disposes the MQTTnet client. A client whose connection the broker has just closed (an ACL refusal, a broker
        /// restart) tears itself down on its own task; a Dispose racing with that throws ObjectDisposedException from
        /// MqttClient.Cleanup (its cancellation source already disposed), seen in BrokerAccessControlTests. The client is
        /// then released, which is all Dispose is for, so that one exception is the desired end state, not a failure.
        /// </summary>
        private void DisposeClient()
        {
            try
            {
                Client.Dispose();
            }
            catch (ObjectDisposedException)
            {
                // Already torn down by the client itself (above): nothing left to release.
            }
        }

        /// <summary>
        /// Drops the TCP connection without sending MQTT DISCONNECT, so the broker publishes the will: disposing the MQTTnet
        /// client closes its socket and sends nothing (a clean disconnect is only ever sent by <c>IMqttClient.DisconnectAsync</c>).
        /// </summary>
        public override void Abort() => DisposeClient();

        public override void Release() => DisposeClient();
    }

    /// <summary>The broker answered CONNACK with a refusal that retrying cannot fix (credentials, ban, client id).</summary>
    private sealed class ConnectionRefusedForGoodException(string message, MqttClientConnectResultCode code, Exception? inner = null)
        : Exception(message, inner)
    {
        public MqttClientConnectResultCode Code { get; } = code;
    }

    private static string RefusalHint(MqttClientConnectResultCode code) => code switch
    {
        // Mosquitto 2.0 answers a wrong password with NotAuthorized, so both get the same advice.
        MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized =>
            $": the login is missing, wrong or not allowed; check the user name and password (--credentials, {BrokerLogin.CredentialsFileVariable} or {BrokerLogin.UsernameVariable}/{BrokerLogin.PasswordVariable})",
        _ => "",
    };

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
public sealed class MqttLinkFactory(BrokerAddress broker, BrokerLogin? login = null) : ILinkFactory
{
    public BrokerAddress Broker { get; } = broker ?? throw new ArgumentNullException(nameof(broker));

    public BrokerLogin Login { get; } = login ?? BrokerLogin.Anonymous;

    public string Description => Broker.ToString();

    public IRigLink Create(LinkOptions options) => new MqttLink(Broker, options, Login);
}
