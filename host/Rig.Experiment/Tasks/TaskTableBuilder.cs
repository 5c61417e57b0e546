using System;
using System.Collections.Generic;
using Rig.Experiment.Alignment;
using Rig.Protocol;

namespace Rig.Experiment.Tasks;

/// <summary>
/// Derives the task tables (trials, licks, per-frame VR state) from the task markers and the device's events. The live
/// engine feeds it what it journals and what it receives; <see cref="TaskReplay"/> feeds it the journal read back.
/// One code path, so live and offline give the same table. Events may arrive in any order (batches, resends); they are
/// sorted by device time before anything is derived.
/// </summary>
public sealed class TaskTableBuilder
{
    private readonly List<(ulong Micros, long Count)> _encoder = [];
    private readonly List<ulong> _lickOnsets = [];
    private readonly List<ulong> _toneOn = [];
    private readonly List<ulong> _valveOpen = [];
    private readonly List<ulong> _frameEdges = [];
    private readonly List<(ulong Micros, long Tag)> _zoneOpenTriggers = [];
    private readonly List<(ulong Micros, int Trial)> _armMarkers = [];
    private uint? _boot;

    public TaskMarker? PlanMarker { get; private set; }

    public ulong? StartDeviceMicros { get; private set; }

    public ulong? StopDeviceMicros { get; private set; }

    /// <summary>Events of another boot than the task's (a device reset mid-session): counted, not used.</summary>
    public long OtherBootEvents { get; private set; }

    public void OnMarker(TaskMarker marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        switch (marker.Event)
        {
            case TaskMarker.Plan:
                PlanMarker = marker;
                break;
            case TaskMarker.Start:
                StartDeviceMicros = marker.DeviceMicros;
                break;
            case TaskMarker.Stop:
                StopDeviceMicros = marker.DeviceMicros;
                break;
            case TaskMarker.Arm when marker.Trial is { } trial:
                _armMarkers.Add((marker.DeviceMicros, trial));
                break;
        }
    }

    public void OnEvents(uint bootId, ReadOnlySpan<EventRecord> records)
    {
        _boot ??= bootId;
        if (bootId != _boot)
        {
            OtherBootEvents += records.Length;
            return;
        }

        foreach (var r in records)
        {
            switch (r.Kind)
            {
                case EventKind.Encoder when r.Channel == 0:
                    _encoder.Add((r.DeviceMicros, r.Value));
                    break;
                case EventKind.Lick when r.Channel == 0 && r.Value == 1:
                    _lickOnsets.Add(r.DeviceMicros);
                    break;
                case EventKind.Tone when r.Value > 0:
                    _toneOn.Add(r.DeviceMicros);
                    break;
                case EventKind.Valve when r.Channel == 0 && r.Value > 0:
                    _valveOpen.Add(r.DeviceMicros);
                    break;
                case EventKind.Frame when r.Channel == 0:
                    _frameEdges.Add(r.DeviceMicros);
                    break;
                case EventKind.Trigger when (r.Value & 0xFF) == TriggerAction.OpenZone:
                    _zoneOpenTriggers.Add((r.DeviceMicros, r.Value >> 8));
                    break;
            }
        }
    }

    /// <summary>Builds the tables. <paramref name="hostNanos"/> maps device µs to host ns (the clock map) where one exists.</summary>
    public TaskSessionTables Build(string mouse, DateOnly sessionDate, int block, Func<ulong, long?>? hostNanos = null)
    {
        var plan = PlanMarker ?? throw new InvalidOperationException("no task plan marker: the session was not run with a protocol");
        var protocol = plan.Protocol ?? throw new InvalidOperationException("the task plan marker carries no protocol");
        var planned = plan.Trials ?? [];
        hostNanos ??= _ => null;

        // One reward's µL: by the curve when the session dosed through it; unknown with --uncalibrated; the protocol's
        // figure for journals that carry no dose (run before doses were recorded, or by a caller that does not dose).
        double perReward = plan.Reward is not { } dose ? protocol.Reward.VolumeMicroliters
            : dose.Calibrated ? dose.VolumeMicrolitres : double.NaN;

        // Only the task's own span: the live engine sees events from its start to its stop, the journal holds more.
        ulong from = StartDeviceMicros ?? plan.DeviceMicros;
        ulong to = StopDeviceMicros ?? ulong.MaxValue;
        bool Inside(ulong micros) => micros >= from && micros <= to;
        _encoder.RemoveAll(e => !Inside(e.Micros));
        _lickOnsets.RemoveAll(t => !Inside(t));
        _toneOn.RemoveAll(t => !Inside(t));
        _valveOpen.RemoveAll(t => !Inside(t));
        _encoder.Sort((a, b) => a.Micros != b.Micros ? a.Micros.CompareTo(b.Micros) : a.Count.CompareTo(b.Count));
        _lickOnsets.Sort();
        _toneOn.Sort();
        _valveOpen.Sort();

        // The corridor as the engine saw it: the same model over the same samples.
        var model = new CorridorModel(protocol, plan.EncoderCountsPerCm ?? 1, planned.Count);
        model.Start(StartDeviceMicros ?? plan.DeviceMicros);
        if (StopDeviceMicros is { } stop)
        {
            model.StopStartingTrials(stop);
        }

        var samples = new List<(ulong Micros, int Trial, double PositionDm, double Speed)>(_encoder.Count);
        var starts = new List<ulong>();
        var grays = new Dictionary<int, ulong>();
        var ends = new Dictionary<int, ulong>();
        ulong? previous = null;
        foreach (var (micros, count) in _encoder)
        {
            if (previous == micros)
            {
                continue; // A duplicate sample time (resent data) carries nothing new.
            }

            previous = micros;
            var step = model.OnEncoder(micros, count);
            if (step.Ended >= 0)
            {
                ends[step.Ended] = micros;
            }

            if (step.Started >= 0)
            {
                starts.Add(micros);
            }

            if (step.Gray >= 0)
            {
                grays[step.Gray] = micros;
            }

            samples.Add((micros, model.Trial, model.PositionDm, model.SpeedCmPerSecond));
        }

        // Every frame edge, so frame indices match derived/frames.csv (SessionAlignment numbers from the first edge).
        var timeline = FrameTimeline.Build(_frameEdges);
        double? FrameOf(ulong micros) => timeline.Locate(micros) is { } f ? f.Frame + f.Fraction : null;
        (int Trial, double PositionDm, double Speed) At(ulong micros)
        {
            int lo = 0, hi = samples.Count - 1, found = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) / 2;
                if (samples[mid].Micros <= micros)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return found < 0 ? (-1, double.NaN, 0) : (samples[found].Trial, samples[found].PositionDm, samples[found].Speed);
        }

