using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Link;

/// <summary>
/// The one contract every <see cref="IRigLink"/> must meet, run against each broker kind by the concrete classes
/// (in-memory fake, embedded MQTTnet broker, real Mosquitto). Every test gets a fresh broker.
/// </summary>
public abstract class LinkConformanceTests : IAsyncLifetime
{
    /// <summary>How long a test waits for something that should happen in milliseconds; generous for loaded CI machines.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly List<IRigLink> _links = [];

    protected ILinkFactory Factory { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Factory = await StartBrokerAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links)
        {
            await link.DisposeAsync();
        }

        await DisposeBrokerAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_published_message_reaches_a_subscriber_with_identical_bytes()
    {
        var subscriber = await ConnectAsync("subscriber");
        await subscriber.SubscribeAsync("rig/v1/rig-a/events", Ct);
        var publisher = await ConnectAsync("publisher");

        // Every byte value, then a long run that is not a repeating pattern of any short period.
        var payload = new byte[256 + 8192];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = i < 256 ? (byte)i : (byte)((i * 2654435761u) >> 24);
        }

        await publisher.PublishAsync("rig/v1/rig-a/events", payload, retain: false, Ct);

        var received = await ReceiveAsync(subscriber);
        Assert.Equal("rig/v1/rig-a/events", received.Topic);
        Assert.Equal(payload, received.Payload.ToArray());
        Assert.False(received.Retained);
    }

    [Fact]
    public async Task A_retained_message_reaches_a_client_that_subscribes_later()
    {
        var publisher = await ConnectAsync("publisher");
        await publisher.PublishAsync("rig/v1/rig-a/status", Bytes("online"), retain: true, Ct);

        var late = await ConnectAsync("late");
        await late.SubscribeAsync("rig/v1/rig-a/status", Ct);

        var received = await ReceiveAsync(late);
        Assert.Equal("rig/v1/rig-a/status", received.Topic);
        Assert.Equal("online", Text(received));
        Assert.True(received.Retained);
    }

    [Fact]
    public async Task A_retained_message_delivered_live_is_not_flagged_retained()
    {
        // MQTT 5 without "retain as published": only messages replayed from the retained store carry the flag, so a
        // bridge can tell a rig's state it joined late from a change it saw happen.
        var early = await ConnectAsync("early");
        await early.SubscribeAsync("rig/v1/rig-a/status", Ct);
        var publisher = await ConnectAsync("publisher");
        await publisher.PublishAsync("rig/v1/rig-a/status", Bytes("online"), retain: true, Ct);

        var received = await ReceiveAsync(early);
        Assert.Equal("online", Text(received));
        Assert.False(received.Retained);
    }

    [Fact]
    public async Task A_newer_retained_message_replaces_the_older()
    {
        var publisher = await ConnectAsync("publisher");
        await publisher.PublishAsync("rig/v1/rig-a/status", Bytes("first"), retain: true, Ct);
        await publisher.PublishAsync("rig/v1/rig-a/status", Bytes("second"), retain: true, Ct);

        var late = await ConnectAsync("late");
        await late.SubscribeAsync("rig/v1/rig-a/status", Ct);
        Assert.Equal("second", Text(await ReceiveAsync(late)));

        // Anything retained would arrive before a message published after the subscribe; the marker proves nothing did.
        await publisher.PublishAsync("rig/v1/rig-a/status", Bytes("marker"), retain: false, Ct);
        Assert.Equal("marker", Text(await ReceiveAsync(late)));
    }

    [Fact]
    public async Task An_empty_retained_payload_deletes_the_retained_message()
    {
        var publisher = await ConnectAsync("publisher");
        await publisher.PublishAsync("rig/v1/rig-a/status", Bytes("online"), retain: true, Ct);
        await publisher.PublishAsync("rig/v1/rig-a/status", ReadOnlyMemory<byte>.Empty, retain: true, Ct);

        var late = await ConnectAsync("late");
        await late.SubscribeAsync("rig/v1/rig-a/#", Ct);
        await publisher.PublishAsync("rig/v1/rig-a/marker", Bytes("marker"), retain: false, Ct);

        var first = await ReceiveAsync(late);
        Assert.Equal("rig/v1/rig-a/marker", first.Topic);
    }

    [Fact]
    public async Task The_will_is_published_when_a_client_aborts()
    {
        var watcher = await ConnectAsync("watcher");
        await watcher.SubscribeAsync("rig/v1/rig-w/status", Ct);
        var device = await ConnectAsync("rig-w", new LinkWill("rig/v1/rig-w/status", Bytes("offline"), Retain: true));

        await device.AbortAsync();

        Assert.False(device.IsConnected);
        var will = await ReceiveAsync(watcher);
        Assert.Equal("rig/v1/rig-w/status", will.Topic);
        Assert.Equal("offline", Text(will));

        // The will was retained: a later subscriber learns the rig is offline too.
        var late = await ConnectAsync("late");
        await late.SubscribeAsync("rig/v1/rig-w/status", Ct);
        Assert.Equal("offline", Text(await ReceiveAsync(late)));
    }

    [Fact]
    public async Task A_clean_disconnect_does_not_publish_the_will()
    {
        var watcher = await ConnectAsync("watcher");
        await watcher.SubscribeAsync("rig/v1/+/status", Ct);
        var device = await ConnectAsync("rig-w", new LinkWill("rig/v1/rig-w/status", Bytes("offline"), Retain: false));

        await device.DisconnectAsync(Ct);
        Assert.False(device.IsConnected);

        // A marker published (by a client that connects only now) after the disconnect: a will would have come first.
        var marker = await ConnectAsync("marker");
        await marker.PublishAsync("rig/v1/zz-marker/status", Bytes("marker"), retain: false, Ct);
        var first = await ReceiveAsync(watcher);
        Assert.Equal("rig/v1/zz-marker/status", first.Topic);
    }

    [Fact]
    public async Task Two_thousand_QoS_1_messages_from_one_publisher_arrive_complete_and_in_order()
    {
        const int Count = 2000;
        var subscriber = await ConnectAsync("subscriber");
        await subscriber.SubscribeAsync("rig/v1/rig-o/events", Ct);
        var publisher = await ConnectAsync("publisher");

        var payload = new byte[64];
        for (var i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            await publisher.PublishAsync("rig/v1/rig-o/events", payload, retain: false, Ct);
        }

        for (var i = 0; i < Count; i++)
        {
            var message = await ReceiveAsync(subscriber);
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(message.Payload.Span));
        }

        AssertBrokerDroppedNothing();
    }

    [Fact]
    public async Task Concurrent_publishes_on_one_link_all_arrive_in_order_per_caller()
    {
        const int Callers = 8;
        const int PerCaller = 250;
        var subscriber = await ConnectAsync("subscriber");
        await subscriber.SubscribeAsync("rig/v1/+/events", Ct);
        var publisher = await ConnectAsync("publisher");

        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(
            async () =>
            {
                for (var i = 0; i < PerCaller; i++)
                {
                    var payload = new byte[4];
                    BinaryPrimitives.WriteInt32LittleEndian(payload, i);
                    await publisher.PublishAsync($"rig/v1/caller-{caller}/events", payload, retain: false, Ct);
                }
            },
            Ct)));

        var next = new int[Callers];
        for (var n = 0; n < Callers * PerCaller; n++)
        {
            var message = await ReceiveAsync(subscriber);
            var caller = int.Parse(message.Topic.Split('/')[2]["caller-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(next[caller]++, BinaryPrimitives.ReadInt32LittleEndian(message.Payload.Span));
        }

        Assert.All(next, count => Assert.Equal(PerCaller, count));
    }

    [Fact]
    public async Task A_status_wildcard_filter_matches_every_rigs_status_and_nothing_else()
    {
        var subscriber = await ConnectAsync("subscriber");
        await subscriber.SubscribeAsync("rig/v1/+/status", Ct);
        var publisher = await ConnectAsync("publisher");

        string[] topics =
        [
            "rig/v1/rig-a/status",
            "rig/v1/rig-a/events",
            "rig/v1/rig-b/status",
            "rig/v1/rig-a/status/extra",
            "rig/v2/rig-a/status",
            "rig/v1/status",
            "rigs/v1/rig-a/status",
            "rig/v1/rig-c/status",
            "rig/v1/zz-end/status",
        ];
        foreach (var topic in topics)
        {
            await publisher.PublishAsync(topic, Bytes(topic), retain: false, Ct);
        }

        var received = new List<string>();
        while (received.Count == 0 || received[^1] != "rig/v1/zz-end/status")
        {
            var message = await ReceiveAsync(subscriber);
            Assert.Equal(message.Topic, Text(message));
            received.Add(message.Topic);
        }

        Assert.Equal(["rig/v1/rig-a/status", "rig/v1/rig-b/status", "rig/v1/rig-c/status", "rig/v1/zz-end/status"], received);
    }

    [Fact]
    public async Task A_multi_level_wildcard_matches_the_parent_level_and_everything_below_it()
    {
        var subscriber = await ConnectAsync("subscriber");
        await subscriber.SubscribeAsync("rig/v1/rig-a/#", Ct);
        var publisher = await ConnectAsync("publisher");

        string[] topics =
        [
            "rig/v1/rig-a",
            "rig/v1/rig-a/status",
            "rig/v1/rig-ab/status",
            "rig/v1/rig-a/events/batch",
            "rig/v1/rig-b/status",
            "rig/v1",
            "rig/v1/rig-a/zz-end",
        ];
        foreach (var topic in topics)
        {
            await publisher.PublishAsync(topic, Bytes(topic), retain: false, Ct);
        }

        var received = new List<string>();
        while (received.Count == 0 || received[^1] != "rig/v1/rig-a/zz-end")
        {
            received.Add((await ReceiveAsync(subscriber)).Topic);
        }

        Assert.Equal(["rig/v1/rig-a", "rig/v1/rig-a/status", "rig/v1/rig-a/events/batch", "rig/v1/rig-a/zz-end"], received);
    }

    [Fact]
    public async Task Publishing_while_disconnected_throws_LinkDisconnectedException()
    {
        var link = Create("device");
        await Assert.ThrowsAsync<LinkDisconnectedException>(() => link.PublishAsync("rig/v1/rig-a/status", Bytes("x"), retain: false, Ct));

        await link.ConnectAsync(Ct);
        await link.PublishAsync("rig/v1/rig-a/status", Bytes("x"), retain: false, Ct);
        await link.DisconnectAsync(Ct);
        var afterDisconnect = await Assert.ThrowsAsync<LinkDisconnectedException>(
            () => link.PublishAsync("rig/v1/rig-a/status", Bytes("x"), retain: false, Ct));
        Assert.Contains("rig/v1/rig-a/status", afterDisconnect.Message, StringComparison.Ordinal);

        var aborted = await ConnectAsync("aborted");
        await aborted.AbortAsync();
        await Assert.ThrowsAsync<LinkDisconnectedException>(() => aborted.PublishAsync("rig/v1/rig-b/status", Bytes("x"), retain: false, Ct));
    }

    [Fact]
    public async Task Connecting_where_no_broker_listens_throws_BrokerUnreachableException_within_the_timeout()
    {
        var timeout = TimeSpan.FromSeconds(1);
        var nowhere = await UnreachableFactoryAsync();
        var link = nowhere.Create(new LinkOptions { ClientId = "lonely", ConnectTimeout = timeout, ReconnectDelay = TimeSpan.FromMilliseconds(100) });
        _links.Add(link);

        var elapsed = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(Ct));
        elapsed.Stop();

        // It keeps trying for the whole timeout (a broker may still be starting), then gives up promptly.
        Assert.InRange(elapsed.Elapsed, timeout * 0.9, timeout + TimeSpan.FromSeconds(3));
        Assert.Contains(nowhere.Description, error.Message, StringComparison.Ordinal);
        if (UnreachableReason is { } reason)
        {
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }

        Assert.False(link.IsConnected);
    }

    [Fact]
    public async Task After_the_broker_restarts_an_auto_reconnecting_link_resubscribes_and_receives_again()
    {
        var changes = new ConcurrentQueue<bool>();
        var subscriber = Create("subscriber", reconnectDelay: TimeSpan.FromMilliseconds(100));
        subscriber.ConnectionChanged += changes.Enqueue;
        await subscriber.ConnectAsync(Ct);
        await subscriber.SubscribeAsync("rig/v1/+/status", Ct);

        await StopBrokerAsync();
        await Eventually.WaitUntil(() => !subscriber.IsConnected, Patience, "the subscriber to notice the broker is gone", Ct);
        await StartBrokerAgainAsync();
        await Eventually.WaitUntil(() => subscriber.IsConnected, Patience, "the subscriber to reconnect", Ct);

        var publisher = await ConnectAsync("publisher");
        await publisher.PublishAsync("rig/v1/rig-r/status", Bytes("back"), retain: false, Ct);
        var received = await ReceiveAsync(subscriber);
        Assert.Equal("rig/v1/rig-r/status", received.Topic);
        Assert.Equal("back", Text(received));
        Assert.Equal([true, false, true], changes.ToArray());
    }

    [Fact]
    public async Task An_aborted_link_does_not_reconnect()
    {
        var changes = new ConcurrentQueue<bool>();
        var device = Create("device", reconnectDelay: TimeSpan.FromMilliseconds(50));
        device.ConnectionChanged += changes.Enqueue;
        await device.ConnectAsync(Ct);

        await device.AbortAsync();

        // A reconnect would take one reconnect delay; a fresh connection proves the broker is up well after that.
        var other = await ConnectAsync("other");
        await other.SubscribeAsync("rig/v1/+/status", Ct);
        await other.PublishAsync("rig/v1/rig-a/status", Bytes("x"), retain: false, Ct);
        await ReceiveAsync(other);
        Assert.False(device.IsConnected);
        Assert.Equal([true, false], changes.ToArray());
    }

    /// <summary>Starts a fresh broker for one test and returns the factory for links to it.</summary>
    protected abstract Task<ILinkFactory> StartBrokerAsync();

    /// <summary>Takes the broker down abruptly (crash or outage): connected links drop.</summary>
    protected abstract Task StopBrokerAsync();

    /// <summary>Brings the broker back at the same address.</summary>
    protected abstract Task StartBrokerAgainAsync();

    /// <summary>A factory for links to an address where no broker listens.</summary>
    protected abstract Task<ILinkFactory> UnreachableFactoryAsync();

    protected abstract ValueTask DisposeBrokerAsync();

    /// <summary>The reason an unreachable-broker message must name, where the link kind has one.</summary>
    protected virtual string? UnreachableReason => null;

    protected virtual void AssertBrokerDroppedNothing()
    {
    }

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(LinkMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    protected IRigLink Create(string clientId, LinkWill? will = null, TimeSpan? reconnectDelay = null)
    {
        var link = Factory.Create(new LinkOptions
        {
            ClientId = clientId,
            Will = will,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ReconnectDelay = reconnectDelay ?? TimeSpan.FromMilliseconds(200),
        });
        _links.Add(link);
        return link;
    }

    protected async Task<IRigLink> ConnectAsync(string clientId, LinkWill? will = null)
    {
        var link = Create(clientId, will);
        await link.ConnectAsync(Ct);
        return link;
    }

    protected static async Task<LinkMessage> ReceiveAsync(IRigLink link)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Patience);
        try
        {
            return await link.Messages.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            throw new TimeoutException($"'{link.ClientId}' received no message within {Patience.TotalSeconds:0} s");
        }
    }
}
