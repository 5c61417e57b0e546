using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.TestSupport;

/// <summary>
/// An in-process FAKE MQTT broker, for unit tests only: no sockets, no MQTT packets, nothing leaves the process.
/// It mimics the broker semantics the rig relies on, so code tested against it behaves the same on a real broker
/// (the link conformance suite in tests/Rig.Host.Tests/Link runs against it, the embedded broker and Mosquitto):
/// topic filters with <c>+</c> and <c>#</c>, retained messages (an empty retained payload deletes the retained message),
/// the will published when a link aborts, per-publisher ordering, session takeover by a second client with the same id,
/// and <see cref="Stop"/>/<see cref="Start"/> to simulate a broker outage.
/// </summary>
public sealed class InMemoryBroker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkMessage> _retained = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InMemorySession> _sessions = new(StringComparer.Ordinal);
    private bool _running = true;
    private long _published;

    public InMemoryBroker(string name = "broker")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>Stands in for a broker URL in messages and summaries.</summary>
    public string Description => $"inmemory://{Name}";

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    public int ConnectedClients
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Messages accepted from publishers, wills included.</summary>
    public long MessagesPublished => Interlocked.Read(ref _published);

    public InMemoryLinkFactory CreateLinkFactory() => new(this);

    /// <summary>
    /// Simulates a broker crash: every connected link drops (wills are NOT published: a dead broker publishes nothing),
    /// connects fail with <see cref="BrokerUnreachableException"/> until <see cref="Start"/>, and the retained messages
    /// are lost, as with a broker that restarts without persistence.
    /// </summary>
    public void Stop()
    {
        List<InMemorySession> dropped;
        lock (_gate)
        {
            _running = false;
            dropped = [.. _sessions.Values];
            foreach (var session in dropped)
            {
                session.Active = false;
            }

            _sessions.Clear();
            _retained.Clear();
        }

        // Outside the lock: links take their own lock and raise events, which must never run under the broker's lock.
        foreach (var session in dropped)
        {
            session.Link.OnSessionLost(session);
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            _running = true;
        }
    }

    internal InMemorySession Connect(InMemoryLink link, LinkOptions options)
    {
        InMemorySession? takenOver;
        InMemorySession session;
        lock (_gate)
        {
            if (!_running)
            {
                throw new BrokerUnreachableException($"the in-memory broker {Description} is stopped");
            }

            session = new InMemorySession(this, link, options.ClientId, options.Will);
            if (_sessions.Remove(options.ClientId, out takenOver))
            {
                // MQTT: a second connection with the same client id takes the session over and the old connection's will is published.
                takenOver.Active = false;
                PublishWillLocked(takenOver);
            }

            _sessions.Add(options.ClientId, session);
        }

        takenOver?.Link.OnSessionLost(takenOver);
        return session;
    }

    internal void Disconnect(InMemorySession session, bool publishWill)
    {
        lock (_gate)
        {
            if (!session.Active)
            {
                return;
            }

            session.Active = false;
            _sessions.Remove(session.ClientId);
            if (publishWill)
            {
                PublishWillLocked(session);
            }
        }
    }

    internal void Subscribe(InMemorySession session, string topicFilter)
    {
        MqttTopic.ThrowIfInvalidFilter(topicFilter);
        lock (_gate)
        {
            ThrowIfInactive(session, $"subscribe to '{topicFilter}'");
            if (!session.Filters.Contains(topicFilter))
            {
                session.Filters.Add(topicFilter);
            }

            // As in MQTT, every subscribe (even a repeated one) sends the matching retained messages. Under the lock, so a
            // publish that follows the subscribe cannot overtake them.
            foreach (var retained in _retained.Values)
            {
                if (MqttTopic.Matches(topicFilter, retained.Topic))
                {
                    session.Link.Deliver(retained with { Payload = retained.Payload.ToArray() });
                }
            }
        }
    }

    internal void Publish(InMemorySession session, string topic, ReadOnlyMemory<byte> payload, bool retain)
    {
        MqttTopic.ThrowIfInvalidTopicName(topic);
        lock (_gate)
        {
            ThrowIfInactive(session, $"publish to '{topic}'");
            PublishLocked(topic, payload, retain);
        }
    }

    private void PublishWillLocked(InMemorySession session)
    {
        if (session.Will is { } will)
        {
            PublishLocked(will.Topic, will.Payload, will.Retain);
        }
    }

    private void PublishLocked(string topic, ReadOnlyMemory<byte> payload, bool retain)
    {
        _published++;
        if (retain)
        {
            if (payload.IsEmpty)
            {
                _retained.Remove(topic);
            }
            else
            {
                _retained[topic] = new LinkMessage(topic, payload.ToArray(), Retained: true);
            }
        }

        foreach (var session in _sessions.Values)
        {
            foreach (var filter in session.Filters)
            {
                if (MqttTopic.Matches(filter, topic))
                {
                    // A copy per receiver, as each MQTT client gets its own bytes; Retained is false for live delivery
                    // (MQTT 5 without "retain as published").
                    session.Link.Deliver(new LinkMessage(topic, payload.ToArray(), Retained: false));
                    break;
                }
            }
        }
    }

    private void ThrowIfInactive(InMemorySession session, string action)
    {
        if (!session.Active)
        {
            throw new LinkDisconnectedException($"cannot {action}: client '{session.ClientId}' is no longer connected to {Description}");
        }
    }
}

/// <summary>One connection of an <see cref="InMemoryLink"/> to an <see cref="InMemoryBroker"/>; a reconnect makes a new one.</summary>
internal sealed class InMemorySession(InMemoryBroker broker, InMemoryLink link, string clientId, LinkWill? will) : LinkSession
{
    public InMemoryLink Link { get; } = link;

    public string ClientId { get; } = clientId;

    public LinkWill? Will { get; } = will;

    /// <summary>Guarded by the broker's lock.</summary>
    public List<string> Filters { get; } = [];

    /// <summary>Guarded by the broker's lock; false once the broker dropped or closed the session.</summary>
    public bool Active { get; set; } = true;

    // Active belongs to the broker's lock; reading it without the lock only answers a moment late.
    public override bool IsConnected => Active;

    public override Task DisconnectAsync(CancellationToken cancellationToken)
    {
        broker.Disconnect(this, publishWill: false);
        return Task.CompletedTask;
    }

    public override void Abort() => broker.Disconnect(this, publishWill: true);
}
