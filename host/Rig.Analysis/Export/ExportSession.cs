using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Rig.Experiment.Alignment;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;

namespace Rig.Analysis.Export;

/// <summary>A session folder cannot be exported (no task tables, a malformed table, a clash with another session); the message names the file.</summary>
public sealed class ExportInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An export file exists already; exports never write over earlier files.</summary>
public sealed class ExportOutputExistsException(string message) : IOException(message);

/// <summary>
/// One session as the exports see it: its header (session.json), its task tables (derived/) and the mapping from the
/// host's monotonic nanoseconds to wall-clock time (StartedUtc was taken at HostMonotonicStartNanos).
/// </summary>
public sealed class ExportSession
{
    /// <summary>MATLAB datenum of 0001-01-01 (datenum counts days from year 0; 1970-01-01 is 719529).</summary>
    public const double DatenumOfDateTimeZero = 367;

    private static readonly Int128 NanosPerDay = (Int128)86_400L * 1_000_000_000L;

    private readonly (double Slope, double Intercept)? _deviceToHost;

    private readonly SessionFolder _session;

    private ExportSession(SessionFolder session, TaskSessionTables tables)
    {
        _session = session;
        Folder = session.Path;
        Header = session.Header;
        Tables = tables;
        _deviceToHost = FitDeviceToHost(tables);
    }

    public string Folder { get; }

    public SessionHeader Header { get; }

    public TaskSessionTables Tables { get; }

    public TaskSessionInfo Info => Tables.Info;

    /// <summary>&lt;mouse&gt;_&lt;YYYY_MM_DD&gt;_&lt;block&gt;, the zhong2025 session key.</summary>
    public string Key => $"{Info.Mouse}_{DateText}_{Info.Block.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public string DateText => Info.SessionDate.ToString("yyyy_MM_dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Times that had no host time (no clock map at that point) and were mapped from device time instead.</summary>
    public int EstimatedHostTimes { get; private set; }

    /// <summary>Reads session.json and derived/task.json + tables; a folder without them gets a message saying so.</summary>
    public static ExportSession Load(string folder)
    {
        SessionFolder session;
        try
        {
            session = SessionFolder.Open(folder);
        }
        catch (Exception e) when (e is NotASessionFolderException or JournalFormatException)
        {
            throw new ExportInputException(e.Message, e);
        }

        if (!File.Exists(Path.Combine(session.DerivedPath, TaskSessionTables.InfoFile)))
        {
            throw new ExportInputException(
                $"'{session.Path}' has no task tables ({SessionFolder.DerivedFolderName}/{TaskSessionTables.InfoFile} is missing): the session was not run with a protocol, so there are no trials to export");
        }

        TaskSessionTables tables;
        try
        {
            tables = TaskSessionTables.Read(session.DerivedPath);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException)
        {
            throw new ExportInputException($"'{session.Path}': the task tables cannot be read: {e.Message}", e);
        }

        return new ExportSession(session, tables);
    }

