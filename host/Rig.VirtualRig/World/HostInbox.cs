using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.VirtualRig.World;

/// <summary>
/// Lets the simulation hold virtual time while a bridge on <see cref="VirtualHostTime"/> takes in what the simulated
/// network delivered, so the bridge stamps a message's arrival at the virtual instant it arrived. Without it, the
/// wall time the in-process hops take (device link pump, in-memory broker, the bridge's receive loop) passes in virtual
/// time on the uplink only: measured ~1 ms on average at speed 1 on a loaded machine, varying with load, which is an
/// asymmetry a clock exchange cannot see (docs/sync.md, "The simulated world"). A real bridge's receive latency is
/// tens of µs; the simulation models it as zero.
/// </summary>
public sealed class HostInbox
{
    private readonly Lock _gate = new();
    private readonly List<TrackingReader> _readers = [];
    private readonly Dictionary<string, int> _inFlight = [];
    private long _timeouts;

    /// <summary>Waits that gave up because the bridge did not take its messages in time (virtual time then went on).</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>True when every wrapped link's received messages have been read and stamped by the bridge.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                foreach (var reader in _readers)
                {
                    if (!reader.IsIdle)
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    /// <summary>Links from <paramref name="inner"/> whose received messages this inbox follows (the bridge's links).</summary>
    public ILinkFactory Wrap(ILinkFactory inner) => new Factory(this, inner);

    /// <summary>
    /// Waits (wall time) until <paramref name="delivered"/> holds and the bridge has read everything; gives up after
    /// <paramref name="timeout"/> and counts it, so a stopped bridge never stalls the simulation.
    /// </summary>
    public async Task WaitIdleAsync(Func<bool> delivered, TimeSpan timeout, CancellationToken cancellationToken, bool readersToo = true)
    {
        long start = Stopwatch.GetTimestamp();
        for (int spin = 0; !(delivered() && (!readersToo || IsIdle)); spin++)
        {
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                Interlocked.Increment(ref _timeouts);
                return;
            }

            // The hop usually takes microseconds: yield first, sleep only when the bridge is busy.
            if (spin < 64)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(1, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Waits (wall time) until every message the bridge published on <paramref name="topic"/> has reached the simulated
    /// device's link (<see cref="Delivered"/>): the hop takes wall time, and virtual time must not run past a command's
    /// arrival while it is still on its way. Gives up after <paramref name="timeout"/> and counts it.
    /// </summary>
    public async Task WaitDeliveredAsync(string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long before = Timeouts;
        await WaitIdleAsync(() => InFlight(topic) == 0, timeout, cancellationToken, readersToo: false);
        if (Timeouts != before)
        {
            // Published but never taken (the device was not subscribed then): forget it rather than wait again each tick.
            lock (_gate)
            {
                _inFlight[topic] = 0;
            }
        }
    }

    /// <summary>The simulated device's link took a message the bridge published on <paramref name="topic"/>.</summary>
    public void Delivered(string topic)
    {
        lock (_gate)
        {
            if (_inFlight.TryGetValue(topic, out int n) && n > 0)
            {
                _inFlight[topic] = n - 1;
            }
        }
    }

    private int InFlight(string topic)
    {
        lock (_gate)
        {
            return _inFlight.GetValueOrDefault(topic);
        }
    }

    private void Publishing(string topic)
    {
        lock (_gate)
        {
            _inFlight[topic] = _inFlight.GetValueOrDefault(topic) + 1;
        }
    }

    private void Add(TrackingReader reader)
    {
        lock (_gate)
        {
            _readers.Add(reader);
        }
    }

    private sealed class Factory(HostInbox inbox, ILinkFactory inner) : ILinkFactory
    {
        public string Description => inner.Description;

        public IRigLink Create(LinkOptions options)
        {
            var link = inner.Create(options);
            var reader = new TrackingReader(link.Messages);
            inbox.Add(reader);
            return new TrackingLink(inbox, link, reader);
        }
    }

    /// <summary>
    /// A reader that knows whether its consumer is between taking a message and coming back for the next: the bridge
    /// stamps a message right after taking it, so once it asks again (or the queue is empty and untouched), every
    /// message taken has its stamp.
    /// </summary>
    private sealed class TrackingReader(ChannelReader<LinkMessage> inner) : ChannelReader<LinkMessage>
    {
        private int _holding;

        public bool IsIdle => Volatile.Read(ref _holding) == 0 && (!inner.CanCount || inner.Count == 0);

        public override bool CanCount => inner.CanCount;

        public override int Count => inner.Count;

        public override Task Completion => inner.Completion;

        public override bool TryRead([MaybeNullWhen(false)] out LinkMessage item)
        {
            bool taken = inner.TryRead(out item);
            Volatile.Write(ref _holding, taken ? 1 : 0);
            return taken;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            Volatile.Write(ref _holding, 0);
            return inner.WaitToReadAsync(cancellationToken);
        }
    }

    private sealed class TrackingLink(HostInbox inbox, IRigLink inner, ChannelReader<LinkMessage> reader) : IRigLink
    {
        public string ClientId => inner.ClientId;

        public bool IsConnected => inner.IsConnected;

        public event Action<bool>? ConnectionChanged
        {
            add => inner.ConnectionChanged += value;
            remove => inner.ConnectionChanged -= value;
        }

        public ChannelReader<LinkMessage> Messages => reader;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) => inner.SubscribeAsync(topicFilter, cancellationToken);

        public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            inbox.Publishing(topic);
            try
            {
                await inner.PublishAsync(topic, payload, retain, cancellationToken);
            }
            catch
            {
                // Never delivered: nothing to wait for.
                inbox.Delivered(topic);
                throw;
            }
        }

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public Task AbortAsync() => inner.AbortAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
