using System;
using System.Collections.Generic;
using Rig.Experiment.Vr;
using Rig.Protocol;

namespace Rig.Experiment.Tasks;

/// <summary>Where the engine's decisions go on the record (the session journal's Marker records).</summary>
public interface ITaskJournal
{
    void Mark(TaskMarker marker);
}

/// <summary>Who decides where the cue plays and the reward zone opens and closes (docs/task.md, "Position triggers on the device").</summary>
public enum TriggerPath
{
    /// <summary>The device, at the encoder sample that reaches a threshold the engine armed ahead of time (ArmTrigger): no host or network delay moves them.</summary>
    Device,

    /// <summary>The engine, when its corridor model sees the position pass (PlayTone, ArmReward, Disarm): the path before position triggers, kept as the baseline.</summary>
    Host,
}

/// <summary>A command the engine wants sent, with why (for logs and the journal).</summary>
public readonly record struct TaskCommand(Command Command, string Reason, int Trial);

/// <summary>
/// The task engine: a hardware-free state machine driven by device-time inputs (encoder samples, licks, tone and valve
/// events, and the device clock as it advances) that emits device commands (PlayTone for the cue, ArmReward windows so
/// the device opens the valve on the first lick, PulseValve for Passive rewards, Disarm at the grey space) and
/// journals each decision as a task marker. It never waits on anything: whoever drives it delivers the commands (over
/// the link in `rig run`, in lockstep with the simulation in the virtual rig; docs/task.md).
/// </summary>
public sealed class TaskEngine
{
    /// <summary>An armed window lasts at most this long, µs; the engine disarms at the grey space well before (a corridor takes seconds).</summary>
    public const ulong MaxArmWindowMicros = 120_000_000;

    private readonly TaskProtocol _protocol;
    private readonly double _countsPerCm;
    private readonly ITaskJournal _journal;
    private readonly IVrSceneSink? _scene;
    private readonly IReadOnlyList<PlannedTrial> _plan;
    private readonly CorridorModel _model;
    private readonly List<TaskCommand> _outbox = [];
    private readonly byte _valveChannel;
    private readonly Rig.Recording.Calibration.RewardDose? _reward;
    private ulong _nowMicros;
    private bool _started;
    private bool _stopped;
    private ulong _cueActiveUntil;
    private ulong _startMicros;
    private ulong _lastEncoderMicros;
    private bool _haveEncoder;

    // Per-trial state.
    private bool _cueCommanded;
    private bool _armed;
    private bool _rewarded;
    private ulong? _passiveDueMicros;

    // Device-triggered path.
    private readonly TriggerPath _path;
    private readonly RunGate _gate = new();
    private bool _awaitingOrigin;
    private ulong _planMicros;
    private int _armedThroughTrial = -1;

    /// <param name="reward">The open time of one reward (from the valve's calibration curve, or the protocol's with
    /// `--uncalibrated`); null: the protocol's `valve_open_ms`, recorded as no dose (libraries and tests that do not dose).</param>
    /// <param name="triggers">Who decides cue and zone positions: the device (default) or this engine (the baseline).</param>
    public TaskEngine(TaskProtocol protocol, double encoderCountsPerCm, ITaskJournal journal, IVrSceneSink? scene = null, byte valveChannel = 0,
        Rig.Recording.Calibration.RewardDose? reward = null, TriggerPath triggers = TriggerPath.Device)
    {
        _path = triggers;
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(journal);
        _protocol = protocol;
        _countsPerCm = encoderCountsPerCm;
        _journal = journal;
        _scene = scene;
        _valveChannel = valveChannel;
        if (reward is not null && reward.Valve != valveChannel)
        {
            throw new ArgumentException($"the reward dose is for valve {reward.Valve}, but the task rewards on valve {valveChannel}", nameof(reward));
        }

        _reward = reward;
        _plan = TrialPlan.Create(protocol);
        _model = new CorridorModel(protocol, encoderCountsPerCm, _plan.Count);
        Tables = new TaskTableBuilder();
    }

