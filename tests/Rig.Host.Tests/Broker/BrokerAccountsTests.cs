using System;
using System.IO;
using System.Threading.Tasks;
using System.Net;
using Rig.Provisioning.Security;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Broker;

/// <summary>Reading a <c>rig broker-config</c> folder for the embedded broker, the ACL's topic rules, and the loopback rules.</summary>
public sealed class BrokerAccountsTests
{
    [Theory]
    [InlineData("rig/v1/#", "rig/v1/rigA/events", true)]
    [InlineData("rig/v1/#", "rig/v1", true)]
    [InlineData("rig/v1/#", "rig/v1/+/cmd", true)]
    [InlineData("rig/v1/#", "rig/v1/#", true)]
    [InlineData("rig/v1/#", "rig/#", false)]
    [InlineData("rig/v1/#", "#", false)]
    [InlineData("rig/v1/+/cmd", "rig/v1/rigA/cmd", true)]
    [InlineData("rig/v1/+/cmd", "rig/v1/+/cmd", true)]
    [InlineData("rig/v1/+/cmd", "rig/v1/+/#", false)]
    [InlineData("rig/v1/+/cmd", "rig/v1/rigA/cmd/x", false)]
    [InlineData("rig/v1/rigA/cmd", "rig/v1/+/cmd", false)]
    [InlineData("rig/v1/rigA/cmd", "rig/v1/rigA/cmd", true)]
    [InlineData("rig/v1/rigA/cmd", "rig/v1/rigA", false)]
    [InlineData("#", "$SYS/broker", false)]
    [InlineData("+/broker", "$SYS/broker", false)]
    public void A_read_pattern_covers_a_subscription_only_when_every_topic_the_filter_matches_matches_the_pattern(string pattern, string filter, bool covered)
    {
        Assert.Equal(covered, MqttTopicPattern.Covers(pattern, filter));
    }

    [Fact]
    public void The_files_rig_broker_config_writes_load_and_give_each_account_its_own_topics()
    {
        using var dir = new TempDirectory();
        var files = MosquittoConfig.Write(dir.Combine("broker"), new MosquittoPlan { RigIds = ["rigA", "rigB"] });
        var accounts = BrokerAccounts.Load(files.Folder);
        var rigA = CredentialsFile.Read(files.CredentialFiles["rigA"]);

        Assert.Equal(5, accounts.Users.Count);
        Assert.True(accounts.Authenticate("rigA", rigA.Password));
        Assert.False(accounts.Authenticate("rigB", rigA.Password));
        Assert.False(accounts.Authenticate("rigA", rigA.Password + "x"));
        Assert.False(accounts.Authenticate(null, null));
        Assert.True(accounts.MayPublish("rigA", "rig/v1/rigA/events"));
        Assert.False(accounts.MayPublish("rigA", "rig/v1/rigB/events"));
        Assert.False(accounts.MayPublish("rigA", "rig/v1/rigA/cmd"));
        Assert.True(accounts.MayPublish("bridge", "rig/v1/rigB/cmd"));
        Assert.False(accounts.MayPublish("bridge", "rig/v1/rigB/events"));
        Assert.True(accounts.MaySubscribe("rigA", "rig/v1/rigA/cmd"));
        Assert.False(accounts.MaySubscribe("rigA", "rig/v1/rigB/cmd"));
        Assert.True(accounts.MaySubscribe("bridge", "rig/v1/#"));
        Assert.False(accounts.MaySubscribe("nobody", "rig/v1/rigA/cmd"));
    }

    [Theory]
    [InlineData("passwd", "rigA:$6$salt$hash\n", "passwd line 1", "'$7$'")]
    [InlineData("passwd", "\nrigA\n", "passwd line 2", "user:$7$")]
    [InlineData("passwd", "rigA:$7$many$AAAA$AAAA\n", "passwd line 1", "iteration count")]
    [InlineData("acl", "topic read #\n", "acl line 1", "before any 'user' line")]
    [InlineData("acl", "user rigA\npattern read rig/v1/%u/cmd\n", "acl line 2", "'pattern read rig/v1/%u/cmd' is not supported")]
    [InlineData("acl", "user rigA\ntopic deny rig/v1/#\n", "acl line 2", "access 'deny'")]
    [InlineData("acl", "user rigA\ntopic read rig/v1/#/cmd\n", "acl line 2", "not a valid MQTT topic pattern")]
    [InlineData("acl", "user ghost\ntopic read rig/v1/ghost/cmd\n", "acl", "user 'ghost', who has no line")]
    public void A_file_that_is_not_as_broker_config_writes_it_is_refused_naming_the_file_and_line(string file, string content, string where, string why)
    {
        using var dir = new TempDirectory();
        var files = MosquittoConfig.Write(dir.Combine("broker"), new MosquittoPlan { RigIds = ["rigA"] });
        File.WriteAllText(Path.Combine(files.Folder, file), content);

        var e = Assert.Throws<SecurityConfigException>(() => BrokerAccounts.Load(files.Folder));

        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_password_file_is_refused_naming_it()
    {
        using var dir = new TempDirectory();
        var files = MosquittoConfig.Write(dir.Combine("broker"), new MosquittoPlan { RigIds = ["rigA"] });
        File.Delete(files.PasswordFile);

        var e = Assert.Throws<SecurityConfigException>(() => BrokerAccounts.Load(files.Folder));

        Assert.Contains(files.PasswordFile, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.3.2.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    [InlineData("192.0.2.7", false)]
    public void Only_loopback_addresses_count_as_private_to_this_computer(string address, bool loopback)
    {
        Assert.Equal(loopback, NetworkExposure.IsLoopback(IPAddress.Parse(address)));
        Assert.Equal(loopback, NetworkExposure.OpenListenerProblem(IPAddress.Parse(address), hasAccounts: false, "--accounts") is null);
        Assert.Null(NetworkExposure.OpenListenerProblem(IPAddress.Parse(address), hasAccounts: true, "--accounts"));
    }

    [Theory]
    [InlineData("mqtt://127.0.0.1:1883", false, false)]
    [InlineData("mqtt://localhost", false, false)]
    [InlineData("mqtt://[::1]:1883", false, false)]
    [InlineData("mqtt://198.51.100.1", false, true)]
    [InlineData("mqtts://broker.lab", false, true)]
    [InlineData("mqtt://198.51.100.1", true, false)]
    [InlineData("mqtts://broker.lab", true, false)]
    public void An_anonymous_client_of_a_broker_on_the_network_is_a_problem_and_a_login_or_loopback_is_not(string url, bool withLogin, bool problem)
    {
        var login = withLogin ? new BrokerLogin(new MqttCredentials("bridge", "secret"), null, null) : BrokerLogin.Anonymous;

        string? why = NetworkExposure.AnonymousClientProblem(BrokerAddress.Parse(url), login);

        Assert.Equal(problem, why is not null);
        if (why is not null)
        {
            Assert.Contains("--credentials", why, StringComparison.Ordinal);
            Assert.Contains("--insecure", why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_embedded_broker_refuses_to_listen_on_the_network_without_accounts_unless_insecure()
    {
        var ct = TestContext.Current.CancellationToken;
        var open = new EmbeddedBrokerOptions { Port = 0, BindAddress = IPAddress.Any };

        var e = await Assert.ThrowsAsync<InsecureNetworkException>(() => EmbeddedBroker.StartAsync(open, ct));
        Assert.Contains("listening on 0.0.0.0 without accounts", e.Message, StringComparison.Ordinal);

        await using var broker = await EmbeddedBroker.StartAsync(open with { Insecure = true }, ct);
        Assert.False(broker.RequiresLogin);
    }
}
