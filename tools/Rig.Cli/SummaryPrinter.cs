using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Rig.Recording.Decoding;
using Rig.Recording;

namespace Rig.Cli;

/// <summary>The summary a command prints: a table for people, or JSON (--json) for scripts.</summary>
internal static class SummaryPrinter
{
    public static JsonSerializerOptions Json => RigJson.Files;

    public static void PrintJson(TextWriter output, object summary) => output.WriteLine(JsonSerializer.Serialize(summary, Json));

    /// <param name="virtualSpeed">The speed of a virtual rig's clock (rig demo's --speed), or null on real time: the round trip
    /// is then in virtual milliseconds, which at --speed 0 or 60 say nothing about a network, and is labelled so.</param>
    public static void PrintCounts(TextWriter output, string title, SessionCounts counts, IEnumerable<(string Key, string Value)> extra, double? virtualSpeed = null)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(title);
        var rows = new List<(string, string)>();
        rows.AddRange(extra);
        rows.Add(("licks (onsets)", counts.Licks.ToString("N0", c)));
        foreach (var (kind, n) in counts.EventsByKind.Where(k => k.Value > 0))
        {
            rows.Add(($"events: {kind}", n.ToString("N0", c)));
        }

        rows.Add(("events total", counts.EventsTotal.ToString("N0", c)));
        rows.Add(("batches received", $"{counts.BatchesReceived.ToString("N0", c)} ({counts.DuplicateBatches} duplicate, {counts.ResentBatches} resent)"));
        rows.Add(("resend requests", counts.ResendRequests.ToString(c)));
        rows.Add(("missing batches", counts.MissingBatches.ToString(c)));
        rows.Add(("unexplained missing events", counts.UnexplainedMissingEvents.ToString(c)));
        rows.Add(("events dropped on device (counted)", counts.DeviceLostEvents.ToString(c)));
        if (counts.MalformedMessages.Count > 0)
        {
            rows.Add(("malformed messages", string.Join(", ", counts.MalformedMessages.Select(m => $"{m.Key} {m.Value}"))));
        }

        if (counts.SuspiciousMessages.Count > 0)
        {
            // Well-formed but not the session's device, or implausible: journaled, never counted as data (docs/security.md).
            rows.Add(("suspicious messages (set aside)", string.Join(", ", counts.SuspiciousMessages.Select(m => $"{m.Key} {m.Value}"))));
        }

        if (counts.LastStatus is { BufferSeconds: > 0 } status)
        {
            // The device's own figure (status buffer_s): how long a link outage it rides out without losing an event.
            rows.Add(("device buffer", $"{status.BufferSeconds.ToString(c)} s of events at 1,000 events/s with the link down (firmware {status.FirmwareVersion})"));
        }

        if (counts.AckRoundTripMedianMs is { } median)
        {
            string figures = $"median {median.ToString("0.0", c)} ms, max {counts.AckRoundTripMaxMs!.Value.ToString("0.0", c)} ms";
            rows.Add(virtualSpeed is { } speed and not 1
                ? ("command round trip (virtual time)", figures + $" of the virtual clock at --speed {(speed == 0 ? "0 (as fast as possible)" : speed.ToString(c))}: not a network figure (rig loopback measures it)")
                : ("command round trip", figures));
        }

        if (counts.Alignment is { } a)
        {
            rows.Add(("aligned live", $"{a.Aligned.ToString(c)} events, {a.Settled.ToString(c)} settled, {a.Frames.ToString(c)} imaging frames" +
                (a.LateFrameEdges + a.BatchesWaitedOut > 0 ? $", late frame edges {a.LateFrameEdges.ToString(c)}, batches waited out {a.BatchesWaitedOut.ToString(c)}" : "")
                + (a.SettledEarly > 0 ? $", settled before their fit was final {a.SettledEarly.ToString(c)}" : "")));
        }

        if (counts.Vr is { } vr)
        {
            AddVr(rows, vr);
        }

