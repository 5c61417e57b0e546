using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rig.Recording.Sessions;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.Experiment.Tasks;
using Rig.VirtualRig;
using Command = System.CommandLine.Command;

namespace Rig.Cli.Commands;

/// <summary>`rig cohort`: a simulated cohort over days, printing a learning table per day and group.</summary>
internal static class CohortCommand
{
    public static Command Create()
    {
        var days = new Option<int>("--days") { Description = "Training days per group", DefaultValueFactory = _ => 8 };
        var pretrain = new Option<int>("--pretrain-days") { Description = "Unrewarded pre-training days of the pretrained group", DefaultValueFactory = _ => 5 };
        var minutes = CommonOptions.Positive(new Option<double>("--minutes") { Description = "Virtual minutes per session", DefaultValueFactory = _ => 10 });
        var seed = CommonOptions.Seed();
        var output = new Option<string?>("--out") { Description = "Cohort folder to create (default: sessions/cohort-<time>); never overwritten" };
        var command = new Command("cohort", "Simulate a cohort of learning virtual mice over days (supervised, unsupervised, naive and pretrained groups) and print the learning table")
        {
            days, pretrain, minutes, seed, output,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(days), parse.GetValue(pretrain), parse.GetValue(minutes), parse.GetValue(seed),
            parse.GetValue(output), ct));
        return command;
    }

    private static async Task<int> RunAsync(int days, int pretrain, double minutes, int seed, string? output, CancellationToken ct)
    {
        using var app = RigApp.CreateBuilder(false).Build();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Cohort");
        string folder = Path.GetFullPath(output ?? CommonOptions.DefaultSessionFolder("cohort", time));
        try
        {
            if (days < 1 || pretrain < 0)
            {
                await Console.Error.WriteLineAsync("rig cohort: --days must be at least 1 and --pretrain-days at least 0");
                return ExitCodes.Usage;
            }

            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
            var links = new MqttLinkFactory(broker.Address);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"{"group",-13}{"day",4}  {"protocol",-26}{"trials",7}{"rewards",8}  {"antic+",7}{"antic-",7}{"discrim",8}");
            await VirtualCohort.RunAsync(links, folder, new CohortOptions { Days = days, PretrainingDays = pretrain, MinutesPerSession = minutes, Seed = seed },
                name => ProtocolLoader.LoadNamed(name), time, logger,
                d => Console.WriteLine(string.Create(c,
                    $"{d.Group,-13}{d.Day,4}  {(d.Pretraining ? "(pre) " : "") + d.Protocol,-26}{d.Trials,7}{d.Rewards,8}  {TaskCli.F(d.RewardedAnticipatory),7}{TaskCli.F(d.UnrewardedAnticipatory),7}{TaskCli.F(d.Discrimination),8}")),
                ct);
            Console.WriteLine($"antic+/antic-: anticipatory lick fraction in leaf1 (rewarded in training) / the other corridor; discrim: reward-zone lick fraction leaf1 minus the other. Sessions: {folder}");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("cohort", e);
        }
    }
}
