using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Rig.Host.Link;

/// <summary>
/// A link to an <see cref="InMemoryBroker"/>: a FAKE for unit tests only (no network). Same contract as <c>MqttLink</c>:
/// connect retries until <see cref="LinkOptions.ConnectTimeout"/>, auto-reconnect re-subscribes, abort publishes the will.
/// <see cref="LinkOptions.KeepAlive"/> has nothing to do here: without a network a dead peer is noticed at once.
/// </summary>
public sealed class InMemoryLink : IRigLink
{
    private readonly InMemoryBroker _broker;
    private readonly LinkOptions _options;
    private readonly Lock _gate = new();
    private readonly List<string> _filters = [];
    private readonly Channel<LinkMessage> _messages = Channel.CreateUnbounded<LinkMessage>();
    private InMemorySession? _session;
    private CancellationTokenSource? _lifetime;
    private Task _reconnectLoop = Task.CompletedTask;
    private bool _stopped = true;
    private bool _disposed;
    private int _reconnects;
    private long _undeliverable;
    private Exception? _lastError;

    public InMemoryLink(InMemoryBroker broker, LinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ClientId);
        _broker = broker;
        _options = options;
    }

    public string ClientId => _options.ClientId;

    // The session's Active flag belongs to the broker's lock; reading it without the lock only answers a moment late.
    public bool IsConnected => Volatile.Read(ref _session)?.Active == true;

    /// <inheritdoc/>
    /// <remarks>A handler that throws does not disturb the link; its exception is kept in <see cref="LastError"/>.</remarks>
    public event Action<bool>? ConnectionChanged;

    public ChannelReader<LinkMessage> Messages => _messages.Reader;

    /// <summary>Successful automatic reconnects so far.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Messages that arrived after the link was disposed and so went nowhere.</summary>
    public long UndeliverableMessages => Interlocked.Read(ref _undeliverable);

    /// <summary>The last failure the link handled in the background (a failed reconnect, a throwing event handler).</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CancellationToken lifetime;
        lock (_gate)
        {
            if (_session is not null)
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
        while (true)
        {
            linked.Token.ThrowIfCancellationRequested();
            BrokerUnreachableException failure;
            try
            {
                switch (TryAttach())
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
            catch (BrokerUnreachableException ex)
            {
                failure = ex;
            }

            var left = _options.ConnectTimeout - elapsed.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new BrokerUnreachableException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"cannot connect client '{ClientId}' to {_broker.Description} within {_options.ConnectTimeout.TotalSeconds:0.###} s: {failure.Message}"),
                    failure);
            }

            await Task.Delay(left < _options.ReconnectDelay ? left : _options.ReconnectDelay, linked.Token);
        }
    }

    public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidFilter(topicFilter);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var session = _session ?? throw NotConnected($"subscribe to '{topicFilter}'");
            _broker.Subscribe(session, topicFilter);
            if (!_filters.Contains(topicFilter))
            {
                _filters.Add(topicFilter);
            }
        }

        return Task.CompletedTask;
    }

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidTopicName(topic);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Volatile.Read(ref _session) ?? throw NotConnected($"publish to '{topic}'");
        _broker.Publish(session, topic, payload, retain);
        return Task.CompletedTask;
    }

    public Task DisconnectAsync(CancellationToken cancellationToken) => StopAsync(publishWill: false);

    public Task AbortAsync() => StopAsync(publishWill: true);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync(publishWill: false);
        _disposed = true;
        _messages.Writer.TryComplete();
        lock (_gate)
        {
            _lifetime?.Dispose();
            _lifetime = null;
        }
    }

    /// <summary>Called by the broker (under no lock) when it drops <paramref name="session"/>: outage or takeover.</summary>
    internal void OnSessionLost(InMemorySession session)
    {
        CancellationToken lifetime;
        lock (_gate)
        {
            if (_session != session)
            {
                return;
            }

            _session = null;
            lifetime = _lifetime?.Token ?? new CancellationToken(canceled: true);
        }

        RaiseConnectionChanged(false);
        lock (_gate)
        {
            // Always a fresh loop: an older one may still be finishing (raising its "connected") and would not see this drop.
            if (_options.AutoReconnect && !_stopped && !_disposed && _session is null)
            {
                _reconnectLoop = Task.Run(() => ReconnectLoopAsync(lifetime), CancellationToken.None);
            }
        }
    }

    /// <summary>Called by the broker under its lock: must not block or take the link's lock.</summary>
    internal void Deliver(LinkMessage message)
    {
        if (!_messages.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _undeliverable);
        }
    }

    /// <summary>Connects and re-subscribes, all under the link's lock so a broker outage in between is seen (OnSessionLost waits for the lock).</summary>
    private Attach TryAttach()
    {
        lock (_gate)
        {
            if (_stopped || _disposed)
            {
                return Attach.Stopped;
            }

            if (_session is not null)
            {
                return Attach.AlreadyConnected;
            }

            var session = _broker.Connect(this, _options);
            try
            {
                foreach (var filter in _filters)
                {
                    _broker.Subscribe(session, filter);
                }
            }
            catch (LinkDisconnectedException ex)
            {
                // The broker stopped between the connect and the subscriptions: to the caller that is an unreachable broker.
                throw new BrokerUnreachableException(ex.Message, ex);
            }

            _session = session;
            return Attach.Attached;
        }
    }

    private async Task ReconnectLoopAsync(CancellationToken lifetime)
    {
        while (!lifetime.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ReconnectDelay, lifetime);
            }
            catch (OperationCanceledException)
            {
                // DisconnectAsync/AbortAsync/DisposeAsync ended the link: no more reconnects, by design.
                return;
            }

            try
            {
                if (TryAttach() == Attach.Attached)
                {
                    Interlocked.Increment(ref _reconnects);
                    RaiseConnectionChanged(true);
                }

                return;
            }
            catch (BrokerUnreachableException ex)
            {
                // Still down: remembered for diagnostics, and the loop tries again after the delay.
                Volatile.Write(ref _lastError, ex);
            }
        }
    }

    private async Task StopAsync(bool publishWill)
    {
        InMemorySession? session;
        Task reconnectLoop;
        lock (_gate)
        {
            _stopped = true;
            _lifetime?.Cancel();
            session = _session;
            _session = null;
            reconnectLoop = _reconnectLoop;
        }

        await reconnectLoop;
        if (session is not null)
        {
            _broker.Disconnect(session, publishWill);
            RaiseConnectionChanged(false);
        }
    }

    private LinkDisconnectedException NotConnected(string action) =>
        new($"cannot {action}: link '{ClientId}' is not connected to {_broker.Description}");

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
}

internal enum Attach
{
    Attached,
    AlreadyConnected,
    Stopped,
}

/// <summary>Makes <see cref="InMemoryLink"/>s to one <see cref="InMemoryBroker"/> (unit tests only).</summary>
public sealed class InMemoryLinkFactory(InMemoryBroker broker) : ILinkFactory
{
    public InMemoryBroker Broker { get; } = broker ?? throw new ArgumentNullException(nameof(broker));

    public string Description => Broker.Description;

    public IRigLink Create(LinkOptions options) => new InMemoryLink(Broker, options);
}
