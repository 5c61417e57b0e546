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
        var output = new Option<string>("--out") { Description = "Session folder to create; never overwritten", Required = true };
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Stop after this many minutes (default: until Ctrl-C)",
            DefaultValueFactory = _ => 0,
        }, allowZero: true);
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose") { Description = "Log the bridge's activity to stderr" };
        var calibration = CalibrateCommand.CalibrationOption();
        var credentials = SecurityOptions.Credentials();
        var caFile = SecurityOptions.CaFile();
        var command = new Command("run", "Record a session from a rig on a broker (bridge only)") { rig, broker, output, minutes, json, verbose, calibration, credentials, caFile };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(rig)!, parse.GetValue(broker)!, parse.GetValue(output)!,
            parse.GetValue(minutes), parse.GetValue(json), parse.GetValue(verbose), parse.GetValue(calibration),
            parse.GetValue(credentials), parse.GetValue(caFile), ct));
        return command;
    }

    private static async Task<int> RunAsync(string rigId, string brokerUrl, string output, double minutes, bool json, bool verbose, string? calibrationFile,
        string? credentialsFile, string? caFile, CancellationToken ct)
    {
        try
        {
            var address = BrokerAddress.Parse(brokerUrl);
            var login = SecurityOptions.Resolve(credentialsFile, caFile);
            string folder = Path.GetFullPath(output);
            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            var calibration = await CalibrateCommand.ResolveProvenanceAsync(calibrationFile, rigId, "run", TimeProvider.System);
            var builder = RigApp.CreateBuilder(verbose);
            builder.Services.AddSingleton(new BridgeRunSettings(rigId, folder, new MqttLinkFactory(address, login),
                new SessionStartInfo(address.ToString(), CommonOptions.Software, CommandLine: Environment.CommandLine, Calibration: calibration)));
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

            bool complete = result.Drained && result.Counts.MissingBatches == 0 && result.Counts.UnexplainedMissingEvents == 0;
            return complete ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("run", e);
        }
    }
}
