using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Rig.Experiment.Alignment;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;

namespace Rig.Analysis.Export;

/// <summary>What the tabular export wrote for one session; <paramref name="Notes"/> says what was not available.</summary>
public sealed record TablesSession(string Key, string Folder, int Trials, int Licks, int Frames, long Events, IReadOnlyList<string> Notes);

/// <summary>
/// The plain tabular export: per session a folder &lt;session_key&gt;/ of CSV files with a header row that pandas reads
/// directly (pd.read_csv): trials.csv, licks.csv, frames.csv (the VR state and the behaviour latched per imaging frame),
/// events.csv (every device event with its host time and frame) and task.json. Times are seconds since the session
/// started (session.json's StartedUtc) besides the device µs and host ns; empty cells are missing values (NaN).
/// </summary>
public static class TablesExport
{
    public const string TrialsFile = "trials.csv", LicksFile = "licks.csv", FramesFile = "frames.csv", EventsFile = "events.csv";

    public static IReadOnlyList<TablesSession> Write(IEnumerable<string> sessionFolders, string outputFolder, IProgress<string>? progress = null)
    {
        var sessions = ExportSession.LoadAll(sessionFolders, "export", progress);

        foreach (var clash in sessions.GroupBy(s => s.Key).Where(g => g.Count() > 1))
        {
            throw new ExportInputException($"session key '{clash.Key}' comes from more than one folder: {string.Join(", ", clash.Select(s => s.Folder))}");
        }

        outputFolder = Path.GetFullPath(outputFolder);
        foreach (var s in sessions.Where(s => Directory.Exists(Path.Combine(outputFolder, s.Key)) || File.Exists(Path.Combine(outputFolder, s.Key))))
        {
            throw new ExportOutputExistsException($"'{Path.Combine(outputFolder, s.Key)}' exists already; exports never write over earlier files: choose another --out");
        }

        var written = new List<TablesSession>();
        foreach (var s in sessions)
        {
            string folder = Path.Combine(outputFolder, s.Key);
            progress?.Report($"writing {folder}");
            written.Add(WriteOne(s, folder));
        }

        return written;
    }

    private static TablesSession WriteOne(ExportSession s, string folder)
    {
        Directory.CreateDirectory(folder);
        var c = CultureInfo.InvariantCulture;
        var notes = new List<string>();
        string key = s.Key;
        string Seconds(long? host) => host is { } h ? s.SecondsSinceStart(h).ToString("0.######", c) : "";
        string D(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("R", c) : "";
        string N<T>(T? v) where T : struct, IFormattable => v is { } x ? x.ToString(null, c) : "";
        string B(bool v) => v ? "True" : "False";

        File.Copy(Path.Combine(s.Folder, SessionFolder.DerivedFolderName, TaskSessionTables.InfoFile), Path.Combine(folder, TaskSessionTables.InfoFile));
        Lines(Path.Combine(folder, TrialsFile),
            "session,trial,wall,rewarded,probe,complete,start_s,gray_s,end_s,cue_s,cue_position_dm,reward_s,reward_position_dm,reward_zone_start_dm,licks,cue_frame,start_device_us,gray_device_us,end_device_us,cue_device_us,reward_device_us",
            s.Tables.Trials.Select(t => string.Join(',', key, t.Trial.ToString(c), t.Wall, B(t.Rewarded), B(t.Probe), B(t.EndDeviceMicros is not null),
                Seconds(t.StartHostNanos), Seconds(t.GrayHostNanos), Seconds(t.EndHostNanos), Seconds(t.CueHostNanos), D(t.CuePositionDm),
                Seconds(t.RewardHostNanos), D(t.RewardPositionDm), D(t.RewardZoneStartDm), t.Licks.ToString(c), D(t.CueFrame),
                t.StartDeviceMicros.ToString(c), N(t.GrayDeviceMicros), N(t.EndDeviceMicros), N(t.CueDeviceMicros), N(t.RewardDeviceMicros))));
        Lines(Path.Combine(folder, LicksFile), "session,lick,time_s,trial,position_dm,frame,device_us,host_ns",
            s.Tables.Licks.OrderBy(l => l.DeviceMicros).Select((l, i) => string.Join(',', key, i.ToString(c), Seconds(l.HostNanos), l.Trial.ToString(c),
                D(l.PositionDm), D(l.Frame), l.DeviceMicros.ToString(c), N(l.HostNanos))));

        // The per-frame behaviour of the alignment joins the VR state by frame number.
        var latched = LatchedByFrame(s.ReadAlignedFrames(), notes);
        Lines(Path.Combine(folder, FramesFile), "session,frame,time_s,trial,wall,position_dm,speed_cm_s,licks,encoder_count,movement_counts,reward,device_us,host_ns",
            s.Tables.Frames.OrderBy(f => f.Frame).Select(f => string.Join(',', key, f.Frame.ToString(c), Seconds(f.HostNanos), f.Trial.ToString(c), f.Wall,
                D(f.PositionDm), D(f.SpeedCmPerSecond), latched.TryGetValue(f.Frame, out var row) ? Latched(row) : ",,,", f.DeviceMicros.ToString(c), N(f.HostNanos))));

        long events = 0;
        if (s.ReadAlignedEvents() is { } aligned)
        {
            // A row at a time from derived/ to the export: an events table holds about 1,000 rows a second of session.
            using var output = new StreamWriter(new FileStream(Path.Combine(folder, EventsFile), FileMode.CreateNew), new UTF8Encoding(false));
            output.WriteLine("session,time_s," + AlignmentTables.EventsTable.Header);
            foreach (var e in aligned)
            {
                output.Write(key + "," + Seconds(e.HostNanos) + ",");
                AlignmentTables.EventsTable.WriteRow(output, e);
                output.WriteLine();
                events++;
            }
        }
        else
        {
            notes.Add($"no {SessionFolder.DerivedFolderName}/{AlignmentTables.EventsFile} (run `rig decode SESSION --export DIR` to derive it): {EventsFile} not written");
        }

        return new TablesSession(key, folder, s.Tables.Trials.Count, s.Tables.Licks.Count, s.Tables.Frames.Count, events, notes);
    }

    private static string Latched(FrameRow f) =>
        string.Join(',', CsvCell.Of(f.Licks), CsvCell.Of(f.EncoderCount), CsvCell.Of(f.MovementCounts), CsvCell.Of(f.Reward));

    private static Dictionary<long, FrameRow> LatchedByFrame(IReadOnlyList<FrameRow>? rows, List<string> notes)
    {
        var byFrame = new Dictionary<long, FrameRow>();
        if (rows is null)
        {
            notes.Add($"no {SessionFolder.DerivedFolderName}/{AlignmentTables.FramesFile}: the licks, encoder and reward columns of {FramesFile} are empty");
            return byFrame;
        }

        if (rows.Select(r => r.BootId).Distinct().Count() > 1)
        {
            // Frame numbers restart per boot there; the task tables number frames across the session.
            notes.Add($"{AlignmentTables.FramesFile} spans {rows.Select(r => r.BootId).Distinct().Count()} device boots: its columns are not joined");
            return byFrame;
        }

        foreach (var row in rows)
        {
            byFrame[row.Frame] = row;
        }

        return byFrame;
    }

    private static void Lines(string path, string header, IEnumerable<string> rows)
    {
        using var output = new StreamWriter(new FileStream(path, FileMode.CreateNew), new UTF8Encoding(false));
        output.WriteLine(header);
        foreach (string row in rows)
        {
            output.WriteLine(row);
        }
    }
}
