using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Recording.Link;
using Rig.Experiment.Tasks;
using Rig.VirtualRig.Models;

using Rig.VirtualRig.World;

namespace Rig.VirtualRig;

/// <summary>One group of a simulated cohort: protocols for its pre-training days, then for its training days.</summary>
public sealed record CohortGroup(string Name, string? PretrainingProtocol, string TrainingProtocol, string? FirstDayProtocol = null);

/// <summary>One session of the cohort's learning table.</summary>
public sealed record CohortDay(string Group, string Mouse, int Day, bool Pretraining, string Protocol, string Folder,
    double RewardedAnticipatory, double UnrewardedAnticipatory, double Discrimination, int Rewards, int Trials);

/// <summary>Settings of a simulated cohort.</summary>
public sealed record CohortOptions
{
    public int Days { get; init; } = 8;
    public int PretrainingDays { get; init; } = 5;
    public double MinutesPerSession { get; init; } = 10;
    public int Seed { get; init; } = 1;

    /// <summary>Virtual mice per group, each with its own seed; named &lt;group&gt;-s&lt;seed&gt;-m&lt;i&gt; so cohorts of different seeds never share a session key.</summary>
    public int MicePerGroup { get; init; } = 1;

    /// <summary>The virtual scanner's imaging frame rate, Hz, recorded in each session as the rig's setting.</summary>
    public double FrameRateHz { get; init; } = 30;

    /// <summary>The simulated day of every group's first session.</summary>
    public DateOnly StartDate { get; init; } = DefaultStartDate;

    /// <summary>The first day when none is given (a Monday; any fixed day keeps a seed's cohort the same run after run).</summary>
    public static readonly DateOnly DefaultStartDate = new(2025, 1, 6);
    public LearningOptions Learning { get; init; } = new();

    /// <summary>The wall every group is measured on (the supervised task's rewarded corridor).</summary>
    public string TargetWall { get; init; } = "leaf1";

    /// <summary>The groups; the default compares supervised training, unsupervised exposure, and the reward-zone task without and after pre-training.</summary>
    public IReadOnlyList<CohortGroup> Groups { get; init; } =
    [
        new("supervised", null, "supervised-leaf1-circle1", "supervised-passive-day1"),
        new("unsupervised", null, "unsupervised-exposure"),
        new("naive", null, "reward-zone-behaviour"),
        new("pretrained", "pretraining-unrewarded", "reward-zone-behaviour"),
    ];
}

/// <summary>
/// A simulated cohort over days: <see cref="CohortOptions.MicePerGroup"/> virtual mice per group, one session per mouse per
/// day through the whole chain (broker, bridge, journal, rebuilt task tables), each mouse's learning carried from day to
/// day in its state file. Session folders go directly into the cohort folder; the state files into its
/// <see cref="LearningFolder"/>, apart from them, so the cohort folder exports and reports as a folder of sessions.
/// </summary>
public static class VirtualCohort
{
    /// <summary>The cohort folder's subfolder holding each mouse's learning state (&lt;mouse&gt;.learning.json).</summary>
    public const string LearningFolder = "learning";

    /// <summary>The name of mouse <paramref name="index"/> (0-based) of <paramref name="group"/> in a cohort of <paramref name="seed"/>.</summary>
    public static string MouseName(string group, int seed, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{group}-s{seed}-m{index + 1}");

    public static async Task<IReadOnlyList<CohortDay>> RunAsync(ILinkFactory links, string folder, CohortOptions options,
        Func<string, TaskProtocol> loadProtocol, TimeProvider time, ILogger logger, Action<CohortDay>? dayDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loadProtocol);

        // Every protocol is loaded before the first session: an invalid one stops the cohort before anything runs.
        var protocols = new Dictionary<string, TaskProtocol>(StringComparer.Ordinal);
        foreach (var g in options.Groups)
        {
            foreach (string? name in new[] { g.PretrainingProtocol, g.TrainingProtocol, g.FirstDayProtocol })
            {
                if (name is not null && !protocols.ContainsKey(name))
                {
                    protocols[name] = loadProtocol(name);
                }
            }
        }

        if (options.MicePerGroup < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MicePerGroup, "a cohort needs at least one mouse per group");
        }

