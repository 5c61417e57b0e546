using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rig.Protocol;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests.Flash;

/// <summary>
/// `rig flash` as a user runs it, against a FAKE nanoff (see <see cref="FakeNanoff"/>): these tests check the wrapper's logic,
/// the nanoff command lines, their order, failures and exit codes, not nanoff itself or any hardware.
/// </summary>
[UnsupportedOSPlatform("windows")] // The fake nanoff is a /bin/sh script.
[Collection(FlashProcesses.Name)]
public sealed class FlashCommandTests : IDisposable
{
    private const string Target = "ESP32_PSRAM_REV3";
    private const string User = "rig-user-7f3a";
    private const string Password = "s3cret-Pa55word!x";
    private const string WifiPassword = "wifi-Pa55-9q8w7e";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    public FlashCommandTests()
    {
        File.WriteAllBytes(Clr, [0xE9, 1, 2, 3, 4, 5, 6, 7]);
        File.WriteAllBytes(App, [0x4E, 0x46, 0x4D, 0x52, 9, 9, 9]);
        File.WriteAllText(Port, "");
        File.WriteAllText(PinMapPath, ValidPinMap);
        File.WriteAllText(CredentialsPath, $"{{\"username\": \"{User}\", \"password\": \"{Password}\"}}");
        File.SetUnixFileMode(CredentialsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(WifiPath, $"{{\"ssid\": \"lab-rigs\", \"password\": \"{WifiPassword}\"}}");
        File.SetUnixFileMode(WifiPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Seven pins: every required function, one optional output, with the electrical notes a real map carries.</summary>
    public static string ValidPinMap => """
        {
          "board": "ESP32-DevKitC-32E (test bench)",
          "pins": [
            {"gpio": 34, "function": "lick", "channel": 0, "direction": "input", "level": "3.3 V, active high", "net": "LICK0", "note": "lickometer comparator output"},
            {"gpio": 35, "function": "frame_clock", "channel": 0, "direction": "input", "level": "3.3 V via divider", "net": "FRAME", "note": "scanner frame trigger"},
            {"gpio": 32, "function": "encoder_a", "channel": 0, "direction": "input", "net": "ENC_A"},
            {"gpio": 33, "function": "encoder_b", "channel": 0, "direction": "input", "net": "ENC_B"},
            {"gpio": 25, "function": "valve", "channel": 0, "direction": "output", "level": "3.3 V to MOSFET gate", "net": "VALVE0"},
            {"gpio": 26, "function": "tone", "channel": 0, "direction": "output", "net": "SPK"},
            {"gpio": 2, "function": "status_led", "channel": 0, "direction": "output"}
          ]
        }
        """;

    private string Clr => _dir.Combine("nanoCLR.bin");

    private string App => _dir.Combine("rig-app.bin");

    /// <summary>A stand-in for /dev/ttyUSB0: a real run checks that the port exists, and the fake never opens it.</summary>
    private string Port => _dir.Combine("ttyUSB0");

    private string PinMapPath => _dir.Combine("pinmap.json");

    private string CredentialsPath => _dir.Combine("mqtt-login.json");

    private string WifiPath => _dir.Combine("wifi.json");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Dry_run_prints_the_nanoff_command_lines_in_order_and_runs_nothing()
    {
        using var nanoff = new FakeNanoff();

        var (code, stdout, stderr) = await Rig(["flash", "--dry-run", "--port", "/dev/ttyUSB0", "--target", Target, "--clrfile", Clr, "--app", App], nanoff.Environment);

        Assert.True(code == 0, stderr);
        Assert.Empty(nanoff.Calls);
        Assert.Equal(
            [
                $"{nanoff.ScriptPath} --update --target {Target} --platform esp32 --serialport /dev/ttyUSB0 --clrfile {Clr}",
                $"{nanoff.ScriptPath} --target {Target} --platform esp32 --serialport /dev/ttyUSB0 --deploy --image {App}",
            ],
            Commands(stdout));
    }

    [Fact]
    public async Task Dry_run_with_nanoff_3_syntax_prints_the_flash_and_deploy_verbs_with_the_address()
    {
        using var nanoff = new FakeNanoff();

        var (code, stdout, stderr) = await Rig(
            ["flash", "--dry-run", "--port", "/dev/ttyUSB0", "--target", Target, "--clrfile", Clr, "--app", App, "--address", "0x1b0000", "--nanoff-syntax", "3"],
            nanoff.Environment);

        Assert.True(code == 0, stderr);
        Assert.Empty(nanoff.Calls);
        Assert.Equal(
            [
                $"{nanoff.ScriptPath} flash --target {Target} --platform esp32 --serialport /dev/ttyUSB0 --image {Clr}",
                $"{nanoff.ScriptPath} deploy --target {Target} --platform esp32 --serialport /dev/ttyUSB0 --image {App} --address 0x1B0000",
            ],
            Commands(stdout));
    }

    [Fact]
    public async Task With_nanoff_2_a_run_asks_the_version_then_flashes_nanoCLR_then_deploys_the_application()
    {
        using var nanoff = new FakeNanoff();

        var (code, stdout, stderr) = await Rig(["flash", "--port", Port, "--target", Target, "--clrfile", Clr, "--app", App], nanoff.Environment);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Equal(
            [
                ["--version"],
                ["--update", "--target", Target, "--platform", "esp32", "--serialport", Port, "--clrfile", Clr],
                ["--target", Target, "--platform", "esp32", "--serialport", Port, "--deploy", "--image", App],
            ],
            nanoff.Calls);
        Assert.Contains("step 1/2: flash the nanoCLR image nanoCLR.bin", stderr, StringComparison.Ordinal);
        Assert.Contains("step 2/2: deploy the application image rig-app.bin", stderr, StringComparison.Ordinal);
        Assert.Contains("nanoff | fake nanoff: pretending to work", stderr, StringComparison.Ordinal);
        Assert.Contains("2 step(s) done", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_nanoff_3_a_run_uses_the_verb_syntax_it_reports()
    {
        using var nanoff = new FakeNanoff(version: ".NET nanoFramework Firmware Flasher v3.0.0-preview.46+c0ffee");

        var (code, _, stderr) = await Rig(["flash", "--port", Port, "--target", Target, "--clrfile", Clr, "--app", App, "--address", "0x1B0000"], nanoff.Environment);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Equal(
            [
                ["--version"],
                ["flash", "--target", Target, "--platform", "esp32", "--serialport", Port, "--image", Clr],
                ["deploy", "--target", Target, "--platform", "esp32", "--serialport", Port, "--image", App, "--address", "0x1B0000"],
            ],
            nanoff.Calls);
    }

    [Fact]
    public async Task Relative_image_paths_reach_nanoff_as_absolute_paths()
    {
        using var nanoff = new FakeNanoff();
        var env = nanoff.Environment;

        var (code, _, stderr) = await RigIn(_dir.Path, ["flash", "--port", Port, "--target", Target, "--app", "rig-app.bin", "--nanoff-syntax", "2"], env);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Equal([["--target", Target, "--platform", "esp32", "--serialport", Port, "--deploy", "--image", App]], nanoff.Calls);
    }

    [Fact]
    public async Task Writing_the_configuration_deploys_rig_broker_login_and_pin_map_between_nanoCLR_and_the_application_and_prints_no_credentials()
    {
        using var nanoff = new FakeNanoff();

        var (code, stdout, stderr) = await Rig(
            ["flash", "--port", Port, "--target", Target, "--clrfile", Clr, "--app", App,
             "--rig", "rig-7", "--broker", "mqtt://Broker.Lab", "--credentials", CredentialsPath, "--pinmap", PinMapPath],
            nanoff.Environment);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        var calls = nanoff.Calls;
        Assert.Equal(4, calls.Count);
        Assert.Equal("--version", calls[0][0]);
        Assert.Equal("--clrfile", calls[1][^2]);
        Assert.Equal("--filedeployment", calls[2][0]);
        Assert.Equal(2, calls[2].Count);
        Assert.Equal("--deploy", calls[3][^3]);
        string descriptor = calls[2][1];
        Assert.Equal("nanoff-files.json", Path.GetFileName(descriptor));
        Assert.StartsWith("rig-flash-", Path.GetFileName(Path.GetDirectoryName(descriptor)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(descriptor)), "the folder with the password must be gone after the run");

        string copy = Assert.Single(nanoff.DeployedFolders);
        using (var files = JsonDocument.Parse(File.ReadAllText(Path.Combine(copy, "nanoff-files.json"))))
        {
            Assert.Equal(Port, files.RootElement.GetProperty("SerialPort").GetString());
            var file = Assert.Single(files.RootElement.GetProperty("Files").EnumerateArray().ToList());
            Assert.Equal(@"I:\rig-config.bin", file.GetProperty("DestinationFilePath").GetString());
            Assert.Equal(Path.Combine(Path.GetDirectoryName(descriptor)!, "rig-config.bin"), file.GetProperty("SourceFilePath").GetString());
        }

        string configPath = Path.Combine(copy, "rig-config.bin");
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(configPath) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        byte[] bytes = File.ReadAllBytes(configPath);
        var reader = new ByteReader(bytes, 0, bytes.Length);
        var config = DeviceSettingsRecord.Read(reader);
        Assert.Equal(bytes.Length, reader.Position);
        Assert.Equal(("rig-7", "broker.lab", 1883, false), (config.RigId, config.BrokerHost, config.BrokerPort, config.UseTls));
        Assert.Equal((User, Password), (config.Username, config.Password));
        Assert.Equal(7, config.PinCount);
        Assert.Equal((25, 0, "valve"), (config.PinGpio(4), config.PinChannel(4), config.PinFunction(4)));

        AssertNoCredentials(stdout + stderr + File.ReadAllText(nanoff.LogPath));
    }

    [Fact]
    public async Task Storing_wifi_runs_a_network_deployment_after_nanoCLR_and_before_the_configuration_and_prints_no_wifi_password()
    {
        using var nanoff = new FakeNanoff();

        var (code, stdout, stderr) = await Rig(
            ["flash", "--port", Port, "--target", Target, "--clrfile", Clr, "--wifi", WifiPath,
             "--rig", "rig-7", "--broker", "mqtt://broker.lab", "--anonymous", "--pinmap", PinMapPath],
            nanoff.Environment);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Equal(["--version", "--update", "--networkdeployment", "--filedeployment"], nanoff.Calls.Select(c => c[0]));
        string network = nanoff.Calls[2][1];
        Assert.Equal("nanoff-network.json", Path.GetFileName(network));
        Assert.False(File.Exists(network), "the Wi-Fi password must be gone after the run");
        Assert.Contains("store the Wi-Fi network 'lab-rigs'", stderr, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(nanoff.DeployedFolders[0], "nanoff-network.json"))))
        {
            var client = json.RootElement.GetProperty("WirelessClient");
            Assert.Equal(Port, json.RootElement.GetProperty("SerialPort").GetString());
            Assert.Equal("lab-rigs", client.GetProperty("Ssid").GetString());
            Assert.Equal(WifiPassword, client.GetProperty("Password").GetString());
        }

        Assert.DoesNotContain(WifiPassword, stdout + stderr + File.ReadAllText(nanoff.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_step_stops_the_sequence_with_exit_10_naming_the_step_nanoffs_exit_code_and_last_lines()
    {
        // 211 is what Linux leaves of nanoff's E2003 (2003 & 0xFF): a failed file deployment.
        using var nanoff = new FakeNanoff(failOn: "--filedeployment", failExitCode: 211);

        var (code, stdout, stderr) = await Rig(
            ["flash", "--port", Port, "--target", Target, "--clrfile", Clr, "--app", App,
             "--rig", "rig-7", "--broker", "mqtt://broker.lab", "--credentials", CredentialsPath, "--pinmap", PinMapPath],
            nanoff.Environment);

        Assert.Equal(10, code);
        Assert.Equal(["--version", "--update", "--filedeployment"], nanoff.Calls.Select(c => c[0]));
        Assert.Contains("step 2/3 failed: write the device configuration (rig 'rig-7')", stderr, StringComparison.Ordinal);
        Assert.Contains("nanoff exited with code 211 (E2003", stderr, StringComparison.Ordinal);
        Assert.Contains("Error executing file deployment on nano device.", stderr, StringComparison.Ordinal);
        Assert.Contains("| fake nanoff: failing on --filedeployment as the test asked", stderr, StringComparison.Ordinal);
        Assert.Contains("not run: deploy the application image rig-app.bin", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(nanoff.Calls[2][1])), "the folder with the password must be gone after a failure too");
        AssertNoCredentials(stdout + stderr);
    }

    [Fact]
    public async Task A_failing_first_step_starts_no_later_step_and_the_json_summary_says_which_failed()
    {
        // 163 is what Linux leaves of nanoff's E4003 (4003 & 0xFF): the firmware write failed.
        using var nanoff = new FakeNanoff(failOn: "--clrfile", failExitCode: 163);

        var (code, stdout, stderr) = await Rig(["flash", "--port", Port, "--target", Target, "--clrfile", Clr, "--app", App, "--json"], nanoff.Environment);

        Assert.Equal(10, code);
        Assert.Equal(2, nanoff.Calls.Count);
        Assert.Contains("E4003", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("clr", root.GetProperty("failed_step").GetString());
        Assert.Equal(10, root.GetProperty("exit_code").GetInt32());
        Assert.Equal(2, root.GetProperty("nanoff").GetProperty("syntax").GetInt32());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["failed", "not_run"], steps.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal(163, steps[0].GetProperty("exit_code").GetInt32());
        Assert.StartsWith("E4003", steps[0].GetProperty("exit_meaning").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_nanoff_installed_a_run_exits_9_and_says_how_to_install_it()
    {
        using var nowhere = new TempDirectory();
        var env = new Dictionary<string, string>
        {
            ["RIG_NANOFF"] = "",
            ["PATH"] = nowhere.Path,
            ["HOME"] = nowhere.Path,
            ["DOTNET_CLI_HOME"] = nowhere.Path,
        };

        var (code, _, stderr) = await Rig(["flash", "--port", Port, "--target", Target, "--clrfile", Clr], env);

        Assert.Equal(9, code);
        Assert.Contains("nanoff (the nanoFramework firmware flasher) is not installed", stderr, StringComparison.Ordinal);
        Assert.Contains("dotnet tool install -g nanoff", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_RIG_NANOFF_that_names_no_file_exits_9_naming_it()
    {
        string missing = _dir.Combine("no-such-nanoff");

        var (code, _, stderr) = await Rig(["flash", "--port", Port, "--target", Target, "--clrfile", Clr], new Dictionary<string, string> { ["RIG_NANOFF"] = missing });

        Assert.Equal(9, code);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.Contains("dotnet tool install -g nanoff", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_with_a_configuration_prints_the_file_deployment_and_a_masked_configuration_and_runs_nothing()
    {
        using var nanoff = new FakeNanoff();
        var certificates = TestCertificates.Create(_dir.Path);

        var (code, stdout, stderr) = await Rig(
            ["flash", "--dry-run", "--port", Port, "--target", Target, "--app", App,
             "--rig", "rig-7", "--broker", "mqtts://broker.lab", "--credentials", CredentialsPath, "--pinmap", PinMapPath,
             "--ca-file", certificates.CaFile],
            nanoff.Environment);

        Assert.True(code == 0, stderr);
        Assert.Contains("\"ca_pem\": \"-----BEGIN CERTIFICATE-----", stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
        var commands = Commands(stdout);
        Assert.Equal(2, commands.Count);
        Assert.StartsWith($"{nanoff.ScriptPath} --filedeployment ", commands[0], StringComparison.Ordinal);
        Assert.EndsWith("rig-flash-XXXXXX/nanoff-files.json", commands[0], StringComparison.Ordinal);
        Assert.Contains("--deploy --image", commands[1], StringComparison.Ordinal);
        Assert.Contains("\"username\": \"***\"", stderr, StringComparison.Ordinal);
        Assert.Contains("\"url\": \"mqtts://broker.lab:8883\"", stderr, StringComparison.Ordinal);
        AssertNoCredentials(stdout + stderr);
    }

    [Fact]
    public async Task An_mqtts_broker_without_a_ca_file_is_refused_before_anything_runs()
    {
        using var nanoff = new FakeNanoff();

        var (code, _, stderr) = await Rig(
            ["flash", "--dry-run", "--port", Port, "--target", Target, "--app", App,
             "--rig", "rig-7", "--broker", "mqtts://broker.lab", "--credentials", CredentialsPath, "--pinmap", PinMapPath],
            nanoff.Environment);

        Assert.True(code == 11, $"exit {code}: {stderr}");
        Assert.Contains("needs --ca-file", stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    [Fact]
    public async Task Without_credentials_and_without_a_terminal_a_run_exits_2_instead_of_waiting_for_input()
    {
        using var nanoff = new FakeNanoff();

        var (code, _, stderr) = await Rig(
            ["flash", "--port", Port, "--rig", "rig-7", "--broker", "mqtt://broker.lab", "--pinmap", PinMapPath], nanoff.Environment);

        Assert.Equal(2, code);
        Assert.Contains("pass --credentials FILE, or --anonymous", stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    [Fact]
    public async Task An_anonymous_configuration_writes_no_mqtt_login()
    {
        using var nanoff = new FakeNanoff(version: "nanoff 3.0.1");

        var (code, _, stderr) = await Rig(
            ["flash", "--port", Port, "--rig", "rig-7", "--broker", "mqtt://10.0.0.5:1884", "--anonymous", "--pinmap", PinMapPath], nanoff.Environment);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Equal(["deploy", "--file"], nanoff.Calls[1].Take(2));
        Assert.Equal(["--serialport", Port], nanoff.Calls[1].Skip(3));
        byte[] bytes = File.ReadAllBytes(Path.Combine(Assert.Single(nanoff.DeployedFolders), "rig-config.bin"));
        var config = DeviceSettingsRecord.Read(new ByteReader(bytes, 0, bytes.Length));
        Assert.Equal(("", ""), (config.Username, config.Password));
        Assert.Equal(("10.0.0.5", 1884), (config.BrokerHost, config.BrokerPort));
    }

    [Fact]
    public async Task Safety_limits_from_a_limits_file_are_written_into_the_device_file_and_printed_with_the_defaults_they_leave()
    {
        using var nanoff = new FakeNanoff(version: "nanoff 3.0.1");
        string limits = _dir.Combine("limits.json");
        File.WriteAllText(limits, """{"valve_hard_max_ms": 150, "host_silence_ms": 800, "water_window_max_openings": 16}""");

        var (code, _, stderr) = await Rig(
            ["flash", "--port", Port, "--rig", "rig-7", "--broker", "mqtt://10.0.0.5", "--anonymous", "--pinmap", PinMapPath, "--limits", limits],
            nanoff.Environment);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        byte[] bytes = File.ReadAllBytes(Path.Combine(Assert.Single(nanoff.DeployedFolders), "rig-config.bin"));
        var config = DeviceSettingsRecord.Read(new ByteReader(bytes, 0, bytes.Length));
        Assert.True(config.HasSafetyLimits);
        Assert.Equal((150_000u, 800_000u, 16, 0u, 0ul), (config.ValveHardMaxMicros, config.HostSilenceMicros, config.WaterWindowMaxOpenings, config.WaterWindowMicros, config.WaterArmMaxWindowMicros));
        Assert.Contains("device safety limits: valve hard max 150 ms*, host silence 800 ms*, water window 500 ms with at most 300 ms open in 16* openings, "
            + "session window 60 min with at most 120 s open, arm window 120 s (* from the limits file; the rest the firmware's defaults)", stderr, StringComparison.Ordinal);

        // The dry run prints the same in the configuration's JSON, in µs as the file holds them.
        var dry = await Rig(
            ["flash", "--dry-run", "--port", Port, "--rig", "rig-7", "--broker", "mqtt://10.0.0.5", "--anonymous", "--pinmap", PinMapPath, "--limits", limits],
            nanoff.Environment);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains("\"valve_hard_max_us\": 150000", dry.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"water_session_max_open_us\": 120000000", dry.Stderr, StringComparison.Ordinal); // the firmware's default, left as it is
    }

    [Theory]
    [InlineData("""{"water_arm_max_window_s": 60}""", "the device would refuse these limits: WaterArmMaxWindowMicros must be")]
    [InlineData("""{"valve_hard_max_ms": 20000}""", "the device would refuse these limits: ValveHardMaxOpenMicros must be 1 to 10000000")]
    [InlineData("""{"water_window_ms": 500, "water_session_window_min": 0.005}""", "WaterSessionWindowMicros must be at least WaterWindowMicros and WaterArmMaxWindowMicros")]
    [InlineData("""{"water_session_window_min": 0.01, "water_arm_max_window_s": 3600}""", "WaterSessionWindowMicros must be at least WaterWindowMicros and WaterArmMaxWindowMicros")]
    [InlineData("""{"host_silence_ms": 120000}""", "HostSilenceCloseMicros from a settings file must be at most 60000000")]
    [InlineData("""{"valve_hard_max_ms": 100, "valve_hard_max_ms": 200}""", "valve_hard_max_ms is given twice")]
    [InlineData("""{}""", "sets no limit")]
    [InlineData("""{"valve_hard_max_ms": 0.0001}""", "the device holds 1 to")]
    [InlineData("""{"water_window_max_openings": 70000}""", "whole number from 1 to 65535")]
    [InlineData("""{"valve_max_ms": 200}""", "unknown key 'valve_max_ms'")]
    [InlineData("""{"host_silence_ms": -1}""", "host_silence_ms must be a positive number, not -1")]
    [InlineData("""{"water_window_max_openings": 2.5}""", "water_window_max_openings must be a whole number")]
    [InlineData("""[200]""", "expected one JSON object of limits")]
    public async Task Limits_the_device_would_refuse_exit_11_naming_the_file_and_the_setting_and_run_nothing(string json, string expected)
    {
        using var nanoff = new FakeNanoff();
        string limits = _dir.Combine("limits.json");
        File.WriteAllText(limits, json);

        var (code, _, stderr) = await Rig(
            ["flash", "--port", Port, "--rig", "rig-7", "--broker", "mqtt://broker.lab", "--anonymous", "--pinmap", PinMapPath, "--limits", limits],
            nanoff.Environment);

        Assert.True(code == 11, $"exit {code}: {stderr}");
        Assert.Contains($"limits file '{limits}'", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    [Fact]
    public async Task An_invalid_pin_map_exits_11_naming_each_bad_entry_and_runs_nothing()
    {
        using var nanoff = new FakeNanoff();
        File.WriteAllText(PinMapPath, ValidPinMap
            .Replace("\"function\": \"tone\"", "\"function\": \"buzzer\"", StringComparison.Ordinal)
            .Replace("\"gpio\": 2,", "\"gpio\": 25,", StringComparison.Ordinal));

        var (code, _, stderr) = await Rig(
            ["flash", "--port", Port, "--rig", "rig-7", "--broker", "mqtt://broker.lab", "--credentials", CredentialsPath, "--pinmap", PinMapPath],
            nanoff.Environment);

        Assert.Equal(11, code);
        Assert.Contains($"pin map '{PinMapPath}' is invalid", stderr, StringComparison.Ordinal);
        Assert.Contains("pins[5] (gpio 26, buzzer): unknown function \"buzzer\"", stderr, StringComparison.Ordinal);
        Assert.Contains("pins[6] (gpio 25, status_led): GPIO 25 is already used by pins[4] (gpio 25, valve)", stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    [Fact]
    public async Task A_serial_port_that_does_not_exist_exits_2_before_nanoff_runs()
    {
        using var nanoff = new FakeNanoff();
        string missing = _dir.Combine("ttyUSB9");

        var (code, _, stderr) = await Rig(["flash", "--port", missing, "--target", Target, "--clrfile", Clr], nanoff.Environment);

        Assert.Equal(2, code);
        Assert.Contains($"serial port '{missing}' does not exist", stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    [Fact]
    public async Task A_malformed_broker_url_exits_3()
    {
        using var nanoff = new FakeNanoff();

        var (code, _, stderr) = await Rig(
            ["flash", "--port", Port, "--rig", "rig-7", "--broker", "http://broker.lab", "--anonymous", "--pinmap", PinMapPath], nanoff.Environment);

        Assert.Equal(3, code);
        Assert.Contains("unsupported scheme 'http'", stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    [Theory]
    [InlineData("nothing to do", "--port", "{port}")]
    [InlineData("no such file", "--port", "{port}", "--target", Target, "--clrfile", "{dir}/missing.bin")]
    [InlineData("is empty", "--port", "{port}", "--target", Target, "--clrfile", "{dir}/empty.bin")]
    [InlineData("not a nanoFramework target name", "--port", "{port}", "--target", "ESP32 PSRAM", "--clrfile", "{clr}")]
    [InlineData("--target is required", "--port", "{port}", "--app", "{app}")]
    [InlineData("--address applies to --app only", "--port", "{port}", "--target", Target, "--clrfile", "{clr}", "--address", "0x10000")]
    [InlineData("not a deployment address", "--port", "{port}", "--target", Target, "--app", "{app}", "--address", "0x0")]
    [InlineData("not a flash address", "--port", "{port}", "--target", Target, "--app", "{app}", "--address", "190000")]
    [InlineData("--rig and --broker go together", "--port", "{port}", "--rig", "rig-7")]
    [InlineData("invalid rig id", "--port", "{port}", "--rig", "rig/7", "--broker", "mqtt://b")]
    [InlineData("contradict", "--port", "{port}", "--rig", "r", "--broker", "mqtt://b", "--anonymous", "--credentials", "{creds}")]
    [InlineData("belong to the device configuration", "--port", "{port}", "--target", Target, "--clrfile", "{clr}", "--pinmap", "{pinmap}")]
    [InlineData("belong to the device configuration", "--port", "{port}", "--target", Target, "--clrfile", "{clr}", "--limits", "{pinmap}")]
    [InlineData("--nanoff-syntax", "--port", "{port}", "--target", Target, "--clrfile", "{clr}", "--nanoff-syntax", "4")]
    public async Task Bad_arguments_exit_2_with_a_message_and_run_nothing(string expected, params string[] args)
    {
        using var nanoff = new FakeNanoff();
        File.WriteAllBytes(_dir.Combine("empty.bin"), []);
        var resolved = args.Select(a => a
            .Replace("{port}", Port, StringComparison.Ordinal).Replace("{dir}", _dir.Path, StringComparison.Ordinal)
            .Replace("{clr}", Clr, StringComparison.Ordinal).Replace("{app}", App, StringComparison.Ordinal)
            .Replace("{creds}", CredentialsPath, StringComparison.Ordinal).Replace("{pinmap}", PinMapPath, StringComparison.Ordinal));

        var (code, _, stderr) = await Rig(["flash", .. resolved], nanoff.Environment);

        Assert.Equal(2, code);
        Assert.StartsWith("rig: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Empty(nanoff.Calls);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> Rig(IEnumerable<string> args, IDictionary<string, string> environment) =>
        RigProcess.RunAsync(args, Timeout, environment, TestContext.Current.CancellationToken);

    /// <summary>Runs rig in another working folder; RigProcess has no such knob, and changing this process's folder would race other tests.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RigIn(string workingDirectory, IEnumerable<string> args, IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RigProcess.CliPath);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The command lines of a dry run's output, without its comment lines.</summary>
    private static List<string> Commands(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#'))];

    private static void AssertNoCredentials(string text)
    {
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(User, text, StringComparison.Ordinal);
    }
}

/// <summary>
/// These tests start some forty short `rig` and fake-nanoff processes back to back; run alongside the timing-sensitive
/// end-to-end sessions they steal the CPU those sessions' deadlines assume, so they run on their own, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FlashProcesses
{
    public const string Name = "rig flash processes";
}
