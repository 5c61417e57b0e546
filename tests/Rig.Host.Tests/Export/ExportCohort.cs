using System.Collections.Generic;
using Rig.Experiment.Tasks;
using Rig.TestSupport;

namespace Rig.Host.Tests.Export;

/// <summary>Synthetic sessions covering the traps: several mice and days, Passive and Active days, a reward-zone session without cue, exposure with no reward at all.</summary>
internal static class ExportCohort
{
    public static readonly SyntheticSessionOptions PassiveDay = new()
    {
        Mouse = "VM01", Date = new(2026, 11, 2), RewardMode = BehaviourMetricsCalculator.Passive, AnticipatoryProbability = 0.15, Seed = 11,
    };

    public static readonly SyntheticSessionOptions ActiveDay = new() { Mouse = "VM01", Date = new(2026, 11, 3), AnticipatoryProbability = 0.5, Seed = 12 };

    public static readonly SyntheticSessionOptions LateDay = new()
    {
        Mouse = "VM01", Date = new(2026, 11, 10), AnticipatoryProbability = 0.9, Seed = 13, DropFirstCueHostTime = true, Walls = ["leaf1", "circle1", "leaf2"],
    };

    public static readonly SyntheticSessionOptions OtherMouse = new() { Mouse = "VM00", Date = new(2026, 11, 3), AnticipatoryProbability = 0.4, Seed = 14 };

    public static readonly SyntheticSessionOptions RewardZone = new()
    {
        Mouse = "VM02", Date = new(2026, 11, 4), Block = 2, ExperimentType = "behaviour_only", Protocol = "reward-zone",
        RewardMode = BehaviourMetricsCalculator.RewardZone, AnticipatoryProbability = 0.7, Seed = 15, EndMidTrial = false,
    };

    public static readonly SyntheticSessionOptions Exposure = new()
    {
        Mouse = "VM03", Date = new(2026, 11, 4), ExperimentType = "unsupervised", Protocol = "unsupervised-exposure", RewardedWall = null,
        RewardMode = BehaviourMetricsCalculator.Passive, Seed = 16,
    };

    /// <summary>Writes every session under <paramref name="parent"/>, in an order that is not the export's.</summary>
    public static List<string> Write(string parent) =>
    [
        SyntheticTaskSession.Write(parent, LateDay),
        SyntheticTaskSession.Write(parent, Exposure),
        SyntheticTaskSession.Write(parent, ActiveDay),
        SyntheticTaskSession.Write(parent, RewardZone),
        SyntheticTaskSession.Write(parent, OtherMouse),
        SyntheticTaskSession.Write(parent, PassiveDay),
    ];
}
