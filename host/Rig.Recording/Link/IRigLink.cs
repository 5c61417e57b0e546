using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Rig.Recording.Link;

/// <summary>A message as it arrived from the broker: the topic and the exact payload bytes.</summary>
public sealed record LinkMessage(string Topic, ReadOnlyMemory<byte> Payload, bool Retained)
{
    /// <summary>
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the link took the message from the transport, or 0 when
    /// the link does not stamp it; the bridge measures its receive-to-journal latency from it.
    /// </summary>
    public long ReceivedTimestamp { get; init; }
}

/// <summary>The message the broker publishes for a client whose connection drops without a clean disconnect.</summary>
public sealed record LinkWill(string Topic, ReadOnlyMemory<byte> Payload, bool Retain);

/// <summary>How a link connects. Every implementation honours every field.</summary>
public sealed record LinkOptions
{
    public required string ClientId { get; init; }

    public LinkWill? Will { get; init; }

    /// <summary>How long <see cref="IRigLink.ConnectAsync"/> tries before it gives up with <see cref="BrokerUnreachableException"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After a lost connection, keep reconnecting (and re-subscribing) in the background.</summary>
    public bool AutoReconnect { get; init; } = true;

    /// <summary>Pause between reconnect attempts.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>MQTT keep-alive period; the broker declares the client gone after 1.5 of these without traffic.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The one link abstraction between rig devices and the bridge: publish/subscribe with QoS 1, retained messages and
/// a last will. Implementations: <c>MqttLink</c> (any MQTT broker: the embedded one or Mosquitto) and
/// <c>InMemoryLink</c> (an in-process fake for unit tests). All pass one conformance suite
/// (tests/Rig.Host.Tests/Link).
/// </summary>
public interface IRigLink : IAsyncDisposable
{
    string ClientId { get; }

    bool IsConnected { get; }

    /// <summary>Raised with true when the link (re)connects and false when it drops.</summary>
    event Action<bool>? ConnectionChanged;

    /// <summary>Every message received on the link's subscriptions, in arrival order. Unbounded: the reader must keep up.</summary>
    ChannelReader<LinkMessage> Messages { get; }

    /// <summary>Connects, or throws <see cref="BrokerUnreachableException"/> after <see cref="LinkOptions.ConnectTimeout"/>.</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Subscribes with QoS 1; returns once the broker has granted it (so a publish after it cannot be missed).</summary>
    Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken);

    /// <summary>Publishes with QoS 1; returns once the broker has acknowledged. Throws <see cref="LinkDisconnectedException"/> when not connected.</summary>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken);

    /// <summary>Clean disconnect: the will is not published. No reconnect follows.</summary>
    Task DisconnectAsync(CancellationToken cancellationToken);

    /// <summary>Drops the connection without a clean disconnect, as a crash or cable pull would: the broker publishes the will. No reconnect follows.</summary>
    Task AbortAsync();
}

/// <summary>Makes links of one kind (to one broker).</summary>
public interface ILinkFactory
{
    /// <summary>Human-readable broker description for logs and summaries (e.g. "mqtt://127.0.0.1:1883").</summary>
    string Description { get; }

    IRigLink Create(LinkOptions options);
}

/// <summary>The broker could not be reached or refused the connection.</summary>
public sealed class BrokerUnreachableException : Exception
{
    public BrokerUnreachableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public BrokerUnreachableException()
    {
    }

    public BrokerUnreachableException(string message)
        : base(message)
    {
    }
}

/// <summary>A publish was attempted while the link was not connected.</summary>
public sealed class LinkDisconnectedException : Exception
{
    public LinkDisconnectedException(string message)
        : base(message)
    {
    }

    public LinkDisconnectedException()
    {
    }

    public LinkDisconnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
