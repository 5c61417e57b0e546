using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Rig.Host.Decoding;
using Rig.Protocol;

namespace Rig.Host.Alignment;

/// <summary>What an alignment export wrote.</summary>
public sealed record AlignmentSummary(string Folder, long Events, long Frames, int Acquisitions, int InferredFrameEdges, int DroppedFrameEdges,
    long EventsWithHostTime, long EventsInFrames);

/// <summary>
/// Derived tables of a session, rebuilt from its journal alone: every event with its host time (and uncertainty) and
/// its imaging frame (and the fraction within it), and one row per imaging frame with the behaviour latched in it
/// (licks, encoder count and movement, reward). Frames and events share the device clock, so frame assignment needs no
/// clock map; host times come from the boot's clock map. Written as CSV into a new folder, never over an existing one.
/// </summary>
public static class SessionAlignment
{
    public const string EventsFile = "aligned_events.csv";
    public const string FramesFile = "frames.csv";

    /// <summary>Re-decodes <paramref name="sessionFolder"/> and writes the tables into <paramref name="outputFolder"/>, which must not exist.</summary>
    public static AlignmentSummary Export(string sessionFolder, string outputFolder)
    {
        outputFolder = Path.GetFullPath(outputFolder);
        if (Directory.Exists(outputFolder) || File.Exists(outputFolder))
        {
            throw new IOException($"'{outputFolder}' already exists; derived tables are written into a new folder and never over earlier ones");
        }

        var collector = new Collector();
        var replay = SessionReplay.Decode(sessionFolder, collector, out var decoder);
        Directory.CreateDirectory(outputFolder);
        long events = 0, withHost = 0, inFrames = 0, frames = 0;
        int acquisitions = 0, inferred = 0, dropped = 0;
        var c = CultureInfo.InvariantCulture;
        using var eventsOut = new StreamWriter(new FileStream(Path.Combine(outputFolder, EventsFile), FileMode.CreateNew), new UTF8Encoding(false));
        using var framesOut = new StreamWriter(new FileStream(Path.Combine(outputFolder, FramesFile), FileMode.CreateNew), new UTF8Encoding(false));
        eventsOut.WriteLine("boot_id,seq,kind,channel,value,device_us,host_ns,host_uncertainty_us,frame,frame_fraction");
        framesOut.WriteLine("boot_id,frame,acquisition,device_us,host_ns,licks,encoder_count,movement_counts,reward");
        foreach (var (boot, list) in collector.ByBoot)
        {
            list.Sort((a, b) => a.Record.DeviceMicros.CompareTo(b.Record.DeviceMicros));
            var clock = decoder.ClockOf(boot);
            var timeline = FrameTimeline.Build(list.Where(e => e.Record.Kind == EventKind.Frame && e.Record.Channel == 0).Select(e => e.Record.DeviceMicros));
            acquisitions += timeline.Acquisitions.Count;
            inferred += timeline.InferredEdges;
            dropped += timeline.DroppedEdges;
            foreach (var (seq, r) in list)
            {
                var host = clock?.ToHost(r.DeviceMicros);
                var frame = timeline.Locate(r.DeviceMicros);
                events++;
                withHost += host is null ? 0 : 1;
                inFrames += frame is null ? 0 : 1;
                eventsOut.WriteLine(string.Create(c, $"{boot},{seq},{EventKinds.Name(r.Kind)},{r.Channel},{r.Value},{r.DeviceMicros},{(host is { } h ? h.HostNanos.ToString("0", c) : "")},{(host is { } u ? u.UncertaintyMicros.ToString("0.0", c) : "")},{(frame is { } f ? f.Frame.ToString(c) : "")},{(frame is { } g ? g.Fraction.ToString("0.0000", c) : "")}"));
            }

            frames += WriteFrames(framesOut, boot, list, timeline, clock);
        }

        return new AlignmentSummary(outputFolder, events, frames, acquisitions, inferred, dropped, withHost, inFrames);
    }

    // One row per frame: what happened from its edge to the next (licks: onsets; reward: a valve opening), the wheel
    // count at its edge (the latest sample at or before it) and the movement since the previous frame's edge.
    private static long WriteFrames(StreamWriter output, uint boot, List<(ulong Seq, EventRecord Record)> events, FrameTimeline timeline, Sync.ClockMap? clock)
    {
        var c = CultureInfo.InvariantCulture;
        var all = timeline.AllFrames().ToList();
        int e = 0;
        long encoder = 0;
        bool haveEncoder = false;
        long previousCount = 0;
        for (int i = 0; i < all.Count; i++)
        {
            var (frame, acquisition, edge) = all[i];
            // The last frame of an acquisition spans one period, exactly as FrameTimeline.Locate places events in it, so
            // the licks latched here are the licks the events table puts in this frame.
            double period = timeline.Acquisitions[acquisition].PeriodMicros;
            ulong end = i + 1 < all.Count && all[i + 1].Acquisition == acquisition ? all[i + 1].EdgeMicros
                : double.IsNaN(period) ? edge : (ulong)Math.Ceiling(edge + period);
            while (e < events.Count && events[e].Record.DeviceMicros <= edge)
            {
                if (events[e].Record.Kind == EventKind.Encoder)
                {
                    encoder = events[e].Record.Value;
                    haveEncoder = true;
                }

                e++;
            }

            int licks = 0;
            bool reward = false;
            for (int k = e; k < events.Count && events[k].Record.DeviceMicros < end; k++)
            {
                var r = events[k].Record;
                licks += r.Kind == EventKind.Lick && r.Value == 1 ? 1 : 0;
                reward |= r.Kind == EventKind.Valve && r.Value > 0;
            }

            long movement = i == 0 || all[i - 1].Acquisition != acquisition ? 0 : encoder - previousCount;
            previousCount = encoder;
            var host = clock?.ToHost(edge);
            output.WriteLine(string.Create(c, $"{boot},{frame},{acquisition},{edge},{(host is { } h ? h.HostNanos.ToString("0", c) : "")},{licks},{(haveEncoder ? encoder.ToString(c) : "")},{movement},{(reward ? 1 : 0)}"));
        }

        return all.Count;
    }

    private sealed class Collector : IEventSink
    {
        public Dictionary<uint, List<(ulong Seq, EventRecord Record)>> ByBoot { get; } = [];

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
            if (!ByBoot.TryGetValue(bootId, out var list))
            {
                list = [];
                ByBoot[bootId] = list;
            }

            for (int i = 0; i < records.Length; i++)
            {
                list.Add((firstEventSeq + (ulong)i, records[i]));
            }
        }
    }
}