        int width = rows.Max(r => r.Item1.Length);
        foreach (var (key, value) in rows)
        {
            output.WriteLine($"  {key.PadRight(width)}  {value}");
        }
    }

    // The VR frames and what the photodiode said about them (docs/vr.md, docs/sync.md).
    private static void AddVr(List<(string, string)> rows, VrFrameCounts vr)
    {
        var c = CultureInfo.InvariantCulture;
        rows.Add(("VR frames", $"{vr.Rendered.ToString("N0", c)} rendered: {vr.Displayed.ToString("N0", c)} displayed, {vr.Dropped.ToString(c)} dropped, "
            + $"{vr.Unobservable.ToString(c)} unobservable, {vr.Unverified.ToString(c)} unverified, {vr.Repeated.ToString(c)} repeated"
            + (vr.Pending > 0 ? $", {vr.Pending.ToString(c)} pending" : "")));
        rows.Add(("VR unexplained", $"{vr.Unexplained.ToString(c)} ({vr.FrameIdGaps.ToString(c)} frame ids never received, {vr.UnmatchedFlips.ToString(c)} of "
            + $"{vr.PhotodiodeFlips.ToString(c)} photodiode flips unmatched)"));
        if (vr.MotionToPhotonMedianMicros is { } mtp)
        {
            rows.Add(("motion-to-photon", $"median {Ms(mtp)} ms, p99 {Ms(vr.MotionToPhotonP99Micros!.Value)} ms, max {Ms(vr.MotionToPhotonMaxMicros!.Value)} ms"));
        }

        if (vr.DisplayLatencyMedianMicros is { } latency)
        {
            rows.Add(("display latency (render to photodiode)", $"median {Ms(latency)} ms, p99 {Ms(vr.DisplayLatencyP99Micros!.Value)} ms"));
        }

        if (vr.GimblFrames > 0)
        {
            rows.Add(("Gimbl frames (no frame id: not matched)", vr.GimblFrames.ToString("N0", c)));
        }

        if (vr.MalformedFrames.Count > 0)
        {
            rows.Add(("malformed frame messages", string.Join(", ", vr.MalformedFrames.Select(m => $"{m.Key} {m.Value}"))));
        }

        if (vr.RepeatedFrameIds > 0)
        {
            rows.Add(("frame messages delivered twice", vr.RepeatedFrameIds.ToString(c)));
        }

        static string Ms(double micros) => (micros / 1000).ToString("0.0", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Names every loss (event-number ranges, dropped on the device or never received), every batch still missing and every
    /// reboot, one line each, on <paramref name="output"/> (stderr): a lossy session is never reported as a bare count.
    /// </summary>
    public static void PrintLosses(TextWriter output, string command, SessionCounts counts)
    {
        var c = CultureInfo.InvariantCulture;
        if (counts.Boots.Count > 1)
        {
            output.WriteLine($"rig {command}: the device rebooted during the session: boots {string.Join(" -> ", counts.Boots.Select(b => b.BootId.ToString("x8", c)))}");
        }

        foreach (var boot in counts.Boots)
        {
            foreach (var gap in boot.Gaps)
            {
                output.WriteLine($"rig {command}: boot {boot.BootId.ToString("x8", c)}: events {gap.FirstEventSeq.ToString(c)}..{(gap.FirstEventSeq + gap.Count - 1).ToString(c)} ({gap.Count.ToString(c)}) lost: {gap.Reason}");
            }
        }

        foreach (string example in counts.Vr?.MalformedExamples ?? [])
        {
            output.WriteLine($"rig {command}: malformed VR frame message (journaled, not decoded): {example}");
        }

        if (counts.MissingBatches > 0)
        {
            output.WriteLine($"rig {command}: {counts.MissingBatches.ToString(c)} batch(es) never received ({counts.UnavailableBatches.ToString(c)} no longer held by the device)");
        }
    }
}
