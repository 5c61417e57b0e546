using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
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
        var mice = new Option<int>("--mice") { Description = "Virtual mice per group, named <group>-s<seed>-m<i>", DefaultValueFactory = _ => 1 };
        var startDate = new Option<DateOnly?>("--start-date") { Description = "The simulated day of the first session (YYYY-MM-DD; default 2025-01-06)" };
        var groups = new Option<string[]>("--groups")
        {
            Description = "The groups to simulate, by name (default all: " + string.Join(", ", new CohortOptions().Groups.Select(g => g.Name)) + ")",
            AllowMultipleArgumentsPerToken = true,
        };
        var frameRate = CommonOptions.FrameRateHz(virtualScanner: true);
        var command = new Command("cohort", "Simulate a cohort of learning virtual mice over days (supervised, unsupervised, naive and pretrained groups) and print the learning table")
        {
            days, pretrain, minutes, seed, output, mice, startDate, groups, frameRate,
        };
        command.SetAction((parse, ct) => RunAsync(new CohortOptions
        {
            Days = parse.GetValue(days), PretrainingDays = parse.GetValue(pretrain), MinutesPerSession = parse.GetValue(minutes), Seed = parse.GetValue(seed),
            MicePerGroup = parse.GetValue(mice), FrameRateHz = parse.GetValue(frameRate) ?? 30, StartDate = parse.GetValue(startDate) ?? CohortOptions.DefaultStartDate,
        }, parse.GetValue(groups) ?? [], parse.GetValue(output), ct));
        return command;
    }

    private static async Task<int> RunAsync(CohortOptions options, string[] groupNames, string? output, CancellationToken ct)
    {
        int days = options.Days, pretrain = options.PretrainingDays;
        using var app = RigApp.CreateBuilder(false).Build();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rig.Cohort");
        string folder = Path.GetFullPath(output ?? CommonOptions.DefaultSessionFolder("cohort", time));
        try
        {
            if (days < 1 || pretrain < 0 || options.MicePerGroup < 1)
            {
                await Console.Error.WriteLineAsync("rig cohort: --days and --mice must be at least 1 and --pretrain-days at least 0");
                return ExitCodes.Usage;
            }

            var unknown = groupNames.Where(n => options.Groups.All(g => g.Name != n)).ToList();
            if (unknown.Count > 0)
            {
                await Console.Error.WriteLineAsync($"rig cohort: no group named {string.Join(", ", unknown)}; the groups are {string.Join(", ", options.Groups.Select(g => g.Name))}");
                return ExitCodes.Usage;
            }

            if (groupNames.Length > 0)
            {
                options = options with { Groups = [.. options.Groups.Where(g => groupNames.Contains(g.Name))] };
            }

            if (Directory.Exists(folder) || File.Exists(folder))
            {
                throw new SessionFolderExistsException(folder);
            }

            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
            var links = new MqttLinkFactory(broker.Address);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"{"group",-13}{"mouse",-20}{"day",4}  {"protocol",-26}{"trials",7}{"rewards",8}  {"antic+",7}{"antic-",7}{"discrim",8}");
            await VirtualCohort.RunAsync(links, folder, options,
                name => ProtocolLoader.LoadNamed(name), time, logger,
                d => Console.WriteLine(string.Create(c,
                    $"{d.Group,-13}{d.Mouse,-20}{d.Day,4}  {(d.Pretraining ? "(pre) " : "") + d.Protocol,-26}{d.Trials,7}{d.Rewards,8}  {TaskCli.F(d.RewardedAnticipatory),7}{TaskCli.F(d.UnrewardedAnticipatory),7}{TaskCli.F(d.Discrimination),8}")),
                ct);
            Console.WriteLine($"antic+/antic-: anticipatory lick fraction in leaf1 (rewarded in training) / the other corridor; discrim: reward-zone lick fraction leaf1 minus the other. Sessions: {folder} (learning states in {Path.Combine(folder, VirtualCohort.LearningFolder)})");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("cohort", e);
        }
    }
}
