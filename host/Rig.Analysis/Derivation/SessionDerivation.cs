using System;
using System.IO;
using Rig.Experiment.Alignment;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;

namespace Rig.Analysis.Derivation;

/// <summary>Everything derived from one session's journal in one pass.</summary>
/// <param name="Task">The task tables, for a session that ran a protocol; else null.</param>
/// <param name="WrittenTo">The folder the tables were written into, or null while they are only in memory.</param>
public sealed record DerivedSession(SessionFolder Folder, ReplayResult Replay, AlignmentTables Alignment, TaskSessionTables? Task, string? WrittenTo);

/// <summary>
/// The one derivation of a session: its journal segments are read once, through the decoder the live bridge ran, into
/// every table builder (alignment, task tables); the typed rows are then written with their one CSV schema each. `rig run`,
/// `rig demo`, `rig decode --export` and the virtual sessions all come through here.
/// </summary>
public static class SessionDerivation
{
    /// <summary>The mouse name given to sessions that recorded no subject (sessions recorded before session.json kept one).</summary>
    public const string UnknownMouse = "unknown";

    /// <summary>Derives <paramref name="folder"/> into its own derived/ folder, which must not exist yet.</summary>
    /// <param name="subject">Whose session it is, when session.json does not say (older sessions); overrides the header when given.</param>
    public static DerivedSession Derive(SessionFolder folder, SessionSubject? subject = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Derive(folder, folder.DerivedPath, subject);
    }

    /// <summary>Derives <paramref name="folder"/> into <paramref name="outputFolder"/>, which must not exist: derived tables are never written over earlier ones.</summary>
    public static DerivedSession Derive(SessionFolder folder, string outputFolder, SessionSubject? subject = null)
    {
        outputFolder = Path.GetFullPath(outputFolder);
        if (Directory.Exists(outputFolder) || File.Exists(outputFolder))
        {
            throw new IOException($"'{outputFolder}' already exists; derived tables are written into a new folder and never over earlier ones");
        }

        var (replay, alignment, task) = Pass(folder, subject);
        Directory.CreateDirectory(outputFolder);
        var tables = alignment.Write(replay.Decoder, outputFolder);
        task = WithFrameRate(task, folder.Header, tables);
        task?.Write(outputFolder);
        return new DerivedSession(folder, replay.Result, tables, task, outputFolder);
    }

    /// <summary>The one pass, in memory: nothing is written.</summary>
    public static DerivedSession Compute(SessionFolder folder, SessionSubject? subject = null)
    {
        var (replay, alignment, task) = Pass(folder, subject);
        var tables = alignment.Build(replay.Decoder);
        return new DerivedSession(folder, replay.Result, tables, WithFrameRate(task, folder.Header, tables), null);
    }

    /// <summary>The imaging frame rate of a session: its setting (session.json) checked against its frame clock.</summary>
    public static FrameRate FrameRateOf(SessionHeader header, AlignmentTables tables)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(tables);
        return FrameRate.Of(header.ImagingFrameRateHz, tables.Frames);
    }

    // task.json records the setting and the measured rate, so the exports carry both.
    private static TaskSessionTables? WithFrameRate(TaskSessionTables? task, SessionHeader header, AlignmentTables tables)
    {
        if (task is null)
        {
            return null;
        }

        var rate = FrameRateOf(header, tables);
        return task with { Info = task.Info with { ImagingFrameRateHz = rate.SettingHz, MeasuredFrameRateHz = rate.MeasuredHz } };
    }

    // Reads the journal once into the alignment (its rows are made later, as they are written) and, for a session that ran
    // a protocol, the task tables.
    private static (SessionReplay Replay, SessionAlignment Alignment, TaskSessionTables? Task) Pass(SessionFolder folder, SessionSubject? subject)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var alignment = new SessionAlignment();
        // Only a session that ran a protocol names one in its header; the others skip the task consumer and what it keeps.
        var task = folder.Header.TaskProtocol is null ? null : new TaskReplay();
        var replay = task is null ? folder.Replay(alignment) : folder.Replay(alignment, task);
        return (replay, alignment, task is { HasPlan: true } ? task.Build(SubjectOf(folder.Header, subject), replay.Decoder) : null);
    }

    /// <summary>Whose session it is: the one given, else the header's, else an unknown mouse on the session's start day (UTC), block 1.</summary>
    public static SessionSubject SubjectOf(SessionHeader header, SessionSubject? given = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        return given ?? header.Subject ?? new SessionSubject(UnknownMouse, DateOnly.FromDateTime(header.StartedUtc.UtcDateTime), 1);
    }
}
