using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Rig.Provisioning.Loopback;

/// <summary>renderer-to-photodiode in a report: frames, what became of them, and the display latency (render → flip).</summary>
public sealed record DisplayLegReport(double RefreshHz, int Frames, int Flips, int Displayed, int Dropped, int Unobservable, int UnmatchedFlips, int Pending,
    double DroppedPercent, DistributionStats DisplayLatencyMicros, IReadOnlyList<long> DroppedFrameIds);

/// <summary>tone-to-ttl in a report: tones, the onset latency (tone start → first TTL rise) and the duration error.</summary>
public sealed record ToneLegReport(ushort FrequencyHz, int TonesCommanded, int TonesPlayed, int TonesHeard, int ExtraEdges, DistributionStats OnsetLatencyMicros,
    DistributionStats DurationErrorMicros, double? DurationErrorAbsMaxMicros, double? MedianFrequencyHz, IReadOnlyList<long> DurationErrorsMicros);

/// <summary>Checks and verdicts of the renderer-to-photodiode and tone-to-ttl legs (docs/loopback.md).</summary>
public static class LoopbackLegEvaluator
{
    public static LoopbackReport EvaluateDisplay(LoopbackRunData run, DisplayLatencyResult result, double refreshHz, LoopbackThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(thresholds);
        var scenario = run.Scenario;
        var latency = result.LatencyMicros;
        var rtt = DistributionStats.Of(run.RoundTripsMilliseconds);
        var checks = new List<LoopbackCheck>
        {
            new("display latency p99", Nullable(latency.P99 / 1000), thresholds.DisplayLatencyP99Milliseconds, "ms",
                latency.Count > 0 && latency.P99 / 1000 <= thresholds.DisplayLatencyP99Milliseconds),
            new("dropped frames", Nullable(result.DroppedPercent), thresholds.MaxDroppedFramesPercent, "%",
                !double.IsNaN(result.DroppedPercent) && result.DroppedPercent <= thresholds.MaxDroppedFramesPercent),
            new("flips no frame explains", result.UnmatchedFlips, thresholds.MaxExtraEdges, "flips", result.UnmatchedFlips <= thresholds.MaxExtraEdges),
            RoundTrip(rtt, thresholds),
        };
        var (verdict, message) = Verdict(run, checks, result.Flips == 0 && result.Frames > 0,
            $"no photodiode flips on {scenario.InputName} while the renderer drew {result.Frames} frames: is the photodiode over the patch, the patch on, the renderer on this display? ({scenario.Wiring})",
            () => string.Create(CultureInfo.InvariantCulture,
                $"every check passed: {result.Displayed.Count} of {result.Frames} frames seen, display latency median {latency.Median / 1000:0.0} ms, p99 {latency.P99 / 1000:0.0} ms, {result.Dropped.Count} dropped"));
        var leg = new DisplayLegReport(refreshHz, result.Frames, result.Flips, result.Displayed.Count, result.Dropped.Count, result.Unobservable.Count,
            result.UnmatchedFlips, result.Pending, result.DroppedPercent, latency, result.Dropped.Take(LoopbackEvaluator.MaxExamples).ToList());
        return Report(run, thresholds, checks, verdict, message, rtt, latency, result.Displayed.Select(d => d.LatencyMicros).ToList()) with
        {
            Display = leg,
            MatchedEdges = result.Displayed.Count,
            ExtraEdges = result.UnmatchedFlips,
            DelayLimitMicros = thresholds.DisplayLatencyP99Milliseconds * 1000,
        };
    }

    public static LoopbackReport EvaluateTone(LoopbackRunData run, ToneTtlResult result, int commanded, LoopbackThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(thresholds);
        var scenario = run.Scenario;
        var onset = result.OnsetLatencyMicros;
        var rtt = DistributionStats.Of(run.RoundTripsMilliseconds);
        var checks = new List<LoopbackCheck>
        {
            new("tones played", result.Tones, run.PulsesRequested, "tones", result.Tones == run.PulsesRequested),
            new("tones not heard", result.Unheard.Count, thresholds.MaxMissedEdges, "tones", result.Unheard.Count <= thresholds.MaxMissedEdges),
            new("extra edges", result.ExtraEdges, thresholds.MaxExtraEdges, "edges", result.ExtraEdges <= thresholds.MaxExtraEdges),
            new("tone onset latency p99", Nullable(onset.P99), thresholds.ToneOnsetLatencyP99Micros, "µs", onset.Count > 0 && onset.P99 <= thresholds.ToneOnsetLatencyP99Micros),
            new("tone duration error |max|", result.DurationErrorAbsMaxMicros, thresholds.ToneDurationErrorMaxMicros, "µs",
                result.DurationErrorAbsMaxMicros is { } e && e <= thresholds.ToneDurationErrorMaxMicros),
            RoundTrip(rtt, thresholds),
        };
        var (verdict, message) = Verdict(run, checks, result.Tones > 0 && result.Heard.Count == 0 && run.InputEdges.Count == 0,
            $"no edges came back on {scenario.InputName} while the tone output played {result.Tones} tones: is the fixture between {scenario.OutputName} and {scenario.InputName}, the speaker unplugged? ({scenario.Wiring})",
            () => string.Create(CultureInfo.InvariantCulture,
                $"every check passed: {result.Heard.Count} of {result.Tones} tones heard, onset latency median {onset.Median:0.#} µs, p99 {onset.P99:0.#} µs, largest duration error {result.DurationErrorAbsMaxMicros:0} µs"));
        var frequencies = result.Heard.Where(h => h.FrequencyHz is not null).Select(h => h.FrequencyHz!.Value).ToList();
        var leg = new ToneLegReport(scenario.ToneFrequencyHz, commanded, result.Tones, result.Heard.Count, result.ExtraEdges, onset, result.DurationErrorMicros,
            result.DurationErrorAbsMaxMicros, frequencies.Count == 0 ? null : DistributionStats.Of(frequencies).Median, result.Heard.Select(h => h.DurationErrorMicros).ToList());
        return Report(run, thresholds, checks, verdict, message, rtt, onset, result.Heard.Select(h => h.OnsetLatencyMicros).ToList()) with
        {
            Tone = leg,
            PulsesPlayed = result.Tones,
            MatchedEdges = result.Heard.Count,
            MissedEdges = result.Unheard.Count,
            ExtraEdges = result.ExtraEdges,
            DelayLimitMicros = thresholds.ToneOnsetLatencyP99Micros,
        };
    }