        ulong? FirstIn(List<ulong> times, ulong from, ulong? to)
        {
            int i = times.BinarySearch(from);
            i = i >= 0 ? i : ~i;
            return i < times.Count && (to is null || times[i] < to) ? times[i] : null;
        }

        var licks = new List<LickRow>(_lickOnsets.Count);
        var licksPerTrial = new int[starts.Count];
        foreach (ulong micros in _lickOnsets)
        {
            var (trial, position, _) = At(micros);
            if (trial >= 0 && trial < licksPerTrial.Length)
            {
                licksPerTrial[trial]++;
            }

            licks.Add(new LickRow(micros, hostNanos(micros), trial, trial >= 0 ? position : double.NaN, FrameOf(micros)));
        }

        var trials = new List<TrialRow>(starts.Count);
        for (int t = 0; t < starts.Count; t++)
        {
            var p = planned[t];
            ulong start = starts[t];
            ulong? end = ends.TryGetValue(t, out var e) ? e : null;
            ulong? gray = grays.TryGetValue(t, out var g) ? g : null;
            ulong? cue = protocol.Cue is null ? null : FirstIn(_toneOn, start, gray ?? end);
            ulong? reward = FirstIn(_valveOpen, start, end);
            trials.Add(new TrialRow(t, p.Wall, p.Rewarded, p.Probe, start, gray, end, cue, cue is { } c ? At(c).PositionDm : null,
                reward, reward is { } r ? At(r).PositionDm : null, p.ZoneStartDm, licksPerTrial[t], hostNanos(start),
                gray is { } g2 ? hostNanos(g2) : null, end is { } e2 ? hostNanos(e2) : null, cue is { } c2 ? hostNanos(c2) : null,
                reward is { } r2 ? hostNanos(r2) : null, cue is { } c3 ? FrameOf(c3) : null,
                reward is not null && double.IsFinite(perReward) ? perReward : null));
        }

        var frames = new List<FramePositionRow>();
        foreach (var (frame, _, edge) in timeline.AllFrames())
        {
            if (!Inside(edge))
            {
                continue;
            }

            var (trial, position, speed) = At(edge);
            frames.Add(new FramePositionRow(frame, edge, hostNanos(edge), trial, trial >= 0 && trial < planned.Count ? planned[trial].Wall : "",
                trial >= 0 ? position : double.NaN, speed));
        }

        var metrics = BehaviourMetricsCalculator.Compute(trials, licks, protocol.Reward.Mode, protocol.Reward.DelayMs,
            perReward, frames);
        var info = new TaskSessionInfo(protocol.Name, protocol.ExperimentType, mouse, sessionDate, block, protocol.Reward.Mode,
            protocol.Reward.DelayMs, protocol.CorridorLengthDm, protocol.TextureLengthDm, protocol.GrayLengthDm, metrics, plan.Reward);

        // Where the cue played and the reward zone opened, against the plan: the device-triggered path's whole point.
        // The zone opened at its OpenZone trigger event (device path) or, on the host path, at the engine's arm.
        bool devicePath = plan.TriggerPath == "device";
        var cueErrors = new List<double>();
        var zoneErrors = new List<double>();
        for (int t = 0; t < trials.Count; t++)
        {
            var row = trials[t];
            if (planned[t].CueDm is { } plannedCue && row.CuePositionDm is { } played)
            {
                cueErrors.Add(played - plannedCue);
            }

            if (protocol.Reward.Mode == BehaviourMetricsCalculator.RewardZone && row.Rewarded && planned[t].ZoneStartDm is { } zone)
            {
                ulong? opened = null;
                foreach (var (micros, tag) in _zoneOpenTriggers)
                {
                    if (devicePath && tag == t && Inside(micros) && (opened is null || micros < opened))
                    {
                        opened = micros;
                    }
                }

                foreach (var (micros, trial) in _armMarkers)
                {
                    if (!devicePath && trial == t && (opened is null || micros < opened))
                    {
                        opened = micros;
                    }
                }

                if (opened is { } o && At(o) is { Trial: var at, PositionDm: var position } && at == t)
                {
                    zoneErrors.Add(position - zone);
                }
            }
        }

        return new TaskSessionTables(info, trials, licks, frames)
        {
            Positions = PositionErrors.From(devicePath ? "device" : "host", cueErrors, zoneErrors),
        };
    }
}