    public TaskProtocol Protocol => _protocol;

    /// <summary>The live task tables: fed the same markers and events the journal holds.</summary>
    public TaskTableBuilder Tables { get; }

    public int Trial => _model.Trial;

    public int TrialsStarted => _model.TrialsStarted;

    public int TrialsCompleted { get; private set; }

    public int CommandsIssued { get; private set; }

    public TriggerPath Triggers => _path;

    /// <summary>The device's run-gated distance as this engine mirrors it (<see cref="RunGate"/>), µm.</summary>
    public long MirroredGatedDistanceMicrometres => _gate.DistanceMicrometres;

    /// <summary>Encoder samples that arrived after a later one (a resent batch) and were not used live.</summary>
    public long LateEncoderSamples { get; private set; }

    /// <summary>Journals the plan and starts the first trial at the next encoder sample.</summary>
    public void Start(ulong deviceMicros)
    {
        if (_started)
        {
            throw new InvalidOperationException("the task already started");
        }

        _started = true;
        _nowMicros = deviceMicros;
        _startMicros = deviceMicros;
        _planMicros = deviceMicros;
        Mark(new TaskMarker
        {
            Event = TaskMarker.Plan,
            DeviceMicros = deviceMicros,
            Protocol = _protocol,
            EncoderCountsPerCm = _countsPerCm,
            Trials = _plan,
            Reward = _reward,
            TriggerPath = _path == TriggerPath.Device ? "device" : null,
        });
        if (_path == TriggerPath.Host)
        {
            Begin(deviceMicros);
            return;
        }

        // The trial starts once the device has cleared its triggers and restarted its run-gated distance: its Origin
        // event says after which sample, and the corridor model starts at the next, so both integrate the same samples.
        _awaitingOrigin = true;
        var gate = GateParameters();
        Issue(new Command
        {
            Opcode = CommandOpcode.ResetTriggers,
            Channel = 0,
            GateThresholdMilliCountsPerSecond = gate.ThresholdMilliCountsPerSecond,
            GatedSpeedMicrometresPerSecond = gate.SpeedMicrometresPerSecond,
            SpeedWindowMicros = gate.WindowMicros,
        }, TaskMarker.ResetTriggers, "clear the device's triggers and start its run-gated distance");
    }

    /// <summary>The protocol's run gate in the device's integer units (<see cref="RunGate"/>).</summary>
    public (uint ThresholdMilliCountsPerSecond, uint SpeedMicrometresPerSecond, uint WindowMicros) GateParameters()
    {
        var movement = _protocol.Movement;
        return ((uint)Math.Round(movement.RunThresholdCmPerSecond * _countsPerCm * 1000), (uint)Math.Round(movement.RunGatedSpeedCmPerSecond * 10_000),
            (uint)CorridorModel.SpeedWindowMicros);
    }

    private void Begin(ulong startMicros)
    {
        _startMicros = startMicros;
        Mark(new TaskMarker { Event = TaskMarker.Start, DeviceMicros = startMicros });
        _model.Start(startMicros);
    }

    /// <summary>Ends the task: no further trial starts, an armed reward is cancelled.</summary>
    public void Stop(ulong deviceMicros)
    {
        if (!_started || _stopped)
        {
            return;
        }

        _stopped = true;
        _model.StopStartingTrials(deviceMicros);
        if (_path == TriggerPath.Device)
        {
            // Triggers armed for a trial that will not run must not fire, and a zone the device opened must close.
            var gate = GateParameters();
            Issue(new Command
            {
                Opcode = CommandOpcode.ResetTriggers,
                GateThresholdMilliCountsPerSecond = gate.ThresholdMilliCountsPerSecond,
                GatedSpeedMicrometresPerSecond = gate.SpeedMicrometresPerSecond,
                SpeedWindowMicros = gate.WindowMicros,
            }, TaskMarker.ResetTriggers, "session stop");
            DisarmNow("session stop");
        }
        else if (_armed)
        {
            DisarmNow("session stop");
        }

        Mark(new TaskMarker { Event = TaskMarker.Stop, DeviceMicros = deviceMicros, Trial = _model.Trial });
    }

