using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Rig.Experiment.Tasks;

namespace Rig.Experiment.Vr;

// The contract between the task engine (which decides what the mouse sees) and whatever shows it: a renderer over
// MQTT (vr/v1/{rigId}/...), a lab's Unity/Gimbl VR, or the virtual rig's simulated renderer. The task engine calls the
// sink synchronously from its own loop; an implementation that publishes must queue, never block the engine.

/// <summary>What a renderer should show now.</summary>
/// <param name="DeviceMicros">Device time of the encoder sample this state was computed from.</param>
/// <param name="Trial">0-based trial index, -1 before the first trial and after the last.</param>
/// <param name="Wall">Wall (texture) id of the current corridor, empty outside trials.</param>
/// <param name="PositionDm">Position within the corridor, 0 to the corridor length (NaN outside trials).</param>
/// <param name="InGray">The mouse is in the grey space after the textured walls.</param>
/// <param name="CueActive">The cue tone is playing.</param>
/// <param name="MovementCounts">Encoder counts since the previous state (what Gimbl publishes as "movement").</param>
public sealed record VrSceneState(ulong DeviceMicros, int Trial, string Wall, double PositionDm, bool InGray, bool CueActive,
    double SpeedCmPerSecond, long MovementCounts);

/// <summary>Receives the scene the task engine computes.</summary>
public interface IVrSceneSink
{
    void OnSessionStarted(string sessionId, string protocol);

    void OnScene(VrSceneState state);

    void OnSessionStopped(string sessionId);
}

/// <summary>
/// The corridor a renderer draws, from the running protocol: textured walls for <paramref name="TextureDm"/>, then grey for
/// <paramref name="GrayDm"/>; <paramref name="Walls"/> every wall id the session can show (corridors and probes), so a
/// renderer can prepare each texture before the first trial. Sent in the session start message as
/// <c>"corridor":{"texture_dm":40,"gray_dm":20},"walls":["leaf1","circle1"]</c>.
/// </summary>
public sealed record VrCorridor(double TextureDm, double GrayDm, IReadOnlyList<string> Walls)
{
    public static VrCorridor From(TaskProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        return new VrCorridor(protocol.TextureLengthDm, protocol.GrayLengthDm,
            protocol.Corridors.Select(c => c.Wall).Concat(protocol.Probes).Distinct(StringComparer.Ordinal).ToList());
    }

    internal void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject("corridor");
        w.WriteNumber("texture_dm", TextureDm);
        w.WriteNumber("gray_dm", GrayDm);
        w.WriteEndObject();
        w.WriteStartArray("walls");
        foreach (var wall in Walls)
        {
            w.WriteStringValue(wall);
        }

        w.WriteEndArray();
    }
}
