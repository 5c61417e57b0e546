using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Rig.Experiment.Vr;
using Rig.Recording;

namespace Rig.VirtualRig.Models;

/// <summary>How fast the simulated mouse learns. Defaults give a supervised rise over about a week of 10-minute sessions.</summary>
public sealed record LearningOptions
{
    /// <summary>Association gained per reward, as a fraction of what is left to learn (a Rescorla-Wagner step).</summary>
    public double AssociationPerReward { get; init; } = 0.03;

    /// <summary>
    /// Familiarity with a texture multiplies the association step by (1 + this × familiarity): unrewarded pre-training on
    /// the same textures speeds learning (Zhong et al. 2025), without any licking of its own.
    /// </summary>
    public double FamiliarityBoost { get; init; } = 4;

    /// <summary>Familiarity gained per corridor traversal, as a fraction of what is left.</summary>
    public double FamiliarityPerTrial { get; init; } = 0.03;

    /// <summary>Anticipatory lick bouts per second at full association, in the later part of the textured corridor.</summary>
    public double PeakAnticipatoryBoutsPerSecond { get; init; } = 1.2;

    /// <summary>Anticipation ramps up from this position to <see cref="RampEndDm"/> (dm): mice lick more as the reward nears.</summary>
    public double RampStartDm { get; init; } = 5;

    public double RampEndDm { get; init; } = 20;
}

/// <summary>What a simulated mouse has learned, kept between sessions in a small JSON file.</summary>
public sealed record MouseLearningState
{
    public required string Mouse { get; init; }

    public int Sessions { get; set; }

    /// <summary>Wall → association with water (0 to 1).</summary>
    public Dictionary<string, double> Association { get; init; } = [];

    /// <summary>Wall → familiarity from exposure (0 to 1).</summary>
    public Dictionary<string, double> Familiarity { get; init; } = [];

    /// <summary>Loads the state of <paramref name="mouse"/> from <paramref name="path"/>, or a naive mouse if the file does not exist.</summary>
    public static MouseLearningState LoadOrNew(string path, string mouse)
    {
        if (!File.Exists(path))
        {
            return new MouseLearningState { Mouse = mouse };
        }

        try
        {
            using var stream = File.OpenRead(path);
            var state = JsonSerializer.Deserialize<MouseLearningState>(stream, RigJson.Files) ?? throw new InvalidDataException("empty");
            return state.Mouse == mouse ? state
                : throw new InvalidDataException($"it belongs to mouse '{state.Mouse}', not '{mouse}'");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: not a learning state of mouse '{mouse}': {e.Message}", e);
        }
    }

    /// <summary>Writes atomically (a temporary file renamed over the old one), so a crash leaves the old state or the new.</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, this, RigJson.Files);
        }

        File.Move(temp, full, overwrite: true);
    }
}

/// <summary>
/// A mouse that learns: it sees the scene the task engine computes (corridor, position, grey space) and licks in
/// anticipation in a corridor in proportion to what it has associated with water there. Water strengthens the current
/// corridor's association; traversals build familiarity, which speeds later association but never causes licking by
/// itself, so unrewarded exposure leaves licking at its spontaneous level. Deterministic: it draws no random numbers
/// (the mouse model does, from its seed).
/// </summary>
public sealed class LearningMouse(MouseLearningState learned, LearningOptions options) : IVrSceneSink, ILickDrive
{
    private int _trial = -1;
    private string _wall = "";
    private double _positionDm = double.NaN;
    private bool _inGray;

    public MouseLearningState State => learned;

    /// <summary>Rewards the mouse received this session.</summary>
    public int Rewards { get; private set; }

    public void OnSessionStarted(string sessionId, string protocol) => learned.Sessions++;

    public void OnSessionStopped(string sessionId)
    {
    }

    public void OnScene(VrSceneState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Trial != _trial && state.Trial >= 0)
        {
            double f = Get(learned.Familiarity, state.Wall);
            learned.Familiarity[state.Wall] = f + options.FamiliarityPerTrial * (1 - f);
        }

        _trial = state.Trial;
        _wall = state.Wall;
        _positionDm = state.PositionDm;
        _inGray = state.InGray;
    }

    public double ExtraLickBoutsPerSecond(ulong micros)
    {
        if (_trial < 0 || _inGray || double.IsNaN(_positionDm))
        {
            return 0;
        }

        double ramp = Math.Clamp((_positionDm - options.RampStartDm) / (options.RampEndDm - options.RampStartDm), 0, 1);
        return Get(learned.Association, _wall) * options.PeakAnticipatoryBoutsPerSecond * ramp;
    }

    public void OnWater(ulong micros)
    {
        if (_trial < 0 || _wall.Length == 0)
        {
            return;
        }

        Rewards++;
        double v = Get(learned.Association, _wall);
        double step = options.AssociationPerReward * (1 + options.FamiliarityBoost * Get(learned.Familiarity, _wall));
        learned.Association[_wall] = v + Math.Min(1, step) * (1 - v);
    }

    private static double Get(Dictionary<string, double> map, string wall) => map.TryGetValue(wall, out double v) ? v : 0;
}