    /// <summary>Feeds device events (one batch, in sequence order).</summary>
    public void OnEvents(uint bootId, ReadOnlySpan<EventRecord> records)
    {
        Tables.OnEvents(bootId, records);
        if (!_started)
        {
            return;
        }

        foreach (var r in records)
        {
            if (_awaitingOrigin && r.Kind == EventKind.Trigger && r.Channel == 0 && (r.Value & 0xFF) == TriggerAction.Origin)
            {
                _awaitingOrigin = false;
                var gate = GateParameters();
                _gate.Reset(gate.ThresholdMilliCountsPerSecond, gate.SpeedMicrometresPerSecond, gate.WindowMicros);

                // The origin is the last sample the device reported before the reset, which on a still wheel can be a
                // keep-alive from before the task started; nothing was reported between it and the reset, so starting at
                // the task's start instead counts the same samples and keeps the task's span from reaching back before it.
                Begin(Math.Max(r.DeviceMicros + 1, _planMicros));
                continue;
            }

            if (_awaitingOrigin || r.DeviceMicros < _startMicros)
            {
                // From before the task (a batch resent from the session's start): not the task's business.
                continue;
            }

            switch (r.Kind)
            {
                case EventKind.Encoder when r.Channel == 0:
                    if (_haveEncoder && r.DeviceMicros <= _lastEncoderMicros)
                    {
                        // A late sample (its batch was resent): the corridor has moved on; counted, and the offline
                        // rebuild, which sorts, will show the difference.
                        LateEncoderSamples++;
                        break;
                    }

                    _haveEncoder = true;
                    _lastEncoderMicros = r.DeviceMicros;
                    OnEncoder(r.DeviceMicros, r.Value);
                    break;
                case EventKind.Tone when r.Value > 0:
                    // The cue as the device played it: a Passive reward is timed from here, not from the command.
                    _cueActiveUntil = r.DeviceMicros + (ulong)((_protocol.Cue?.ToneDurationMs ?? 0) * 1000);
                    if (_protocol.Reward.Mode == BehaviourMetricsCalculator.Passive && CurrentRewarded && _passiveDueMicros is null && !_rewarded)
                    {
                        _passiveDueMicros = r.DeviceMicros + (ulong)Math.Round(_protocol.Reward.DelayMs * 1000);
                    }

                    break;
                case EventKind.Valve when r.Channel == _valveChannel && r.Value > 0:
                    _rewarded = true;
                    _armed = false;
                    break;
            }
        }

        // The batch's states all reached the sink at this one host instant: the last is the newest to show (SceneRateLimiter).
        (_scene as IVrSceneBatchSink)?.OnSceneBatchEnd();
    }

    /// <summary>The device clock has reached <paramref name="deviceNowMicros"/>: time-driven decisions (a Passive reward's delay).</summary>
    public void Advance(ulong deviceNowMicros)
    {
        _nowMicros = Math.Max(_nowMicros, deviceNowMicros);
        if (_passiveDueMicros is { } due && deviceNowMicros >= due && !_rewarded && !_stopped)
        {
            _passiveDueMicros = null;
            _rewarded = true;
            Issue(new Command { Opcode = CommandOpcode.PulseValve, Channel = _valveChannel, DurationMicros = ValveMicros }, TaskMarker.Pulse,
                "passive reward");
        }
    }

    /// <summary>Commands decided since the last call, in order.</summary>
    public IReadOnlyList<TaskCommand> TakeCommands()
    {
        var commands = _outbox.ToArray();
        _outbox.Clear();
        return commands;
    }

    private bool CurrentRewarded => _model.Trial >= 0 && _plan[_model.Trial].Rewarded;

    /// <summary>One reward's open time: the dose's (µL through the valve's curve) when the session has one.</summary>
    private uint ValveMicros => _reward?.ValveOpenMicros ?? (uint)Math.Round(_protocol.Reward.ValveOpenMs * 1000);

