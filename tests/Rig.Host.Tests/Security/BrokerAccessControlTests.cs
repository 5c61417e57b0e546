using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;
using Rig.Provisioning.Security;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Security;

/// <summary>
/// Access control on a REAL Mosquitto configured by <see cref="MosquittoConfig"/> (issue 8, item 6): per-rig accounts and
/// ACL, the bridge account, refused logins, and TLS with a CA made at test time.
/// </summary>
public sealed class BrokerAccessControlTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _folder = new();
    private readonly List<IRigLink> _links = [];
    private MosquittoFiles? _files;
    private MosquittoBroker? _broker;
    private TestCertificates? _certificates;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

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
    public async Task A_rig_publishes_its_own_topics_and_the_bridge_receives_them()
    {
        await StartBrokerAsync(tls: false);
        var bridge = await BridgeAsync();
        var rigA = await ConnectAsync("rigA", Login("rigA"));

        foreach (var kind in new[] { "events", "status", "ack", "sync" })
        {
            await rigA.PublishAsync($"rig/v1/rigA/{kind}", Encoding.ASCII.GetBytes(kind), retain: false, Ct);
        }

        var received = await ReceiveAsync(bridge, 4);
        Assert.Equal(["rig/v1/rigA/events", "rig/v1/rigA/status", "rig/v1/rigA/ack", "rig/v1/rigA/sync"], received.Select(m => m.Topic));
    }

    [Fact]
    public async Task The_generated_files_start_Mosquitto_as_shipped_and_a_rig_logs_in()
    {
        // The folder stands for /etc/mosquitto/rig: traversable by the broker's own user, as /etc is (the test folder is owner-only).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        await StartBrokerAsync(tls: false, asShipped: true);
        var bridge = await BridgeAsync();
        var rigA = await ConnectAsync("rigA", Login("rigA"));
        await rigA.PublishAsync("rig/v1/rigA/status", "online"u8.ToArray(), retain: false, Ct);

        var received = await ReceiveAsync(bridge, 1);
        Assert.Equal("rig/v1/rigA/status", received[0].Topic);
        Assert.Contains(Environment.UserName == "root" ? "group mosquitto" : "owner-only", _files!.PasswordFileAccess, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_over_the_generated_packet_limit_never_reaches_the_bridge_and_its_sender_is_disconnected()
    {
        await StartBrokerAsync(tls: false);
        var bridge = await BridgeAsync();
        await using (var flooder = new MqttLink(_broker!.Address, Options("rigA-big"), Login("rigA")))
        {
            await flooder.ConnectAsync(Ct);
            try
            {
                await flooder.PublishAsync("rig/v1/rigA/events", new byte[MosquittoConfig.MaxPacketBytes + 1], retain: false, Ct);
            }
            catch (Exception e) when (e is LinkDisconnectedException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                // Mosquitto closes the connection on the oversized packet; whether the publish sees it first is a race.
            }
        }

        var rigA = await ConnectAsync("rigA", Login("rigA"));
        await rigA.PublishAsync("rig/v1/rigA/events", new byte[1000], retain: false, Ct);

        // The next message the bridge sees is the 1,000-byte one: the oversized one was never forwarded.
        var received = await ReceiveAsync(bridge, 1);
        Assert.Equal(1000, received[0].Payload.Length);
        Assert.False(bridge.Messages.TryRead(out _));
    }

    [Fact]
    public async Task A_rigs_credentials_cannot_publish_into_another_rigs_topics_or_send_commands_and_the_bridge_never_sees_them()
    {
        await StartBrokerAsync(tls: false);
        var bridge = await BridgeAsync();

        string[] forbidden =
        [
            "rig/v1/rigB/events", "rig/v1/rigB/status", "rig/v1/rigB/ack", "rig/v1/rigB/sync",
            "rig/v1/rigB/cmd", "rig/v1/rigA/cmd", "rig/v1/rigB/anything", "rig/v1/other",
        ];
        foreach (var topic in forbidden)
        {
            // A fresh connection each: after a refused publish MQTTnet drops the connection (observed with Mosquitto 2.0.11).
            await using var forger = new MqttLink(_broker!.Address, Options("rigA"), Login("rigA"));
            await forger.ConnectAsync(Ct);
            var e = await Assert.ThrowsAsync<LinkRejectedException>(() => forger.PublishAsync(topic, "forged"u8.ToArray(), retain: false, Ct));
            Assert.Contains("NotAuthorized", e.Message, StringComparison.Ordinal);
            Assert.Contains(topic, e.Message, StringComparison.Ordinal);
        }

        var rigA = await ConnectAsync("rigA", Login("rigA"));

        // One allowed message after the forged ones: MQTT keeps one publisher's QoS 1 messages in order, so once the bridge
        // has it, anything the broker had let through would already have arrived before it.
        await rigA.PublishAsync("rig/v1/rigA/events", "marker"u8.ToArray(), retain: false, Ct);
        var received = await ReceiveAsync(bridge, 1);
        Assert.Equal("rig/v1/rigA/events", received[0].Topic);
        Assert.Equal("marker", Encoding.ASCII.GetString(received[0].Payload.Span));
        Assert.False(bridge.Messages.TryRead(out var extra), $"the bridge also received {extra?.Topic}");
    }

    [Fact]
    public async Task A_rig_receives_only_its_own_commands_and_the_bridge_may_command_every_rig()
    {
        await StartBrokerAsync(tls: false);
        var bridge = await BridgeAsync();
        var rigA = await ConnectAsync("rigA", Login("rigA"));
        var rigB = await ConnectAsync("rigB", Login("rigB"));
        await rigA.SubscribeAsync("rig/v1/rigA/cmd", Ct);
        await rigB.SubscribeAsync("rig/v1/rigB/cmd", Ct);

        // Reading another rig's commands is refused outright or delivers nothing (Mosquitto versions differ).
        Exception? refused = await Record.ExceptionAsync(() => rigA.SubscribeAsync("rig/v1/rigB/cmd", Ct));
        Assert.True(refused is null or LinkRejectedException, $"unexpected {refused}");

        await bridge.PublishAsync("rig/v1/rigB/cmd", "to B"u8.ToArray(), retain: false, Ct);
        await bridge.PublishAsync("rig/v1/rigA/cmd", "to A"u8.ToArray(), retain: false, Ct);

        var atB = await ReceiveAsync(rigB, 1);
        Assert.Equal("to B", Encoding.ASCII.GetString(atB[0].Payload.Span));
        var atA = await ReceiveAsync(rigA, 1);
        Assert.Equal("to A", Encoding.ASCII.GetString(atA[0].Payload.Span));
        Assert.False(rigA.Messages.TryRead(out var extra), $"rig A also received {extra?.Topic}");
    }

    [Fact]
    public async Task A_renderer_publishes_its_frames_and_clock_pings_to_the_bridge_and_reads_its_scene_but_cannot_command_a_rig_or_forge_another_rigs_frames()
    {
        await StartBrokerAsync(tls: false);
        var bridge = await ConnectAsync("bridge-vr", Login(MosquittoPlan.DefaultBridgeUser));
        await bridge.SubscribeAsync("vr/v1/+/frame", Ct);
        await bridge.SubscribeAsync("vr/v1/+/clock/ping", Ct);
        await bridge.SubscribeAsync("Gimbl/Session/#", Ct);
        var renderer = await ConnectAsync("renderer-a", Login("rigA-renderer"));
        await renderer.SubscribeAsync("vr/v1/rigA/scene", Ct);
        await renderer.SubscribeAsync("Gimbl/Session/ForceStart", Ct);
        await renderer.SubscribeAsync("LinearTreadmill/Data", Ct);

        await renderer.PublishAsync("vr/v1/rigA/frame", """{"frame":0}"""u8.ToArray(), retain: false, Ct);
        await renderer.PublishAsync("vr/v1/rigA/clock/ping", """{"id":1}"""u8.ToArray(), retain: false, Ct);
        await renderer.PublishAsync("Gimbl/Session/Start", ReadOnlyMemory<byte>.Empty, retain: false, Ct);
        var atBridge = await ReceiveAsync(bridge, 3);
        Assert.Equal(["vr/v1/rigA/frame", "vr/v1/rigA/clock/ping", "Gimbl/Session/Start"], atBridge.Select(m => m.Topic));

        await bridge.PublishAsync("vr/v1/rigA/scene", """{"t_us":1}"""u8.ToArray(), retain: false, Ct);
        await bridge.PublishAsync("Gimbl/Session/ForceStart", ReadOnlyMemory<byte>.Empty, retain: false, Ct);
        await bridge.PublishAsync("LinearTreadmill/Data", """{"movement":0.01}"""u8.ToArray(), retain: false, Ct);
        var atRenderer = await ReceiveAsync(renderer, 3);
        Assert.Equal(["vr/v1/rigA/scene", "Gimbl/Session/ForceStart", "LinearTreadmill/Data"], atRenderer.Select(m => m.Topic));

        foreach (var topic in new[] { "rig/v1/rigA/cmd", "rig/v1/rigA/events", "vr/v1/rigB/frame", "vr/v1/rigA/scene", "Gimbl/Session/ForceStop" })
        {
            // A fresh connection each: after a refused publish MQTTnet drops the connection (observed with Mosquitto 2.0.11).
            await using var forger = new MqttLink(_broker!.Address, Options("renderer-forger"), Login("rigA-renderer"));
            await forger.ConnectAsync(Ct);
            var e = await Assert.ThrowsAsync<LinkRejectedException>(() => forger.PublishAsync(topic, "forged"u8.ToArray(), retain: false, Ct));
            Assert.Contains("NotAuthorized", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_password_is_refused_at_once_with_a_clear_error_that_does_not_show_the_password()
    {
        await StartBrokerAsync(tls: false);
        const string wrong = "not-the-password-4711";
        var link = Track(new MqttLink(_broker!.Address, Options("rigA"), new BrokerLogin(new MqttCredentials("rigA", wrong), null, null)));

        var e = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(Ct));

        Assert.True(MqttLink.IsSecurityFailure(e), e.ToString());
        // Mosquitto 2.0 answers a wrong password with NotAuthorized (MQTT 5 reason 0x87), not BadUserNameOrPassword (0x86).
        Assert.Contains("NotAuthorized", e.Message, StringComparison.Ordinal);
        Assert.Contains("check the user name and password", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_anonymous_client_is_refused_with_a_clear_error()
    {
        await StartBrokerAsync(tls: false);
        var link = Track(new MqttLink(_broker!.Address, Options("anyone")));

        var e = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(Ct));

        Assert.True(MqttLink.IsSecurityFailure(e), e.ToString());
        Assert.Contains("NotAuthorized", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_with_the_labs_own_ca_carries_a_rigs_messages_to_the_bridge()
    {
        await StartBrokerAsync(tls: true);
        Assert.Equal("mqtts", _broker!.Address.Scheme);
        var bridge = await BridgeAsync(_certificates!.CaFile);
        var rigA = await ConnectAsync("rigA", Login("rigA", _certificates.CaFile));

        await rigA.PublishAsync("rig/v1/rigA/events", "over tls"u8.ToArray(), retain: false, Ct);

        var received = await ReceiveAsync(bridge, 1);
        Assert.Equal("over tls", Encoding.ASCII.GetString(received[0].Payload.Span));

        // ACLs hold over TLS too.
        var e = await Assert.ThrowsAsync<LinkRejectedException>(() => rigA.PublishAsync("rig/v1/rigB/events", "forged"u8.ToArray(), retain: false, Ct));
        Assert.Contains("NotAuthorized", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tls_to_a_broker_whose_certificate_is_not_trusted_fails_at_once_naming_the_handshake(bool trustAnotherCa)
    {
        await StartBrokerAsync(tls: true);
        var link = Track(new MqttLink(_broker!.Address, Options("rigA"), Login("rigA", trustAnotherCa ? _certificates!.OtherCaFile : null)));

        var e = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(Ct));

        Assert.True(MqttLink.IsSecurityFailure(e), e.ToString());
        Assert.Contains("TLS handshake with mqtts://127.0.0.1", e.Message, StringComparison.Ordinal);
        Assert.Contains("--ca-file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_connection_to_the_tls_port_fails_and_says_to_use_mqtts()
    {
        await StartBrokerAsync(tls: true);
        var plain = new BrokerAddress(_broker!.Address.Host, _broker.Port, useTls: false);
        var link = Track(new MqttLink(plain, Options("rigA") with { ConnectTimeout = TimeSpan.FromSeconds(2) }, Login("rigA")));

        var e = await Assert.ThrowsAsync<BrokerUnreachableException>(() => link.ConnectAsync(Ct));

        Assert.Contains($"use mqtts://127.0.0.1:{_broker.Port}", e.Message, StringComparison.Ordinal);
    }

    private static LinkOptions Options(string clientId) => new() { ClientId = clientId, ConnectTimeout = Wait, AutoReconnect = false };

    private BrokerLogin Login(string user, string? caFile = null)
    {
        var credentials = CredentialsFile.Read(_files!.CredentialFiles[user]);
        return new BrokerLogin(credentials, caFile is null ? null : BrokerLogin.LoadCas(caFile), caFile);
    }

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

    private async Task<IRigLink> BridgeAsync(string? caFile = null)
    {
        var bridge = await ConnectAsync("bridge-test", Login(MosquittoPlan.DefaultBridgeUser, caFile));
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

    private async Task StartBrokerAsync(bool tls, bool asShipped = false)
    {
        _certificates = tls ? TestCertificates.Create(_folder.Path) : null;
        var tlsFiles = _certificates is null ? null : new MosquittoTlsFiles(_certificates.CaFile, _certificates.CertFile, _certificates.KeyFile);
        var plan = new MosquittoPlan { RigIds = ["rigA", "rigB"], Tls = tlsFiles, ListenAddress = "127.0.0.1" };
        _files = MosquittoConfig.Write(Path.Combine(_folder.Path, "broker"), plan);
        _broker = await MosquittoBroker.StartAsync(
            port => MosquittoConfig.Config(plan with { Port = port }, _files.AclFile, _files.PasswordFile), tls, cancellationToken: Ct, asShipped: asShipped);
    }
}
