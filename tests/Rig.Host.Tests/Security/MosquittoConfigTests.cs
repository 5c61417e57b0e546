using System;
using System.IO;
using System.Linq;
using Rig.Provisioning.Security;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Security;

public sealed class MosquittoConfigTests
{
    [Fact]
    public void The_shipped_example_acl_is_what_the_generator_writes()
    {
        string shipped = File.ReadAllText(RepositoryRoot.Combine("deploy", "mosquitto", "acl.example"));

        Assert.Equal(MosquittoConfig.Acl(new MosquittoPlan { RigIds = ["rig1", "rig2"] }), shipped);
    }

    [Fact]
    public void The_shipped_example_configuration_is_what_the_generator_writes()
    {
        string shipped = File.ReadAllText(RepositoryRoot.Combine("deploy", "mosquitto", "mosquitto.conf.example"));
        var plan = new MosquittoPlan
        {
            RigIds = ["rig1", "rig2"], ListenAddress = "0.0.0.0",
            Tls = new MosquittoTlsFiles("/etc/mosquitto/certs/ca.pem", "/etc/mosquitto/certs/server.pem", "/etc/mosquitto/certs/server.key"),
        };

        Assert.Equal(MosquittoConfig.Config(plan, "/etc/mosquitto/rig/acl", "/etc/mosquitto/rig/passwd"), shipped);
    }

    [Fact]
    public void The_acl_gives_each_rigs_renderer_its_own_vr_topics_and_gimbls_side_and_the_bridge_the_other_side()
    {
        string acl = MosquittoConfig.Acl(new MosquittoPlan { RigIds = ["rig1"], GimblTreadmill = "Wheel" });
        var blocks = acl.Split("\nuser ", StringSplitOptions.None).Skip(1)
            .ToDictionary(b => b[..b.IndexOf('\n', StringComparison.Ordinal)], b => b.Split('\n').Where(l => l.StartsWith("topic ", StringComparison.Ordinal)).ToList());

        Assert.Equal(
        [
            "topic read vr/v1/rig1/scene", "topic read vr/v1/rig1/session", "topic read vr/v1/rig1/clock/pong",
            "topic write vr/v1/rig1/frame", "topic write vr/v1/rig1/clock/ping",
            "topic write Gimbl/Frame", "topic write Gimbl/Session/Start", "topic write Gimbl/Session/Stop",
            "topic read Gimbl/Session/ForceStart", "topic read Gimbl/Session/ForceStop", "topic read Wheel/Data", "topic write Wheel/Status",
        ], blocks["rig1-renderer"]);
        Assert.Equal(
        [
            "topic read rig/v1/#", "topic write rig/v1/+/cmd",
            "topic write vr/v1/+/scene", "topic write vr/v1/+/session", "topic write vr/v1/+/clock/pong",
            "topic read vr/v1/+/frame", "topic read vr/v1/+/clock/ping",
            "topic write Gimbl/Session/ForceStart", "topic write Gimbl/Session/ForceStop", "topic write Wheel/Data",
            "topic read Gimbl/Frame", "topic read Gimbl/Session/#", "topic read Wheel/Status",
        ], blocks["bridge"]);
        Assert.DoesNotContain(blocks["rig1"], l => l.Contains("vr/", StringComparison.Ordinal) || l.Contains("Gimbl", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("Gimbl/#")]
    [InlineData("")]
    public void A_gimbl_treadmill_name_that_is_not_one_topic_level_is_refused_naming_the_option(string name)
    {
        var e = Assert.Throws<SecurityConfigException>(() => MosquittoConfig.Acl(new MosquittoPlan { RigIds = ["rig1"], GimblTreadmill = name }));
        Assert.Contains("Gimbl treadmill name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rig_named_like_another_rigs_renderer_is_refused()
    {
        var e = Assert.Throws<SecurityConfigException>(() => MosquittoConfig.Acl(new MosquittoPlan { RigIds = ["rig1", "rig1-renderer"] }));
        Assert.Contains("'rig1-renderer' is named twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_line_is_pbkdf2_sha512_in_mosquittos_format()
    {
        // Reference line made by mosquitto_passwd 2.0.11 (-b, password "s3cret"); its salt reproduces its hash.
        const string reference = "alice:$7$101$zAMHGKC9NyDORfNz$T5PCbnL+PP6aXw8uKY14Pf406rScM75Qq8jOClNlghLEnOcry5Qm7Y/cksjWmSP7CZ2MCW5ccYsvFFWz3maKNA==";

        Assert.Equal(reference, MosquittoConfig.PasswordLine("alice", "s3cret", Convert.FromBase64String("zAMHGKC9NyDORfNz")));
    }

    [Fact]
    public void Generated_login_files_are_readable_by_their_owner_only_the_hashes_by_the_broker_too_and_passwords_differ()
    {
        using var dir = new TempDirectory();
        var files = MosquittoConfig.Write(dir.Combine("b"), new MosquittoPlan { RigIds = ["rig1", "rig2"] });

        Assert.Equal(["bridge", "rig1", "rig1-renderer", "rig2", "rig2-renderer"], files.CredentialFiles.Keys.Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in files.CredentialFiles.Values)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            // The password file (hashes only) is also readable by the broker's group when written as root, for Mosquitto run as a service.
            var passwd = UnixFileMode.UserRead | UnixFileMode.UserWrite | (files.PasswordFileAccess.Contains("group mosquitto", StringComparison.Ordinal) ? UnixFileMode.GroupRead : 0);
            Assert.Equal(passwd, File.GetUnixFileMode(files.PasswordFile));
        }

        var rig1 = CredentialsFile.Read(files.CredentialFiles["rig1"]);
        var rig2 = CredentialsFile.Read(files.CredentialFiles["rig2"]);
        Assert.NotEqual(rig1.Password, rig2.Password);
        Assert.DoesNotContain(rig1.Password!, File.ReadAllText(files.PasswordFile), StringComparison.Ordinal);
    }
}
