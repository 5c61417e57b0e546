using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Rig.Host.Alignment;
using Rig.Host.Tasks;

namespace Rig.Host.Export;

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
        ArgumentNullException.ThrowIfNull(sessionFolders);
        var sessions = sessionFolders.Select(f =>
        {
            progress?.Report($"reading {f}");
            return ExportSession.Load(f);
        }).ToList();
        if (sessions.Count == 0)
        {
            throw new ExportInputException("no session to export");
        }

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

        File.Copy(Path.Combine(s.Folder, ExportSession.DerivedFolder, TaskSessionTables.InfoFile), Path.Combine(folder, TaskSessionTables.InfoFile));
        Lines(Path.Combine(folder, TrialsFile),
            "session,trial,wall,rewarded,probe,complete,start_s,gray_s,end_s,cue_s,cue_position_dm,reward_s,reward_position_dm,reward_zone_start_dm,licks,cue_frame,start_device_us,gray_device_us,end_device_us,cue_device_us,reward_device_us",
            s.Tables.Trials.Select(t => string.Join(',', key, t.Trial.ToString(c), t.Wall, B(t.Rewarded), B(t.Probe), B(t.EndDeviceMicros is not null),
                Seconds(t.StartHostNanos), Seconds(t.GrayHostNanos), Seconds(t.EndHostNanos), Seconds(t.CueHostNanos), D(t.CuePositionDm),
                Seconds(t.RewardHostNanos), D(t.RewardPositionDm), D(t.RewardZoneStartDm), t.Licks.ToString(c), D(t.CueFrame),
                t.StartDeviceMicros.ToString(c), N(t.GrayDeviceMicros), N(t.EndDeviceMicros), N(t.CueDeviceMicros), N(t.RewardDeviceMicros))));
        Lines(Path.Combine(folder, LicksFile), "session,lick,time_s,trial,position_dm,frame,device_us,host_ns",
            s.Tables.Licks.OrderBy(l => l.DeviceMicros).Select((l, i) => string.Join(',', key, i.ToString(c), Seconds(l.HostNanos), l.Trial.ToString(c),
                D(l.PositionDm), D(l.Frame), l.DeviceMicros.ToString(c), N(l.HostNanos))));

        // The per-frame behaviour of derived/frames.csv (SessionAlignment) joins the VR state by frame number.
        var latched = ReadAlignedFrames(Path.Combine(s.Folder, ExportSession.DerivedFolder, SessionAlignment.FramesFile), notes);
        Lines(Path.Combine(folder, FramesFile), "session,frame,time_s,trial,wall,position_dm,speed_cm_s,licks,encoder_count,movement_counts,reward,device_us,host_ns",
            s.Tables.Frames.OrderBy(f => f.Frame).Select(f => string.Join(',', key, f.Frame.ToString(c), Seconds(f.HostNanos), f.Trial.ToString(c), f.Wall,
                D(f.PositionDm), D(f.SpeedCmPerSecond), latched.TryGetValue(f.Frame, out string? extra) ? extra : ",,,", f.DeviceMicros.ToString(c), N(f.HostNanos))));

        long events = 0;
        string eventsPath = Path.Combine(s.Folder, ExportSession.DerivedFolder, SessionAlignment.EventsFile);
        if (File.Exists(eventsPath))
        {
            events = CopyEvents(eventsPath, Path.Combine(folder, EventsFile), key, s);
        }
        else
        {
            notes.Add($"no {ExportSession.DerivedFolder}/{SessionAlignment.EventsFile} (run `rig decode SESSION --export DIR` to derive it): {EventsFile} not written");
        }

        return new TablesSession(key, folder, s.Tables.Trials.Count, s.Tables.Licks.Count, s.Tables.Frames.Count, events, notes);
    }

    private static Dictionary<long, string> ReadAlignedFrames(string path, List<string> notes)
    {
        var byFrame = new Dictionary<long, string>();
        if (!File.Exists(path))
        {
            notes.Add($"no {ExportSession.DerivedFolder}/{SessionAlignment.FramesFile}: the licks, encoder and reward columns of {FramesFile} are empty");
            return byFrame;
        }

        const string Header = "boot_id,frame,acquisition,device_us,host_ns,licks,encoder_count,movement_counts,reward";
        using var input = new StreamReader(path, Encoding.UTF8);
        if (input.ReadLine() != Header)
        {
            throw new ExportInputException($"{path}:1: expected the header '{Header}'");
        }

        var boots = new HashSet<string>();
        int line = 1;
        while (input.ReadLine() is { } text)
        {
            line++;
            var cells = text.Split(',');
            if (cells.Length != 9 || !long.TryParse(cells[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long frame))
            {
                throw new ExportInputException($"{path}:{line}: expected 9 columns with a frame number, found '{text}'");
            }

            boots.Add(cells[0]);
            byFrame[frame] = string.Join(',', cells[5], cells[6], cells[7], cells[8]);
        }

        if (boots.Count > 1)
        {
            // Frame numbers restart per boot there; the task tables number frames across the session.
            notes.Add($"{SessionAlignment.FramesFile} spans {boots.Count} device boots: its columns are not joined");
            byFrame.Clear();
        }

        return byFrame;
    }

    private static long CopyEvents(string from, string to, string key, ExportSession s)
    {
        const string Header = "boot_id,seq,kind,channel,value,device_us,host_ns,host_uncertainty_us,frame,frame_fraction";
        using var input = new StreamReader(from, Encoding.UTF8);
        if (input.ReadLine() != Header)
        {
            throw new ExportInputException($"{from}:1: expected the header '{Header}'");
        }

        using var output = new StreamWriter(new FileStream(to, FileMode.CreateNew), new UTF8Encoding(false));
        output.WriteLine("session,time_s," + Header);
        long rows = 0;
        while (input.ReadLine() is { } text)
        {
            var cells = text.Split(',');
            string seconds = cells.Length > 6 && long.TryParse(cells[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out long host)
                ? s.SecondsSinceStart(host).ToString("0.######", CultureInfo.InvariantCulture) : "";
            output.WriteLine(key + "," + seconds + "," + text);
            rows++;
        }

        return rows;
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
