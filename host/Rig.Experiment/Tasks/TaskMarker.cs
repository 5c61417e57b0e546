using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rig.Experiment.Tasks;

/// <summary>
/// A task-engine decision as journaled (a Marker record whose JSON has "marker": "task"). The plan marker carries the
/// protocol as run, the encoder scale and every planned trial, so a session's trial table can be rebuilt from its
/// journal alone even if the protocol file changed since.
/// </summary>
public sealed record TaskMarker
{
    public const string MarkerName = "task";
    public const string Plan = "plan";
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Cue = "cue";
    public const string Arm = "arm";
    public const string Disarm = "disarm";
    public const string Pulse = "pulse";
    public const string TrialStart = "trial_start";
    public const string Gray = "gray";
    public const string TrialEnd = "trial_end";

    /// <summary>A position trigger armed on the device (device-triggered path): <see cref="Threshold"/>, planned <see cref="PositionDm"/>.</summary>
    public const string ArmTrigger = "arm_trigger";

    /// <summary>The device's trigger table cleared and its run-gated distance restarted (device-triggered path).</summary>
    public const string ResetTriggers = "reset_triggers";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string Marker { get; init; } = MarkerName;

    public required string Event { get; init; }

    public required ulong DeviceMicros { get; init; }

    public int? Trial { get; init; }

    /// <summary>Plan marker: "device" when cue and zones are position triggers decided on the device; null (older journals) or "host".</summary>
    public string? TriggerPath { get; init; }

    /// <summary>ArmTrigger marker: the trigger's action (cue, zone_open, zone_close, texture_end).</summary>
    public string? Action { get; init; }

    /// <summary>ArmTrigger marker: the threshold sent (encoder count, or run-gated distance µm).</summary>
    public long? Threshold { get; init; }

    public double? PositionDm { get; init; }

    public string? Detail { get; init; }

    public TaskProtocol? Protocol { get; init; }

    public double? EncoderCountsPerCm { get; init; }

    public IReadOnlyList<PlannedTrial>? Trials { get; init; }

    /// <summary>
    /// Plan marker: the µL → ms the session used for one reward (by the valve's curve, or the protocol's time with
    /// `--uncalibrated`); null in unrewarded sessions, sessions run without a dose, and journals written before it was kept.
    /// </summary>
    public Rig.Recording.Calibration.RewardDose? Reward { get; init; }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads a marker record's JSON; null when it is not a task marker (the recorder's own session markers).</summary>
    public static TaskMarker? TryParse(System.ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("marker", out var m) || m.ValueKind != JsonValueKind.String
                || m.GetString() != MarkerName)
            {
                return null;
            }

            return document.RootElement.Deserialize<TaskMarker>(Json);
        }
        catch (JsonException)
        {
            // A marker that is not JSON is not the engine's: the recorder's markers are JSON, so this is foreign.
            return null;
        }
    }
}
