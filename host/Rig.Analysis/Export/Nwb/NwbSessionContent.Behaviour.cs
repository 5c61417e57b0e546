using System.Collections.Generic;
using System.Linq;
using PureHDF;
using Rig.Experiment.Tasks;

namespace Rig.Analysis.Export.Nwb;

/// <summary>/processing/behavior (corridor position per corridor, running speed) and /intervals/trials.</summary>
internal sealed partial class NwbSessionContent
{
    public const string BehaviorModule = "behavior", PositionInterface = "Position", SpeedInterface = "BehavioralTimeSeries",
        SpeedSeries = "running_speed", CorridorPrefix = "corridor_";

    private const double MetresPerDm = 0.1, MetresPerCm = 0.01;

    private void WriteBehaviour()
    {
        var inTrials = _s.Tables.Frames.Where(f => f.Trial >= 0 && !double.IsNaN(f.PositionDm)).OrderBy(f => f.Frame).ToList();
        var info = _s.Info;
        var position = new List<KeyValuePair<string, H5Group>>();
        // One SpatialSeries per corridor (wall): its reference frame names the corridor the position is in.
        foreach (var corridor in inTrials.GroupBy(f => f.Wall).OrderBy(g => g.Key, System.StringComparer.Ordinal))
        {
            var series = NwbNodes.TimeSeries("SpatialSeries",
                $"Position along corridor '{corridor.Key}' at each imaging frame's edge while in a trial of that corridor (frame_positions.csv).",
                corridor.Select(f => f.PositionDm).ToArray(), corridor.Select(f => Seconds(f.HostNanos, f.DeviceMicros)).ToArray(),
                "meters", MetresPerDm);
            series["reference_frame"] = string.Create(C,
                $"corridor '{corridor.Key}': 0 m at its entry, {info.TextureLengthDm * MetresPerDm:0.###} m the end of its texture, {info.CorridorLengthDm * MetresPerDm:0.###} m the end of the grey space (data in dm, conversion 0.1)");
            position.Add(new(CorridorPrefix + corridor.Key, series));
        }

        var frames = _s.Tables.Frames.OrderBy(f => f.Frame).ToList();
        var children = new List<KeyValuePair<string, H5Group>>();
        if (position.Count > 0)
        {
            children.Add(new(PositionInterface, NwbNodes.Container("Position", null, position)));
        }
        else
        {
            _notes.Add("no imaging frame inside a trial: processing/behavior/Position not written");
        }

        if (frames.Count > 0)
        {
            // Sampled at every imaging frame: the timestamps are acquisition/imaging_frame_times' own, linked.
            var frameTimes = (H5Dataset)((H5Group)((H5Group)File["acquisition"])[ImagingFrameSeries])["timestamps"];
            var speed = NwbNodes.TimeSeries("TimeSeries", "Running speed from the wheel at each imaging frame's edge (data in cm/s, conversion 0.01; timestamps those of acquisition/imaging_frame_times).",
                frames.Select(f => f.SpeedCmPerSecond).ToArray(), frameTimes, "m/s", MetresPerCm);
            children.Add(new(SpeedInterface, NwbNodes.Container("BehavioralTimeSeries", null, [new(SpeedSeries, speed)])));
        }

        if (children.Count > 0)
        {
            ((H5Group)File["processing"])[BehaviorModule] = NwbNodes.Container("ProcessingModule",
                "Behaviour in the virtual corridor, sampled at the imaging frames", children);
        }
    }

    private void WriteTrials()
    {
        var trials = _s.Tables.Trials.OrderBy(t => t.Trial).ToList();
        if (trials.Count == 0)
        {
            _notes.Add("no trials: intervals/trials not written");
            return;
        }

        double? At(long? host, ulong? device) => device is { } d ? Seconds(host, d) : null;
        double[] Times(System.Func<TrialRow, double?> time) => trials.Select(t => time(t) ?? double.NaN).ToArray();
        double[] Metres(System.Func<TrialRow, double?> dm) => trials.Select(t => dm(t) is { } x ? x * MetresPerDm : double.NaN).ToArray();
        int incomplete = trials.Count(t => t.EndDeviceMicros is null);
        if (incomplete > 0)
        {
            _notes.Add($"{incomplete} trial(s) ended with the session before their grey space ended: stop_time NaN, complete False");
        }

        var columns = new List<(string Name, object Data, string Description)>
        {
            ("start_time", Times(t => At(t.StartHostNanos, t.StartDeviceMicros)), "Corridor entry, s"),
            ("stop_time", Times(t => At(t.EndHostNanos, t.EndDeviceMicros)), "End of the grey space, s; NaN if the session ended first"),
            ("trial", trials.Select(t => t.Trial).ToArray(), "Trial number of the session's task tables (0-based)"),
            ("wall", trials.Select(t => t.Wall).ToArray(), "The corridor's wall texture"),
            ("rewarded", trials.Select(t => t.Rewarded).ToArray(), "The protocol rewards this corridor (whether or not water came)"),
            ("probe", trials.Select(t => t.Probe).ToArray(), "A probe corridor interleaved by the sequence rule"),
            ("complete", trials.Select(t => t.EndDeviceMicros is not null).ToArray(), "The grey space ended before the session did"),
            ("gray_time", Times(t => At(t.GrayHostNanos, t.GrayDeviceMicros)), "Entry into the grey space, s; NaN if never reached"),
            ("cue_time", Times(t => At(t.CueHostNanos, t.CueDeviceMicros)), "The cue tone (the device's tone event), s; NaN without a cue"),
            ("cue_position", Metres(t => t.CuePositionDm), "Position of the cue in the corridor, m; NaN without a cue"),
            ("reward_time", Times(t => At(t.RewardHostNanos, t.RewardDeviceMicros)), "The valve opening of this trial's reward, s; NaN if no water"),
            ("reward_position", Metres(t => t.RewardPositionDm), "Position where the water came, m; NaN if none"),
            ("reward_zone_start", Metres(t => t.RewardZoneStartDm), "Start of the reward zone, m (reward-zone protocols); NaN otherwise"),
            ("reward_volume_ul", trials.Select(t => t.RewardMicrolitres ?? double.NaN).ToArray(), "Water delivered by the valve's calibration, µL; NaN without a reward or uncalibrated"),
            ("lick_count", trials.Select(t => t.Licks).ToArray(), "Lick onsets in the trial"),
        };

        var table = NwbNodes.Group("TimeIntervals");
        table.Attributes["description"] = "Corridor traversals (trials) of the session: entry to the end of the grey space";
        table.Attributes["colnames"] = columns.Select(c => c.Name).ToArray();
        table["id"] = NwbNodes.Dataset("ElementIdentifiers", Enumerable.Range(0, trials.Count).ToArray(), NwbNodes.HdmfCommon);
        foreach (var (name, data, description) in columns)
        {
            table[name] = NwbNodes.Column(data, description);
        }

        File["intervals"] = new H5Group { ["trials"] = table };
    }
}
