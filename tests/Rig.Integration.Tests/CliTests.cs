using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>The `rig` command as users run it: real processes, real files, documented exit codes.</summary>
public sealed class CliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Demo_for_one_minute_at_sixty_times_reports_licks_encoder_samples_and_frames_with_no_gaps_and_decode_agrees()
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("demo-session");
        var started = DateTime.UtcNow;
        var (code, stdout, stderr) = await RigProcess.RunAsync(
            ["demo", "--protocol", "none", "--minutes", "1", "--speed", "60", "--json", "--out", folder], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        var elapsed = DateTime.UtcNow - started;
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.True(elapsed < TimeSpan.FromMinutes(1), $"took {elapsed}");

        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.True(root.GetProperty("redecode_matches").GetBoolean());
        Assert.Equal(folder, root.GetProperty("session").GetString());
        var recorded = root.GetProperty("recorded");
        var kinds = recorded.GetProperty("events_by_kind");
        Assert.True(recorded.GetProperty("licks").GetInt64() > 0);
        Assert.True(kinds.GetProperty("encoder").GetInt64() > 1000);
        // 30 Hz for the 60 s run (from 0.5 s on), plus the frames of the real-time phases before and after it, in which
        // the bridge finds the device and later closes the session (a second or two, more on a loaded machine).
        Assert.InRange(kinds.GetProperty("frame").GetInt64(), 1780, 2100);
        Assert.Equal(0, recorded.GetProperty("missing_batches").GetInt64());
        Assert.Equal(0, recorded.GetProperty("unexplained_missing_events").GetInt64());
        Assert.True(File.Exists(Path.Combine(folder, "session.json")));
        Assert.True(File.Exists(Path.Combine(folder, "journal.rigj")));
        Assert.True(File.Exists(Path.Combine(folder, "summary.json")));
        Assert.True(File.Exists(Path.Combine(folder, "derived", "aligned_events.csv")));
        Assert.True(File.Exists(Path.Combine(folder, "derived", "frames.csv")));

        var decode = await RigProcess.RunAsync(["decode", folder, "--json"], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        using var decoded = JsonDocument.Parse(decode.Stdout);
        var counts = decoded.RootElement.GetProperty("decoded");
        Assert.Equal(recorded.GetProperty("events_total").GetInt64(), counts.GetProperty("events_total").GetInt64());
        Assert.Equal(kinds.GetRawText(), counts.GetProperty("events_by_kind").GetRawText());
        Assert.Equal(recorded.GetProperty("licks").GetInt64(), counts.GetProperty("licks").GetInt64());
    }

    [Fact]
    public async Task The_default_demo_runs_the_reference_task_with_the_renderer_and_reports_vr_frames_and_motion_to_photon_that_decode_reproduces()
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("reference");
        var ct = TestContext.Current.CancellationToken;
        var (code, stdout, stderr) = await RigProcess.RunAsync(["demo", "--minutes", "1", "--json", "--out", folder], Timeout, cancellationToken: ct);
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("[rig demo] renderer: http://127.0.0.1:", stderr, StringComparison.Ordinal);
        Assert.Contains("[rig demo] console: http://127.0.0.1:", stderr, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("supervised-leaf1-circle1", root.GetProperty("protocol").GetString());
        Assert.Equal("quiet-lan", root.GetProperty("world").GetString());
        Assert.True(root.GetProperty("trials").GetInt32() > 0);
        Assert.StartsWith("http://127.0.0.1:", root.GetProperty("renderer_url").GetString(), StringComparison.Ordinal);
        // One web host: the renderer at /vr/ beside the console at / (docs/console.md).
        Assert.Equal(new Uri(new Uri(root.GetProperty("console_url").GetString()!), "vr/").ToString(), root.GetProperty("renderer_url").GetString());
        Assert.True(root.GetProperty("licks_by_corridor").EnumerateObject().Any(), "no licks by corridor");

        // The simulated display drew at 60 Hz for the virtual minute; the photodiode matched every frame it could see.
        var vr = root.GetProperty("recorded").GetProperty("vr");
        long rendered = vr.GetProperty("rendered").GetInt64();
        long flips = vr.GetProperty("photodiode_flips").GetInt64();
        TestContext.Current.TestOutputHelper?.WriteLine(vr.GetRawText());
        Assert.InRange(rendered, 3400, 3700);
        Assert.Equal(root.GetProperty("simulated_display").GetProperty("rendered").GetInt64(), rendered);
        Assert.True(vr.GetProperty("unexplained").GetInt64() <= flips / 100, $"unexplained {vr.GetProperty("unexplained").GetInt64()} of {flips} flips");
        Assert.True(vr.GetProperty("displayed").GetInt64() >= rendered * 95 / 100, "fewer than 95% of the frames were matched to a flip");
        double mtp = vr.GetProperty("motion_to_photon_median_micros").GetDouble();
        Assert.InRange(mtp, 16_000, 100_000); // at least one refresh plus the simulated display latency

        // Re-decoding the journal gives the same VR numbers, and derived/ lists every frame.
        var decode = await RigProcess.RunAsync(["decode", folder, "--json"], Timeout, cancellationToken: ct);
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        using var decoded = JsonDocument.Parse(decode.Stdout);
        Assert.Equal(vr.GetRawText(), decoded.RootElement.GetProperty("decoded").GetProperty("vr").GetRawText());
        Assert.Equal(rendered + 1, File.ReadLines(Path.Combine(folder, "derived", "vr_frames.csv")).Count());
    }

    [Fact]
    public async Task The_console_on_a_network_address_without_a_login_exits_2_naming_the_fix_before_it_listens()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await RigProcess.RunAsync(["console", "--out", dir.Path, "--console-bind", "0.0.0.0", "--console-port", "0"], Timeout,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("0.0.0.0 without a login", stderr, StringComparison.Ordinal);
        Assert.Contains("--console-login", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout); // no URL: nothing was served
    }

    [Fact]
    public async Task Demo_into_an_existing_session_folder_exits_5_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("taken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "journal.rigj"), "an earlier session");
        var (code, _, stderr) = await RigProcess.RunAsync(["demo", "--minutes", "0.1", "--out", folder], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(5, code);
        Assert.Contains("already exists", stderr, StringComparison.Ordinal);
        Assert.Equal("an earlier session", File.ReadAllText(Path.Combine(folder, "journal.rigj")));
        Assert.Single(Directory.GetFileSystemEntries(folder));
    }

    [Theory]
    [InlineData("http://localhost:1883", "scheme")]
    [InlineData("mqtt://", "host")]
    [InlineData("mqtt://localhost:99999", "port")]
    public async Task A_malformed_broker_url_exits_3_naming_what_is_wrong(string url, string named)
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = await RigProcess.RunAsync(["run", "--rig", "r1", "--broker", url, "--out", dir.Combine("s")], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, code);
        Assert.Contains(named, stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }

    [Fact]
    public async Task An_unreachable_broker_exits_4()
    {
        using var dir = new TempDirectory();
        int port = FreePort.Pick();
        var (code, _, stderr) = await RigProcess.RunAsync(
            ["run", "--rig", "r1", "--broker", $"mqtt://127.0.0.1:{port}", "--out", dir.Combine("s")], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(code == 4, $"exit {code}: {stderr}");
        Assert.Contains($"127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }

    [Fact]
    public async Task Recording_a_rig_that_never_shows_up_exits_6_and_leaves_no_session_folder()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var (code, _, stderr) = await RigProcess.RunAsync(
            ["run", "--rig", "nobody", "--broker", mosquitto.Address.ToString(), "--out", dir.Combine("s")], Timeout,
            new Dictionary<string, string> { ["RIG_Bridge__DeviceWaitTimeout"] = "00:00:01" }, TestContext.Current.CancellationToken);
        Assert.True(code == 6, $"exit {code}: {stderr}");
        Assert.Contains("no status from rig 'nobody'", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }

    [Theory]
    [InlineData("demo", "--minutes", "-1")]
    [InlineData("demo", "--rig", "bad/rig")]
    [InlineData("demo", "--no-such-option")]
    [InlineData("run", "--rig", "r1")]
    [InlineData("frobnicate")]
    public async Task Bad_arguments_exit_2_with_a_message(params string[] args)
    {
        var (code, _, stderr) = await RigProcess.RunAsync(args, Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.StartsWith("rig: ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--renderer", "page", "--speed", "60")]
    [InlineData("--world", "quiet-lan", "--speed", "0")]
    [InlineData("--world", "no-such-world")]
    public async Task A_demo_whose_vr_or_world_options_cannot_work_together_exits_2_naming_the_option_and_creates_no_folder(params string[] options)
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        var (code, _, stderr) = await RigProcess.RunAsync(["demo", .. options, "--out", folder], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains(options[0], stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task The_broker_command_serves_mqtt_on_the_port_it_prints_and_stops_cleanly_on_ctrl_c()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = RigProcess.Start(["broker", "--port", "0"]);
        await Eventually.WaitUntil(() => broker.Stdout.Contains("mqtt://", StringComparison.Ordinal) || broker.HasExited,
            TimeSpan.FromSeconds(30), "the broker to print its URL", ct);
        Assert.False(broker.HasExited, broker.Stderr);
        var address = Rig.Recording.Link.BrokerAddress.Parse(broker.Stdout.Trim());

        var links = new Rig.Recording.Link.MqttLinkFactory(address);
        await using var a = links.Create(new Rig.Recording.Link.LinkOptions { ClientId = "a" });
        await using var b = links.Create(new Rig.Recording.Link.LinkOptions { ClientId = "b" });
        await a.ConnectAsync(ct);
        await b.ConnectAsync(ct);
        await b.SubscribeAsync("rig/v1/x/status", ct);
        await a.PublishAsync("rig/v1/x/status", new byte[] { 1, 2, 3 }, retain: false, ct);
        var message = await b.Messages.ReadAsync(ct);
        Assert.Equal(new byte[] { 1, 2, 3 }, message.Payload.ToArray());

        await broker.InterruptAsync();
        Assert.Equal(0, await broker.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task Decoding_a_folder_that_is_not_a_session_exits_8()
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = await RigProcess.RunAsync(["decode", dir.Path], Timeout, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(8, code);
        Assert.Contains("not a session folder", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decoding_a_session_that_was_never_closed_says_so_and_exits_7_and_the_closed_one_exits_0()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string vector = RepositoryRoot.Combine("tests", "vectors", "sessions", "plain");
        string folder = dir.Combine("crashed");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(vector, "session.json"), Path.Combine(folder, "session.json"));
        await using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(vector, "journal.rigj.gz")), System.IO.Compression.CompressionMode.Decompress))
        await using (var journal = File.Create(Path.Combine(folder, "journal.rigj")))
        {
            await gz.CopyToAsync(journal, ct);
        }

        // No summary.json: what a killed recorder leaves.
        var crashed = await RigProcess.RunAsync(["decode", folder], Timeout, cancellationToken: ct);
        Assert.True(crashed.ExitCode == 7, $"exit {crashed.ExitCode}\n{crashed.Stderr}");
        Assert.Contains("never closed", crashed.Stderr, StringComparison.Ordinal);
        Assert.Contains("closed", crashed.Stdout, StringComparison.Ordinal);

        File.Copy(Path.Combine(vector, "summary.json"), Path.Combine(folder, "summary.json"));
        var closed = await RigProcess.RunAsync(["decode", folder], Timeout, cancellationToken: ct);
        Assert.True(closed.ExitCode == 0, $"exit {closed.ExitCode}\n{closed.Stderr}");
    }

    [Fact]
    public async Task A_virtual_rig_and_a_bridge_in_separate_processes_record_a_complete_session_through_mosquitto()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string url = mosquitto.Address.ToString();
        await using var sim = RigProcess.Start(["sim", "--rig", "proc-rig", "--broker", url, "--speed", "5"]);
        await Eventually.WaitUntil(() => sim.Stderr.Contains("connected to", StringComparison.Ordinal) || sim.HasExited,
            TimeSpan.FromSeconds(30), "the virtual rig to connect", ct);
        Assert.False(sim.HasExited, sim.Stderr);

        var run = await RigProcess.RunAsync(
            ["run", "--rig", "proc-rig", "--broker", url, "--out", dir.Combine("s"), "--minutes", "0.05", "--json"], Timeout, cancellationToken: ct);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        using var json = JsonDocument.Parse(run.Stdout);
        var recorded = json.RootElement.GetProperty("recorded");
        Assert.True(json.RootElement.GetProperty("drained").GetBoolean());
        Assert.Equal(0, recorded.GetProperty("missing_batches").GetInt64());
        Assert.Equal(0, recorded.GetProperty("unexplained_missing_events").GetInt64());
        Assert.True(recorded.GetProperty("events_by_kind").GetProperty("frame").GetInt64() > 50, run.Stdout);

        // The bridge's session ended before the rig was stopped: what it sent since was never acknowledged, and it says so.
        await sim.InterruptAsync();
        Assert.Equal(7, await sim.WaitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Contains("no bridge acknowledged", sim.Stderr, StringComparison.Ordinal);
        var decode = await RigProcess.RunAsync(["decode", dir.Combine("s")], Timeout, cancellationToken: ct);
        Assert.True(decode.ExitCode == 0, decode.Stderr + decode.Stdout);
    }
}
