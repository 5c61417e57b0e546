using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Broker;

public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task The_embedded_broker_refuses_a_port_in_use_with_a_message_naming_the_port()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<IOException>(
            () => EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = port }, TestContext.Current.CancellationToken));

        Assert.Contains($"port {port} on 127.0.0.1 is already in use", error.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_0_picks_a_free_port_and_the_address_names_it()
    {
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, TestContext.Current.CancellationToken);

        Assert.NotEqual(0, broker.Port);
        Assert.Equal($"mqtt://127.0.0.1:{broker.Port}", broker.Address.ToString());
        using var probe = new TcpClient();
        await probe.ConnectAsync(IPAddress.Loopback, broker.Port, TestContext.Current.CancellationToken);
        Assert.Equal(0, broker.DroppedMessages);
    }

    [Fact]
    public async Task Messages_dropped_for_a_subscriber_that_stopped_reading_are_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, MaxPendingMessagesPerClient = 5 }, ct);

        // A hand-made MQTT 3.1.1 client that subscribes and then never reads again, with a tiny receive buffer so the
        // broker's queue for it fills up quickly.
        using var slow = new TcpClient { ReceiveBufferSize = 4096 };
        await slow.ConnectAsync(IPAddress.Loopback, broker.Port, ct);
        var stream = slow.GetStream();
        byte[] connect = [0x10, 16, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, 4, (byte)'s', (byte)'l', (byte)'o', (byte)'w'];
        await stream.WriteAsync(connect, ct);
        await stream.ReadExactlyAsync(new byte[4], ct);
        byte[] subscribe = [0x82, 11, 0, 1, 0, 6, (byte)'s', (byte)'l', (byte)'o', (byte)'w', (byte)'/', (byte)'t', 1];
        await stream.WriteAsync(subscribe, ct);
        await stream.ReadExactlyAsync(new byte[5], ct);

        await using var publisher = new MqttLink(broker.Address, new LinkOptions { ClientId = "fast" });
        await publisher.ConnectAsync(ct);
        var payload = new byte[64 * 1024];
        for (var i = 0; i < 400 && broker.DroppedMessages == 0; i++)
        {
            await publisher.PublishAsync("slow/t", payload, retain: false, ct);
        }

        await Eventually.WaitUntil(() => broker.DroppedMessages > 0, TimeSpan.FromSeconds(20), "the broker to count a dropped message", ct);
    }
}
