using System;
using System.Linq;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;
using Xunit;

namespace Rig.Host.Tests.Flashing;

public sealed class NanoffCommandsTests
{
    private const string Target = "ESP32_PSRAM_REV3";
    private const string Port = "/dev/ttyUSB0";

    [Fact]
    public void Flashing_nanoCLR_with_nanoff_2_uses_update_with_the_clr_file()
    {
        Assert.Equal(
            ["--update", "--target", Target, "--platform", "esp32", "--serialport", Port, "--clrfile", "/fw/nanoCLR.bin"],
            NanoffCommands.FlashClr(NanoffSyntax.Flags, Target, Port, "/fw/nanoCLR.bin"));
    }

    [Fact]
    public void Flashing_nanoCLR_with_nanoff_3_uses_the_flash_verb_with_the_image()
    {
        Assert.Equal(
            ["flash", "--target", Target, "--platform", "esp32", "--serialport", Port, "--image", "/fw/nanoCLR.bin"],
            NanoffCommands.FlashClr(NanoffSyntax.Verbs, Target, Port, "/fw/nanoCLR.bin"));
    }

    [Fact]
    public void Deploying_the_application_without_an_address_leaves_the_address_to_nanoff()
    {
        Assert.Equal(
            ["--target", Target, "--platform", "esp32", "--serialport", Port, "--deploy", "--image", "/app/rig.bin"],
            NanoffCommands.DeployApp(NanoffSyntax.Flags, Target, Port, "/app/rig.bin", null));
        Assert.Equal(
            ["deploy", "--target", Target, "--platform", "esp32", "--serialport", Port, "--image", "/app/rig.bin"],
            NanoffCommands.DeployApp(NanoffSyntax.Verbs, Target, Port, "/app/rig.bin", null));
    }

    [Fact]
    public void Deploying_the_application_at_an_address_appends_it_last()
    {
        Assert.Equal(["--address", "0x1B0000"], NanoffCommands.DeployApp(NanoffSyntax.Flags, Target, Port, "/app/rig.bin", "0x1B0000").TakeLast(2));
        Assert.Equal(["--address", "0x1B0000"], NanoffCommands.DeployApp(NanoffSyntax.Verbs, Target, Port, "/app/rig.bin", "0x1B0000").TakeLast(2));
    }

    [Fact]
    public void File_deployment_with_nanoff_2_passes_only_the_description_whose_json_names_the_port()
    {
        Assert.Equal(["--filedeployment", "/tmp/x/nanoff-files.json"], NanoffCommands.DeployFiles(NanoffSyntax.Flags, Port, "/tmp/x/nanoff-files.json"));
    }

    [Fact]
    public void File_deployment_with_nanoff_3_uses_the_deploy_verb_with_file_and_port()
    {
        Assert.Equal(
            ["deploy", "--file", "/tmp/x/nanoff-files.json", "--serialport", Port],
            NanoffCommands.DeployFiles(NanoffSyntax.Verbs, Port, "/tmp/x/nanoff-files.json"));
    }

    [Fact]
    public void Storing_wifi_with_nanoff_2_passes_only_the_network_description_and_with_nanoff_3_the_deploy_network_verb()
    {
        Assert.Equal(["--networkdeployment", "/tmp/x/n.json"], NanoffCommands.DeployNetwork(NanoffSyntax.Flags, Port, "/tmp/x/n.json"));
        Assert.Equal(["deploy", "--network", "/tmp/x/n.json", "--serialport", Port], NanoffCommands.DeployNetwork(NanoffSyntax.Verbs, Port, "/tmp/x/n.json"));
    }

