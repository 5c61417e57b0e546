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

    private sealed class FailingLink(IRigLink inner, FailingReadLinkFactory owner) : DelegatingLink(inner)
    {
        private readonly FailingReader _reader = new(inner.Messages, owner);

        public override ChannelReader<LinkMessage> Messages => _reader;
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
