using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.Integration.Tests;

/// <summary>
/// Test fake: wraps a real link and silently loses chosen publishes (as a Wi-Fi drop after the device's publish
/// call would), so the bridge's gap detection and the device's resend path must recover them.
/// </summary>
public sealed class DroppingLinkFactory(ILinkFactory inner, Func<string, long, bool> drop) : ILinkFactory
{
    public string Description => inner.Description + " (dropping)";

    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    public IRigLink Create(LinkOptions options) => new DroppingLink(inner.Create(options), this);

    private sealed class DroppingLink(IRigLink inner, DroppingLinkFactory owner) : IRigLink
    {
        private long _index;

        public string ClientId => inner.ClientId;

        public bool IsConnected => inner.IsConnected;

        public event Action<bool>? ConnectionChanged
        {
            add => inner.ConnectionChanged += value;
            remove => inner.ConnectionChanged -= value;
        }

        public ChannelReader<LinkMessage> Messages => inner.Messages;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) => inner.SubscribeAsync(topicFilter, cancellationToken);

        public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            if (owner._drop(topic, Interlocked.Increment(ref _index)))
            {
                Interlocked.Increment(ref owner._dropped);
                return Task.CompletedTask;
            }

            return inner.PublishAsync(topic, payload, retain, cancellationToken);
        }

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public Task AbortAsync() => inner.AbortAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private readonly Func<string, long, bool> _drop = drop;
}
