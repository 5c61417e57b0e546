using System.Collections.Generic;
using System.Linq;
using PureHDF;

namespace Rig.Analysis.Export.Nwb;

/// <summary>
/// /processing/timing: the provenance of every time in the file. NWB's TimeSeries has no per-timestamp uncertainty, so
/// each event series gets a companion series here with the clock map's uncertainty at each of its timestamps, and the
/// distance of each clock-map host time from the device→host line the file's times come from.
/// </summary>
internal sealed partial class NwbSessionContent
{
    public const string TimingModule = "timing", ResidualSeries = "clock_fit_residuals", UncertaintySuffix = "_time_uncertainty";

    private void WriteTiming(EventSeries? events)
    {
        var children = new List<KeyValuePair<string, H5Group>>();
        var mapped = _s.Tables.Frames.Where(f => f.HostNanos is not null).Select(f => (f.DeviceMicros, Host: f.HostNanos!.Value))
            .Concat(_s.Tables.Licks.Where(l => l.HostNanos is not null).Select(l => (l.DeviceMicros, Host: l.HostNanos!.Value)))
            .Concat(_s.Tables.Trials.Where(t => t.StartHostNanos is not null).Select(t => (DeviceMicros: t.StartDeviceMicros, Host: t.StartHostNanos!.Value)))
            .OrderBy(p => p.DeviceMicros).ToList();
        if (mapped.Count > 0)
        {
            children.Add(new(ResidualSeries, NwbNodes.TimeSeries("TimeSeries",
                "Clock-map host time minus the session's device→host line (the line every time in this file comes from), at each frame edge, lick and trial start with a clock-map time; data in ns (conversion 1e-9).",
                mapped.Select(p => p.Host - _s.HostNanos(p.Host, p.DeviceMicros)).ToArray(),
                mapped.Select(p => _s.SecondsSinceStart(_s.HostNanos(p.Host, p.DeviceMicros))).ToArray(), "seconds", 1e-9)));
        }

        if (events is not null)
        {
            var licks = _s.Tables.Licks.OrderBy(l => l.DeviceMicros).ToList();
            int unmatched = licks.Count(l => !events.LickOnsets.ContainsKey(l.DeviceMicros));
            if (unmatched > 0)
            {
                _notes.Add($"{unmatched} lick(s) of the task tables have no onset in aligned_events.csv: their time uncertainty is NaN");
            }

            Uncertainty(children, LickSeries, licks.Select(l => events.LickOnsets.TryGetValue(l.DeviceMicros, out var e)
                ? e with { HostNanos = l.HostNanos } : new DeviceEvent(l.DeviceMicros, l.HostNanos, 0, null)).ToList());
            Uncertainty(children, WheelSeries, events.Wheel);
            Uncertainty(children, ValveSeries, events.ValveOpenings);
            Uncertainty(children, CueSeries, events.CueTones);
            Uncertainty(children, FrameEdgeSeries, events.FrameEdges);
        }

        if (children.Count > 0)
        {
            ((H5Group)File["processing"])[TimingModule] = NwbNodes.Container("ProcessingModule",
                "Timing provenance: the clock map's uncertainty at each event of acquisition/ and each clock-map time's residual from the session's device→host line", children);
        }
    }

    private void Uncertainty(List<KeyValuePair<string, H5Group>> children, string series, List<DeviceEvent> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // The acquisition series' own timestamps dataset, linked rather than written twice.
        var timestamps = (H5Dataset)((H5Group)((H5Group)File["acquisition"])[series])["timestamps"];
        children.Add(new(series + UncertaintySuffix, NwbNodes.TimeSeries("TimeSeries",
            $"The clock map's uncertainty at each timestamp of acquisition/{series} (its timestamps, linked); data in µs (conversion 1e-6), NaN where the boot has no clock map.",
            rows.Select(r => r.UncertaintyMicros ?? double.NaN).ToArray(), timestamps, "seconds", 1e-6)));
    }
}