    private void OnEncoder(ulong micros, long count)
    {
        _nowMicros = Math.Max(_nowMicros, micros);
        bool device = _path == TriggerPath.Device;
        if (device)
        {
            _gate.OnSample(micros, count);
        }

        var step = _model.OnEncoder(micros, count);
        if (step.Gray >= 0)
        {
            Mark(new TaskMarker { Event = TaskMarker.Gray, DeviceMicros = micros, Trial = step.Gray });
            if (_armed && !device)
            {
                DisarmNow("grey space");
            }
        }

        if (step.Ended >= 0)
        {
            TrialsCompleted++;
            Mark(new TaskMarker { Event = TaskMarker.TrialEnd, DeviceMicros = micros, Trial = step.Ended });
            if (_armed && !device)
            {
                DisarmNow("trial end");
            }
        }

        if (step.Started >= 0)
        {
            _cueCommanded = false;
            _armed = false;
            _rewarded = false;
            _passiveDueMicros = null;
            var p = _plan[step.Started];
            Mark(new TaskMarker { Event = TaskMarker.TrialStart, DeviceMicros = micros, Trial = step.Started, Detail = p.Wall });
            if (device && !_stopped)
            {
                ArmAhead(step.Started, count);
            }
        }

        if (!device && _model.Trial >= 0 && !_model.InGray && !_stopped)
        {
            Decide(micros);
        }

        _scene?.OnScene(new Vr.VrSceneState(micros, _model.Trial, _model.Trial >= 0 ? _plan[_model.Trial].Wall : "", _model.PositionDm,
            _model.InGray, micros < _cueActiveUntil, _model.SpeedCmPerSecond, _model.LastMovementCounts));
    }

    private void Decide(ulong micros)
    {
        var p = _plan[_model.Trial];
        double position = _model.PositionDm;
        if (_protocol.Cue is { } cue && p.CueDm is { } cueDm && !_cueCommanded && position >= cueDm)
        {
            _cueCommanded = true;
            Issue(new Command
            {
                Opcode = CommandOpcode.PlayTone,
                FrequencyHz = (ushort)cue.ToneFrequencyHz,
                DurationMicros = (uint)Math.Round(cue.ToneDurationMs * 1000),
            }, TaskMarker.Cue, $"cue planned at {cueDm:0.0} dm");
            if (p.Rewarded && _protocol.Reward.Mode == BehaviourMetricsCalculator.ActiveAfterCue)
            {
                Arm(micros, "first lick after the cue");
            }
        }

        if (p.Rewarded && _protocol.Reward.Mode == BehaviourMetricsCalculator.RewardZone && p.ZoneStartDm is { } zone && !_armed && !_rewarded
            && position >= zone && position < _protocol.Reward.ZoneEndDm)
        {
            Arm(micros, $"reward zone from {zone:0.0} dm");
        }

        if (_armed && _protocol.Reward.Mode == BehaviourMetricsCalculator.RewardZone && position >= _protocol.Reward.ZoneEndDm)
        {
            DisarmNow("end of the reward zone");
        }
    }

    /// <summary>
    /// At trial <paramref name="trial"/>'s first sample: arms its triggers unless they already are, and the next trial's,
    /// so a host that stalls across a trial end still finds the next cue armed. Thresholds are in the device's
    /// coordinate (the encoder count, or its run-gated distance, which this engine mirrors sample by sample): the
    /// corridor position is that coordinate from the trial's start, and the next trial starts where this one's
    /// position reaches the corridor length (the model carries the overshoot over), so both are known now.
    /// </summary>
    private void ArmAhead(int trial, long count)
    {
        bool gated = _protocol.Movement.Mode == MovementMode.RunGated;
        double unitsPerDm = gated ? 100_000.0 : _countsPerCm / _protocol.Movement.GainDmPerCm;
        var movement = _protocol.Movement;
        double anchor = gated ? _gate.GatedMicros * Math.Round(movement.RunGatedSpeedCmPerSecond * 10_000) / 1e6 : count;
        double startDm = _model.PositionDm;
        if (_armedThroughTrial < trial)
        {
            ArmTrial(trial, anchor - startDm * unitsPerDm, unitsPerDm, gated);
        }

        if (trial + 1 < _plan.Count && _armedThroughTrial < trial + 1)
        {
            ArmTrial(trial + 1, anchor + (_protocol.CorridorLengthDm - startDm) * unitsPerDm, unitsPerDm, gated);
        }
    }

