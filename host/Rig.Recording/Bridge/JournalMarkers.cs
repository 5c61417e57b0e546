using System;
using System.Linq;
using System.Text.Json;
using Rig.Recording.Sessions;

namespace Rig.Recording.Bridge;

/// <summary>The JSON of the recorder's journal markers, and the check a task engine's marker must pass.</summary>
internal static class JournalMarkers
{
    /// <summary>A marker that is only a name (session_start, session_stop).</summary>
    public static byte[] Named(string what) => JsonSerializer.SerializeToUtf8Bytes(new { marker = what });

    /// <summary>A topic the broker would not let the bridge subscribe to (the frame topics; the device's are required).</summary>
    public static byte[] SubscriptionRefused(string topic, string reason) =>
        JsonSerializer.SerializeToUtf8Bytes(new { marker = "subscription_refused", topic, reason });

    /// <summary>The next Received record holds only the first <paramref name="kept"/> of <paramref name="bytes"/> bytes (topic cut to 256 characters).</summary>
    public static byte[] Truncated(string topic, int bytes, int kept) =>
        JsonSerializer.SerializeToUtf8Bytes(new { marker = "message_truncated", topic = topic.Length > 256 ? topic[..256] : topic, bytes, kept });

    /// <summary>Recording stopped on an unexpected failure (the exception's type and message): the session was closed after it.</summary>
    public static byte[] RecordingFailed(string failure) =>
        JsonSerializer.SerializeToUtf8Bytes(new { marker = "recording_failed", failure = failure.Length > 1024 ? failure[..1024] : failure });

    public static byte[] Rebooted(Reboot reboot) =>
        JsonSerializer.SerializeToUtf8Bytes(new { marker = "device_rebooted", previous_boot_id = reboot.Previous, boot_id = reboot.Current });

    /// <summary>The session_resume marker: the new segment's number and how the segments read back ended.</summary>
    public static byte[] Resumed(int segment, ReplayResult replayed, long nowNanos) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        marker = "session_resume",
        segment,
        records_before = replayed.JournalRecords,
        host_gap_seconds = replayed.LastHostNanos is { } last ? (nowNanos - last) / 1e9 : (double?)null,
        previous_segments = replayed.Segments.Select(e => new
        {
            segment = e.Segment,
            records = e.Records,
            torn_tail_bytes = e.TornTailBytes,
            corruption_offset = e.CorruptionOffset,
            corruption = e.Corruption,
        }).ToList(),
    });

    /// <summary>Throws unless <paramref name="json"/> is a JSON object with a "marker" field, so offline readers can tell markers apart.</summary>
    public static void Validate(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("marker", out _))
        {
            throw new ArgumentException("a journal marker is a JSON object with a \"marker\" field", nameof(json));
        }
    }
}
