using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Sync;

namespace Rig.Recording.Decoding;

/// <summary>
/// The VR frames of a session as <see cref="SessionDecoder"/> counts them (summary.json's <c>vr</c>): frame messages, their
/// ids, Gimbl's frame reports, and what the photodiode says about each frame. Identical live and re-decoded.
/// </summary>
/// <param name="FramesReceived">Frame messages read, duplicates included.</param>
/// <param name="RepeatedFrameIds">Messages whose frame id had already arrived in the same renderer run (a redelivery): not counted again.</param>
/// <param name="FrameIdGaps">Frame ids missing between the lowest and highest of each run: frames drawn whose messages never arrived.</param>
/// <param name="RendererRuns">Renderer runs seen (frame ids restart at 0 when a renderer restarts).</param>
/// <param name="MalformedFrames">Frame messages that could not be read, by the field at fault; journaled, never decoded.</param>
/// <param name="GimblFrames">Gimbl/Frame messages: no frame id, so never matched to the photodiode (docs/vr.md).</param>
/// <param name="Rendered">Distinct frames drawn: displayed + dropped + unobservable + unverified + pending.</param>
/// <param name="Repeated">Displayed frames left on screen for more refreshes than the frames after them explain.</param>
/// <param name="Pending">Frames not decided yet: non-zero only while recording or for a session that never closed.</param>
/// <param name="Unexplained">Frame id gaps plus unmatched flips: what no frame message or flip accounts for. Zero when everything is accounted for.</param>
/// <param name="MotionToPhotonMedianMicros">Flip device µs − the drawn scene's device µs over displayed frames.</param>
/// <param name="DisplayLatencyMedianMicros">Flip host ns − render host ns over displayed frames, µs.</param>
public sealed record VrFrameCounts(
    long FramesReceived,
    long RepeatedFrameIds,
    long FrameIdGaps,
    int RendererRuns,
    IReadOnlyDictionary<string, long> MalformedFrames,
    IReadOnlyList<string> MalformedExamples,
    long GimblFrames,
    long Rendered,
    long Displayed,
    long Dropped,
    long Unobservable,
    long Unverified,
    long Repeated,
    long Pending,
    long PhotodiodeFlips,
    long UnmatchedFlips,
    long Unexplained,
    double? MotionToPhotonMedianMicros,
    double? MotionToPhotonP99Micros,
    double? MotionToPhotonMaxMicros,
    double? DisplayLatencyMedianMicros,
    double? DisplayLatencyP99Micros);

/// <summary>
/// The decoder's books of VR frames: reads each frame message (<see cref="VrFrameMessage.Read"/>), counts ids, repeats, gaps
/// and malformed messages, and feeds the <see cref="LivePhotodiodeMatcher"/> frames and photodiode edges.
/// </summary>
internal sealed class VrFrameBook
{
    private readonly LivePhotodiodeMatcher _matcher;
    private readonly List<SeqRangeSet> _runs = [];
    private readonly Dictionary<string, long> _malformed = [];
    private readonly List<string> _malformedExamples = [];
    private long _lastRenderNanos = long.MinValue;
    private long _received;
    private long _repeated;
    private long _gimbl;

    /// <param name="arrivedBefore">Whether every batch of a boot below a batch number has arrived or is known gone (flips wait for it).</param>
    public VrFrameBook(Func<uint, ClockMap?> clocks, IVrFrameSink? sink, Func<uint, uint, bool> arrivedBefore)
    {
        _matcher = new LivePhotodiodeMatcher(clocks, sink is null ? null : sink.OnVrFrame, arrivedBefore: arrivedBefore);
    }

    /// <summary>Whether anything VR has been seen (else the summary leaves the section out).</summary>
    public bool Active { get; private set; }

