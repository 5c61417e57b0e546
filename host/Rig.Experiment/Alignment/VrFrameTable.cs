using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Rig.Recording.Decoding;
using Rig.Recording.Sessions;

namespace Rig.Experiment.Alignment;

/// <summary>One rendered VR frame (derived/vr_frames.csv): what the renderer said it drew and what the photodiode saw.</summary>
/// <param name="Run">Renderer run, 0-based (frame ids restart at 0 when a renderer restarts).</param>
/// <param name="RenderNanos">Host ns the renderer submitted the frame (its clock exchange with the bridge).</param>
/// <param name="SceneMicros">Device µs of the scene state drawn (the encoder sample the host computed it from).</param>
/// <param name="Status">displayed, dropped, unobservable or unverified (docs/sync.md).</param>
/// <param name="Repeated">Displayed and left on screen for more refreshes than the frames after it explain.</param>
/// <param name="FlipDeviceMicros">The photodiode edge that showed it (displayed frames only), on the device clock of <paramref name="FlipBootId"/>.</param>
/// <param name="FlipHostNanos">That edge through the boot's clock map, fitted over the whole session, whole ns.</param>
/// <param name="DisplayLatencyMicros">Flip host − render host, µs to 0.1.</param>
/// <param name="MotionToPhotonMicros">
/// Flip device µs − scene device µs: the encoder sample's time to the frame's light, exact on the device clock. Only on the first
/// displayed frame of its scene state (<see cref="VrFrameOutcome.FirstShowingOfScene"/>): a later frame drawing the same state
/// again measures how long the state stayed current, not the motion's way to the screen.
/// </param>
public sealed record VrFrameRow(int Run, long Frame, long RenderNanos, long? SceneMicros, double? PosDm, string Wall, int Trial, VrFrameStatus Status,
    bool Repeated, uint? FlipBootId, ulong? FlipDeviceMicros, long? FlipHostNanos, double? DisplayLatencyMicros, long? MotionToPhotonMicros);

/// <summary>A session's VR frames in numbers (the derivation's summary).</summary>
/// <param name="Unexplained">Frame ids never received plus flips no frame explains (from the decoder's counts): 0 when every frame is accounted for.</param>
public sealed record VrFrameSummary(long Rendered, long Displayed, long Dropped, long Repeated, long Unobservable, long Unverified, long Unexplained,
    long GimblFrames, long MalformedFrames, double? MotionToPhotonMedianMicros, double? MotionToPhotonP99Micros, double? MotionToPhotonMaxMicros,
    double? DisplayLatencyMedianMicros, double? DisplayLatencyP99Micros);

/// <summary>The frame on screen at a device time, and how sure that is.</summary>
/// <param name="UncertaintyMicros">See <see cref="VrScreenTimeline"/>.</param>
public readonly record struct ScreenFrame(long Frame, double UncertaintyMicros);

/// <summary>
/// Which VR frame was on screen at a device time: the last frame shown at or before it. Shown means a photodiode flip (a
/// displayed frame, at its flip's device µs) or, for an unverified frame in a session where the photodiode measured the
/// display latency, its render time plus the median latency put on the device clock. Uncertainty, µs:
/// 1 for a displayed frame not followed by an unobservable one before the next flip (the edge and the event share the
/// device clock; 1 µs is its resolution); one refresh period when an unobservable frame follows it (the screen may have
/// changed at a refresh the patch could not show) and for an unverified frame placed from its render time. A session with
/// no displayed frame (no photodiode) places no frame: the latency from render to screen is unknown.
/// </summary>
public sealed class VrScreenTimeline
{
    private readonly Dictionary<uint, (ulong[] Micros, ScreenFrame[] Frames)> _byBoot;

    private VrScreenTimeline(Dictionary<uint, (ulong[] Micros, ScreenFrame[] Frames)> byBoot) => _byBoot = byBoot;

    public static VrScreenTimeline Empty { get; } = new([]);

