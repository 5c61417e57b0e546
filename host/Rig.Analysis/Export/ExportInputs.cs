using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Experiment.Tasks;
using Rig.Recording.Sessions;

namespace Rig.Analysis.Export;

/// <summary>The session folders an export or report reads, and what was passed over on the way (each with why).</summary>
public sealed record ExportInputList(IReadOnlyList<string> Sessions, IReadOnlyList<string> Skipped);

/// <summary>
/// Turns the paths a user gives `rig export`/`rig report` into session folders: a session folder is taken as it is; any
/// other folder (a cohort, a day, a mouse's sessions) is searched below for session folders with task tables, in name
/// order, and what it holds besides them (learning state files, a session recorded without a protocol, a stray folder)
/// is passed over with a note, never silently. A given file that is not a folder is passed over with a note too (a shell
/// glob such as cohort/* names the learning files), but a path that does not exist is an error: it is a typo.
/// </summary>
public static class ExportInputs
{
    public static ExportInputList Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var sessions = new List<string>();
        var skipped = new List<string>();
        foreach (string given in paths)
        {
            string path = Path.GetFullPath(given);
            if (File.Exists(path))
            {
                skipped.Add($"{path}: a file, not a session folder");
            }
            else if (!Directory.Exists(path))
            {
                throw new ExportInputException($"'{given}' does not exist (give session folders, or folders that hold sessions)");
            }
            else if (SessionFolder.IsSessionFolder(path))
            {
                // Named on purpose: a session without task tables is an error here (ExportSession.Load says why).
                sessions.Add(path);
            }
            else
            {
                int before = sessions.Count;
                Search(path, sessions, skipped);
                if (sessions.Count == before)
                {
                    throw new ExportInputException($"'{given}' is not a session folder and holds no session folder with task tables below it"
                        + (skipped.Count > 0 ? " (passed over: " + string.Join("; ", skipped) + ")" : ""));
                }
            }
        }

        var twice = sessions.GroupBy(s => s, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        foreach (string folder in twice)
        {
            skipped.Add($"{folder}: given more than once, taken once");
        }

        return new ExportInputList([.. sessions.Distinct(StringComparer.Ordinal)], skipped);
    }

    private static void Search(string folder, List<string> sessions, List<string> skipped)
    {
        foreach (string file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            skipped.Add($"{file}: not a session folder");
        }

        foreach (string sub in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            if (!SessionFolder.IsSessionFolder(sub))
            {
                Search(sub, sessions, skipped);
            }
            else if (File.Exists(Path.Combine(sub, SessionFolder.DerivedFolderName, TaskSessionTables.InfoFile)))
            {
                sessions.Add(sub);
            }
            else
            {
                skipped.Add($"{sub}: a session without task tables (recorded without a protocol)");
            }
        }
    }
}
