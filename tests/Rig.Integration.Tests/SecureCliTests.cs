using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>
/// `rig broker-config`, `rig sim` and `rig run` with per-rig accounts and TLS on a real Mosquitto, as separate processes
/// (docs/security.md): a complete session, no password in any output or session file, and the exit codes 22 and 23.
/// </summary>
public sealed class SecureCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_session_over_tls_with_per_rig_accounts_is_complete_and_no_password_appears_in_any_output_or_session_file()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var certificates = TestCertificates.Create(dir.Path);
        int port = FreePort.Pick();
        var config = await RigProcess.RunAsync(
            ["broker-config", "--rigs", "sec-rig,other-rig", "--out", dir.Combine("broker"), "--listen", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--tls-ca", certificates.CaFile, "--tls-cert", certificates.CertFile, "--tls-key", certificates.KeyFile],
            Timeout, cancellationToken: ct);
        Assert.True(config.ExitCode == 0, config.Stderr + config.Stdout);
        string rigLogin = dir.Combine("broker", "credentials", "sec-rig.json");
        string bridgeLogin = dir.Combine("broker", "credentials", "bridge.json");
        string rigPassword = PasswordIn(rigLogin);
        string bridgePassword = PasswordIn(bridgeLogin);
        string configText = File.ReadAllText(dir.Combine("broker", "mosquitto.conf"));
        await using var mosquitto = await MosquittoBroker.StartAsync(_ => configText, useTls: true, port, cancellationToken: ct);
        string url = $"mqtts://127.0.0.1:{port}";

        // The rig logs in from a file, the bridge from the environment.
        await using var sim = RigProcess.Start(["sim", "--rig", "sec-rig", "--broker", url, "--speed", "5", "--credentials", rigLogin, "--ca-file", certificates.CaFile]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited,
            TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);
        Assert.False(sim.HasExited, sim.Stderr);
        var environment = new Dictionary<string, string>
        {
            ["RIG_MQTT_USERNAME"] = "bridge",
            ["RIG_MQTT_PASSWORD"] = bridgePassword,
            ["RIG_MQTT_CA_FILE"] = certificates.CaFile,
        };
        var run = await RigProcess.RunAsync(
            ["run", "--rig", "sec-rig", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.05", "--json", "--verbose"], Timeout, environment, ct);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        using var json = JsonDocument.Parse(run.Stdout);
        var recorded = json.RootElement.GetProperty("recorded");
        Assert.Equal(0, recorded.GetProperty("missing_batches").GetInt64());
        Assert.True(recorded.GetProperty("events_by_kind").GetProperty("frame").GetInt64() > 50, run.Stdout);
        // The bridge's session ended before the rig was stopped: what it sent since was never acknowledged, and it says so.
        await sim.InterruptAsync();
        Assert.Equal(7, await sim.WaitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Contains("no bridge acknowledged", sim.Stderr, StringComparison.Ordinal);

        var outputs = new List<(string Where, string Text)>
        {
            ("broker-config stdout", config.Stdout), ("broker-config stderr", config.Stderr),
            ("run stdout", run.Stdout), ("run stderr (--verbose)", run.Stderr), ("sim stdout", sim.Stdout), ("sim stderr", sim.Stderr),
            ("mosquitto log", mosquitto.ReadLog()),
        };
        outputs.AddRange(Directory.EnumerateFiles(dir.Combine("s"), "*", SearchOption.AllDirectories)
            .Select(f => (f, System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f)))));
        Assert.True(outputs.Count > 7, "the session folder is empty");
        foreach (var (where, text) in outputs)
        {
            Assert.False(text.Contains(bridgePassword, StringComparison.Ordinal), $"the bridge's password appears in {where}");
            Assert.False(text.Contains(rigPassword, StringComparison.Ordinal), $"the rig's password appears in {where}");
        }
    }

    [Fact]
    public async Task Recording_with_a_wrong_password_exits_22_naming_the_refusal_and_leaves_no_session_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var (port, configText) = await BrokerConfigAsync(dir, tls: false);
        await using var mosquitto = await MosquittoBroker.StartAsync(_ => configText, useTls: false, port, cancellationToken: ct);
        const string wrong = "wrong-password-0815";

        var run = await RigProcess.RunAsync(
            ["run", "--rig", "sec-rig", "--broker", mosquitto.Address.ToString(), "--out", dir.Combine("s")], Timeout,
            new Dictionary<string, string> { ["RIG_MQTT_USERNAME"] = "bridge", ["RIG_MQTT_PASSWORD"] = wrong }, ct);

        Assert.True(run.ExitCode == 22, $"exit {run.ExitCode}\n{run.Stderr}");
        Assert.Contains("check the user name and password", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }

    [Fact]
    public async Task Tls_without_the_labs_ca_exits_22_and_a_plain_url_to_the_tls_port_exits_4_saying_to_use_mqtts()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var (port, configText) = await BrokerConfigAsync(dir, tls: true);
        await using var mosquitto = await MosquittoBroker.StartAsync(_ => configText, useTls: true, port, cancellationToken: ct);
        var login = new Dictionary<string, string> { ["RIG_MQTT_CREDENTIALS"] = dir.Combine("broker", "credentials", "bridge.json") };

        var untrusted = await RigProcess.RunAsync(
            ["run", "--rig", "sec-rig", "--broker", $"mqtts://127.0.0.1:{port}", "--out", dir.Combine("s1")], Timeout, login, ct);
        Assert.True(untrusted.ExitCode == 22, $"exit {untrusted.ExitCode}\n{untrusted.Stderr}");
        Assert.Contains("TLS handshake", untrusted.Stderr, StringComparison.Ordinal);

        var plain = await RigProcess.RunAsync(
            ["run", "--rig", "sec-rig", "--broker", $"mqtt://127.0.0.1:{port}", "--out", dir.Combine("s2")], Timeout, login, ct);
        Assert.True(plain.ExitCode == 4, $"exit {plain.ExitCode}\n{plain.Stderr}");
        Assert.Contains($"use mqtts://127.0.0.1:{port}", plain.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rig1,rig1", "named twice")]
    [InlineData("rig/1", "invalid rig id 'rig/1'")]
    [InlineData("rig1,bridge", "named twice")]
    public async Task Broker_config_with_bad_rig_ids_exits_23_naming_the_problem_and_writes_nothing(string rigs, string named)
    {
        using var dir = new TempDirectory();
        var result = await RigProcess.RunAsync(["broker-config", "--rigs", rigs, "--out", dir.Combine("b")], Timeout,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 23, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.Contains(named, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("b")));
    }

    [Fact]
    public async Task Broker_config_never_overwrites_existing_accounts()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("passwd"), "kept");
        var result = await RigProcess.RunAsync(["broker-config", "--rigs", "rig1", "--out", dir.Path], Timeout,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 23, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.Contains("never overwrites", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("kept", File.ReadAllText(dir.Combine("passwd")));
    }

    [Fact]
    public async Task Rig_broker_on_a_network_address_without_accounts_exits_2_naming_the_fix_and_with_insecure_warns_at_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var refused = await RigProcess.RunAsync(["broker", "--listen", "0.0.0.0", "--port", "0"], Timeout, cancellationToken: ct);
        Assert.True(refused.ExitCode == 2, $"exit {refused.ExitCode}\n{refused.Stderr}");
        Assert.Contains("--accounts DIR", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--insecure", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("mqtt://", refused.Stdout, StringComparison.Ordinal);

        await using var open = RigProcess.Start(["broker", "--listen", "0.0.0.0", "--port", "0", "--insecure"]);
        await Eventually.WaitUntil(() => open.Stdout.Contains("mqtt://", StringComparison.Ordinal) || open.HasExited,
            TimeSpan.FromSeconds(30), "the broker to print its URL", ct);
        Assert.False(open.HasExited, open.Stderr);
        Assert.Contains("INSECURE: open broker on 0.0.0.0 (--insecure): anyone on the network can connect", open.Stderr, StringComparison.Ordinal);
        await open.InterruptAsync();
        Assert.Equal(0, await open.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Theory]
    [InlineData("run", "--rig", "r1")]
    [InlineData("fleet", "run", "--rigs")]
    public async Task Recording_anonymously_from_a_broker_on_the_network_exits_2_before_connecting_naming_the_fix(string command, string first, string second)
    {
        using var dir = new TempDirectory();
        string[] args = command == "run"
            ? [command, first, second, "--broker", "mqtt://198.51.100.1:1883", "--out", dir.Combine("s")]
            : [command, first, second, "r1,r2", "--broker", "mqtt://198.51.100.1:1883", "--out", dir.Combine("s")];

        // 198.51.100.1 (TEST-NET-2) answers nothing: a connection attempt would time out, so exit 2 at once shows none was made.
        var run = await RigProcess.RunAsync(args, TimeSpan.FromSeconds(30), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}\n{run.Stderr}");
        Assert.Contains("mqtt://198.51.100.1:1883 is on the network and no login is given", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--credentials FILE", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--insecure", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }

    [Fact]
    public async Task A_session_recorded_with_insecure_from_a_network_address_warns_at_start_and_its_session_json_records_insecure()
    {
        var ct = TestContext.Current.CancellationToken;
        var lan = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));
        Assert.SkipWhen(lan is null, "this computer has no non-loopback IPv4 address to reach its own broker by");
        using var dir = new TempDirectory();
        await using var broker = RigProcess.Start(["broker", "--listen", "0.0.0.0", "--port", "0", "--insecure"]);
        await Eventually.WaitUntil(() => broker.Stdout.Contains("mqtt://", StringComparison.Ordinal) || broker.HasExited,
            TimeSpan.FromSeconds(30), "the broker to print its URL", ct);
        Assert.False(broker.HasExited, broker.Stderr);
        var local = Rig.Recording.Link.BrokerAddress.Parse(broker.Stdout.Trim());
        await using var sim = RigProcess.Start(["sim", "--rig", "open-rig", "--broker", local.ToString(), "--speed", "5"]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited,
            TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);
        Assert.False(sim.HasExited, sim.Stderr);

        string network = $"mqtt://{lan}:{local.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var run = await RigProcess.RunAsync(
            ["run", "--rig", "open-rig", "--broker", network, "--out", dir.Combine("s"), "--minutes", "0.05", "--insecure"], Timeout, cancellationToken: ct);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        Assert.Contains($"INSECURE: connecting to {network} without a login (--insecure)", run.Stderr, StringComparison.Ordinal);
        using var header = JsonDocument.Parse(File.ReadAllText(dir.Combine("s", "session.json")));
        Assert.True(header.RootElement.GetProperty("insecure").GetBoolean());
        await sim.InterruptAsync();
        await sim.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await broker.InterruptAsync();
        Assert.Equal(0, await broker.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task Rig_broker_with_accounts_refuses_anonymous_clients_records_a_logged_in_rig_completely_and_reports_the_refusals_at_exit()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var config = await RigProcess.RunAsync(["broker-config", "--rigs", "acct-rig,other-rig", "--out", dir.Combine("broker")], Timeout, cancellationToken: ct);
        Assert.True(config.ExitCode == 0, config.Stderr + config.Stdout);
        await using var broker = RigProcess.Start(["broker", "--listen", "0.0.0.0", "--port", "0", "--accounts", dir.Combine("broker")]);
        await Eventually.WaitUntil(() => broker.Stdout.Contains("mqtt://", StringComparison.Ordinal) || broker.HasExited,
            TimeSpan.FromSeconds(30), "the broker to print its URL", ct);
        Assert.False(broker.HasExited, broker.Stderr);
        Assert.DoesNotContain("INSECURE", broker.Stderr, StringComparison.Ordinal);
        string url = broker.Stdout.Trim();

        // An anonymous client, as a colleague's script would connect, is refused.
        await using (var anonymous = new Rig.Recording.Link.MqttLink(Rig.Recording.Link.BrokerAddress.Parse(url),
            new Rig.Recording.Link.LinkOptions { ClientId = "anyone", AutoReconnect = false }))
        {
            var e = await Assert.ThrowsAsync<Rig.Recording.Link.BrokerUnreachableException>(() => anonymous.ConnectAsync(ct));
            Assert.True(Rig.Recording.Link.MqttLink.IsSecurityFailure(e), e.ToString());
        }

        await using var sim = RigProcess.Start(["sim", "--rig", "acct-rig", "--broker", url, "--speed", "5", "--credentials", dir.Combine("broker", "credentials", "acct-rig.json")]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited,
            TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);
        Assert.False(sim.HasExited, sim.Stderr);
        var run = await RigProcess.RunAsync(
            ["run", "--rig", "acct-rig", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.05", "--json"], Timeout,
            new Dictionary<string, string> { ["RIG_MQTT_CREDENTIALS"] = dir.Combine("broker", "credentials", "bridge.json") }, ct);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(0, json.RootElement.GetProperty("recorded").GetProperty("missing_batches").GetInt64());
        using var header = JsonDocument.Parse(File.ReadAllText(dir.Combine("s", "session.json")));
        Assert.False(header.RootElement.TryGetProperty("insecure", out _), "a loopback session with a login is not insecure");

        await sim.InterruptAsync();
        await sim.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await broker.InterruptAsync();
        Assert.Equal(0, await broker.WaitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Contains("refused 1 login(s), 0 publish(es) and 0 subscription(s)", broker.Stderr, StringComparison.Ordinal);
    }

    private static string PasswordIn(string credentialsFile)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(credentialsFile));
        string password = json.RootElement.GetProperty("password").GetString()!;
        Assert.True(password.Length >= 24, "generated passwords are long");
        return password;
    }

    private static async Task<(int Port, string ConfigText)> BrokerConfigAsync(TempDirectory dir, bool tls)
    {
        int port = FreePort.Pick();
        var args = new List<string> { "broker-config", "--rigs", "sec-rig", "--out", dir.Combine("broker"), "--listen", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (tls)
        {
            var certificates = TestCertificates.Create(dir.Path);
            args.AddRange(["--tls-ca", certificates.CaFile, "--tls-cert", certificates.CertFile, "--tls-key", certificates.KeyFile]);
        }

        var result = await RigProcess.RunAsync(args, Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        return (port, File.ReadAllText(dir.Combine("broker", "mosquitto.conf")));
    }
}
