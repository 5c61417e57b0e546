using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace Rig.Experiment.Vr;

/// <summary>How a run reports the VR scene publisher: its part of the progress line, the summary row and summary.json's "vr_sink" section.</summary>
public static class VrSinkReport
{
    /// <summary>The section name in summary.json.</summary>
    public const string Section = "vr_sink";

    /// <summary>"vr 1,234 sent, 0 dropped, 0 failed" (plus Gimbl's state when Gimbl is driven).</summary>
    public static string Progress(VrSinkCounts counts, GimblSessionState? gimbl)
    {
        System.ArgumentNullException.ThrowIfNull(counts);
        var c = CultureInfo.InvariantCulture;
        string line = $"vr {counts.Published.ToString("N0", c)} sent, {counts.Dropped.ToString("N0", c)} dropped, {counts.PublishFailures.ToString("N0", c)} failed";
        return gimbl is null ? line : line + (gimbl.StartConfirmed ? ", gimbl started" : ", gimbl start not confirmed");
    }

    /// <summary>The summary row: counts, and why the first refused message was refused.</summary>
    public static string Describe(VrSinkCounts counts)
    {
        System.ArgumentNullException.ThrowIfNull(counts);
        var c = CultureInfo.InvariantCulture;
        string line = $"{counts.Published.ToString("N0", c)} messages published, {counts.Dropped.ToString("N0", c)} dropped (queue full or cut at stop), {counts.PublishFailures.ToString("N0", c)} refused by the broker";
        if (counts.Queued > 0)
        {
            line += $", {counts.Queued.ToString("N0", c)} still queued";
        }

        return counts.FirstFailure is null ? line : line + $" (first: {counts.FirstFailure})";
    }

    /// <summary>summary.json's "vr_sink" section: published, dropped, failed, queued, first_failure (and gimbl's start/stop).</summary>
    public static IReadOnlyDictionary<string, JsonElement> SummarySections(VrSinkCounts counts, GimblSessionState? gimbl)
    {
        System.ArgumentNullException.ThrowIfNull(counts);
        var section = new Dictionary<string, object?>
        {
            ["published"] = counts.Published,
            ["dropped"] = counts.Dropped,
            ["failed"] = counts.PublishFailures,
            ["queued"] = counts.Queued,
            ["first_failure"] = counts.FirstFailure,
        };
        if (gimbl is not null)
        {
            section["gimbl_start_confirmed"] = gimbl.StartConfirmed;
            section["gimbl_stop_confirmed"] = gimbl.StopConfirmed;
        }

        return new Dictionary<string, JsonElement> { [Section] = JsonSerializer.SerializeToElement(section) };
    }
}
