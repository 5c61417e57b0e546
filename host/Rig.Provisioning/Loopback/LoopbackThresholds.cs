using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rig.Provisioning.Loopback;

/// <summary>
/// PASS/FAIL limits of a loopback run (docs/loopback.md). Defaults: capture delay p99 ≤ 10 µs, no missed and no
/// extra edges, every pulse's width error within ±5 µs, command round trip p99 ≤ 20 ms. A JSON file may set any
/// of them (snake_case names); an unknown name or a bad value is an error naming the file, line and field.
/// </summary>
public sealed record LoopbackThresholds
{
    public double CaptureDelayP99Micros { get; init; } = 10;

    public int MaxMissedEdges { get; init; }

    public int MaxExtraEdges { get; init; }

    /// <summary>Largest |captured width − output width| of any pulse, µs.</summary>
    public double PulseWidthErrorMaxMicros { get; init; } = 5;

    public double RoundTripP99Milliseconds { get; init; } = 20;

    /// <summary>Frames the scanner-frame-clock scenario may find missing (a period of about two or more frames).</summary>
    public int MaxMissingFrames { get; init; }

    /// <summary>An input edge later than this after its output edge is not its echo (counted missed, and extra), µs.</summary>
    public uint MatchWindowMicros { get; init; } = 1_000;

    /// <summary>
    /// renderer-to-photodiode: p99 of frame render → photodiode flip, ms. 50 ms is three refreshes at 60 Hz: a frame
    /// submitted just after a vsync waits up to one refresh, scans out during the next, and an LCD takes a few ms to
    /// switch; more means the renderer queues frames (motion-to-photon p99 ≤ 33 ms is the goal on top of it).
    /// </summary>
    public double DisplayLatencyP99Milliseconds { get; init; } = 50;

    /// <summary>renderer-to-photodiode: dropped frames as a percentage of the frames settled.</summary>
    public double MaxDroppedFramesPercent { get; init; } = 1;

    /// <summary>
    /// tone-to-ttl: p99 of tone start → first TTL rising edge, µs: the fixture's R103/C101 low-pass (10 µs time
    /// constant), the PC817's switching (tens of µs) and the amplifier (docs/hardware.md).
    /// </summary>
    public double ToneOnsetLatencyP99Micros { get; init; } = 1_000;

    /// <summary>tone-to-ttl: largest |heard duration − commanded duration| of any tone, µs (a square wave's last edge lands up to half a period early).</summary>
    public double ToneDurationErrorMaxMicros { get; init; } = 1_000;

    public static LoopbackThresholds Default { get; } = new();

    private static readonly JsonSerializerOptions FileJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    /// <summary>Reads a thresholds file: every field optional, defaults for the rest.</summary>
    public static LoopbackThresholds Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        LoopbackThresholds? t;
        try
        {
            t = JsonSerializer.Deserialize<LoopbackThresholds>(File.ReadAllText(path), FileJson);
        }
        catch (JsonException e)
        {
            throw new LoopbackInputException($"thresholds file '{path}': line {(e.LineNumber ?? 0) + 1}, field '{e.Path}': {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new LoopbackInputException($"thresholds file '{path}' cannot be read: {e.Message}", e);
        }

        t = t ?? throw new LoopbackInputException($"thresholds file '{path}' is empty (null)");
        t.Validate(path);
        return t;
    }

    public string ToJson() => JsonSerializer.Serialize(this, FileJson);

    private void Validate(string path)
    {
        void Require(bool ok, string field, object value)
        {
            if (!ok)
            {
                throw new LoopbackInputException($"thresholds file '{path}': field '{field}' must be a finite number of 0 or more, not {value}");
            }
        }

        Require(double.IsFinite(CaptureDelayP99Micros) && CaptureDelayP99Micros >= 0, "capture_delay_p99_micros", CaptureDelayP99Micros);
        Require(MaxMissedEdges >= 0, "max_missed_edges", MaxMissedEdges);
        Require(MaxExtraEdges >= 0, "max_extra_edges", MaxExtraEdges);
        Require(double.IsFinite(PulseWidthErrorMaxMicros) && PulseWidthErrorMaxMicros >= 0, "pulse_width_error_max_micros", PulseWidthErrorMaxMicros);
        Require(double.IsFinite(RoundTripP99Milliseconds) && RoundTripP99Milliseconds >= 0, "round_trip_p99_milliseconds", RoundTripP99Milliseconds);
        Require(MaxMissingFrames >= 0, "max_missing_frames", MaxMissingFrames);
        Require(MatchWindowMicros > 0, "match_window_micros", MatchWindowMicros);
        Require(double.IsFinite(DisplayLatencyP99Milliseconds) && DisplayLatencyP99Milliseconds >= 0, "display_latency_p99_milliseconds", DisplayLatencyP99Milliseconds);
        Require(double.IsFinite(MaxDroppedFramesPercent) && MaxDroppedFramesPercent >= 0, "max_dropped_frames_percent", MaxDroppedFramesPercent);
        Require(double.IsFinite(ToneOnsetLatencyP99Micros) && ToneOnsetLatencyP99Micros >= 0, "tone_onset_latency_p99_micros", ToneOnsetLatencyP99Micros);
        Require(double.IsFinite(ToneDurationErrorMaxMicros) && ToneDurationErrorMaxMicros >= 0, "tone_duration_error_max_micros", ToneDurationErrorMaxMicros);
    }
}
