using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Provisioning.Security;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Broker;

/// <summary>
/// The embedded broker with a <c>rig broker-config</c> folder's accounts (issue 19, part 4): the same files Mosquitto is
/// given, enforced by MQTTnet's server: logins checked against passwd, publishes and subscriptions against the acl, every
/// refusal counted.
/// </summary>
public sealed class EmbeddedBrokerAccountsTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _folder = new();
    private readonly List<IRigLink> _links = [];
    private MosquittoFiles? _files;
    private EmbeddedBroker? _broker;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _files = MosquittoConfig.Write(Path.Combine(_folder.Path, "broker"), new MosquittoPlan { RigIds = ["rigA", "rigB"] });
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, Accounts = BrokerAccounts.Load(_files.Folder) }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links)
        {
            await link.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task A_wrong_password_an_unknown_user_and_an_anonymous_client_are_refused_as_a_security_failure_and_counted()
    {
        var attempts = new BrokerLogin?[]
        {
            new BrokerLogin(new MqttCredentials("rigA", "not-the-password"), null, null),
            new BrokerLogin(new MqttCredentials("nobody", "whatever"), null, null),
            new BrokerLogin(new MqttCredentials("rigA", Login("rigB").Credentials!.Password), null, null),
            null,
        };
        foreach (var login in attempts)
        {
            var link = Track(new MqttLink(_broker!.Address, Options("intruder"), login ?? BrokerLogin.Anonymous));
            var e = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(Ct));
            Assert.True(MqttLink.IsSecurityFailure(e), e.ToString());
        }

        Assert.Equal(attempts.Length, _broker!.RequiresLogin ? _broker.RefusedLogins : -1);
        await ConnectAsync("rigA", Login("rigA"));
        Assert.Equal(attempts.Length, _broker.RefusedLogins);
    }

    [Fact]
    public async Task A_rig_account_cannot_publish_into_another_rigs_topics_or_command_a_rig_and_the_bridge_never_sees_it_but_the_broker_counts_it()
    {
        var bridge = await BridgeAsync();
        var rigA = await ConnectAsync("rigA", Login("rigA"));
        string[] forbidden = ["rig/v1/rigB/events", "rig/v1/rigB/status", "rig/v1/rigA/cmd", "rig/v1/rigB/cmd", "rig/v1/rigA/anything", "vr/v1/rigA/scene"];
        foreach (var topic in forbidden)
        {
            var e = await Assert.ThrowsAsync<LinkRejectedException>(() => rigA.PublishAsync(topic, "forged"u8.ToArray(), retain: false, Ct));
            Assert.Contains("NotAuthorized", e.Message, StringComparison.Ordinal);
        }

        // One allowed message after the forged ones: one publisher's QoS 1 messages arrive in order, so anything let
        // through would have reached the bridge before it.
        await rigA.PublishAsync("rig/v1/rigA/events", "marker"u8.ToArray(), retain: false, Ct);
        var received = await ReceiveAsync(bridge, 1);
        Assert.Equal("rig/v1/rigA/events", received[0].Topic);
        Assert.False(bridge.Messages.TryRead(out var extra), $"the bridge also received {extra?.Topic}");
        Assert.Equal(forbidden.Length, _broker!.RefusedPublishes);
    }

    [Fact]
    public async Task A_rig_account_cannot_read_another_rigs_commands_or_everything_and_the_bridge_commands_every_rig()
    {
        var bridge = await BridgeAsync();
        var rigA = await ConnectAsync("rigA", Login("rigA"));
        var rigB = await ConnectAsync("rigB", Login("rigB"));
        await rigA.SubscribeAsync("rig/v1/rigA/cmd", Ct);
        await rigB.SubscribeAsync("rig/v1/rigB/cmd", Ct);
        foreach (var filter in new[] { "rig/v1/rigB/cmd", "rig/v1/+/cmd", "#", "rig/v1/rigA/#" })
        {
            await Assert.ThrowsAsync<LinkRejectedException>(() => rigA.SubscribeAsync(filter, Ct));
        }

        await bridge.PublishAsync("rig/v1/rigB/cmd", "to B"u8.ToArray(), retain: false, Ct);
        await bridge.PublishAsync("rig/v1/rigA/cmd", "to A"u8.ToArray(), retain: false, Ct);

        Assert.Equal("to B", Encoding.ASCII.GetString((await ReceiveAsync(rigB, 1))[0].Payload.Span));
        Assert.Equal("to A", Encoding.ASCII.GetString((await ReceiveAsync(rigA, 1))[0].Payload.Span));
        Assert.False(rigA.Messages.TryRead(out var extra), $"rig A also received {extra?.Topic}");
        Assert.Equal(4, _broker!.RefusedSubscriptions);
        Assert.Equal(0, _broker.RefusedPublishes);
    }

    [Fact]
    public async Task A_rig_publishes_its_own_topics_and_the_bridge_receives_all_of_them()
    {
        var bridge = await BridgeAsync();
        var rigA = await ConnectAsync("rigA", Login("rigA"));
        foreach (var kind in new[] { "events", "status", "ack", "sync" })
        {
            await rigA.PublishAsync($"rig/v1/rigA/{kind}", Encoding.ASCII.GetBytes(kind), retain: false, Ct);
        }

        var received = await ReceiveAsync(bridge, 4);
        Assert.Equal(["rig/v1/rigA/events", "rig/v1/rigA/status", "rig/v1/rigA/ack", "rig/v1/rigA/sync"], received.Select(m => m.Topic));
        Assert.Equal(0, _broker!.RefusedPublishes + _broker.RefusedSubscriptions + _broker.RefusedLogins);
    }

    [Fact]
    public async Task A_will_on_another_rigs_topic_is_refused_and_counted_while_a_will_on_its_own_topic_is_delivered()
    {
        var bridge = await BridgeAsync();
        string password = Login("rigA").Credentials!.Password!;

        // Hand-made MQTT 3.1.1 connections that vanish without a DISCONNECT, so the broker publishes their wills.
        await ConnectAndVanishAsync("forger", "rig/v1/rigB/status", "rigA", password);
        await ConnectAndVanishAsync("honest", "rig/v1/rigA/status", "rigA", password);

        var received = await ReceiveAsync(bridge, 1);
        Assert.Equal("rig/v1/rigA/status", received[0].Topic);
        await Eventually.WaitUntil(() => _broker!.RefusedPublishes == 1, Wait, "the forged will to be refused", Ct);
        Assert.False(bridge.Messages.TryRead(out var extra), $"the bridge also received {extra?.Topic}");
    }

    private async Task ConnectAndVanishAsync(string clientId, string willTopic, string user, string password)
    {
        static byte[] Field(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
        }

        // Protocol "MQTT" level 4; flags: user name, password, will (QoS 0, not retained), clean session; keep-alive 60 s.
        byte[] body = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0xC6, 0, 60,
            .. Field(clientId), .. Field(willTopic), .. Field("gone"), .. Field(user), .. Field(password)];
        Assert.True(body.Length < 16384, "at most a two-byte remaining length");
        byte[] length = body.Length < 128 ? [(byte)body.Length] : [(byte)(0x80 | (body.Length & 0x7F)), (byte)(body.Length >> 7)];
        byte[] packet = [0x10, .. length, .. body];
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, _broker!.Port, Ct);
        var stream = socket.GetStream();
        await stream.WriteAsync(packet, Ct);
        byte[] connack = new byte[4];
        await stream.ReadExactlyAsync(connack, Ct);
        Assert.Equal(0, connack[3]);
    }

    private static LinkOptions Options(string clientId) => new() { ClientId = clientId, ConnectTimeout = Wait, AutoReconnect = false };

    private BrokerLogin Login(string user) => new(CredentialsFile.Read(_files!.CredentialFiles[user]), null, null);

    private T Track<T>(T link)
        where T : IRigLink
    {
        _links.Add(link);
        return link;
    }

    private async Task<IRigLink> ConnectAsync(string clientId, BrokerLogin login)
    {
        var link = Track(new MqttLink(_broker!.Address, Options(clientId), login));
        await link.ConnectAsync(Ct);
        return link;
    }

    private async Task<IRigLink> BridgeAsync()
    {
        var bridge = await ConnectAsync("bridge-test", Login(MosquittoPlan.DefaultBridgeUser));
        await bridge.SubscribeAsync("rig/v1/#", Ct);
        return bridge;
    }

    private static async Task<List<LinkMessage>> ReceiveAsync(IRigLink link, int count)
    {
        var messages = new List<LinkMessage>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Wait);
        while (messages.Count < count)
        {
            messages.Add(await link.Messages.ReadAsync(timeout.Token));
        }

        return messages;
    }
}
