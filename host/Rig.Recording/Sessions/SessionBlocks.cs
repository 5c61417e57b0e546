using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Recording.Journal;

namespace Rig.Recording.Sessions;

/// <summary>A block number that another session of the same mouse and day already has, in the same sessions folder.</summary>
public sealed class SessionBlockTakenException(string message) : Exception(message);

/// <summary>
/// Block numbers of a mouse's sessions on one day, as the session folders beside a new one record them (session.json's
/// subject). The export key is &lt;mouse&gt;_&lt;YYYY_MM_DD&gt;_&lt;block&gt;, so two sessions of one mouse on one day need
/// two blocks: a new session takes the next free one unless one is given, and a given one that is taken is refused before
/// anything is recorded.
/// </summary>
public static class SessionBlocks
{
    /// <summary>The blocks of <paramref name="mouse"/> on <paramref name="date"/> among the session folders directly in
    /// <paramref name="sessionsFolder"/>, with the folder holding each. Folders that are not sessions, or whose header
    /// cannot be read, are skipped: they hold no block to avoid.</summary>
    public static IReadOnlyDictionary<int, string> Taken(string sessionsFolder, string mouse, DateOnly date)
    {
        var taken = new SortedDictionary<int, string>();
        if (!Directory.Exists(sessionsFolder))
        {
            return taken;
        }

        foreach (string folder in Directory.EnumerateDirectories(sessionsFolder).Where(SessionFolder.IsSessionFolder))
        {
            SessionSubject? subject;
            try
            {
                subject = SessionFolder.Open(folder).Header.Subject;
            }
            catch (JournalFormatException)
            {
                continue; // an unreadable header names no block; `rig decode` reports such a folder on its own
            }

            if (subject is not null && subject.Mouse == mouse && subject.SessionDate == date)
            {
                taken.TryAdd(subject.Block, folder);
            }
        }

        return taken;
    }

    /// <summary>
    /// The block a new session of <paramref name="mouse"/> on <paramref name="date"/> created in
    /// <paramref name="sessionsFolder"/> gets: <paramref name="requested"/> when it is free (else
    /// <see cref="SessionBlockTakenException"/> naming the session that has it), or one more than the highest taken (1 for the first).
    /// </summary>
    public static int Choose(string sessionsFolder, string mouse, DateOnly date, int? requested)
    {
        var taken = Taken(sessionsFolder, mouse, date);
        if (requested is { } block)
        {
            if (block < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(requested), block, "a block number is 1 or more");
            }

            if (taken.TryGetValue(block, out string? holder))
            {
                throw new SessionBlockTakenException(
                    $"mouse '{mouse}' already has block {block} on {date:yyyy-MM-dd} ({holder}); give another --block, or leave it out to take the next free one ({taken.Keys.Max() + 1})");
            }

            return block;
        }

        return taken.Count == 0 ? 1 : taken.Keys.Max() + 1;
    }
}
