using System;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.Integration.Tests;

/// <summary>
/// Test fake: wraps a real link and holds every publish on the chosen topics for a fixed wall time before passing it
/// on (a slow or loaded host), so whatever the other end does while it waits shows up.
/// </summary>
public sealed class SlowPublishLinkFactory(ILinkFactory inner, Func<string, bool> slow, TimeSpan delay) : ILinkFactory
{
    public string Description => inner.Description + " (slow publishes)";

    /// <summary>Publishes that were held.</summary>
    public long Delayed => Interlocked.Read(ref _delayed);

    private long _delayed;

    public IRigLink Create(LinkOptions options) => new SlowLink(inner.Create(options), this);

    private sealed class SlowLink(IRigLink inner, SlowPublishLinkFactory owner) : DelegatingLink(inner)
    {
        public override async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            if (owner._slow(topic))
            {
                Interlocked.Increment(ref owner._delayed);
                await Task.Delay(owner._delay, cancellationToken);
            }

            await Inner.PublishAsync(topic, payload, retain, cancellationToken);
        }
    }

    private readonly Func<string, bool> _slow = slow;
    private readonly TimeSpan _delay = delay;
}
