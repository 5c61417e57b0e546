using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rig.Host.Bridge;
using Rig.Host.Link;

namespace Rig.Cli.Commands;

/// <summary>`rig run`: the bridge alone, recording a real or separately running virtual rig from a broker.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var rig = CommonOptions.Rig(required: true);
        var broker = CommonOptions.Broker(required: true);
        var output = new Option<string>("--out") { Description = "Session folder to create; never overwritten" };
        var resume = new Option<string>("--resume") { Description = "Continue a session folder whose bridge was killed: appends a journal segment (instead of --out)" };
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Stop after this many minutes (default: until Ctrl-C)",
            DefaultValueFactory = _ => 0,
        }, allowZero: true);
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose") { Description = "Log the bridge's activity to stderr" };
        var calibration = CalibrateCommand.CalibrationOption();
        var command = new Command("run", "Record a session from a rig on a broker (bridge only)") { rig, broker, output, resume, minutes, json, verbose, calibration };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(output) is null) == (result.GetValue(resume) is null))
            {
                result.AddError("give exactly one of --out (a new session) and --resume (a session to continue)");
            }
        });
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(rig)!, parse.GetValue(broker)!, parse.GetValue(output) ?? parse.GetValue(resume)!, parse.GetValue(resume) is not null,
            parse.GetValue(minutes), parse.GetValue(json), parse.GetValue(verbose), parse.GetValue(calibration), ct));
        return command;
    }

    private static async Task<int> RunAsync(string rigId, string brokerUrl, string output, bool resume, double minutes, bool json, bool verbose, string? calibrationFile, CancellationToken ct)
    {
        try
        {
            var address = BrokerAddress.Parse(brokerUrl);
            string folder = Path.GetFullPath(output);
            if (!resume && (Directory.Exists(folder) || File.Exists(folder)))
            {
                throw new SessionFolderExistsException(folder);
            }

            var calibration = await CalibrateCommand.ResolveProvenanceAsync(calibrationFile, rigId, "run", TimeProvider.System);
            var builder = RigApp.CreateBuilder(verbose);
            builder.Services.AddSingleton(new BridgeRunSettings(rigId, folder, new MqttLinkFactory(address),
                new SessionStartInfo(address.ToString(), CommonOptions.Software, CommandLine: Environment.CommandLine, Calibration: calibration), resume));
            builder.Services.AddSingleton<BridgeRunState>();
            builder.Services.AddHostedService<BridgeService>();
            using var app = builder.Build();
            var state = app.Services.GetRequiredService<BridgeRunState>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var run = app.RunAsync(stop.Token);
            await state.Started;
            if (state.Failure is null)
            {
                await Console.Error.WriteLineAsync($"rig run: recording rig '{rigId}' from {address} into {folder}; Ctrl-C ends the session");
                if (minutes > 0)
                {
                    stop.CancelAfter(TimeSpan.FromMinutes(minutes));
                }

                var progress = new ProgressLine();
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(1000, CancellationToken.None));
                    if (state.Recorder is { } r && state.Result is null && state.Failure is null && !run.IsCompleted)
                    {
                        var s = r.Snapshot();
                        progress.Report($"[rig run] events {s.EventsTotal:N0}, licks {s.Licks:N0}, batches {s.BatchesReceived:N0}, missing batches {s.MissingBatches}, resend requests {s.ResendRequests}");
                    }
                }

                progress.Done();
            }

            await run;
            if (state.Failure is not null)
            {
                throw state.Failure;
            }

            var result = state.Result ?? throw new InvalidOperationException("the bridge stopped without a session result");
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, new { session = result.Folder, rig = rigId, broker = address.ToString(), drained = result.Drained, recorded = result.Counts, journal = new { records = result.JournalRecords, bytes = result.JournalBytes } });
            }
            else
            {
                SummaryPrinter.PrintCounts(Console.Out, $"session {result.Folder}", result.Counts, new List<(string, string)> { ("rig", rigId), ("broker", address.ToString()), ("rewards", DemoCommand.SummaryRewards(result.Counts)) });
            }

            // Events the device dropped (its buffer outlasted) are counted and their ranges known, but the session still lacks
            // them: it is marked incomplete too, and every range is named.
            bool complete = result.Drained && result.Counts.MissingBatches == 0 && result.Counts.UnexplainedMissingEvents == 0
                && result.Counts.DeviceLostEvents == 0;
            SummaryPrinter.PrintLosses(Console.Error, "run", result.Counts);
            return complete ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("run", e);
        }
    }
}