    /// <param name="rows">Every frame, in arrival order.</param>
    /// <param name="toDevice">Host ns to device µs through a boot's clock map (null without one).</param>
    public static VrScreenTimeline Build(IReadOnlyList<VrFrameRow> rows, IReadOnlyList<uint?> rowBoots, double? medianLatencyNanos, double refreshMicros,
        Func<uint, long, double?> toDevice)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rowBoots);
        ArgumentNullException.ThrowIfNull(toDevice);
        var entries = new Dictionary<uint, List<(ulong Micros, ScreenFrame Frame)>>();
        if (medianLatencyNanos is not { } latency)
        {
            return Empty;
        }

        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row is { Status: VrFrameStatus.Displayed, FlipBootId: { } boot, FlipDeviceMicros: { } flip })
            {
                bool unseenAfter = false;
                for (int k = i + 1; k < rows.Count && rows[k].Status != VrFrameStatus.Displayed; k++)
                {
                    unseenAfter |= rows[k].Status == VrFrameStatus.Unobservable;
                }

                Add(entries, boot, flip, new ScreenFrame(row.Frame, unseenAfter ? refreshMicros : 1));
            }
            else if (row.Status == VrFrameStatus.Unverified && rowBoots[i] is { } frameBoot
                && toDevice(frameBoot, row.RenderNanos + (long)Math.Round(latency)) is { } micros && micros >= 0)
            {
                Add(entries, frameBoot, (ulong)Math.Round(micros), new ScreenFrame(row.Frame, refreshMicros));
            }
        }

        return new VrScreenTimeline(entries.ToDictionary(e => e.Key, e =>
        {
            var sorted = e.Value.OrderBy(x => x.Micros).ToArray();
            return (sorted.Select(x => x.Micros).ToArray(), sorted.Select(x => x.Frame).ToArray());
        }));
    }

    /// <summary>The frame on screen at <paramref name="deviceMicros"/> of <paramref name="bootId"/>, or null before the first.</summary>
    public ScreenFrame? At(uint bootId, ulong deviceMicros)
    {
        if (!_byBoot.TryGetValue(bootId, out var boot))
        {
            return null;
        }

        int i = Array.BinarySearch(boot.Micros, deviceMicros);
        if (i < 0)
        {
            i = ~i - 1;
        }
        else
        {
            // The last of equal times: the latest shown at that instant.
            while (i + 1 < boot.Micros.Length && boot.Micros[i + 1] == deviceMicros)
            {
                i++;
            }
        }

        return i < 0 ? null : boot.Frames[i];
    }

    private static void Add(Dictionary<uint, List<(ulong, ScreenFrame)>> entries, uint boot, ulong micros, ScreenFrame frame)
    {
        if (!entries.TryGetValue(boot, out var list))
        {
            list = [];
            entries[boot] = list;
        }

        list.Add((micros, frame));
    }
}

/// <summary>The VR frames of a session, gathered in the replay pass from the decoder's live matcher (<see cref="IVrFrameSink"/>).</summary>
public sealed class VrFrameCollector : IVrFrameSink
{
    public const string FileName = "vr_frames.csv";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly List<VrFrameOutcome> _frames = [];

    private static readonly Dictionary<string, VrFrameStatus> StatusByName = Enum.GetValues<VrFrameStatus>()
        .ToDictionary(StatusName, s => s, StringComparer.Ordinal);

    public static CsvTable<VrFrameRow> Table { get; } = new(FileName,
    [
        new("run", f => CsvCell.Of(f.Run)), new("frame", f => CsvCell.Of(f.Frame)), new("render_ns", f => CsvCell.Of(f.RenderNanos)),
        new("t_us", f => CsvCell.Of(f.SceneMicros)), new("pos_dm", f => CsvCell.Of(f.PosDm)), new("wall", f => f.Wall),
        new("trial", f => CsvCell.Of(f.Trial)), new("status", f => StatusName(f.Status)), new("repeated", f => CsvCell.Of(f.Repeated)),
        new("flip_boot_id", f => f.FlipBootId?.ToString(C) ?? ""), new("flip_device_us", f => CsvCell.Of(f.FlipDeviceMicros)),
        new("flip_host_ns", f => CsvCell.Of(f.FlipHostNanos)),
        new("display_latency_us", f => f.DisplayLatencyMicros?.ToString("0.0", C) ?? ""),
        new("motion_to_photon_us", f => CsvCell.Of(f.MotionToPhotonMicros)),
    ], r => new VrFrameRow(r.Int("run"), r.Long("frame"), r.Long("render_ns"), r.LongOrNull("t_us"), r.DoubleOrNull("pos_dm"), r.Text("wall"),
        r.Int("trial"), StatusByName.TryGetValue(r.Text("status"), out var s) ? s : throw r.Bad("status", "displayed, dropped, unobservable or unverified"),
        r.Bool("repeated"), r.Text("flip_boot_id").Length == 0 ? null : r.UInt("flip_boot_id"), r.ULongOrNull("flip_device_us"),
        r.LongOrNull("flip_host_ns"), r.DoubleOrNull("display_latency_us"), r.LongOrNull("motion_to_photon_us")));