    /// <param name="zero">The device coordinate at which this trial's position would be 0.</param>
    private void ArmTrial(int trial, double zero, double unitsPerDm, bool gated)
    {
        _armedThroughTrial = trial;
        var p = _plan[trial];
        void Trigger(byte action, string name, double positionDm, ushort frequencyHz, uint durationMicros)
        {
            // The first sample at or above the position: a threshold just above an exact multiple is not rounded past it.
            long threshold = (long)Math.Ceiling(zero + positionDm * unitsPerDm - 1e-6);
            CommandsIssued++;
            _outbox.Add(new TaskCommand(new Command
            {
                Opcode = CommandOpcode.ArmTrigger,
                TriggerTag = (uint)trial,
                TriggerAction = action,
                TriggerMode = gated ? TriggerMode.GatedDistance : TriggerMode.Count,
                Channel = 0,
                ValveChannel = _valveChannel,
                Threshold = threshold,
                FrequencyHz = frequencyHz,
                DurationMicros = durationMicros,
            }, $"{name} at {positionDm:0.00} dm", trial));
            Mark(new TaskMarker
            {
                Event = TaskMarker.ArmTrigger, DeviceMicros = _nowMicros, Trial = trial, PositionDm = positionDm, Action = name,
                Threshold = threshold, Detail = gated ? "run-gated distance µm" : "encoder count",
            });
        }

        if (_protocol.Cue is { } cue && p.CueDm is { } cueDm)
        {
            Trigger(TriggerAction.PlayCue, "cue", cueDm, (ushort)cue.ToneFrequencyHz, (uint)Math.Round(cue.ToneDurationMs * 1000));
            if (p.Rewarded && _protocol.Reward.Mode == BehaviourMetricsCalculator.ActiveAfterCue)
            {
                Trigger(TriggerAction.OpenZone, "zone_open", cueDm, 0, ValveMicros);
                Trigger(TriggerAction.CloseZone, "zone_close", _protocol.TextureLengthDm, 0, 0);
            }
        }

        if (p.Rewarded && _protocol.Reward.Mode == BehaviourMetricsCalculator.RewardZone && p.ZoneStartDm is { } zone)
        {
            Trigger(TriggerAction.OpenZone, "zone_open", zone, 0, ValveMicros);
            Trigger(TriggerAction.CloseZone, "zone_close", _protocol.Reward.ZoneEndDm, 0, 0);
        }

        Trigger(TriggerAction.TextureEnd, "texture_end", _protocol.TextureLengthDm, 0, 0);
    }

    private void Arm(ulong micros, string why)
    {
        _armed = true;
        Issue(new Command
        {
            Opcode = CommandOpcode.ArmReward,
            Channel = _valveChannel,
            DurationMicros = ValveMicros,
            WindowStartMicros = micros,
            WindowEndMicros = micros + MaxArmWindowMicros,
        }, TaskMarker.Arm, why);
    }

    private void DisarmNow(string why)
    {
        _armed = false;
        Issue(new Command { Opcode = CommandOpcode.Disarm }, TaskMarker.Disarm, why);
    }

    private void Issue(Command command, string marker, string why)
    {
        CommandsIssued++;
        _outbox.Add(new TaskCommand(command, why, _model.Trial));
        Mark(new TaskMarker { Event = marker, DeviceMicros = _nowMicros, Trial = _model.Trial, PositionDm = Finite(_model.PositionDm), Detail = why });
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private void Mark(TaskMarker marker)
    {
        _journal.Mark(marker);
        Tables.OnMarker(marker);
    }
}
