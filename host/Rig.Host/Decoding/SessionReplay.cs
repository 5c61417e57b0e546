using System.IO;
using System.Text.Json;
using Rig.Host.Bridge;
using Rig.Host.Journal;

namespace Rig.Host.Decoding;

/// <summary>A session re-decoded from its journal alone.</summary>
/// <param name="TornTailBytes">Bytes of an incomplete last record (a crash mid-write); the records before it are all decoded.</param>
/// <param name="CorruptionOffset">Where the journal stops being readable (CRC mismatch), or null.</param>
public sealed record ReplayResult(string Folder, SessionHeader Header, SessionCounts Counts, long JournalRecords,
    long TornTailBytes, long? CorruptionOffset, string? CorruptionReason);

/// <summary>
/// Offline decoding: reads a session folder's header and journal and runs the same <see cref="SessionDecoder"/>
/// the live bridge ran, so the counts can be compared with the live summary.
/// </summary>
public static class SessionReplay
{
    public static ReplayResult Decode(string folder, IEventSink? sink = null) => Decode(folder, sink, out _);

    /// <summary>As <see cref="Decode(string, IEventSink?)"/>, handing back the decoder for what it holds beyond the counts (clock maps).</summary>
    public static ReplayResult Decode(string folder, IEventSink? sink, out SessionDecoder decoder)
    {
        folder = Path.GetFullPath(folder);
        string headerPath = Path.Combine(folder, SessionRecorder.HeaderFile);
        if (!File.Exists(headerPath))
        {
            throw new FileNotFoundException($"'{folder}' is not a session folder: {SessionRecorder.HeaderFile} is missing", headerPath);
        }

        SessionHeader header;
        using (var stream = File.OpenRead(headerPath))
        {
            header = JsonSerializer.Deserialize<SessionHeader>(stream, SessionRecorder.Json)
                ?? throw new JournalFormatException($"{headerPath}: empty session header");
        }

        decoder = new SessionDecoder(header.RigId, sink, RewardVolumes.For(header.Calibration));
        using var reader = JournalReader.Open(Path.Combine(folder, SessionRecorder.JournalFile));
        while (reader.TryRead(out var record))
        {
            decoder.Process(record);
        }

        return new ReplayResult(folder, header, decoder.Summarize(), reader.RecordCount, reader.TornTailBytes,
            reader.CorruptionOffset, reader.CorruptionReason);
    }
}
