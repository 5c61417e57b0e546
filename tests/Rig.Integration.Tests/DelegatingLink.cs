using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.Integration.Tests;

/// <summary>Base of the test fakes that wrap a real link: everything passes through unless a fake overrides it.</summary>
public abstract class DelegatingLink(IRigLink inner) : IRigLink
{
    protected IRigLink Inner { get; } = inner;

    public string ClientId => Inner.ClientId;

    public bool IsConnected => Inner.IsConnected;

    public event Action<bool>? ConnectionChanged
    {
        add => Inner.ConnectionChanged += value;
        remove => Inner.ConnectionChanged -= value;
    }

    public virtual ChannelReader<LinkMessage> Messages => Inner.Messages;

    public Task ConnectAsync(CancellationToken cancellationToken) => Inner.ConnectAsync(cancellationToken);

    public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) => Inner.SubscribeAsync(topicFilter, cancellationToken);

    public virtual Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken) =>
        Inner.PublishAsync(topic, payload, retain, cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => Inner.DisconnectAsync(cancellationToken);

    public Task AbortAsync() => Inner.AbortAsync();

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Inner.DisposeAsync();
    }
}
