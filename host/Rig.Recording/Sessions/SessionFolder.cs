using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Protocol;

namespace Rig.Recording.Sessions;

/// <summary>
/// The one owner of a session folder's layout: session.json (the header, written once), journal.rigj and the segments of
/// resumed runs (journal.2.rigj, journal.3.rigj, ...), summary.json (written once, when the session closes), derived/ (the
/// tables of the one derivation pass) and recording.lock (held while a recorder writes). Creates folders without ever
/// overwriting one, opens them with one header reader, lists the segments in recording order and replays them.
/// </summary>
public sealed class SessionFolder
{
    public const string HeaderFile = "session.json";
    public const string SummaryFile = "summary.json";
    public const string DerivedFolderName = "derived";
    public const string LockFile = "recording.lock";

    /// <summary>The first journal segment; later ones are journal.N.rigj.</summary>
    public const string JournalFile = "journal.rigj";

    private SessionFolder(string path, SessionHeader header)
    {
        Path = path;
        Header = header;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    public SessionHeader Header { get; }

    public string HeaderPath => System.IO.Path.Combine(Path, HeaderFile);

    public string SummaryPath => System.IO.Path.Combine(Path, SummaryFile);

    /// <summary>derived/: the tables <c>SessionDerivation</c> writes from the journal.</summary>
    public string DerivedPath => System.IO.Path.Combine(Path, DerivedFolderName);

    /// <summary>A session is closed once its summary is written; a closed session is never reopened for recording.</summary>
    public bool IsClosed => File.Exists(SummaryPath);

    /// <summary>
    /// The journal segments in recording order: journal.rigj, then journal.2.rigj, journal.3.rigj, ... (one per resumed run).
    /// journal.rigj is listed even when missing, so readers report it by name.
    /// </summary>
    public IReadOnlyList<string> JournalSegments => ListSegments(Path);

    /// <summary>Where the journal segment number <paramref name="number"/> (1-based) lives.</summary>
    public string SegmentPath(int number) => System.IO.Path.Combine(Path, SegmentName(number));

    /// <summary>True when <paramref name="path"/> holds a session header.</summary>
    public static bool IsSessionFolder(string path) => File.Exists(System.IO.Path.Combine(path, HeaderFile));

    /// <summary>
    /// Creates the folder (which must not exist) and writes its header. A folder that exists, or a header that another
    /// process creates at the same moment, is refused with <see cref="SessionFolderExistsException"/>: sessions are never overwritten.
    /// </summary>
    public static SessionFolder Create(string path, SessionHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path) || File.Exists(path))
        {
            throw new SessionFolderExistsException(path);
        }

        string headerPath = System.IO.Path.Combine(path, HeaderFile);
        try
        {
            // CreateDirectory succeeds on an existing folder, so the check above is repeated atomically by creating the
            // header with CreateNew: a concurrent session in the same folder fails here instead of mixing files.
            Directory.CreateDirectory(path);
            using var stream = new FileStream(headerPath, FileMode.CreateNew, FileAccess.Write);
            JsonSerializer.Serialize(stream, header, RigJson.Files);
        }
        catch (IOException e) when (File.Exists(headerPath))
        {
            throw new SessionFolderExistsException(path + " (" + e.Message + ")");
        }

        return new SessionFolder(path, header);
    }

    /// <summary>
    /// Opens an existing session folder and reads its header. A missing folder or header is a
    /// <see cref="NotASessionFolderException"/>; a header that is not what <see cref="Create"/> writes is a
    /// <see cref="JournalFormatException"/> naming the file, the field and the line. Nothing in the folder is changed.
    /// </summary>
    public static SessionFolder Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(path))
        {
            throw new NotASessionFolderException(path, "it does not exist");
        }

        string headerPath = System.IO.Path.Combine(path, HeaderFile);
        if (!File.Exists(headerPath))
        {
            throw new NotASessionFolderException(path, $"{HeaderFile} is missing");
        }

        return new SessionFolder(path, ReadHeader(headerPath));
    }

    /// <summary>
    /// Takes the folder's recording lock (recording.lock): one recorder at a time. A folder another recorder holds is
    /// refused with <see cref="SessionFolderInUseException"/> naming the holder. The operating system releases the lock
    /// when the holder dies (even by SIGKILL), so a crashed session can be resumed.
    /// </summary>
    public SessionLock Lock(string holder) => SessionLock.Acquire(System.IO.Path.Combine(Path, LockFile), holder);

    /// <summary>Writes summary.json, once: the session is closed by it.</summary>
    public void WriteSummary(SessionSummaryFile summary)
    {
        using var stream = new FileStream(SummaryPath, FileMode.CreateNew, FileAccess.Write);
        JsonSerializer.Serialize(stream, summary, RigJson.Files);
    }

    /// <summary>Reads summary.json, or null while the session is open (or was never closed).</summary>
    public SessionSummaryFile? ReadSummary()
    {
        if (!IsClosed)
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(SummaryPath);
            return JsonSerializer.Deserialize<SessionSummaryFile>(stream, RigJson.Files)
                ?? throw new JournalFormatException($"'{SummaryPath}' is not a valid session summary: it is JSON null");
        }
        catch (JsonException e)
        {
            throw new JournalFormatException($"'{SummaryPath}' is not a valid session summary: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads every journal segment once, in order, through one
    /// decoder to every sink (a sink that is also an <see cref="IRecordConsumer"/> sees the records too): the single pass from the journal to every derived table.
    /// </summary>
    public SessionReplay Replay(params IEventSink[] sinks) => SessionReplay.Run(this, sinks);

    internal static IReadOnlyList<string> ListSegments(string folder)
    {
        var segments = new List<string> { System.IO.Path.Combine(folder, JournalFile) };
        for (int n = 2; File.Exists(System.IO.Path.Combine(folder, SegmentName(n))); n++)
        {
            segments.Add(System.IO.Path.Combine(folder, SegmentName(n)));
        }

        return segments;
    }

    private static string SegmentName(int n) => n == 1 ? JournalFile : "journal." + n.ToString(CultureInfo.InvariantCulture) + ".rigj";

    /// <summary>
    /// The one reader of session.json: a file that is not JSON, has a field of the wrong type or lacks the rig id is refused
    /// with a <see cref="JournalFormatException"/> naming the file, the field and the line.
    /// </summary>
    private static SessionHeader ReadHeader(string headerPath)
    {
        SessionHeader? header;
        try
        {
            using var stream = File.OpenRead(headerPath);
            header = JsonSerializer.Deserialize<SessionHeader>(stream, RigJson.Files);
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

        if (!RigId.IsValid(header.RigId))
        {
            throw new JournalFormatException($"'{headerPath}' is not a valid session header: the field 'rig_id' is missing or not a rig id (" + RigId.Rule + ")");
        }

        return header;
    }
}
