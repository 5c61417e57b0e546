using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Sync;

namespace Rig.Experiment.Alignment;

/// <summary>
/// Imaging frames on the device clock, built from the frame-clock rising edges the device captured. The scanner's
/// period is steady within an acquisition, so a gap of about n periods is n-1 missed edges (filled in), an edge far
/// sooner than a period is an extra one (dropped), and a long gap is the end of an acquisition. Since events and
/// frame edges share the device clock, assigning an event to a frame needs no clock map at all. The numbering is
/// <see cref="FrameNumbering"/>'s, the one the live alignment in the decoder uses, fed every edge in device order.
/// </summary>
public sealed class FrameTimeline
{
    private readonly FrameNumbering _numbering;
    private readonly IReadOnlyList<FrameAcquisition> _acquisitions;

    /// <summary>The timeline of a finished numbering (the decoder's live alignment, for one boot).</summary>
    public FrameTimeline(FrameNumbering numbering)
    {
        _numbering = numbering;
        _acquisitions = numbering.Acquisitions;
    }

    public IReadOnlyList<FrameAcquisition> Acquisitions => _acquisitions;

    /// <summary>Frames in the session, inferred ones included.</summary>
    public long Frames => _acquisitions.Sum(a => a.Frames);

    public int InferredEdges => _acquisitions.Sum(a => a.InferredEdges);

    public int DroppedEdges => _acquisitions.Sum(a => a.DroppedEdges);

    /// <summary>Builds the timeline from rising-edge times (device µs, any order).</summary>
    public static FrameTimeline Build(IEnumerable<ulong> edgeMicros, FrameTimelineOptions? options = null)
    {
        var numbering = new FrameNumbering(options);
        foreach (ulong edge in edgeMicros.Order())
        {
            numbering.AddEdge(edge);
        }

        numbering.Finish();
        return new FrameTimeline(numbering);
    }

    /// <summary>Every frame of the session in order: its number, its acquisition, and its edge (inferred edges included).</summary>
    public IEnumerable<(long Frame, int Acquisition, ulong EdgeMicros)> AllFrames() => _numbering.AllFrames();

    /// <summary>
    /// The frame a device time falls in, or null before the first edge of an acquisition or after the last frame
    /// of one (scanner stopped). The last frame of an acquisition ends one period after its edge.
    /// </summary>
    public FramePosition? Locate(ulong deviceMicros) => _numbering.Locate(deviceMicros);
}
