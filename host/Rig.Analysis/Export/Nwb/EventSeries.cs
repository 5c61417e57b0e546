using System.Collections.Generic;
using Rig.Protocol;

namespace Rig.Analysis.Export.Nwb;

/// <summary>One device event the NWB file keeps: device time, clock-map host time (null without a map), value and the map's uncertainty there.</summary>
internal readonly record struct DeviceEvent(ulong DeviceMicros, long? HostNanos, long Value, double? UncertaintyMicros);

/// <summary>
/// The device events of derived/aligned_events.csv the NWB file writes as acquisition series, read in one pass: wheel
/// samples, frame-clock edges, valve openings, cue-tone starts, and the lick onsets' uncertainty (the licks themselves
/// come from the task tables, which the other exports use too).
/// </summary>
internal sealed class EventSeries
{
    public List<DeviceEvent> Wheel { get; } = [];

    public List<DeviceEvent> FrameEdges { get; } = [];

    public List<DeviceEvent> ValveOpenings { get; } = [];

    public List<DeviceEvent> CueTones { get; } = [];

    /// <summary>Lick onsets by device µs (to join the task tables' licks).</summary>
    public Dictionary<ulong, DeviceEvent> LickOnsets { get; } = [];

    public SortedSet<uint> BootIds { get; } = [];

    /// <summary>Every event read, of any kind.</summary>
    public long Count { get; private set; }

    /// <summary>The session's aligned events, or null when it has none.</summary>
    public static EventSeries? Read(ExportSession session)
    {
        if (session.ReadAlignedEvents() is not { } rows)
        {
            return null;
        }

        var series = new EventSeries();
        foreach (var e in rows)
        {
            series.Count++;
            series.BootIds.Add(e.BootId);
            var ev = new DeviceEvent(e.DeviceMicros, e.HostNanos, e.Value, e.HostUncertaintyMicros);
            switch (e.Kind)
            {
                case EventKind.Encoder:
                    series.Wheel.Add(ev);
                    break;
                case EventKind.Frame:
                    series.FrameEdges.Add(ev);
                    break;
                case EventKind.Valve when e.Value > 0: // value 0 is the closing
                    series.ValveOpenings.Add(ev);
                    break;
                case EventKind.Tone when e.Value > 0: // value 0 is the tone's end
                    series.CueTones.Add(ev);
                    break;
                case EventKind.Lick when e.Value == 1: // onsets; 0 is the offset
                    series.LickOnsets.TryAdd(e.DeviceMicros, ev);
                    break;
                default:
                    break;
            }
        }

        return series;
    }
}
