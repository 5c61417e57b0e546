using System;
using System.Threading;
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

    private sealed class DroppingLink(IRigLink inner, DroppingLinkFactory owner) : DelegatingLink(inner)
    {
        private long _index;

        public override Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            if (owner._drop(topic, Interlocked.Increment(ref _index)))
            {
                Interlocked.Increment(ref owner._dropped);
                return Task.CompletedTask;
            }

            return Inner.PublishAsync(topic, payload, retain, cancellationToken);
        }
    }

    private readonly Func<string, long, bool> _drop = drop;
}
