using System.IO;
using System.Text.Json;
using Rig.Host.Bridge;
using Rig.Host.Journal;
using Rig.Protocol;

namespace Rig.Host.Decoding;

/// <summary>A session re-decoded from its journal alone.</summary>
/// <param name="TornTailBytes">Bytes of an incomplete last record (a crash mid-write); the records before it are all decoded.</param>
/// <param name="CorruptionOffset">Where the journal stops being readable (CRC mismatch), or null.</param>
/// <param name="JournalSegments">journal.rigj plus the segments of resumed runs.</param>
public sealed record ReplayResult(string Folder, SessionHeader Header, SessionCounts Counts, long JournalRecords,
    long TornTailBytes, long? CorruptionOffset, string? CorruptionReason, int JournalSegments = 1);

/// <summary>
/// Offline decoding: reads a session folder's header and journal and runs the same <see cref="SessionDecoder"/>
/// the live bridge ran, so the counts can be compared with the live summary.
/// </summary>
public static class SessionReplay
{
    public static ReplayResult Decode(string folder, IEventSink? sink = null) => Decode(folder, sink, out _);

    /// <summary>As <see cref="Decode(string, IEventSink?)"/>, handing back the decoder for what it holds beyond the counts (clock maps).</summary>
    /// <remarks>
    /// A session resumed after a bridge crash has several journal segments (<see cref="SessionRecorder.JournalSegments"/>); they
    /// are decoded in order. A torn tail or corruption ends its own segment only; the torn bytes are summed and the first
    /// corruption is reported.
    /// </remarks>
    public static ReplayResult Decode(string folder, IEventSink? sink, out SessionDecoder decoder)
    {
        folder = Path.GetFullPath(folder);
        SessionHeader header = ReadHeader(folder);
        decoder = new SessionDecoder(header.RigId, sink, RewardVolumes.For(header.Calibration));
        var segments = SessionRecorder.JournalSegments(folder);
        long records = 0;
        long torn = 0;
        long? corruptionOffset = null;
        string? corruptionReason = null;
        foreach (string segment in segments)
        {
            using var reader = JournalReader.Open(segment);
            while (reader.TryRead(out var record))
            {
                decoder.Process(record);
            }

            records += reader.RecordCount;
            torn += reader.TornTailBytes;
            if (corruptionOffset is null && reader.CorruptionOffset is not null)
            {
                corruptionOffset = reader.CorruptionOffset;
                corruptionReason = segments.Count == 1 ? reader.CorruptionReason : $"{Path.GetFileName(segment)}: {reader.CorruptionReason}";
            }
        }

        return new ReplayResult(folder, header, decoder.Summarize(), records, torn, corruptionOffset, corruptionReason, segments.Count);
    }

    /// <summary>Reads a session folder's header (session.json); throws <see cref="FileNotFoundException"/> when the folder is not a session.</summary>
    public static SessionHeader ReadHeader(string folder)
    {
        string headerPath = Path.Combine(folder, SessionRecorder.HeaderFile);
        if (!File.Exists(headerPath))
        {
            throw new FileNotFoundException($"'{folder}' is not a session folder: {SessionRecorder.HeaderFile} is missing", headerPath);
        }

        return ParseHeader(headerPath);
    }

    /// <summary>
    /// Reads session.json; a file that is not JSON, has a field of the wrong type or lacks the rig id is refused with a
    /// <see cref="JournalFormatException"/> naming the file, the field and the line (the journal itself is not touched).
    /// </summary>
    public static SessionHeader ParseHeader(string headerPath)
    {
        SessionHeader? header;
        try
        {
            using var stream = File.OpenRead(headerPath);
            header = JsonSerializer.Deserialize<SessionHeader>(stream, SessionRecorder.Json);
        }
        catch (JsonException e)
        {
            string field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the top level" : $"the field '{e.Path}'";
            throw new JournalFormatException(
                $"'{headerPath}' is not a valid session header: {field} (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}) "
                + "has the wrong type or is not JSON; expected the object rig run writes (docs/cli.md)", e);
        }

        if (header is null)
        {
            throw new JournalFormatException($"'{headerPath}' is not a valid session header: it is JSON null");
        }

        if (!RigTopics.IsValidRigId(header.RigId))
        {
            throw new JournalFormatException($"'{headerPath}' is not a valid session header: the field 'rig_id' is missing or not a rig id (1-32 characters of A-Z a-z 0-9 _ -)");
        }

        return header;
    }
}
