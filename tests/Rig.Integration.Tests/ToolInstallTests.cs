using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>`rig` packed and installed as a .NET tool, run from a folder that is not the repository (docs/cli.md).</summary>
public sealed class ToolInstallTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Rig_installed_as_a_dotnet_tool_lists_shows_and_runs_the_shipped_protocols_by_name_from_any_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string project = RepositoryRoot.Combine("tools", "Rig.Cli", "Rig.Cli.csproj");
        // The configuration the tests were built in (bin/CONFIG/net10.0/rig.dll): pack what was built, without building again.
        string configuration = new DirectoryInfo(Path.GetDirectoryName(RigProcess.CliPath)!).Parent!.Name;
        var pack = await DotnetBuild.RunVerbAsync("pack", dir.Path, [project, "-c", configuration, "--no-build", "-o", dir.Combine("packages")], Timeout, ct);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
        var install = await DotnetBuild.RunVerbAsync("tool install", dir.Path,
            ["Rig.Cli", "--tool-path", dir.Combine("tools"), "--add-source", dir.Combine("packages"), "--version", "0.1.0", "--ignore-failed-sources"], Timeout, ct);
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install.Output);

        string elsewhere = Directory.CreateDirectory(dir.Combine("elsewhere")).FullName;
        string rig = dir.Combine("tools", "rig");
        var list = await RunAsync(rig, elsewhere, "protocols", "list", "--json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        using var listed = JsonDocument.Parse(list.Stdout);
        var names = listed.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        var shipped = Directory.GetFiles(RepositoryRoot.Combine("protocols"), "*.json").Select(Path.GetFileNameWithoutExtension)
            .Where(n => n != "schema").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(shipped, names);

        var show = await RunAsync(rig, elsewhere, "protocols", "show", "probe-test");
        Assert.Equal(0, show.ExitCode);
        Assert.Equal(File.ReadAllText(RepositoryRoot.Combine("protocols", "probe-test.json")), show.Stdout);

        var unknown = await RunAsync(rig, elsewhere, "protocols", "show", "no-such-protocol");
        Assert.Equal(16, unknown.ExitCode);
        Assert.Contains("no shipped protocol is named 'no-such-protocol'", unknown.Stderr, StringComparison.Ordinal);

        // The name resolves in a session too, to the same bytes as the repository's file (the recorded hash says so).
        var demo = await RunAsync(rig, elsewhere, "demo", "--protocol", "supervised-leaf1-circle1", "--minutes", "0.2", "--speed", "0",
            "--renderer", "simulated", "--json", "--out", Path.Combine(elsewhere, "session"));
        Assert.True(demo.ExitCode == 0, demo.Stderr + demo.Stdout);
        using var summary = JsonDocument.Parse(demo.Stdout);
        string fileSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            File.ReadAllBytes(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"))));
        Assert.Equal(fileSha, summary.RootElement.GetProperty("protocol_sha256").GetString());
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + program);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cts = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not exit within {Timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
