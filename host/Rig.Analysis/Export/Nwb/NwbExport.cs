using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PureHDF;

namespace Rig.Analysis.Export.Nwb;

/// <summary>What the NWB export wrote for one session; <paramref name="Notes"/> says what the file could not hold or had to assume.</summary>
public sealed record NwbSessionFile(string Key, string Folder, string File, long Bytes, int Trials, int Licks, int Frames, long Events,
    IReadOnlyList<string> Notes);

/// <summary>
/// The NWB export: one Neurodata Without Borders 2.6.0 file per session, &lt;session_key&gt;.nwb, of core types only
/// (docs/export.md, "The NWB format"). Times are seconds from the session's start (timestamps_reference_time), through
/// the same device→host line as the other exports.
/// </summary>
public static class NwbExport
{
    public const string Extension = ".nwb";

    /// <param name="time">The clock file_create_date is read from.</param>
    public static IReadOnlyList<NwbSessionFile> Write(IEnumerable<string> sessionFolders, string outputFolder, TimeProvider time,
        IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var sessions = ExportSession.LoadAll(sessionFolders, "export", progress);
        foreach (var clash in sessions.GroupBy(s => s.Key).Where(g => g.Count() > 1))
        {
            throw new ExportInputException($"session key '{clash.Key}' comes from more than one folder: {string.Join(", ", clash.Select(s => s.Folder))}");
        }

        outputFolder = Path.GetFullPath(outputFolder);
        foreach (var s in sessions.Where(s => Path.Exists(FileOf(outputFolder, s))))
        {
            throw new ExportOutputExistsException($"'{FileOf(outputFolder, s)}' exists already; exports never write over earlier files: choose another --out");
        }

        Directory.CreateDirectory(outputFolder);
        var written = new List<NwbSessionFile>();
        foreach (var s in sessions)
        {
            string file = FileOf(outputFolder, s);
            progress?.Report($"writing {file}");
            written.Add(WriteOne(s, file, time.GetUtcNow()));
        }

        return written;
    }

    /// <summary>One session's file, written to <paramref name="file"/> (which must not exist).</summary>
    public static NwbSessionFile WriteOne(ExportSession session, string file, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(session);
        var content = NwbSessionContent.Build(session, created);
        // FileMode.CreateNew: a file that appeared since the check above is refused, never replaced.
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            content.File.Write(stream, new H5WriteOptions(PreferCompactDatasetLayout: false));
        }

        return new NwbSessionFile(session.Key, session.Folder, file, new FileInfo(file).Length, session.Tables.Trials.Count,
            session.Tables.Licks.Count, session.Tables.Frames.Count, content.Events, content.Notes);
    }

    private static string FileOf(string outputFolder, ExportSession s) => Path.Combine(outputFolder, s.Key + Extension);
}
