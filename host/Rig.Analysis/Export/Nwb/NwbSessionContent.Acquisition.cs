using System;
using System.Collections.Generic;
using System.Linq;
using PureHDF;

namespace Rig.Analysis.Export.Nwb;

/// <summary>/acquisition: what the rig measured, each as a TimeSeries with one timestamp per value.</summary>
internal sealed partial class NwbSessionContent
{
    public const string WheelSeries = "wheel", LickSeries = "licks", ValveSeries = "valve_openings", CueSeries = "cue_tones",
        FrameEdgeSeries = "frame_clock_edges", ImagingFrameSeries = "imaging_frame_times", VrFrameSeries = "vr_frames";

    private void WriteAcquisition(EventSeries? events)
    {
        var acquisition = (H5Group)File["acquisition"];
        var licks = _s.Tables.Licks.OrderBy(l => l.DeviceMicros).ToList();
        Add(acquisition, LickSeries, licks.Count, () => NwbNodes.TimeSeries("TimeSeries",
            "Lick onsets (debounced lick sensor); data is 1 per onset. The task tables' licks, as the other exports.",
            licks.Select(_ => (byte)1).ToArray(), licks.Select(l => Seconds(l.HostNanos, l.DeviceMicros)).ToArray(), "lick onset"));

        var frames = _s.Tables.Frames.OrderBy(f => f.Frame).ToList();
        Add(acquisition, ImagingFrameSeries, frames.Count, () => NwbNodes.TimeSeries("TimeSeries",
            "Imaging frame times: data is the 0-based imaging frame of the session (counted across acquisitions, as suite2p numbers the frames it is given), timestamps its frame-clock edge. Join suite2p output by frame index.",
            frames.Select(f => f.Frame).ToArray(), frames.Select(f => Seconds(f.HostNanos, f.DeviceMicros)).ToArray(), "frame index"));

        if (events is not null)
        {
            AddEvents(acquisition, WheelSeries, events.Wheel, "Wheel encoder samples: cumulative signed count since the controller's boot.", "counts");
            AddEvents(acquisition, ValveSeries, events.ValveOpenings,
                "Water valve openings; data is the commanded open time (µs, converted to seconds by conversion).", "seconds", 1e-6);
            AddEvents(acquisition, CueSeries, events.CueTones, "Cue tone starts; data is the tone frequency.", "Hz");
            AddEvents(acquisition, FrameEdgeSeries, events.FrameEdges,
                "Imaging frame-clock rising edges as the controller saw them; data is the frame index counted since the controller's boot.", "frame index");
        }

        WriteVrFrames(acquisition);
    }

    private void AddEvents(H5Group parent, string name, List<DeviceEvent> rows, string description, string unit, double conversion = 1.0) =>
        Add(parent, name, rows.Count, () => NwbNodes.TimeSeries("TimeSeries", description, rows.Select(r => r.Value).ToArray(),
            rows.Select(r => Seconds(r.HostNanos, r.DeviceMicros)).ToArray(), unit, conversion));

    private void WriteVrFrames(H5Group acquisition)
    {
        if (_s.ReadVrFrames() is not { Count: > 0 } vr)
        {
            return;
        }

        // A frame's time is its flip, seen by the photodiode on the controller's clock; frames without one were never seen on screen.
        var shown = vr.Where(f => f.FlipDeviceMicros is not null).ToList();
        if (shown.Count < vr.Count)
        {
            _notes.Add($"{vr.Count - shown.Count} of {vr.Count} rendered VR frame(s) have no photodiode flip (dropped, repeated or unobservable): not in {VrFrameSeries}");
        }

        Add(acquisition, VrFrameSeries, shown.Count, () => NwbNodes.TimeSeries("TimeSeries",
            "VR frames on screen: data is the renderer's frame id, timestamps the photodiode flip that showed it (derived/vr_frames.csv).",
            shown.Select(f => f.Frame).ToArray(), shown.Select(f => Seconds(f.FlipHostNanos, f.FlipDeviceMicros!.Value)).ToArray(), "frame id"));
    }

    // An empty series is left out (and noted): a zero-length dataset says nothing a missing one does not.
    private void Add(H5Group parent, string name, int count, Func<H5Group> series)
    {
        if (count == 0)
        {
            _notes.Add($"no {name} in the session: {name} not written");
            return;
        }

        parent[name] = series();
    }
}
