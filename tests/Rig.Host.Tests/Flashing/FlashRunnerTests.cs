using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Flashing;

public sealed class FlashRunnerTests
{
    private static readonly FlashStep[] ThreeSteps =
    [
        new("clr", "flash nanoCLR", ["--update", "--clrfile", "/fw/nanoCLR.bin"]),
        new("config", "write the configuration", ["--filedeployment", "/tmp/d.json"]),
        new("app", "deploy the application", ["--deploy", "--image", "/app.bin"]),
    ];

    [Fact]
    public async Task Every_step_runs_in_order_when_nanoff_succeeds()
    {
        var nanoff = new ScriptedNanoff();
        var progress = new RecordingProgress();

        var outcome = await FlashRunner.RunAsync(nanoff, "nanoff", ThreeSteps, progress, TestContext.Current.CancellationToken);

        Assert.True(outcome.Succeeded);
        Assert.Equal(ThreeSteps.Select(s => s.Arguments), nanoff.Calls);
        Assert.Equal(["start 1/3 clr", "line clr: working on --update", "end 1/3 clr 0", "start 2/3 config", "line config: working on --filedeployment",
            "end 2/3 config 0", "start 3/3 app", "line app: working on --deploy", "end 3/3 app 0"], progress.Events);
    }

    [Fact]
    public async Task The_first_failing_step_stops_the_sequence_and_keeps_its_exit_code_and_last_lines()
    {
        var nanoff = new ScriptedNanoff { FailOn = "--filedeployment", FailCode = 211 };

        var outcome = await FlashRunner.RunAsync(nanoff, "nanoff", ThreeSteps, new RecordingProgress(), TestContext.Current.CancellationToken);

        Assert.False(outcome.Succeeded);
        Assert.Equal(2, nanoff.Calls.Count);
        Assert.Equal("config", outcome.Failed!.Step.Id);
        Assert.Equal(211, outcome.Failed.ExitCode);
        Assert.Equal(["working on --filedeployment", "failing"], outcome.Failed.LastLines);
        Assert.Equal([true, false], outcome.Results.Select(r => r.Succeeded));
    }

    [Fact]
    public async Task A_nanoff_that_cannot_be_started_fails_its_step_with_the_reason()
    {
        var nanoff = new ScriptedNanoff { StartFailure = new Win32Exception("Permission denied") };

        var outcome = await FlashRunner.RunAsync(nanoff, "nanoff", ThreeSteps, new RecordingProgress(), TestContext.Current.CancellationToken);

        Assert.Equal("clr", outcome.Failed!.Step.Id);
        Assert.Null(outcome.Failed.ExitCode);
        Assert.Contains("Permission denied", outcome.Failed.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_fails_the_running_step_and_starts_no_other()
    {
        using var cts = new CancellationTokenSource();
        var nanoff = new ScriptedNanoff { OnCall = args => { if (args[0] == "--filedeployment") { cts.Cancel(); } } };

        var outcome = await FlashRunner.RunAsync(nanoff, "nanoff", ThreeSteps, new RecordingProgress(), cts.Token);

        Assert.Equal("config", outcome.Failed!.Step.Id);
        Assert.Contains("cancelled", outcome.Failed.Problem, StringComparison.Ordinal);
        Assert.Equal(2, nanoff.Calls.Count);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task The_real_process_runner_passes_arguments_verbatim_and_reports_exit_code_and_output()
    {
        using var dir = new TempDirectory();
        string script = dir.Combine("echo-args");
        // A stand-in program, not nanoff: prints each argument in brackets on stdout and one line on stderr, exits 7.
        File.WriteAllText(script, "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\necho done >&2\nexit 7\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var seen = new List<string>();

        var run = await new NanoffProcess(keepLines: 3).RunAsync(script, ["a b", "$HOME", "--x", "'q'"], seen.Add, TestContext.Current.CancellationToken);

        Assert.Equal(7, run.ExitCode);
        Assert.Equal(["[a b]", "[$HOME]", "[--x]", "['q']"], seen.Where(l => l.StartsWith('[')));
        Assert.Contains("done", seen);
        Assert.Equal(3, run.LastLines.Count);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void The_workspace_writes_owner_only_files_and_disappears_on_dispose()
    {
        var config = PinMapTests.Configuration(new MqttCredentials("rig-user", "s3cret-pw"));
        var request = new FlashRequest { Port = "/dev/ttyUSB0", Configuration = config, Wifi = new WifiNetwork("lab-rigs", "wifi-pass-123") };
        string folder;
        using (var workspace = FlashWorkspace.Create(request))
        {
            folder = workspace.Directory;
            Assert.Equal(new FlashFiles(workspace.DescriptorFile, workspace.NetworkFile), workspace.Files);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(workspace.ConfigFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(workspace.NetworkFile));
            Assert.Contains("wifi-pass-123", File.ReadAllText(workspace.NetworkFile), StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(folder) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
            Assert.Equal(config.ToBytes(), File.ReadAllBytes(workspace.ConfigFile));
            Assert.Contains(workspace.ConfigFile.Replace("\\", "\\\\", StringComparison.Ordinal), File.ReadAllText(workspace.DescriptorFile), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(folder));
    }

    /// <summary>A scripted nanoff for the runner: no process, just the answers the test sets.</summary>
    private sealed class ScriptedNanoff : INanoffProcess
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public string? FailOn { get; init; }

        public int FailCode { get; init; } = 1;

        public Exception? StartFailure { get; init; }

        public Action<IReadOnlyList<string>>? OnCall { get; init; }

        public Task<NanoffRun> RunAsync(string program, IReadOnlyList<string> arguments, Action<string> onOutputLine, CancellationToken cancellationToken)
        {
            if (StartFailure is not null)
            {
                throw StartFailure;
            }

            Calls.Add(arguments);
            OnCall?.Invoke(arguments);
            cancellationToken.ThrowIfCancellationRequested();
            var lines = new List<string> { "working on " + arguments[0] };
            bool fail = arguments.Contains(FailOn);
            if (fail)
            {
                lines.Add("failing");
            }

            lines.ForEach(onOutputLine);
            return Task.FromResult(new NanoffRun(fail ? FailCode : 0, lines));
        }
    }

    private sealed class RecordingProgress : IFlashProgress
    {
        public List<string> Events { get; } = [];

        public void StepStarting(int number, int count, FlashStep flashStep) => Events.Add($"start {number}/{count} {flashStep.Id}");

        public void Output(FlashStep flashStep, string line) => Events.Add($"line {flashStep.Id}: {line}");

        public void StepFinished(int number, int count, FlashStepResult result) => Events.Add($"end {number}/{count} {result.Step.Id} {result.ExitCode}");
    }
}
