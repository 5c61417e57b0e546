using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Renderer.Live;
using Rig.Recording.Sessions;
using Rig.Recording.Link;
using Rig.Protocol;
using Command = System.CommandLine.Command;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;

namespace Rig.Cli.Commands;

/// <summary>
/// `rig fleet`: many rigs at once. `rig fleet run` is one bridge process recording several rigs (one recorder and one
/// broker connection per rig, each into its own session folder); `rig fleet sim` is several virtual rigs in one process.
/// </summary>
internal static class FleetCommand
{
    public static Command Create() => new("fleet", "Several rigs at once: one bridge process for many rigs, or many virtual rigs")
    {
        CreateRun(),
        CreateSim(),
    };

    private static Option<string> Rigs() => new("--rigs")
    {
        Description = "Comma-separated rig ids, e.g. r1,r2,r3",
        Required = true,
    };

    private static Command CreateRun()
    {
        var rigs = Rigs();
        var broker = CommonOptions.Broker(required: true);
        var output = new Option<string>("--out") { Description = "Folder to create, holding one session folder per rig", Required = true };
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Stop after this many minutes (default: until Ctrl-C)",
            DefaultValueFactory = _ => 0,
        }, allowZero: true);
        var json = CommonOptions.Json();
        var verbose = new Option<bool>("--verbose") { Description = "Log the bridge's activity to stderr" };
        var insecure = SecurityOptions.Insecure();
        var consoleBind = ConsoleCli.BindOption();
        var consoleLogin = ConsoleCli.LoginOption();
        var consolePort = ConsoleCli.PortOption();
        var command = new Command("run", "Record several rigs from one broker in one bridge process")
        {
            rigs, broker, output, minutes, json, verbose, insecure, consoleBind, consoleLogin, consolePort,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(rigs)!, parse.GetValue(broker)!, parse.GetValue(output)!,
            parse.GetValue(minutes), parse.GetValue(json), parse.GetValue(verbose), parse.GetValue(insecure),
            new ConsoleArgs(parse.GetValue(consoleBind)!, parse.GetValue(consoleLogin), parse.GetValue(consolePort)), ct));
        return command;
    }

    private static Command CreateSim()
    {
        var rigs = Rigs();
        var broker = CommonOptions.Broker(required: true);
        var speed = CommonOptions.Speed(1);
        var seed = CommonOptions.Seed();
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Virtual minutes each rig runs before it waits for the bridge to acknowledge everything",
            Required = true,
        });
        var frameHz = CommonOptions.Positive(new Option<double>("--frame-hz")
        {
            Description = "Frame-clock rate of each simulated scanner, Hz (default 30); raise it to load the chain",
            DefaultValueFactory = _ => 30,
        });
        var json = CommonOptions.Json();
        var command = new Command("sim", "Run several virtual rigs in one process, each with its own broker connection")
        {
            rigs, broker, speed, seed, minutes, frameHz, json,
        };
        command.SetAction((parse, ct) => SimAsync(parse.GetValue(rigs)!, parse.GetValue(broker)!, parse.GetValue(speed),
            parse.GetValue(seed), parse.GetValue(minutes), parse.GetValue(frameHz), parse.GetValue(json), ct));
        return command;
    }

    /// <summary>The rig ids of --rigs, or null after printing why they are not valid (the caller exits with a usage error).</summary>
    private static string[]? ParseRigs(string list, string command)
    {
        string[] ids = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? error = ids.FirstOrDefault(id => !RigId.IsValid(id)) is { } bad
            ? RigId.Problem(bad, "rig id in --rigs")
            : ids.Length == 0 || ids.Distinct(StringComparer.Ordinal).Count() != ids.Length
                ? "--rigs must name at least one rig, each once"
                : null;
        if (error is null)
        {
            return ids;
        }

        Console.Error.WriteLine($"rig {command}: {error}");
        return null;
    }

    /// <summary>`--console-bind`, `--console-login`, `--console-port` of `rig fleet run`.</summary>
    private sealed record ConsoleArgs(string Bind, string? Login, int Port);

    private static async Task<int> RunAsync(string rigList, string brokerUrl, string output, double minutes, bool json, bool verbose, bool allowInsecure,
        ConsoleArgs consoleArgs, CancellationToken ct)
    {
        try
        {
            if (ParseRigs(rigList, "fleet run") is not { } ids)
            {
                return ExitCodes.Usage;
            }

            var address = BrokerAddress.Parse(brokerUrl);
            var login = SecurityOptions.Resolve(null, null); // the login from the RIG_MQTT_* environment, if any (docs/security.md)
            bool insecure = SecurityOptions.CheckAnonymousClient("fleet run", address, login, allowInsecure);
            string folder = Path.GetFullPath(output);
            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            using var app = RigApp.CreateBuilder(verbose).Build();
            var options = app.Services.GetRequiredService<BridgeOptions>();
            var time = app.Services.GetRequiredService<TimeProvider>();
            // The web console's fleet page (docs/console.md): one row per rig, fed once a second by FleetConsoleFeed below.
            await using var hub = new ConsoleHub(time);
            var (web, webMoved) = await ConsoleCli.StartWebAsync(
                ConsoleCli.Resolve(consoleArgs.Bind, consoleArgs.Login, consoleArgs.Port, hub, folder), ct);
            await using var webServer = web;
            await Console.Error.WriteLineAsync("rig fleet run: " + ConsoleCli.Describe(web, webMoved, consoleArgs.Port));
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            var factory = new MqttLinkFactory(address, login);
            var info = new SessionStartInfo(address.ToString(), CommonOptions.Software, CommandLine: Environment.CommandLine, Insecure: insecure);
            var links = new List<IRigLink>();
            var recorders = new SessionRecorder[ids.Length];
            try
            {
                // Started together: each waits for its rig's status, so one slow rig does not hold up the others.
                await Task.WhenAll(ids.Select(async (id, i) =>
                {
                    var link = factory.Create(new LinkOptions { ClientId = $"bridge-{id}-{Environment.ProcessId}" });
                    lock (links)
                    {
                        links.Add(link);
                    }

                    await link.ConnectAsync(ct);
                    recorders[i] = await SessionRecorder.StartAsync(new RecorderSettings(link, id, Path.Combine(folder, id))
                    {
                        Info = info, Options = options, Time = time, Logger = loggers.CreateLogger("Rig.Fleet." + id),
                    }, ct);
                }));
                await Console.Error.WriteLineAsync($"rig fleet run: recording {ids.Length} rigs from {address} into {folder}; Ctrl-C ends the sessions");
                await using var feeds = FleetConsoleFeed.Start(hub, ids, recorders, time);
                try
                {
                    var failed = Task.WhenAny(recorders.Select(r => r.Failed));
                    await Task.WhenAny(failed, Task.Delay(minutes > 0 ? TimeSpan.FromMinutes(minutes) : Timeout.InfiniteTimeSpan, time, ct));
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl-C: every session is closed below.
                }

                using var closing = new CancellationTokenSource(options.DrainTimeout + options.CommandTimeout + TimeSpan.FromSeconds(5));
                var results = await Task.WhenAll(recorders.Select(r => r.StopAsync(closing.Token)));
                await feeds.EndAsync(results);
                var latency = new LatencyHistogram();
                foreach (var r in recorders)
                {
                    latency.Add(r.CopyReceiveToJournal());
                }

                var resources = ProcessResources.Now();
                bool Complete(SessionResult r) => r.Drained && r.Counts.MissingBatches == 0 && r.Counts.UnexplainedMissingEvents == 0
                    && r.Counts.DeviceLostEvents == 0;
                var perRig = results.Select((r, i) => new
                {
                    rig = ids[i],
                    session = r.Folder,
                    complete = Complete(r),
                    events = r.Counts.EventsTotal,
                    batches = r.Counts.BatchesReceived,
                    missing_batches = r.Counts.MissingBatches,
                    unexplained_missing_events = r.Counts.UnexplainedMissingEvents,
                    device_lost_events = r.Counts.DeviceLostEvents,
                    duplicate_batches = r.Counts.DuplicateBatches,
                    receive_to_journal = r.ReceiveToJournal,
                    span_seconds = r.Counts.HostSpanSeconds,
                }).ToList();
                foreach (var r in results)
                {
                    SummaryPrinter.PrintLosses(Console.Error, "fleet run", r.Counts);
                }

                var summary = new
                {
                    out_folder = folder,
                    rigs = ids.Length,
                    complete_rigs = perRig.Count(r => r.complete),
                    events = perRig.Sum(r => r.events),
                    missing_batches = perRig.Sum(r => r.missing_batches),
                    unexplained_missing_events = perRig.Sum(r => r.unexplained_missing_events),
                    device_lost_events = perRig.Sum(r => r.device_lost_events),
                    receive_to_journal = latency.Summarize(),
                    process = resources,
                    sessions = perRig,
                };
                if (json)
                {
                    SummaryPrinter.PrintJson(Console.Out, summary);
                }
                else
                {
                    var l = summary.receive_to_journal;
                    Console.WriteLine($"{summary.complete_rigs}/{summary.rigs} rigs complete, {summary.events:N0} events, missing batches {summary.missing_batches}, " +
                        $"receive-to-journal p50 {l?.P50Ms:0.###} ms p99 {l?.P99Ms:0.###} ms max {l?.MaxMs:0.###} ms, peak RSS {resources.PeakRssBytes / 1048576.0:0.0} MiB");
                }

                return summary.complete_rigs == ids.Length ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
            }
            finally
            {
                foreach (var r in recorders.Where(r => r is not null))
                {
                    await r.DisposeAsync();
                }

                foreach (var link in links)
                {
                    await link.DisposeAsync();
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("fleet run", e);
        }
    }

    private static async Task<int> SimAsync(string rigList, string brokerUrl, double speed, int seed, double minutes, double frameHz, bool json, CancellationToken ct)
    {
        var sims = new List<VirtualRig.VirtualRig>();
        try
        {
            if (ParseRigs(rigList, "fleet sim") is not { } ids)
            {
                return ExitCodes.Usage;
            }

            var address = BrokerAddress.Parse(brokerUrl);
            var factory = new MqttLinkFactory(address, SecurityOptions.Resolve(null, null)); // the login from the RIG_MQTT_* environment, if any (docs/security.md)
            for (int i = 0; i < ids.Length; i++)
            {
                sims.Add(await VirtualRig.VirtualRig.ConnectAsync(factory, new VirtualRigOptions
                {
                    RigId = ids[i],
                    Seed = seed + i,
                    Speed = speed,
                    Scanner = new ScannerOptions { FrameRateHz = frameHz },
                }, ct));
            }

            await Console.Error.WriteLineAsync($"rig fleet sim: {ids.Length} virtual rigs connected to {address}");
            var results = await Task.WhenAll(sims.Select(s => s.RunAsync(TimeSpan.FromMinutes(minutes), null, ct)));
            var perRig = results.Select((r, i) => new
            {
                rig = ids[i],
                result = r,
                events_per_second = r.EventsAtEnd / r.VirtualSeconds,
            }).ToList();
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, new { rigs = perRig, process = ProcessResources.Now() });
            }
            else
            {
                foreach (var r in perRig)
                {
                    Console.WriteLine($"virtual rig '{r.rig}': {r.result.EventsAtEnd:N0} events ({r.events_per_second:0} /s), {r.result.EventsLost} lost, all acknowledged: {(r.result.FullyAcknowledged ? "yes" : "NO")}");
                }
            }

            return results.All(r => r.FullyAcknowledged) ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("fleet sim", e);
        }
        finally
        {
            foreach (var s in sims)
            {
                await s.DisposeAsync();
            }
        }
    }
}