    public void OnFrame(ReadOnlySpan<byte> payload, long hostNanos, uint? bootId)
    {
        Active = true;
        VrFrameMessage frame;
        try
        {
            frame = VrFrameMessage.Read(payload);
        }
        catch (VrFrameFormatException e)
        {
            _malformed[e.Field] = _malformed.GetValueOrDefault(e.Field) + 1;
            if (_malformedExamples.Count < 10)
            {
                _malformedExamples.Add(e.Message);
            }

            return;
        }

        _received++;
        ulong id = (ulong)frame.FrameId;
        // A renderer restart numbers from 0 again, after the frames it drew before; a redelivered old frame 0 renders earlier.
        if (_runs.Count == 0 || (id == 0 && _runs[^1].End > 1 && frame.RenderNanos > _lastRenderNanos))
        {
            _runs.Add(new SeqRangeSet());
        }

        var run = _runs[^1];
        if (run.Contains(id))
        {
            _repeated++;
            return;
        }

        run.Add(id, 1);
        _lastRenderNanos = Math.Max(_lastRenderNanos, frame.RenderNanos);
        _matcher.OnFrame(_runs.Count - 1, frame, hostNanos, bootId);
    }

    public void OnGimblFrame()
    {
        Active = true;
        _gimbl++;
    }

    public void OnFlip(uint bootId, uint batchSeq, ulong eventSeq, ulong deviceMicros, long level, long hostNanos)
    {
        Active = true;
        _matcher.OnFlip(bootId, batchSeq, eventSeq, deviceMicros, level, hostNanos);
    }

    public void Pump(long hostNanos) => _matcher.Pump(hostNanos);

    public void Finish(long hostNanos) => _matcher.Finish(hostNanos);

    public VrFrameCounts Summarize()
    {
        var m = _matcher;
        long gaps = _runs.Sum(r => (long)(r.End - r.Min - r.Total));
        double[] mtp = [.. m.MotionToPhotonMicros.Order()];
        double[] latency = [.. m.DisplayLatencyMicros.Order()];
        long unmatched = m.UnmatchedFlips;
        return new VrFrameCounts(
            FramesReceived: _received,
            RepeatedFrameIds: _repeated,
            FrameIdGaps: gaps,
            RendererRuns: _runs.Count,
            MalformedFrames: new SortedDictionary<string, long>(_malformed, StringComparer.Ordinal),
            MalformedExamples: [.. _malformedExamples],
            GimblFrames: _gimbl,
            Rendered: m.Displayed + m.Dropped + m.Unobservable + m.Unverified + m.PendingFrames,
            Displayed: m.Displayed,
            Dropped: m.Dropped,
            Unobservable: m.Unobservable,
            Unverified: m.Unverified,
            Repeated: m.Repeated,
            Pending: m.PendingFrames,
            PhotodiodeFlips: m.Flips,
            UnmatchedFlips: unmatched,
            Unexplained: gaps + unmatched,
            MotionToPhotonMedianMicros: Median(mtp),
            MotionToPhotonP99Micros: P99(mtp),
            MotionToPhotonMaxMicros: mtp.Length == 0 ? null : mtp[^1],
            DisplayLatencyMedianMicros: Median(latency),
            DisplayLatencyP99Micros: P99(latency));
    }

    private static double? Median(double[] sorted) => SortedStats.Median(sorted);

    private static double? P99(double[] sorted) => SortedStats.P99(sorted);
}

/// <summary>The statistics the VR summaries report, one definition for the live counts and the derivation.</summary>
public static class SortedStats
{
    /// <summary>The median of sorted values (the upper one of an even count), or null for none.</summary>
    public static double? Median(double[] sorted) => sorted is null || sorted.Length == 0 ? null : sorted[sorted.Length / 2];

    /// <summary>The 99th percentile of sorted values (the value at rank ⌊0.99 n⌋, 0-based), or null for none.</summary>
    public static double? P99(double[] sorted) => sorted is null || sorted.Length == 0 ? null : sorted[(int)Math.Min(sorted.Length - 1, sorted.Length * 0.99)];
}
