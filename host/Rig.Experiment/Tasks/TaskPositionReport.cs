using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Rig.Experiment.Tasks;

/// <summary>
/// summary.json's "task_positions" section (and the `--json` field of the same name): where the cues played and the reward
/// zones opened against the plan (<see cref="PositionErrors"/>), for every session run with a protocol.
/// </summary>
public static class TaskPositionReport
{
    public const string Section = "task_positions";

    /// <summary>The section from the live engine's tables (the same as the journal's rebuild: the demo checks that); null before the plan.</summary>
    public static IReadOnlyDictionary<string, JsonElement>? SummarySections(TaskEngine? engine) =>
        engine?.Tables.PlanMarker is null ? null : SummarySections(engine.Tables.Build("summary", DateOnly.MinValue, 0).Positions);

    public static IReadOnlyDictionary<string, JsonElement>? SummarySections(PositionErrors? positions) =>
        positions is null ? null : new Dictionary<string, JsonElement> { [Section] = JsonSerializer.SerializeToElement(positions, Json) };

    /// <summary>Merges summary sections (null parts are skipped; empty when all are).</summary>
    public static IReadOnlyDictionary<string, JsonElement> Merge(params IReadOnlyDictionary<string, JsonElement>?[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var all = new Dictionary<string, JsonElement>();
        foreach (var part in parts)
        {
            if (part is null)
            {
                continue;
            }

            foreach (var (key, value) in part)
            {
                all[key] = value;
            }
        }

        return all;
    }

    /// <summary>The summary row: cue and zone errors, dm.</summary>
    public static string Describe(PositionErrors? p)
    {
        if (p is null)
        {
            return "n/a";
        }

        var c = System.Globalization.CultureInfo.InvariantCulture;
        static string F(double? v) => v is { } x ? x.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
        return $"{p.TriggerPath}-triggered; cue error (played − planned) median {F(p.CueMedianDm)} / p99 {F(p.CueP99Dm)} / max {F(p.CueMaxDm)} dm over "
            + $"{p.Cues.ToString(c)} cues; zone entry error median {F(p.ZoneMedianDm)} / p99 {F(p.ZoneP99Dm)} / max {F(p.ZoneMaxDm)} dm over {p.ZoneEntries.ToString(c)} zones";
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
