using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Rig.Firmware;
using Rig.Firmware.Hardware;
using Rig.Recording.Link;
using Rig.Protocol;
using Rig.VirtualRig.Peripherals;
using Rig.VirtualRig.World;

namespace Rig.VirtualRig;

/// <summary>
/// Adapts the firmware core's synchronous <see cref="IDeviceLink"/> to an <see cref="IRigLink"/>, as the
/// nanoFramework MQTT client does on the device: publishes are copied and sent in order by a pump task;
/// command messages are handed to <see cref="RigDevice.OfferCommand"/> stamped with the virtual receive time.
/// </summary>
public sealed class SimDeviceLink : IDeviceLink, IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly RigTopics _topics;
    private readonly VirtualClock _clock;
    private readonly IMicrosecondClock _deviceClock;
    private readonly SimNetwork? _network;
    private readonly int _maxQueued;
    private readonly Channel<(string Topic, byte[] Payload, bool Retain)> _outgoing =
        Channel.CreateUnbounded<(string, byte[], bool)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private Task? _pump;
    private Task? _receiver;
    private RigDevice? _device;
    private int _queued;
    private int _reconnected;
    private long _publishFailures;

    /// <param name="clock">Virtual (true) time, in which network delays pass.</param>
    /// <param name="deviceClock">The device's clock, which stamps a command's receipt; null when it is <paramref name="clock"/>.</param>
    /// <param name="network">The simulated network; null delivers every message at once, as before the world existed.</param>
    public SimDeviceLink(IRigLink link, RigTopics topics, VirtualClock clock, int maxQueued,
        IMicrosecondClock? deviceClock = null, SimNetwork? network = null)
    {
        _link = link;
        _topics = topics;
        _clock = clock;
        _deviceClock = deviceClock ?? clock;
        _network = network;
        _maxQueued = maxQueued;
        _link.ConnectionChanged += connected =>
        {
            if (connected)
            {
                Interlocked.Exchange(ref _reconnected, 1);
            }
        };
    }

    public bool IsConnected => _link.IsConnected;

    /// <summary>The simulated network, when the rig lives in a world.</summary>
    public SimNetwork? Network => _network;

    /// <summary>Messages accepted but not yet acknowledged by the broker.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Messages accepted from the core that the broker never took (the link dropped mid-publish). The core resends batches after a reconnect.</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    /// <summary>The last publish failure, for reports.</summary>
    public Exception? LastPublishError { get; private set; }

    /// <summary>
    /// Every message the core publishes, on the simulation thread as it is published (before the network or the broker):
    /// the lockstep task driver reads the device's event batches here.
    /// </summary>
    public event Action<TopicKind, byte[]>? Published;

    public void Attach(RigDevice device)
    {
        _device = device;
        _pump = Task.Run(PumpAsync);
        _receiver = Task.Run(ReceiveAsync);
    }

    /// <summary>True once after each reconnect; the simulation loop then tells the core (on its own thread).</summary>
    public bool TakeReconnected() => Interlocked.Exchange(ref _reconnected, 0) == 1;

    public bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain)
    {
        int inFlight = Volatile.Read(ref _queued) + (_network?.Held ?? 0);
        if (!_link.IsConnected || inFlight >= _maxQueued)
        {
            return false;
        }

        var copy = new byte[count];
        Buffer.BlockCopy(buffer, offset, copy, 0, count);
        ulong? arrival = _clock.NowMicros;
        if (_network is not null)
        {
            // Accepted either way: the device cannot tell a message the network lost; it keeps batches until acknowledged.
            _network.SendUp(new OutgoingMessage(_topics.Get(topic), copy, retain), _clock.NowMicros, out arrival);
        }
        else
        {
            Interlocked.Increment(ref _queued);
            if (!_outgoing.Writer.TryWrite((_topics.Get(topic), copy, retain)))
            {
                return false;
            }
        }

        PublishingArrivalMicros = arrival;
        Publishing = true;
        try
        {
            Published?.Invoke(topic, copy);
        }
        finally
        {
            Publishing = false;
        }

        return true;
    }

    /// <summary>True while <see cref="Published"/> runs (on the simulation thread).</summary>
    public bool Publishing { get; private set; }

    /// <summary>
    /// While <see cref="Published"/> runs: the true time the message reaches the broker (after the simulated network's
    /// delay; now without a network), or null when the network lost it.
    /// </summary>
    public ulong? PublishingArrivalMicros { get; private set; }

    /// <summary>
    /// The bridge's inbox when the bridge runs on the simulation's time (<see cref="VirtualHostTime"/>): virtual time
    /// then waits at each delivered clock-exchange reply until the bridge has stamped it.
    /// </summary>
    public HostInbox? HostInbox { get; set; }

    /// <summary>
    /// Called by the simulation loop each tick (its thread) before virtual time reaches <paramref name="untilMicros"/>:
    /// hands over the messages whose delay has passed, each at its own instant (virtual time is advanced to it), so
    /// delays are not rounded to the 1 ms tick: the device stamps a command's receipt when it arrives, as its link's
    /// receive thread does, and the broker gets a device message when it arrives.
    /// </summary>
    public async Task ReleaseAsync(ulong untilMicros, CancellationToken cancellationToken)
    {
        if (_network is null)
        {
            return;
        }

        if (HostInbox is { } host)
        {
            await host.WaitDeliveredAsync(_topics.Command, HostWaitTimeout, cancellationToken);
        }

        while (_network.NextDueMicros is { } due && due <= untilMicros)
        {
            if (due > _clock.NowMicros)
            {
                _clock.AdvanceTo(due);
            }

            ulong now = _clock.NowMicros;
            while (_network.TryReleaseDown(now, out var command))
            {
                _device?.OfferCommand(command, 0, command.Length, _deviceClock.NowMicros);
            }

            bool syncReply = false;
            while (_network.TryReleaseUp(now, out var message))
            {
                syncReply |= message.Topic == _topics.Sync;
                Interlocked.Increment(ref _queued);
                _outgoing.Writer.TryWrite((message.Topic, message.Payload, message.Retain));
            }

            // Only clock-exchange replies need their arrival stamped exactly; waiting for every batch would cost wall time.
            if (syncReply && HostInbox is { } inbox)
            {
                await inbox.WaitIdleAsync(() => Queued == 0, HostWaitTimeout, cancellationToken);
            }
        }
    }

    /// <summary>Longest wall time virtual time waits for the bridge to take a reply.</summary>
    private static readonly TimeSpan HostWaitTimeout = TimeSpan.FromSeconds(1);

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _stop.CancelAsync();
        if (_pump is not null)
        {
            await _pump;
        }

        if (_receiver is not null)
        {
            await _receiver;
        }

        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var (topic, payload, retain) in _outgoing.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    await _link.PublishAsync(topic, payload, retain, _stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Counted and kept: the core still holds every batch and resends it after the reconnect.
                    Interlocked.Increment(ref _publishFailures);
                    LastPublishError = e;
                }
                finally
                {
                    Interlocked.Decrement(ref _queued);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal.
        }
    }

    /// <summary>
    /// When a command left the host, in virtual µs: now, except for a clock-exchange request from a bridge on the
    /// simulation's time, which left when the bridge stamped it (the time it carries). The in-process hop from the
    /// bridge to here takes wall time that would otherwise pass in virtual time on the downlink only.
    /// </summary>
    private ulong SentAtMicros(byte[] bytes)
    {
        ulong now = _clock.NowMicros;
        if (HostInbox is null || bytes.Length < 3 || bytes[2] != (byte)CommandOpcode.SyncRequest)
        {
            return now;
        }

        try
        {
            var command = Command.Read(new ByteReader(bytes, 0, bytes.Length));
            return Math.Min(now, command.HostTime / 1000);
        }
        catch (ProtocolException)
        {
            // Malformed: the device will reject it; when it left does not matter.
            return now;
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            await foreach (var message in _link.Messages.ReadAllAsync(_stop.Token))
            {
                if (message.Topic == _topics.Command && _device is not null)
                {
                    byte[] bytes = message.Payload.ToArray();
                    if (_network is not null)
                    {
                        // Lost or held; a lost command times out on the host, as it would.
                        _network.SendDown(bytes, SentAtMicros(bytes));
                        HostInbox?.Delivered(message.Topic);
                    }
                    else
                    {
                        _device.OfferCommand(bytes, 0, bytes.Length, _deviceClock.NowMicros);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal.
        }
    }
}

