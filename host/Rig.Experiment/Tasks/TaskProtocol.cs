using System.Collections.Generic;

namespace Rig.Experiment.Tasks;

/// <summary>One corridor (wall texture) a protocol presents.</summary>
/// <param name="Proportion">Share of the non-probe trials (normalised over the corridors).</param>
public sealed record CorridorSpec(string Wall, bool Rewarded, double Proportion);

public enum SequenceRule
{
    /// <summary>Each trial drawn independently by the proportions.</summary>
    Random,

    /// <summary>Blocks of <see cref="SequenceSpec.BlockSize"/> trials, each holding the proportions exactly, shuffled within the block.</summary>
    Blocks,
}

/// <param name="ProbeFraction">Fraction of trials replaced by a probe corridor (drawn uniformly among the probes).</param>
/// <param name="Seed">Seed of the trial plan (sequence, cue and reward-zone positions): same seed, same plan.</param>
public sealed record SequenceSpec(SequenceRule Rule, int BlockSize, double ProbeFraction, int Seed);

public enum MovementMode
{
    /// <summary>VR position follows the wheel: <see cref="MovementSpec.GainDmPerCm"/> dm of corridor per cm of wheel.</summary>
    Proportional,

    /// <summary>The corridor moves at a constant speed while the mouse runs faster than a threshold (Zhong et al. 2025: 60 cm/s above 6 cm/s).</summary>
    RunGated,
}

public sealed record MovementSpec(MovementMode Mode, double GainDmPerCm, double RunGatedSpeedCmPerSecond, double RunThresholdCmPerSecond);

/// <summary>A uniform distribution over [Min, Max] (Min == Max: a fixed value).</summary>
public sealed record UniformRange(double Min, double Max);

public sealed record CueSpec(UniformRange PositionDm, int ToneFrequencyHz, double ToneDurationMs);

/// <param name="Mode">Exactly "Passive", "Active after cue" or "Reward zone" (<see cref="BehaviourMetricsCalculator"/>).</param>
/// <param name="DelayMs">Passive: water this long after the cue.</param>
/// <param name="ZoneStartDm">Reward zone: where the zone starts (drawn per trial).</param>
/// <param name="ZoneEndDm">Reward zone: where it ends (the armed window closes).</param>
/// <param name="ValveOpenMs">How long the valve opens for one reward (the rig's calibration turns volume into time; this is the time used).</param>
public sealed record RewardSpec(string Mode, double DelayMs, UniformRange? ZoneStartDm, double ZoneEndDm, double VolumeMicroliters, double ValveOpenMs);

/// <summary>A validated task protocol (protocols/schema.json; docs/task.md).</summary>
/// <param name="Sha256">Hash of the file's bytes, recorded in the session so the exact protocol is known.</param>
public sealed record TaskProtocol(
    string Name,
    string ExperimentType,
    string Description,
    IReadOnlyList<CorridorSpec> Corridors,
    IReadOnlyList<string> Probes,
    SequenceSpec Sequence,
    double TextureLengthDm,
    double GrayLengthDm,
    MovementSpec Movement,
    CueSpec? Cue,
    RewardSpec Reward,
    double MaxMinutes,
    int MaxTrials,
    string Sha256)
{
    public double CorridorLengthDm => TextureLengthDm + GrayLengthDm;

    /// <summary>True when some corridor is rewarded (an unsupervised or pre-training protocol never gives water).</summary>
    public bool GivesWater
    {
        get
        {
            foreach (var c in Corridors)
            {
                if (c.Rewarded)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
