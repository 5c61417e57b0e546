using System;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.TestSupport;

/// <summary>
/// A link to an <see cref="InMemoryBroker"/>: a FAKE for unit tests only (no network). Same contract as <c>MqttLink</c>:
/// connect retries until <see cref="LinkOptions.ConnectTimeout"/>, auto-reconnect re-subscribes, abort publishes the will.
/// <see cref="LinkOptions.KeepAlive"/> has nothing to do here: without a network a dead peer is noticed at once.
/// </summary>
public sealed class InMemoryLink : ReconnectingLink
{
    private readonly InMemoryBroker _broker;

    public InMemoryLink(InMemoryBroker broker, LinkOptions options)
        : base((broker ?? throw new ArgumentNullException(nameof(broker))).Description, options)
    {
        _broker = broker;
    }

    public override Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidFilter(topicFilter);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        SubscribeUnderLock(topicFilter, session => _broker.Subscribe((InMemorySession)session, topicFilter));
        return Task.CompletedTask;
    }

    public override Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        MqttTopic.ThrowIfInvalidTopicName(topic);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();

        // A session the broker has just dropped is not caught here: the broker refuses it under its own lock.
        if (CurrentSession is not InMemorySession session)
        {
            throw NotConnected($"publish to '{topic}'");
        }

        _broker.Publish(session, topic, payload, retain);
        return Task.CompletedTask;
    }

    /// <summary>Called by the broker (under no lock) when it drops <paramref name="session"/>: outage or takeover.</summary>
    internal void OnSessionLost(InMemorySession session) => OnConnectionLost(session, reason: null);

    /// <summary>Called by the broker under its lock: must not block or take the link's lock.</summary>
    internal void Deliver(LinkMessage message) => OnMessage(message);

    /// <summary>
    /// Connects and re-subscribes, all under the link's lock so a broker outage in between is seen (OnSessionLost waits
    /// for the lock). Nothing here waits, so there is no <paramref name="timeout"/> to keep.
    /// </summary>
    private protected override Task<Attach> TryAttachAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(TryInstall(filters =>
        {
            var session = _broker.Connect(this, Options);
            try
            {
                foreach (var filter in filters)
                {
                    _broker.Subscribe(session, filter);
                }
            }
            catch (LinkDisconnectedException ex)
            {
                // The broker stopped between the connect and the subscriptions: to the caller that is an unreachable broker.
                throw new BrokerUnreachableException(ex.Message, ex);
            }

            return session;
        }));
    }

    // A stopped broker is the fake's only connect failure; anything else (cancellation, a disconnect meanwhile) goes
    // straight to the caller.
    private protected override ConnectFailure ClassifyConnectFailure(Exception failure, CancellationToken connecting) =>
        failure is BrokerUnreachableException ? ConnectFailure.Retry : ConnectFailure.Rethrow;
}

/// <summary>Makes <see cref="InMemoryLink"/>s to one <see cref="InMemoryBroker"/> (unit tests only).</summary>
public sealed class InMemoryLinkFactory(InMemoryBroker broker) : ILinkFactory
{
    public InMemoryBroker Broker { get; } = broker ?? throw new ArgumentNullException(nameof(broker));

    public string Description => Broker.Description;

    public IRigLink Create(LinkOptions options) => new InMemoryLink(Broker, options);
}
