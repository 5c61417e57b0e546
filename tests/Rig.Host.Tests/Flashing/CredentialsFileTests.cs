using System;
using System.IO;
using System.Runtime.Versioning;
using System.Text;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Flashing;

public sealed class CredentialsFileTests
{
    private const string Secret = "Zx9-very-secret";

    [Fact]
    public void A_credentials_file_gives_the_user_name_and_password()
    {
        var credentials = Parse($"{{\"username\": \"rig-user\", \"password\": \"{Secret}\"}}");

        Assert.Equal("rig-user", credentials.Username);
        Assert.Equal(Secret, credentials.Password);
    }

    [Fact]
    public void A_user_name_without_password_is_a_login_without_password()
    {
        Assert.Null(Parse("{\"username\": \"rig-user\"}").Password);
        Assert.Null(Parse("{\"username\": \"rig-user\", \"password\": \"\"}").Password);
    }

    [Fact]
    public void Formatting_credentials_never_shows_them()
    {
        var credentials = new MqttCredentials("rig-user", Secret);

        Assert.DoesNotContain(Secret, credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("rig-user", $"{credentials}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"user\": \"rig-user\", \"password\": \"" + Secret + "\"}", "unknown key \"user\"")]
    [InlineData("{\"password\": \"" + Secret + "\"}", "has no \"username\"")]
    [InlineData("{\"username\": 7}", "\"username\" must be a string")]
    [InlineData("[\"" + Secret + "\"]", "is not a JSON object")]
    [InlineData("{\"username\": \"u\", \"password\": " + Secret + "}", "is not valid JSON (line 1")]
    [InlineData("username=u\npassword=" + Secret, "is not")]
    public void A_bad_credentials_file_says_what_is_wrong_without_quoting_its_content(string content, string expected)
    {
        var e = Assert.Throws<FlashInputException>(() => Parse(content));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("creds.json", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Zx9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_credentials_file_others_can_read_gets_a_warning_and_an_owner_only_one_does_not()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("creds.json");
        File.WriteAllText(path, "{\"username\": \"u\"}");

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains("chmod 600", CredentialsFile.PermissionWarning(path), StringComparison.Ordinal);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(CredentialsFile.PermissionWarning(path));
    }

    [Fact]
    public void A_wifi_file_gives_the_network_and_its_password()
    {
        var wifi = CredentialsFile.ParseWifi(Encoding.UTF8.GetBytes($"{{\"ssid\": \"lab-rigs\", \"password\": \"{Secret}\"}}"), "wifi.json");
        var open = CredentialsFile.ParseWifi(Encoding.UTF8.GetBytes("{\"ssid\": \"guest\"}"), "wifi.json");

        Assert.Equal("lab-rigs", wifi.Ssid);
        Assert.Equal(Secret, wifi.Password);
        Assert.Null(open.Password);
        Assert.DoesNotContain(Secret, wifi.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"password\": \"" + Secret + "\"}", "needs an \"ssid\" of 1 to 32 characters")]
    [InlineData("{\"ssid\": \"123456789012345678901234567890123\"}", "needs an \"ssid\" of 1 to 32 characters")]
    [InlineData("{\"ssid\": \"lab\", \"password\": \"Zx9-sec\"}", "8 to 64 characters")]
    [InlineData("{\"ssid\": \"lab\", \"psk\": \"" + Secret + "\"}", "unknown key \"psk\"")]
    public void A_bad_wifi_file_says_what_is_wrong_without_quoting_the_password(string content, string expected)
    {
        var e = Assert.Throws<FlashInputException>(() => CredentialsFile.ParseWifi(Encoding.UTF8.GetBytes(content), "wifi.json"));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Zx9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_credentials_file_is_an_input_error_naming_it()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<FlashInputException>(() => CredentialsFile.Read(dir.Combine("none.json")));

        Assert.Contains("none.json", e.Message, StringComparison.Ordinal);
    }

    private static MqttCredentials Parse(string json) => CredentialsFile.Parse(Encoding.UTF8.GetBytes(json), "creds.json");
}