    [Fact]
    public void The_network_description_stores_a_wpa2_client_that_joins_at_boot()
    {
        var wifi = System.Text.Json.Nodes.JsonNode.Parse(NetworkDeploymentDescriptor.ToJson("COM3", new WifiNetwork("lab-rigs", "wifi-pass-123"), maskPassword: false))!;
        var open = System.Text.Json.Nodes.JsonNode.Parse(NetworkDeploymentDescriptor.ToJson("COM3", new WifiNetwork("guest", null), maskPassword: false))!;
        string masked = NetworkDeploymentDescriptor.ToJson("COM3", new WifiNetwork("lab-rigs", "wifi-pass-123"), maskPassword: true);

        Assert.Equal("COM3", (string?)wifi["SerialPort"]);
        var client = wifi["WirelessClient"]!;
        Assert.Equal("lab-rigs", (string?)client["Ssid"]);
        Assert.Equal("wifi-pass-123", (string?)client["Password"]);
        Assert.Equal("WPA2", (string?)client["Authentication"]);
        Assert.Equal("WPA2", (string?)client["Encryption"]);
        Assert.Equal("AutoConnect", (string?)client["ConfigurationOption"]);
        Assert.True((bool)client["DhcpEnabled"]!);
        Assert.Equal("Open", (string?)open["WirelessClient"]!["Authentication"]);
        Assert.Equal("", (string?)open["WirelessClient"]!["Password"]);
        Assert.DoesNotContain("wifi-pass-123", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_with_spaces_stay_single_arguments()
    {
        var args = NanoffCommands.DeployApp(NanoffSyntax.Flags, Target, "COM3", "/home/lab user/my app.bin", null);

        Assert.Contains("/home/lab user/my app.bin", args);
        Assert.Equal("nanoff --target ESP32_PSRAM_REV3 --platform esp32 --serialport COM3 --deploy --image '/home/lab user/my app.bin'",
            CommandLineText.Format("nanoff", args));
    }

    [Theory]
    [InlineData("ESP32_PSRAM_REV3", true)]
    [InlineData("ESP32_REV0", true)]
    [InlineData("ESP_WROVER_KIT", true)]
    [InlineData("M5Core2", true)]
    [InlineData("XIAO_ESP32C3", true)]
    [InlineData("", false)]
    [InlineData("E", false)]
    [InlineData("ESP32 PSRAM", false)]
    [InlineData("3SP32", false)]
    [InlineData("ESP32-REV3", false)]
    [InlineData("--update", false)]
    public void Target_names_are_letters_digits_and_underscores_starting_with_a_letter(string target, bool valid)
    {
        Assert.Equal(valid, NanoffCommands.IsValidTargetName(target));
    }

    [Theory]
    [InlineData("0x1b0000", "0x1B0000")]
    [InlineData("0X190000", "0x190000")]
    [InlineData("0x00010000", "0x10000")]
    [InlineData("0xFFFFFFFF", "0xFFFFFFFF")]
    public void Addresses_are_hexadecimal_and_come_out_in_one_spelling(string text, string expected)
    {
        Assert.True(NanoffCommands.TryNormalizeAddress(text, out string normalized, out _));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("190000", "hexadecimal")]
    [InlineData("0x", "hexadecimal")]
    [InlineData("0x1G0000", "hexadecimal")]
    [InlineData("0x123456789", "hexadecimal")]
    [InlineData("0x0", "no address")]
    [InlineData("0x00000000", "no address")]
    public void Malformed_and_zero_addresses_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(NanoffCommands.TryNormalizeAddress(text, out _, out string problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nanoff 2.5.90+c66e018c48", 2, "2.5.90")]
    [InlineData("nanoff 2.4.47", 2, "2.4.47")]
    [InlineData(".NET nanoFramework Firmware Flasher v3.0.0-preview.46+1a2b3c", 3, "3.0.0-preview.46")]
    [InlineData("** telemetry notice **\n.NET nanoFramework Firmware Flasher v3.1.2", 3, "3.1.2")]
    public void The_version_nanoff_prints_picks_its_grammar(string output, int major, string version)
    {
        Assert.True(NanoffVersion.TryParse(output, out int parsedMajor, out string parsedVersion));
        Assert.Equal(major, parsedMajor);
        Assert.Equal(version, parsedVersion);
        Assert.Equal(major >= 3 ? NanoffSyntax.Verbs : NanoffSyntax.Flags, NanoffVersion.SyntaxFor(parsedMajor));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nanoff")]
    [InlineData("version 2")]
    public void Output_without_a_version_number_is_not_guessed_at(string output)
    {
        Assert.False(NanoffVersion.TryParse(output, out _, out _));
    }

    [Fact]
    public void The_plan_runs_nanoCLR_then_the_configuration_then_the_application()
    {
        var request = new FlashRequest
        {
            Port = Port,
            Target = Target,
            ClrFile = "/fw/nanoCLR.bin",
            AppFile = "/app/rig.bin",
            Configuration = PinMapTests.Configuration(),
            Wifi = new WifiNetwork("lab-rigs", "wifi-pass-123"),
        };

        var steps = FlashPlan.Build(request, NanoffSyntax.Flags, new FlashFiles("/tmp/w/nanoff-files.json", "/tmp/w/nanoff-network.json"));

        Assert.Equal([FlashPlan.ClrStep, FlashPlan.WifiStep, FlashPlan.ConfigStep, FlashPlan.AppStep], steps.Select(s => s.Id));
        Assert.Equal(["--networkdeployment", "/tmp/w/nanoff-network.json"], steps[1].Arguments);
        Assert.Equal("store the Wi-Fi network 'lab-rigs' in the device's wireless configuration", steps[1].Title);
        Assert.Equal(["--filedeployment", "/tmp/w/nanoff-files.json"], steps[2].Arguments);
        Assert.Equal("write the device configuration (rig 'rig-7') to I:\\rig-config.bin", steps[2].Title);
    }

    [Fact]
    public void The_plan_holds_only_the_requested_steps()
    {
        var none = new FlashFiles(null, null);
        var appOnly = FlashPlan.Build(new FlashRequest { Port = Port, Target = Target, AppFile = "/app/rig.bin", Address = "0x1B0000" }, NanoffSyntax.Verbs, none);
        var configOnly = FlashPlan.Build(new FlashRequest { Port = Port, Configuration = PinMapTests.Configuration() }, NanoffSyntax.Verbs, new FlashFiles("/d.json", null));

        Assert.Equal([FlashPlan.AppStep], appOnly.Select(s => s.Id));
        Assert.Equal("0x1B0000", appOnly[0].Arguments[^1]);
        Assert.Equal([FlashPlan.ConfigStep], configOnly.Select(s => s.Id));
    }

    [Fact]
    public void Flashing_without_a_target_is_a_programming_error_not_a_nanoff_run()
    {
        Assert.Throws<ArgumentException>(() => FlashPlan.Build(new FlashRequest { Port = Port, ClrFile = "/fw/nanoCLR.bin" }, NanoffSyntax.Flags, new FlashFiles(null, null)));
    }

    [Fact]
    public void Known_nanoff_exit_codes_are_explained_in_full_and_by_the_low_byte_linux_keeps()
    {
        Assert.Equal("E4003: Failed to write new firmware to ESP32.", NanoffExitCodes.Describe(4003, lowByteOnly: true));
        Assert.StartsWith("E4003 (exit status 163 is the low 8 bits of 4003)", NanoffExitCodes.Describe(163, lowByteOnly: true), StringComparison.Ordinal);
        Assert.StartsWith("E2003", NanoffExitCodes.Describe(211, lowByteOnly: true), StringComparison.Ordinal);
        Assert.Null(NanoffExitCodes.Describe(163, lowByteOnly: false));
        Assert.Null(NanoffExitCodes.Describe(1, lowByteOnly: true));
        Assert.Null(NanoffExitCodes.Describe(0, lowByteOnly: true));
    }

    [Fact]
    public void Every_known_nanoff_exit_code_has_its_own_low_byte_so_linux_exit_codes_map_back_unambiguously()
    {
        var lowBytes = NanoffExitCodes.KnownCodes.Select(c => c & 0xFF).ToList();

        Assert.Equal(lowBytes.Count, lowBytes.Distinct().Count());
        Assert.DoesNotContain(0, lowBytes);
    }

    [Fact]
    public void The_file_deployment_description_spells_nanoffs_property_names_exactly()
    {
        string json = FileDeploymentDescriptor.ToJson("COM3", "/tmp/w/rig-config.bin", NanoffCommands.DeviceConfigPath);

        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("COM3", doc.RootElement.GetProperty("SerialPort").GetString());
        var file = doc.RootElement.GetProperty("Files")[0];
        Assert.Equal(@"I:\rig-config.bin", file.GetProperty("DestinationFilePath").GetString());
        Assert.Equal("/tmp/w/rig-config.bin", file.GetProperty("SourceFilePath").GetString());
    }

    [Theory]
    [InlineData("plain/path-1.bin", "plain/path-1.bin")]
    [InlineData("with space", "'with space'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("I:\\rig.json", "'I:\\rig.json'")]
    public void Printed_arguments_are_quoted_for_a_posix_shell(string argument, string printed)
    {
        Assert.Equal(printed, CommandLineText.Quote(argument));
    }

    [Fact]
    public void The_masker_hides_every_known_secret_but_leaves_very_short_ones()
    {
        var masker = new SecretMasker(["hunter22", "hunter2222", "pi", null]);

        Assert.Equal("login *** then ***, user pi", masker.Mask("login hunter2222 then hunter22, user pi"));
        Assert.Equal("nothing to hide", SecretMasker.None.Mask("nothing to hide"));
    }

    [Fact]
    public void Broker_addresses_in_the_configuration_are_canonical()
    {
        var config = new DeviceConfiguration("rig-7", BrokerAddress.Parse("mqtts://Broker.Lab"), null, PinMapTests.ValidMap(), "rig test");

        Assert.Contains("\"url\": \"mqtts://broker.lab:8883\"", config.Describe(), StringComparison.Ordinal);
        Assert.Equal("broker.lab", config.ToRecord().BrokerHost);
    }
}