    /// <summary>The report's text lines for a leg (after the date and wiring).</summary>
    internal static void AppendText(LoopbackReport r, StringBuilder s, CultureInfo c)
    {
        if (r.Display is { } d)
        {
            s.AppendLine(c, $"  frames        {d.Frames} drawn at {d.RefreshHz:0.#} Hz{(r.StoppedEarly ? " (stopped early)" : "")}: {d.Displayed} seen, {d.Dropped} dropped ({d.DroppedPercent:0.##} %), {d.Unobservable} unobservable, {d.Pending} pending; {d.Flips} flips, {d.UnmatchedFlips} unexplained");
            s.AppendLine(c, $"  display lat.  {Describe(d.DisplayLatencyMicros, 1000, "ms")}");
        }
        else if (r.Tone is { } t)
        {
            s.AppendLine(c, $"  tones         {t.TonesPlayed} of {t.TonesCommanded} played at {t.FrequencyHz} Hz{(r.StoppedEarly ? " (stopped early)" : "")}, {t.TonesHeard} heard, {t.ExtraEdges} extra edges; heard frequency median {t.MedianFrequencyHz:0.#} Hz");
            s.AppendLine(c, $"  onset latency {Describe(t.OnsetLatencyMicros, 1, "µs")}");
            s.AppendLine(c, $"  duration err. {Describe(t.DurationErrorMicros, 1, "µs")}, largest |error| {t.DurationErrorAbsMaxMicros:0.#} µs");
        }

        s.AppendLine(c, $"  round trip    {Describe(r.RoundTripMilliseconds, 1, "ms")} ({r.Settings.Pings} pings over MQTT)");
    }

    private static string Describe(DistributionStats d, double divisor, string unit) => d.Count == 0
        ? "no values"
        : string.Create(CultureInfo.InvariantCulture,
            $"median {d.Median / divisor:0.###} {unit}, p99 {d.P99 / divisor:0.###} {unit}, max {d.Max / divisor:0.###} {unit}, min {d.Min / divisor:0.###} {unit} (n = {d.Count})");

    private static LoopbackCheck RoundTrip(DistributionStats rtt, LoopbackThresholds thresholds) =>
        new("command round trip p99", Nullable(rtt.P99), thresholds.RoundTripP99Milliseconds, "ms", rtt.Count > 0 && rtt.P99 <= thresholds.RoundTripP99Milliseconds);

    private static (LoopbackVerdict, string) Verdict(LoopbackRunData run, List<LoopbackCheck> checks, bool nothingBack, string nothingBackMessage, Func<string> passMessage)
    {
        if (nothingBack)
        {
            return (LoopbackVerdict.NoEdges, nothingBackMessage);
        }

        if (run.Problem is not null)
        {
            return (LoopbackVerdict.Fail, run.Problem);
        }

        var failed = checks.Where(x => !x.Passed).ToList();
        if (failed.Count > 0)
        {
            var f = failed[0];
            return (LoopbackVerdict.Fail, string.Create(CultureInfo.InvariantCulture,
                $"{f.Name} is {(f.Value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "n/a")} {f.Unit}, over the limit of {f.Limit:0.###} {f.Unit} ({failed.Count} check(s) failed)"));
        }

        return (LoopbackVerdict.Pass, passMessage());
    }

    private static LoopbackReport Report(LoopbackRunData run, LoopbackThresholds thresholds, List<LoopbackCheck> checks, LoopbackVerdict verdict, string message,
        DistributionStats rtt, DistributionStats delay, IReadOnlyList<long> delays) =>
        LoopbackEvaluator.WithoutPulses(run, thresholds, checks, verdict, message, rtt, delay, delays, run.OutputEdges.Count);

    private static double? Nullable(double value) => double.IsNaN(value) ? null : value;
}
