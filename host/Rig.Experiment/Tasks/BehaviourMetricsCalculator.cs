using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Experiment.Tasks;

/// <summary>
/// The behaviour metrics of ../shared/PARADIGMS.md ("What the analysts compute"), from the task tables alone, so the
/// live number, the session summary and an analyst recomputing from an export all use one definition.
/// </summary>
public static class BehaviourMetricsCalculator
{
    public const string Passive = "Passive";
    public const string ActiveAfterCue = "Active after cue";
    public const string RewardZone = "Reward zone";

    /// <summary>The analysts' reward zone, 20-40 dm within the corridor (PARADIGMS.md).</summary>
    public const double RewardZoneStartDm = 20.0;

    public const double RewardZoneEndDm = 40.0;

    /// <param name="microlitersPerReward">Volume of one reward (from the calibration the session used); NaN when unknown
    /// (`--uncalibrated`), which makes the water NaN once a reward was given.</param>
    /// <param name="frames">Per-frame VR state, for the mean running speed; NaN speed without frames.</param>
    public static BehaviourMetrics Compute(IReadOnlyList<TrialRow> trials, IReadOnlyList<LickRow> licks, string rewardMode,
        double rewardDelayMs, double microlitersPerReward, IReadOnlyList<FramePositionRow>? frames = null)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(licks);
        if (rewardMode is not (Passive or ActiveAfterCue or RewardZone))
        {
            throw new ArgumentException($"unknown reward mode '{rewardMode}': expected '{Passive}', '{ActiveAfterCue}' or '{RewardZone}'", nameof(rewardMode));
        }

        var licksByTrial = new Dictionary<int, List<LickRow>>();
        foreach (var lick in licks)
        {
            if (lick.Trial < 0)
            {
                continue;
            }

            if (!licksByTrial.TryGetValue(lick.Trial, out var list))
            {
                list = [];
                licksByTrial[lick.Trial] = list;
            }

            list.Add(lick);
        }

        var corridors = new List<CorridorMetrics>();
        foreach (var group in trials.GroupBy(t => t.Wall).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int completed = 0, anticipatory = 0, inZone = 0, rewards = 0;
            foreach (var trial in group)
            {
                rewards += trial.RewardDeviceMicros is null ? 0 : 1;
                if (trial.EndDeviceMicros is null)
                {
                    continue;
                }

                completed++;
                var trialLicks = licksByTrial.TryGetValue(trial.Trial, out var l) ? l : [];
                ulong windowEnd = AnticipationWindowEnd(trial, rewardMode, rewardDelayMs);
                anticipatory += trialLicks.Any(x => x.DeviceMicros >= trial.StartDeviceMicros && x.DeviceMicros < windowEnd) ? 1 : 0;
                inZone += trialLicks.Any(x => x.PositionDm >= RewardZoneStartDm && x.PositionDm < RewardZoneEndDm) ? 1 : 0;
            }

            corridors.Add(new CorridorMetrics(group.Key, group.First().Rewarded, group.Count(), completed,
                completed == 0 ? double.NaN : (double)anticipatory / completed,
                completed == 0 ? double.NaN : (double)inZone / completed, rewards));
        }

        double discrimination = Mean(corridors.Where(c => c.Rewarded)) - Mean(corridors.Where(c => !c.Rewarded));
        int totalRewards = trials.Count(t => t.RewardDeviceMicros is not null);
        double speed = frames is { Count: > 0 } ? frames.Average(f => f.SpeedCmPerSecond) : double.NaN;
        // No reward is 0 µL even when one reward's volume is unknown.
        double water = totalRewards == 0 ? 0 : totalRewards * microlitersPerReward;
        return new BehaviourMetrics(corridors, discrimination, totalRewards, water, speed);
    }

    /// <summary>
    /// End of the anticipation window of a trial (exclusive, device µs): Passive, the cue plus the reward delay (the
    /// grey space if no cue played); Active after cue and reward zone, entry into the grey space.
    /// </summary>
    public static ulong AnticipationWindowEnd(TrialRow trial, string rewardMode, double rewardDelayMs)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ulong gray = trial.GrayDeviceMicros ?? trial.EndDeviceMicros ?? ulong.MaxValue;
        if (rewardMode == Passive && trial.CueDeviceMicros is { } cue)
        {
            return cue + (ulong)Math.Round(rewardDelayMs * 1000.0);
        }

        return gray;
    }

    // Trials pooled over the corridors of one kind, so a corridor with more trials weighs more.
    private static double Mean(IEnumerable<CorridorMetrics> corridors)
    {
        int trials = 0;
        double inZone = 0;
        foreach (var c in corridors)
        {
            if (c.CompletedTrials > 0)
            {
                trials += c.CompletedTrials;
                inZone += c.RewardZoneLickFraction * c.CompletedTrials;
            }
        }

        return trials == 0 ? double.NaN : inZone / trials;
    }
}
