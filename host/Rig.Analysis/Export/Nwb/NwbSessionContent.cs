using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PureHDF;
using Rig.Recording.Sessions;

namespace Rig.Analysis.Export.Nwb;

/// <summary>
/// One session as an NWB file in memory: the root and /general here; acquisition, behaviour, trials and timing in the
/// other parts of this class. Every time is seconds from timestamps_reference_time (the session's StartedUtc).
/// </summary>
internal sealed partial class NwbSessionContent
{
    public const string NwbVersion = "2.6.0";
    public const string Species = "Mus musculus";
    public const string Unknown = "unknown";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private readonly ExportSession _s;
    private readonly List<string> _notes = [];

    private NwbSessionContent(ExportSession session)
    {
        _s = session;
        File = new H5File();
    }

    public H5File File { get; }

    public List<string> Notes => _notes;

    /// <summary>Device events of the session written to the file (every aligned event read).</summary>
    public long Events { get; private set; }

    public static NwbSessionContent Build(ExportSession session, DateTimeOffset created)
    {
        var content = new NwbSessionContent(session);
        var events = EventSeries.Read(session);
        content.Events = events?.Count ?? 0;
        if (events is null)
        {
            content._notes.Add($"no {SessionFolder.DerivedFolderName}/aligned_events.csv (run `rig decode SESSION --export DIR` to derive it): no wheel, valve, cue-tone or frame-clock series and no per-event time uncertainty");
        }

        content.WriteRoot(created);
        content.WriteGeneral(events);
        content.WriteAcquisition(events);
        content.WriteBehaviour();
        content.WriteTrials();
        content.WriteTiming(events);
        if (session.EstimatedHostTimes > 0)
        {
            content._notes.Add($"{session.EstimatedHostTimes} time(s) written had no clock-map host time and were placed by the session's device→host line alone");
        }

        return content;
    }

    /// <summary>Seconds from timestamps_reference_time of a row with a device time (and its clock-map host time if any).</summary>
    private double Seconds(long? hostNanos, ulong deviceMicros) => _s.SecondsSinceStart(_s.HostNanos(hostNanos, deviceMicros));

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", C);

    private void WriteRoot(DateTimeOffset created)
    {
        var root = File.Attributes;
        root["neurodata_type"] = "NWBFile";
        root["namespace"] = NwbNodes.Core;
        root["object_id"] = Guid.NewGuid().ToString();
        root["nwb_version"] = NwbVersion;

        var h = _s.Header;
        File["identifier"] = h.SessionId;
        File["session_description"] = $"{_s.Info.Protocol} ({_s.Info.ExperimentType}, {_s.Info.RewardMode}): mouse {_s.Info.Mouse}, session {_s.Key}, rig {h.RigId}";
        File["session_start_time"] = Iso(h.StartedUtc);
        File["timestamps_reference_time"] = Iso(h.StartedUtc);
        File["file_create_date"] = new[] { Iso(created) };
        File["acquisition"] = new H5Group();
        File["analysis"] = new H5Group();
        File["processing"] = new H5Group();
        File["stimulus"] = new H5Group { ["presentation"] = new H5Group(), ["templates"] = new H5Group() };
    }

    private void WriteGeneral(EventSeries? events)
    {
        var h = _s.Header;
        var subject = h.Subject;
        var general = new H5Group
        {
            ["session_id"] = _s.Key,
            ["protocol"] = h.TaskProtocol ?? _s.Info.Protocol,
            ["experimenter"] = new[] { subject?.Experimenter ?? Unknown },
            ["lab"] = subject?.Lab ?? Unknown,
            ["source_script"] = NwbNodes.Plain(h.Software, ("file_name", "rig export --format nwb")),
            ["data_collection"] = DataCollection(),
            ["devices"] = Devices(events),
            ["subject"] = Subject(subject),
        };
        if (subject?.Experimenter is null || subject.Lab is null)
        {
            _notes.Add("session.json names no experimenter or lab: the file says \"unknown\"");
        }

        File["general"] = general;
    }

    private string DataCollection()
    {
        var h = _s.Header;
        string calibration = h.Calibration is { } cal
            ? string.Create(C, $"valve {cal.Valve} calibration {cal.File} (sha256 {cal.Sha256}, {Iso(cal.Date)}): model {cal.Model} [{string.Join(", ", cal.Parameters.Select(p => p.ToString("R", C)))}], open {cal.MinDurationMicros}-{cal.MaxDurationMicros} µs")
            : "no valve calibration recorded (unrewarded, uncalibrated or older session)";
        string doses = h.RewardDoses is { Count: > 0 } d
            ? string.Join("; ", d.Select(x => x.ToString()))
            : "no reward doses recorded";
        return $"Rig session {h.SessionId} recorded by {h.Software} (journal format {h.Format}, broker {h.Broker}). {calibration}. Reward doses: {doses}. "
            + "Clock: device µs mapped to host time by one least-squares line per session (processing/timing/clock_fit_residuals holds each clock-map time's distance from it).";
    }

    private H5Group Devices(EventSeries? events)
    {
        var h = _s.Header;
        var boots = new SortedSet<uint> { h.BootId };
        if (events is not null)
        {
            boots.UnionWith(events.BootIds);
        }

        var devices = new H5Group
        {
            ["rig_controller"] = Device(
                $"Rig controller '{h.RigId}' (ESP32, .NET nanoFramework): firmware {h.FirmwareVersion}; boot ids {string.Join(", ", boots.Select(b => "0x" + b.ToString("X8", C)))}",
                "Rig (open hardware)"),
            ["microscope"] = Device(
                "Two-photon microscope whose frame clock the rig controller timestamps (acquisition/frame_clock_edges, acquisition/imaging_frame_times); model not recorded by Rig",
                Unknown),
        };
        if (_s.ReadVrFrames() is { Count: > 0 })
        {
            devices["vr_renderer"] = Device("Rig's VR renderer (host/Rig.Renderer, a browser page drawing the corridor; photodiode-checked flips)", "Rig (open software)");
        }

        return devices;
    }

    private static H5Group Device(string description, string manufacturer)
    {
        var device = NwbNodes.Group("Device");
        device.Attributes["description"] = description;
        device.Attributes["manufacturer"] = manufacturer;
        return device;
    }

    private H5Group Subject(SessionSubject? subject)
    {
        var group = NwbNodes.Group("Subject");
        group["subject_id"] = _s.Info.Mouse;
        group["species"] = subject?.Species ?? Species;
        group["sex"] = subject?.Sex ?? "U";
        group["description"] = subject?.WaterOutsideRigMl is { } water
            ? string.Create(C, $"mouse {_s.Info.Mouse}; water given outside the rig on the session's day: {water} mL")
            : $"mouse {_s.Info.Mouse}";
        if (subject?.Strain is { } strain)
        {
            group["strain"] = strain;
        }

        if (subject?.WeightGrams is { } grams)
        {
            // NWB keeps the weight as text with its unit (the subject registry's weighing of the session's day).
            group["weight"] = string.Create(C, $"{grams} g");
        }
        if (subject?.DateOfBirth is { } born)
        {
            group["date_of_birth"] = Iso(new DateTimeOffset(born.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }
        else
        {
            group["age"] = NwbNodes.Plain(subject?.Age ?? Unknown, ("reference", "birth"));
        }

        if (subject?.Sex is null || (subject.DateOfBirth is null && subject.Age is null))
        {
            _notes.Add("session.json gives no sex or no date of birth/age for the mouse: the file says \"U\"/\"unknown\"");
        }

        return group;
    }
}
