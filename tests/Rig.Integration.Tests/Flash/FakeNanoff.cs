using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text;
using Rig.TestSupport;

namespace Rig.Integration.Tests.Flash;

/// <summary>
/// A FAKE nanoff: a small shell script that flashes nothing and touches no serial port. It records each invocation's
/// arguments, copies the folder of any file or network deployment description it is handed (the real one is deleted when rig finishes),
/// prints a few lines and exits with the code the test chose. It exists so the process tests check rig's wrapper logic
/// (which nanoff runs, with which arguments, in which order, what happens on failure); it says nothing about nanoff or hardware.
/// </summary>
[UnsupportedOSPlatform("windows")] // A /bin/sh script; the CI and the rigs' hosts are Linux.
public sealed class FakeNanoff : IDisposable
{
    /// <summary>Ends each invocation in the log; no argument rig passes can equal it.</summary>
    private const string EndOfCall = "<<end of call>>";

    private readonly TempDirectory _dir = new();

    /// <param name="version">What `--version` prints (nanoff 2.x and 3.x print their version differently).</param>
    /// <param name="failOn">An argument that makes the fake fail when present (e.g. "--filedeployment"); null never fails.</param>
    /// <param name="failExitCode">The exit code of that failure.</param>
    public FakeNanoff(string version = "nanoff 2.5.90+c66e018c48", string? failOn = null, int failExitCode = 1)
    {
        ScriptPath = _dir.Combine("nanoff");
        var script = new StringBuilder();
        script.Append("#!/bin/sh\n");
        script.Append("# FAKE nanoff written by rig's tests: records its arguments, flashes nothing.\n");
        script.Append($"log={Sh(LogPath)}\n");
        script.Append("for a in \"$@\"; do printf '%s\\n' \"$a\" >> \"$log\"; done\n");
        script.Append($"printf '%s\\n' {Sh(EndOfCall)} >> \"$log\"\n");
        script.Append($"if [ \"$1\" = \"--version\" ]; then echo {Sh(version)}; exit 0; fi\n");
        script.Append("prev=\"\"\n");
        script.Append("for a in \"$@\"; do\n");
        script.Append("  case \"$prev\" in --filedeployment|--file|--networkdeployment|--network)\n");
        script.Append($"    n=$(ls {Sh(_dir.Path)} | grep -c '^deployed-'); cp -r \"$(dirname \"$a\")\" {Sh(_dir.Path)}/deployed-$n;;\n");
        script.Append("  esac\n");
        script.Append("  prev=\"$a\"\n");
        script.Append("done\n");
        script.Append("echo \"fake nanoff: pretending to work\"\n");
        if (failOn is not null)
        {
            script.Append("for a in \"$@\"; do\n");
            script.Append($"  if [ \"$a\" = {Sh(failOn)} ]; then echo \"fake nanoff: failing on {failOn} as the test asked\" >&2; exit {failExitCode}; fi\n");
            script.Append("done\n");
        }

        script.Append("exit 0\n");
        File.WriteAllText(ScriptPath, script.ToString());
        File.SetUnixFileMode(ScriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string ScriptPath { get; }

    public string LogPath => _dir.Combine("calls.log");

    /// <summary>The environment that makes rig run this fake.</summary>
    public Dictionary<string, string> Environment => new() { ["RIG_NANOFF"] = ScriptPath };

    /// <summary>Every invocation's argument list, in order; empty when nanoff never ran.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Calls
    {
        get
        {
            if (!File.Exists(LogPath))
            {
                return [];
            }

            var calls = new List<IReadOnlyList<string>>();
            var current = new List<string>();
            foreach (string line in File.ReadAllLines(LogPath))
            {
                if (line == EndOfCall)
                {
                    calls.Add(current);
                    current = [];
                }
                else
                {
                    current.Add(line);
                }
            }

            return calls;
        }
    }

    /// <summary>The copies of the folders holding file-deployment descriptions, in the order nanoff got them.</summary>
    public IReadOnlyList<string> DeployedFolders =>
        [.. Directory.GetDirectories(_dir.Path, "deployed-*").OrderBy(d => int.Parse(Path.GetFileName(d)["deployed-".Length..], System.Globalization.CultureInfo.InvariantCulture))];

    public void Dispose() => _dir.Dispose();

    private static string Sh(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
