using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>
/// `rig demo --limits`: the virtual device runs with the safety limits a lab flashes (`rig flash --limits`, docs/cli.md), so a
/// session can be tried against them first; limits the device would refuse stop the demo before anything is created.
/// </summary>
public sealed class VirtualLimitsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_demo_under_a_20_ms_valve_limit_has_its_40_ms_pulse_and_armed_reward_refused_by_the_virtual_device()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string limits = dir.Combine("limits.json");
        await File.WriteAllTextAsync(limits, """{"valve_hard_max_ms": 20}""", ct);

        var (code, stdout, stderr) = await RigProcess.RunAsync(["demo", "--protocol", "none", "--minutes", "0.2", "--speed", "0", "--json",
            "--limits", limits, "--out", dir.Combine("s")], Timeout, cancellationToken: ct);

        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("[rig demo] device safety limits: valve hard max 20 ms*, host silence 2000 ms,", stderr, StringComparison.Ordinal);
        Assert.Contains("pulse OutOfRange, arm OutOfRange", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        var acks = json.RootElement.GetProperty("recorded").GetProperty("ack_results");
        Assert.Equal(2, acks.GetProperty("OutOfRange").GetInt64());
    }

    [Fact]
    public async Task The_same_demo_without_limits_has_both_commands_accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();

        var (code, stdout, stderr) = await RigProcess.RunAsync(["demo", "--protocol", "none", "--minutes", "0.2", "--speed", "0", "--json",
            "--out", dir.Combine("s")], Timeout, cancellationToken: ct);

        Assert.True(code == 0, $"exit {code}\n{stderr}\n{stdout}");
        Assert.DoesNotContain("device safety limits", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        var acks = json.RootElement.GetProperty("recorded").GetProperty("ack_results");
        Assert.False(acks.TryGetProperty("OutOfRange", out _), acks.GetRawText());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("supervised-leaf1-circle1")]
    public async Task Limits_the_device_would_refuse_stop_the_demo_with_exit_11_before_a_folder_is_made(string protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string limits = dir.Combine("limits.json");
        await File.WriteAllTextAsync(limits, """{"water_arm_max_window_s": 60}""", ct);

        var (code, stdout, stderr) = await RigProcess.RunAsync(["demo", "--protocol", protocol, "--minutes", "0.2", "--speed", "0", "--no-vr",
            "--uncalibrated", "--limits", limits, "--out", dir.Combine("s")], Timeout, cancellationToken: ct);

        Assert.True(code == 11, $"exit {code}\n{stderr}\n{stdout}");
        Assert.Contains("the device would refuse these limits: WaterArmMaxWindowMicros must be", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("s")));
    }
}
