using System;
using System.IO;
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
    public void A_password_line_is_pbkdf2_sha512_in_mosquittos_format()
    {
        // Reference line made by mosquitto_passwd 2.0.11 (-b, password "s3cret"); its salt reproduces its hash.
        const string reference = "alice:$7$101$zAMHGKC9NyDORfNz$T5PCbnL+PP6aXw8uKY14Pf406rScM75Qq8jOClNlghLEnOcry5Qm7Y/cksjWmSP7CZ2MCW5ccYsvFFWz3maKNA==";

        Assert.Equal(reference, MosquittoConfig.PasswordLine("alice", "s3cret", Convert.FromBase64String("zAMHGKC9NyDORfNz")));
    }

    [Fact]
    public void Generated_login_files_are_readable_by_their_owner_only_and_passwords_differ()
    {
        using var dir = new TempDirectory();
        var files = MosquittoConfig.Write(dir.Combine("b"), new MosquittoPlan { RigIds = ["rig1", "rig2"] });

        Assert.Equal(3, files.CredentialFiles.Count);
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in files.CredentialFiles.Values)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.PasswordFile));
        }

        var rig1 = CredentialsFile.Read(files.CredentialFiles["rig1"]);
        var rig2 = CredentialsFile.Read(files.CredentialFiles["rig2"]);
        Assert.NotEqual(rig1.Password, rig2.Password);
        Assert.DoesNotContain(rig1.Password!, File.ReadAllText(files.PasswordFile), StringComparison.Ordinal);
    }
}
