using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Rig.Experiment.Tasks;
using Rig.Experiment.Vr;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Renderer.Tests;

public sealed class BrokerWebSocketTests
{
    [Fact]
    public async Task A_WebSocket_client_and_a_TCP_link_share_the_embedded_brokers_topics_both_ways()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, WebSocketPort = 0 }, ct);
        Assert.NotNull(broker.WebSocketUrl);
        Assert.Equal(("ws", "127.0.0.1", "/mqtt"), (broker.WebSocketUrl.Scheme, broker.WebSocketUrl.Host, broker.WebSocketUrl.AbsolutePath));
        Assert.NotEqual(broker.Port, broker.WebSocketUrl.Port);

        await using var tcp = new MqttLinkFactory(broker.Address).Create(new LinkOptions { ClientId = "tcp" });
        await tcp.ConnectAsync(ct);
        await tcp.SubscribeAsync("vr/v1/r1/frame", ct);

        using var ws = new MqttClientFactory().CreateMqttClient();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        ws.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await ws.ConnectAsync(new MqttClientOptionsBuilder().WithClientId("browser-like")
            .WithWebSocketServer(o => o.WithUri(broker.WebSocketUrl.ToString())).Build(), ct);
        await ws.SubscribeAsync("vr/v1/r1/scene", cancellationToken: ct);

        await tcp.PublishAsync("vr/v1/r1/scene", Encoding.UTF8.GetBytes("""{"t_us":1}"""), retain: false, ct);
        Assert.Equal("""{"t_us":1}""", await received.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));

        await ws.PublishStringAsync("vr/v1/r1/frame", """{"frame":0}""", cancellationToken: ct);
        var frame = await tcp.Messages.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal("""{"frame":0}""", Encoding.UTF8.GetString(frame.Payload.Span));
    }

    [Fact]
    public async Task Without_a_WebSocket_port_the_broker_listens_on_TCP_only()
    {
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        Assert.Null(broker.WebSocketUrl);
    }

    [Fact]
    public async Task A_WebSocket_port_in_use_is_refused_naming_the_port_and_the_TCP_listener_is_released()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        int tcpPort = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        var ex = await Assert.ThrowsAsync<IOException>(() => EmbeddedBroker.StartAsync(
            new EmbeddedBrokerOptions { Port = tcpPort, WebSocketPort = port }, TestContext.Current.CancellationToken));
        Assert.Contains($"port {port}", ex.Message, StringComparison.Ordinal);

        // The failed start let go of its TCP port.
        await using var again = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = tcpPort }, TestContext.Current.CancellationToken);
        Assert.Equal(tcpPort, again.Port);
    }

    [Fact]
    public async Task The_session_start_message_carries_the_protocols_corridor_and_every_wall_it_can_show()
    {
        var ct = TestContext.Current.CancellationToken;
        var protocol = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"));
        var links = new InMemoryBroker().CreateLinkFactory();
        await using var renderer = links.Create(new LinkOptions { ClientId = "renderer" });
        await renderer.ConnectAsync(ct);
        await renderer.SubscribeAsync("vr/v1/r1/session", ct);
        await using var hostLink = links.Create(new LinkOptions { ClientId = "host" });
        await hostLink.ConnectAsync(ct);
        await using (var sink = new MqttVrSceneSink(hostLink, new VrSinkOptions { RigId = "r1", Corridor = VrCorridor.From(protocol) }, NullLogger.Instance))
        {
            sink.OnSessionStarted("s1", protocol.Name);
            await sink.FlushAndStopAsync(TimeSpan.FromSeconds(5));
        }

        var message = await renderer.Messages.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
        var start = JsonDocument.Parse(message.Payload).RootElement;
        Assert.Equal(("start", "s1", "supervised-leaf1-circle1"), (start.GetProperty("event").GetString(), start.GetProperty("session").GetString(), start.GetProperty("protocol").GetString()));
        Assert.Equal(40, start.GetProperty("corridor").GetProperty("texture_dm").GetDouble());
        Assert.Equal(20, start.GetProperty("corridor").GetProperty("gray_dm").GetDouble());
        Assert.Equal(["leaf1", "circle1"], start.GetProperty("walls").EnumerateArray().Select(w => w.GetString()!));
    }
}