        var days = new List<CohortDay>();
        var start = options.StartDate;
        Directory.CreateDirectory(Path.Combine(folder, LearningFolder));
        for (int gi = 0; gi < options.Groups.Count; gi++)
        for (int mi = 0; mi < options.MicePerGroup; mi++)
        {
            var group = options.Groups[gi];
            string mouse = MouseName(group.Name, options.Seed, mi);
            string statePath = Path.Combine(folder, LearningFolder, mouse + ".learning.json");
            int pretraining = group.PretrainingProtocol is null ? 0 : options.PretrainingDays;
            for (int day = 0; day < pretraining + options.Days; day++)
            {
                bool pre = day < pretraining;
                string name = pre ? group.PretrainingProtocol! : day == pretraining && group.FirstDayProtocol is not null ? group.FirstDayProtocol : group.TrainingProtocol;
                var protocol = protocols[name];
                var learned = MouseLearningState.LoadOrNew(statePath, mouse);
                var date = start.AddDays(day);
                string sessionFolder = Path.Combine(folder, $"{mouse}_{date:yyyy_MM_dd}_1");
                var outcome = await VirtualTaskSession.RunAsync(links,
                    new VirtualRigOptions
                    {
                        RigId = "cohort", Seed = MouseSeed(options.Seed, gi, mi, day), Speed = 0, Mouse = VirtualTaskSession.TaskMouse,
                        Scanner = new ScannerOptions { FrameRateHz = options.FrameRateHz },
                    },
                    new BridgeOptions(), sessionFolder, TimeSpan.FromMinutes(options.MinutesPerSession),
                    new SessionStartInfo("cohort (embedded)", "rig cohort", ImagingFrameRateHz: options.FrameRateHz),
                    // Sessions run as fast as possible, so the bridge stamps on the simulation's timeline, dated to the simulated day.
                    new VirtualHostTime(new DateTimeOffset(date.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero)), logger,
                    new TaskSessionSettings(protocol, mouse, date, 1, learned, options.Learning), null, cancellationToken);
                outcome.Learned.Save(statePath);
                var m = outcome.Tables.Info.Metrics;
                // Every group is measured on the same wall, the one supervised training rewards, so unrewarded groups compare.
                double rewarded = double.NaN, unrewarded = double.NaN, zoneRewarded = double.NaN, zoneOther = double.NaN;
                foreach (var c in m.Corridors)
                {
                    if (c.Wall == options.TargetWall)
                    {
                        rewarded = c.AnticipatoryLickFraction;
                        zoneRewarded = c.RewardZoneLickFraction;
                    }
                    else if (double.IsNaN(unrewarded))
                    {
                        unrewarded = c.AnticipatoryLickFraction;
                        zoneOther = c.RewardZoneLickFraction;
                    }
                }

                double discrimination = zoneRewarded - zoneOther;
                var row = new CohortDay(group.Name, mouse, day + 1, pre, name, sessionFolder, rewarded, unrewarded, discrimination, m.Rewards,
                    outcome.Tables.Trials.Count);
                days.Add(row);
                dayDone?.Invoke(row);
            }
        }

        return days;
    }

    /// <summary>
    /// The virtual rig's seed of one session, different for each group, mouse and day of a cohort (days &lt; 100, groups &lt;
    /// 10). The first mouse of each group keeps the seeds cohorts had before there were several mice per group.
    /// </summary>
    private static int MouseSeed(int seed, int group, int mouse, int day) =>
        unchecked((seed * 1000) + (group * 100) + day + (mouse * 104_729));
}
