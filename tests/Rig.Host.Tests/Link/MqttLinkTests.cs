using System;
using System.Diagnostics;
using System.Net;
using System.Threading.Tasks;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Link;

/// <summary>MqttLink behaviour that only a real MQTT broker can show: refusals and failure reason codes.</summary>
public sealed class MqttLinkTests : IAsyncLifetime
{
    private readonly MqttServerFactory _factory = new();
    private MqttServer? _server;
    private BrokerAddress? _address;

    public async ValueTask InitializeAsync()
    {
        var port = FreePort.Pick();
        var options = _factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(port)
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .Build();
        _server = _factory.CreateMqttServer(options);
        _server.ValidatingConnectionAsync += args =>
        {
            if (args.ClientId == "banned")
            {
                args.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += args =>
        {
            if (args.ApplicationMessage.Topic.StartsWith("forbidden/", StringComparison.Ordinal))
            {
                args.ProcessPublish = false;
                args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
                args.Response.ReasonString = "read-only topic";
            }

            return Task.CompletedTask;
        };
        _server.InterceptingSubscriptionAsync += args =>
        {
            if (args.TopicFilter.Topic.StartsWith("secret/", StringComparison.Ordinal))
            {
                args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
        await _server.StartAsync();
        _address = new BrokerAddress("127.0.0.1", port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync(_factory.CreateMqttServerStopOptionsBuilder().Build());
            _server.Dispose();
        }
    }

    [Fact]
    public async Task A_publish_the_broker_rejects_throws_LinkRejectedException_with_the_reason()
    {
        await using var link = new MqttLink(_address!, new LinkOptions { ClientId = "publisher" });
        await link.ConnectAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<LinkRejectedException>(
            () => link.PublishAsync("forbidden/x", new byte[] { 1 }, retain: false, TestContext.Current.CancellationToken));

        Assert.Contains("forbidden/x", error.Message, StringComparison.Ordinal);
        Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
        Assert.Contains("read-only topic", error.Message, StringComparison.Ordinal);

        // The link stays usable for allowed topics.
        await link.PublishAsync("allowed/x", new byte[] { 1 }, retain: false, TestContext.Current.CancellationToken);
        Assert.Equal(1, link.MessagesPublished);
    }

    [Fact]
    public async Task A_subscription_the_broker_refuses_throws_LinkRejectedException()
    {
        await using var link = new MqttLink(_address!, new LinkOptions { ClientId = "subscriber" });
        await link.ConnectAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<LinkRejectedException>(() => link.SubscribeAsync("secret/#", TestContext.Current.CancellationToken));

        Assert.Contains("secret/#", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_refuses_the_client_for_good_fails_the_connect_at_once()
    {
        await using var link = new MqttLink(_address!, new LinkOptions { ClientId = "banned", ConnectTimeout = TimeSpan.FromSeconds(10) });

        var elapsed = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(TestContext.Current.CancellationToken));

        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(5), $"took {elapsed.Elapsed}: a refusal for good must not be retried until the timeout");
        Assert.Contains(_address!.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_topics_are_rejected_before_anything_is_sent()
    {
        await using var link = new MqttLink(_address!, new LinkOptions { ClientId = "careless" });
        await link.ConnectAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ArgumentException>(() => link.PublishAsync("rig/+/status", new byte[] { 1 }, retain: false, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => link.SubscribeAsync("rig/#/status", TestContext.Current.CancellationToken));
        Assert.True(link.IsConnected);
    }
}
