using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rig.Protocol;

namespace Rig.Provisioning.Loopback;

/// <summary>
/// A lab's loopback history per rig: <c>{root}/{rig}/{yyyyMMdd-HHmmss}-{scenario}/</c> holds report.json,
/// report.txt and the PNG histograms (and the run's session recording, made by the caller in <see cref="SessionFolder"/>);
/// <c>{root}/{rig}/history.csv</c> gets one line per run (date, scenario, firmware, verdict, the main numbers).
/// Runs are never overwritten.
/// </summary>
public sealed class LoopbackHistory
{
    public const string ReportJson = "report.json";
    public const string ReportText = "report.txt";
    public const string IndexFile = "history.csv";
    public const string IndexHeader = "date_utc,scenario,firmware,boot_id,verdict,pulses,matched,missed,extra,delay_median_us,delay_p99_us,delay_max_us,width_error_abs_max_us,round_trip_p99_ms,folder";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public LoopbackHistory(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The folder of one run (not created here).</summary>
    public string RunFolder(string rigId, string scenario, DateTimeOffset dateUtc)
    {
        if (!RigId.IsValid(rigId))
        {
            throw new LoopbackInputException(RigId.Problem(rigId));
        }

        return Path.Combine(Root, rigId, dateUtc.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + scenario);
    }

    /// <summary>Where the run's bridge records its session (journal, session.json) inside the run folder.</summary>
    public static string SessionFolder(string runFolder) => Path.Combine(runFolder, "session");

    /// <summary>Writes the report, its text, the histograms, and the index line. Returns the files written.</summary>
    public IReadOnlyList<string> Save(LoopbackReport report, string runFolder)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(runFolder);
        var written = new List<string>();
        string json = Path.Combine(runFolder, ReportJson);
        using (var stream = new FileStream(json, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, report, Json);
        }

        written.Add(json);
        string text = Path.Combine(runFolder, ReportText);
        File.WriteAllText(text, report.ToText(), new UTF8Encoding(false));
        written.Add(text);

        string Png(string name) => Path.Combine(runFolder, name);
        var (delayName, delayAxis) = report.Display is not null ? ("display latency", "photodiode flip minus frame render time (µs, device clock)")
            : report.Tone is not null ? ("tone onset latency", "first TTL rising edge minus tone start (µs, device clock)")
            : ("capture delay", "captured minus commanded edge (µs, device clock)");
        if (LoopbackPlot.SaveHistogram(report.CaptureDelaysMicros.Select(x => (double)x).ToList(),
            $"{report.RigId} {report.Settings.Scenario}: {delayName} ({report.Settings.Output} -> {report.Settings.Input})", delayAxis,
            report.DelayLimitMicros ?? report.Thresholds.CaptureDelayP99Micros, Png("capture_delay.png")))
        {
            written.Add(Png("capture_delay.png"));
        }

        if (LoopbackPlot.SaveHistogram(report.PulseWidthErrorsMicros.Select(x => (double)x).ToList(),
            $"{report.RigId} {report.Settings.Scenario}: pulse width error", "captured width minus output width (µs)", report.Thresholds.PulseWidthErrorMaxMicros, Png("pulse_width_error.png")))
        {
            written.Add(Png("pulse_width_error.png"));
        }

        if (report.Tone is { } tone && LoopbackPlot.SaveHistogram(tone.DurationErrorsMicros.Select(x => (double)x).ToList(),
            $"{report.RigId} {report.Settings.Scenario}: tone duration error", "heard minus commanded duration (µs)", report.Thresholds.ToneDurationErrorMaxMicros, Png("tone_duration_error.png")))
        {
            written.Add(Png("tone_duration_error.png"));
        }

        if (LoopbackPlot.SaveHistogram(report.RoundTripsMilliseconds, $"{report.RigId}: command round trip over MQTT", "ping to acknowledgement (ms, host clock)",
            report.Thresholds.RoundTripP99Milliseconds, Png("round_trip.png")))
        {
            written.Add(Png("round_trip.png"));
        }

        if (LoopbackPlot.SaveHistogram(report.FramePeriodsMicros.Select(x => (double)x).ToList(), $"{report.RigId}: frame clock period", "rising edge to rising edge (µs, device clock)",
            null, Png("frame_period.png")))
        {
            written.Add(Png("frame_period.png"));
        }

        AppendIndex(report, runFolder);
        return written;
    }

    private void AppendIndex(LoopbackReport r, string runFolder)
    {
        string index = Path.Combine(Root, r.RigId, IndexFile);
        Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        bool fresh = !File.Exists(index);
        var c = CultureInfo.InvariantCulture;
        string F(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("0.###", c) : "";
        string line = string.Join(',',
            r.DateUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", c), r.Settings.Scenario, Csv(r.FirmwareVersion), r.BootId.ToString("x8", c),
            r.Verdict.ToString().ToLowerInvariant(), r.Settings.Pulses.ToString(c), r.MatchedEdges.ToString(c), r.MissedEdges.ToString(c), r.ExtraEdges.ToString(c),
            F(r.CaptureDelayMicros.Median), F(r.CaptureDelayMicros.P99), F(r.CaptureDelayMicros.Max), F(r.PulseWidthErrorAbsMaxMicros), F(r.RoundTripMilliseconds.P99),
            Csv(Path.GetRelativePath(Path.Combine(Root, r.RigId), runFolder)));
        File.AppendAllText(index, (fresh ? IndexHeader + "\n" : "") + line + "\n", new UTF8Encoding(false));
    }

    private static string Csv(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)
        ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : s;
}
