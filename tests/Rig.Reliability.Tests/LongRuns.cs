using System;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>
/// The switch for the full-length versions (docs/reliability.md): set RIG_LONG_RUNS=1 to run 20 rigs for 10 minutes and an
/// 8-hour simulated session; without it those tests are skipped and the short CI versions run.
/// </summary>
internal static class LongRuns
{
    public const string Variable = "RIG_LONG_RUNS";

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";

    public static void SkipUnlessEnabled() =>
        Assert.SkipUnless(Enabled, $"long run: set {Variable}=1 to run it (docs/reliability.md)");

    /// <summary>
    /// Writes a measured figure to the test output and, when RIG_RELIABILITY_REPORT names a file, appends it there (how the
    /// figures in docs/reliability.md were collected).
    /// </summary>
    public static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("RIG_RELIABILITY_REPORT") is { Length: > 0 } path)
        {
            System.IO.File.AppendAllText(path, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {TestContext.Current.Test?.TestDisplayName}: {line}\n");
        }
    }
}