    /// <summary>Loads every folder in order, reporting each; none at all is refused with "no session to <paramref name="purpose"/>".</summary>
    public static List<ExportSession> LoadAll(IEnumerable<string> folders, string purpose, IProgress<string>? progress)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var sessions = folders.Select(f =>
        {
            progress?.Report($"reading {f}");
            return Load(f);
        }).ToList();
        return sessions.Count > 0 ? sessions : throw new ExportInputException("no session to " + purpose);
    }

    /// <summary>The alignment's per-event rows (derived/aligned_events.csv) as the file is read, or null when the session has none.</summary>
    public IEnumerable<AlignedEventRow>? ReadAlignedEvents() =>
        HasDerived(AlignmentTables.EventsTable) ? AsExportInput(() => AlignmentTables.EventsTable.Enumerate(_session.DerivedPath)) : null;

    /// <summary>The alignment's per-frame rows (derived/frames.csv), or null when the session has none.</summary>
    public IReadOnlyList<FrameRow>? ReadAlignedFrames() =>
        HasDerived(AlignmentTables.FramesTable) ? [.. AsExportInput(() => AlignmentTables.FramesTable.Enumerate(_session.DerivedPath))] : null;

    /// <summary>The session's rendered VR frames (derived/vr_frames.csv), or null when it has none (no renderer).</summary>
    public IReadOnlyList<VrFrameRow>? ReadVrFrames() =>
        HasDerived(VrFrameCollector.Table) ? [.. AsExportInput(() => VrFrameCollector.Table.Enumerate(_session.DerivedPath))] : null;

    private bool HasDerived<T>(CsvTable<T> table) => File.Exists(Path.Combine(_session.DerivedPath, table.FileName));

    // A malformed derived table is an export input error (exit 18), whether its header or a later row is wrong.
    private static IEnumerable<T> AsExportInput<T>(Func<IEnumerable<T>> open)
    {
        IEnumerator<T> rows;
        try
        {
            rows = open().GetEnumerator();
        }
        catch (InvalidDataException e)
        {
            throw new ExportInputException(e.Message, e);
        }

        using (rows)
        {
            while (true)
            {
                bool more;
                try
                {
                    more = rows.MoveNext();
                }
                catch (InvalidDataException e)
                {
                    throw new ExportInputException(e.Message, e);
                }

                if (!more)
                {
                    yield break;
                }

                yield return rows.Current;
            }
        }
    }

    /// <summary>Host monotonic ns to MATLAB datenum days (UTC wall clock), with one rounding.</summary>
    public double Datenum(long hostNanos)
    {
        Int128 nanos = ((Int128)Header.StartedUtc.UtcTicks * 100) + (hostNanos - Header.HostMonotonicStartNanos);
        Int128 days = nanos / NanosPerDay;
        Int128 rest = nanos % NanosPerDay;
        return DatenumOfDateTimeZero + (double)days + ((double)rest / (double)NanosPerDay);
    }

    /// <summary>Seconds since the session started (StartedUtc), for the tabular export.</summary>
    public double SecondsSinceStart(long hostNanos) => (hostNanos - Header.HostMonotonicStartNanos) / 1e9;

    /// <summary>
    /// The host time of a row, through one line per session from device µs to host ns fitted over every row that has a
    /// host time. Frames, licks and cues share the device clock, so the line keeps their spacing exact and their order
    /// strict, where the clock map's own host times can step where it starts a new segment (a host sleep, or a
    /// simulation run faster than real time). Rows without a host time are counted.
    /// </summary>
    public long HostNanos(long? hostNanos, ulong deviceMicros)
    {
        if (_deviceToHost is not { } fit)
        {
            throw new ExportInputException(
                $"'{Folder}': a time at device {deviceMicros} µs has no host time and no row of the session has one (no clock map), so it has no wall-clock time");
        }

        EstimatedHostTimes += hostNanos is null ? 1 : 0;
        return (long)Math.Round(fit.Intercept + (fit.Slope * deviceMicros));
    }

    // Least squares host ns against device µs over every row with both (frames give thousands).
    private static (double Slope, double Intercept)? FitDeviceToHost(TaskSessionTables tables)
    {
        var pairs = new List<(double Device, double Host)>();
        pairs.AddRange(tables.Frames.Where(f => f.HostNanos is not null).Select(f => ((double)f.DeviceMicros, (double)f.HostNanos!.Value)));
        pairs.AddRange(tables.Trials.Where(t => t.StartHostNanos is not null).Select(t => ((double)t.StartDeviceMicros, (double)t.StartHostNanos!.Value)));
        pairs.AddRange(tables.Licks.Where(l => l.HostNanos is not null).Select(l => ((double)l.DeviceMicros, (double)l.HostNanos!.Value)));
        if (pairs.Count == 0)
        {
            return null;
        }

        double d0 = pairs[0].Device, h0 = pairs[0].Host;
        if (pairs.Count == 1)
        {
            return (1000.0, h0 - (1000.0 * d0));
        }

        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (device, host) in pairs)
        {
            double x = device - d0, y = host - h0;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }

        int n = pairs.Count;
        double denominator = (n * sxx) - (sx * sx);
        double slope = denominator == 0 ? 1000.0 : ((n * sxy) - (sx * sy)) / denominator;
        double intercept = (sy - (slope * sx)) / n;
        return (slope, h0 + intercept - (slope * d0));
    }
}
