using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.Integration.Tests;

/// <summary>
/// Test fake: wraps a real link and, once <see cref="Fail"/> is called, makes reading its messages throw (an unexpected
/// failure inside the reader), so the recorder's failure path can be exercised.
/// </summary>
public sealed class FailingReadLinkFactory(ILinkFactory inner) : ILinkFactory
{
    private volatile Exception? _failure;

    public string Description => inner.Description + " (failing reads)";

    /// <summary>From now on every read of every link made by this factory throws <paramref name="failure"/>.</summary>
    public void Fail(Exception failure) => _failure = failure;

    public IRigLink Create(LinkOptions options) => new FailingLink(inner.Create(options), this);

    private sealed class FailingLink(IRigLink inner, FailingReadLinkFactory owner) : IRigLink
    {
        private readonly FailingReader _reader = new(inner.Messages, owner);

        public string ClientId => inner.ClientId;

        public bool IsConnected => inner.IsConnected;

        public event Action<bool>? ConnectionChanged
        {
            add => inner.ConnectionChanged += value;
            remove => inner.ConnectionChanged -= value;
        }

        public ChannelReader<LinkMessage> Messages => _reader;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) => inner.SubscribeAsync(topicFilter, cancellationToken);

        public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken) =>
            inner.PublishAsync(topic, payload, retain, cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public Task AbortAsync() => inner.AbortAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class FailingReader(ChannelReader<LinkMessage> inner, FailingReadLinkFactory owner) : ChannelReader<LinkMessage>
    {
        public override bool TryRead([MaybeNullWhen(false)] out LinkMessage item)
        {
            if (owner._failure is { } failure)
            {
                throw failure;
            }

            return inner.TryRead(out item);
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }
}
