using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Rig.Integration.Tests.Bench;

/// <summary>
/// The performance benchmark's quick run as CI runs it (`Rig.Bench perf --quick`, a real process with its own Mosquitto):
/// it must produce the whole table with a number in every row. Whether the goals are met is the benchmark's business,
/// recorded in docs/performance.md; a smoke test on a shared machine cannot judge it.
/// </summary>
[Collection(PerfBenchProcesses.Name)]
public sealed class PerfBenchTests
{
    private static readonly string[] Sections = ["1 ingest", "2 latency", "3 wire", "4 firmware", "5 simulator", "6 scaling", "7 console"];

    private static string BenchPath
    {
        get
        {
            string? path = typeof(PerfBenchTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "RigBenchPath")?.Value;
            if (path is null || !File.Exists(path))
            {
                throw new FileNotFoundException($"Rig.Bench.dll not found at '{path}': build bench/Rig.Bench first");
            }

            return Path.GetFullPath(path);
        }
    }

    [Fact]
    public async Task Quick_perf_run_prints_every_section_with_a_number_in_each_row_and_a_verdict_beside_each_goal()
    {
        var (code, stdout, stderr) = await RunAsync(["perf", "--quick"], TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("machine: ", stdout, StringComparison.Ordinal);

        var rows = stdout.Split('\n')
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| # ", StringComparison.Ordinal))
            .Select(l => l.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray())
            .ToList();
        foreach (string section in Sections)
        {
            Assert.True(rows.Any(r => r[0] == section), $"no row for '{section}' in:\n{stdout}");
        }

        foreach (var row in rows)
        {
            Assert.True(row.Length == 6, $"row with {row.Length} columns: {string.Join(" | ", row)}");
            Assert.True(double.TryParse(row[2].Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && double.IsFinite(value), $"'{row[1]}' has no number: '{row[2]}'");
            if (row[3].Length > 0)
            {
                Assert.True(row[4] is "met" or "MISSED", $"'{row[1]}' has a goal ({row[3]}) but no verdict: '{row[4]}'");
            }
        }

        // The rows whose goals the issue sets are all there.
        Assert.Contains(rows, r => r[0] == "1 ingest" && r[3] == "≥ 500,000");
        Assert.Contains(rows, r => r[0] == "1 ingest" && r[3] == "≥ 0.8");
        Assert.Contains(rows, r => r[0] == "2 latency" && r[3] == "≤ 5");
        Assert.Contains(rows, r => r[0] == "3 wire" && r[3] == "≤ 8");
        Assert.Contains(rows, r => r[0] == "4 firmware" && r[3] == "0");
        Assert.Contains(rows, r => r[0] == "5 simulator" && r[3] == "≥ 200");
    }

    [Fact]
    public async Task Perf_with_an_unknown_option_exits_2_and_names_the_option()
    {
        var (code, _, stderr) = await RunAsync(["perf", "--bogus"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains("'--bogus'", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BenchPath);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Rig.Bench {string.Join(' ', args)} did not exit within {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>The perf run loads both CPUs for half a minute: it runs alone, after the parallel tests, so their timing is not disturbed.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PerfBenchProcesses
{
    public const string Name = "perf bench processes";
}