    /// <summary>The status as the table writes it.</summary>
    public static string StatusName(VrFrameStatus status) => status.ToString().ToLowerInvariant();

    public void OnVrFrame(VrFrameOutcome frame) => _frames.Add(frame);

    /// <summary>
    /// The rows, the screen timeline and the summary, once the pass is over. Frames still waiting are decided first (a session
    /// that never closed); flip host times come from the boot's clock map over the whole session.
    /// </summary>
    public (IReadOnlyList<VrFrameRow> Rows, VrScreenTimeline Screen, VrFrameSummary? Summary) Build(SessionDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        decoder.FinishVrFrames();
        var counts = decoder.Summarize().Vr;
        var rows = new List<VrFrameRow>(_frames.Count);
        var boots = new List<uint?>(_frames.Count);
        foreach (var f in _frames)
        {
            long? flipHost = f is { FlipBootId: { } b, FlipDeviceMicros: { } d } && decoder.ClockOf(b)?.ToHost(d) is { } h
                ? long.Parse(h.HostNanos.ToString("0", C), NumberStyles.Integer, C) : null;
            double? latency = flipHost is { } fh ? double.Parse(((fh - f.RenderNanos) / 1000.0).ToString("0.0", C), NumberStyles.Float, C) : null;
            long? mtp = f is { FirstShowingOfScene: true, SceneMicros: { } scene, FlipDeviceMicros: { } flip } && f.FlipBootId == f.BootId
                ? (long)flip - scene : null;
            rows.Add(new VrFrameRow(f.Run, f.FrameId, f.RenderNanos, f.SceneMicros, f.PosDm, f.Wall, f.Trial, f.Status, f.Repeated, f.FlipBootId,
                f.FlipDeviceMicros, flipHost, latency, mtp));
            boots.Add(f.BootId);
        }

        if (counts is null)
        {
            return (rows, VrScreenTimeline.Empty, null);
        }

        double[] latencies = [.. rows.Where(r => r.DisplayLatencyMicros is not null).Select(r => r.DisplayLatencyMicros!.Value).Order()];
        double[] mtps = [.. rows.Where(r => r.MotionToPhotonMicros is not null).Select(r => (double)r.MotionToPhotonMicros!.Value).Order()];
        double refreshMicros = RefreshMicros(rows);
        var screen = VrScreenTimeline.Build(rows, boots, SortedStats.Median(latencies) * 1000, refreshMicros,
            (boot, hostNanos) => decoder.ClockOf(boot)?.ToDeviceMicros(hostNanos));
        long Count(VrFrameStatus s) => rows.Count(r => r.Status == s);
        var summary = new VrFrameSummary(rows.Count, Count(VrFrameStatus.Displayed), Count(VrFrameStatus.Dropped), rows.Count(r => r.Repeated),
            Count(VrFrameStatus.Unobservable), Count(VrFrameStatus.Unverified), counts.Unexplained, counts.GimblFrames, counts.MalformedFrames.Values.Sum(),
            SortedStats.Median(mtps), SortedStats.P99(mtps), mtps.Length == 0 ? null : mtps[^1], SortedStats.Median(latencies), SortedStats.P99(latencies));
        return (rows, screen, summary);
    }

    // The display's refresh period, µs: the median interval between flips of consecutive frame ids (60 Hz when there are none).
    private static double RefreshMicros(List<VrFrameRow> rows)
    {
        var gaps = new List<double>();
        VrFrameRow? previous = null;
        foreach (var r in rows.Where(r => r.Status == VrFrameStatus.Displayed))
        {
            if (previous is { FlipDeviceMicros: { } a } && r.FlipDeviceMicros is { } b && r.Run == previous.Run && r.Frame == previous.Frame + 1
                && r.FlipBootId == previous.FlipBootId)
            {
                gaps.Add((double)b - a);
            }

            previous = r;
        }

        gaps.Sort();
        // 60 Hz (the scene rate's default, docs/vr.md) when no two consecutive frames were both seen.
        return gaps.Count == 0 ? 16_666.7 : gaps[gaps.Count / 2];
    }
}
