using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Experiment.Vr;
using Rig.Protocol;

namespace Rig.Experiment.Tasks;

/// <summary>
/// Runs the task engine against a real rig through the bridge (`rig run --protocol`): the recorder hands it every event
/// as it is journaled; the commands it decides are sent in order through <see cref="SessionRecorder.SendCommandAsync"/>
/// (journaled, acknowledged, refusals and timeouts counted). The device clock "now" is the latest event time received,
/// so time-driven decisions (a Passive delay) wait on the device's own clock, never on the host's.
/// </summary>
public sealed class LiveTaskDriver : IBridgeTask, ITaskJournal
{
    private readonly object _engineGate = new();
    private readonly List<TaskMarker> _pendingMarkers = [];
    private readonly Channel<TaskCommand> _commands = Channel.CreateUnbounded<TaskCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly SceneRateLimiter? _scene;
    private SessionRecorder? _recorder;
    private Task _sender = Task.CompletedTask;
    private ulong _latestDeviceMicros;
    private bool _started;
    private long _refused;
    private long _timedOut;
    private long _sent;

    /// <param name="scene">The renderer's sink; it gets at most one state per display frame (<paramref name="sceneRate"/>, default 60 Hz).</param>
    /// <param name="reward">One reward's open time (<see cref="TaskEngine"/>): from the valve's curve, or uncalibrated.</param>
    public LiveTaskDriver(TaskProtocol protocol, double encoderCountsPerCm, ILogger logger, IVrSceneSink? scene = null, SceneRateOptions? sceneRate = null,
        Rig.Recording.Calibration.RewardDose? reward = null, TriggerPath triggers = TriggerPath.Device)
    {
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _scene = scene is null ? null : new SceneRateLimiter(scene, sceneRate ?? new SceneRateOptions());
        Engine = new TaskEngine(protocol, encoderCountsPerCm, this, _scene, reward: reward, triggers: triggers);
    }

    public TaskEngine Engine { get; }

    public long CommandsSent => Interlocked.Read(ref _sent);

    /// <summary>Commands the device refused (an acknowledgement other than Ok).</summary>
    public long CommandsRefused => Interlocked.Read(ref _refused);

    /// <summary>Commands that got no acknowledgement in time.</summary>
    public long CommandsTimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Trials completed so far (thread-safe read for progress displays).</summary>
    public int TrialsCompleted
    {
        get
        {
            lock (_engineGate)
            {
                return Engine.TrialsCompleted;
            }
        }
    }

    /// <summary>The live tables so far (a copy built under the engine's lock).</summary>
    public TaskSessionTables BuildLive(string mouse, DateOnly date, int block)
    {
        lock (_engineGate)
        {
            return Engine.Tables.Build(mouse, date, block);
        }
    }

    /// <summary>summary.json's "task_positions" section from the live tables (under the engine's lock); null before the plan.</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement>? SummarySections()
    {
        lock (_engineGate)
        {
            return TaskPositionReport.SummarySections(Engine);
        }
    }

    public void Mark(TaskMarker marker) => _pendingMarkers.Add(marker);

    public async Task StartAsync(SessionRecorder recorder, CancellationToken cancellationToken)
    {
        _recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));

        // The device's clock now: a ping's acknowledgement carries it.
        var ping = await recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.Ping }, cancellationToken);
        lock (_engineGate)
        {
            _latestDeviceMicros = Math.Max(_latestDeviceMicros, ping.DeviceMicros);
            _scene?.OnSessionStarted(System.IO.Path.GetFileName(recorder.Folder), Engine.Protocol.Name);
            Engine.Start(ping.DeviceMicros);
            _started = true;
        }

        FlushMarkers();
        _sender = Task.Run(() => SendLoopAsync(recorder), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_engineGate)
        {
            if (!_started)
            {
                return;
            }

            Engine.Stop(_latestDeviceMicros);
            Queue();
            _scene?.OnSessionStopped(System.IO.Path.GetFileName(_recorder!.Folder));
        }

        FlushMarkers();
        _commands.Writer.TryComplete();
        await _sender.WaitAsync(cancellationToken);
    }

    // Called by the recorder under its lock, on its receive loop: decide, queue, never wait.
    public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
    {
        lock (_engineGate)
        {
            foreach (var r in records)
            {
                _latestDeviceMicros = Math.Max(_latestDeviceMicros, r.DeviceMicros);
            }

            Engine.OnEvents(bootId, records);
            if (_started)
            {
                Engine.Advance(_latestDeviceMicros);
                Queue();
            }
        }

        FlushMarkers();
    }

    private void Queue()
    {
        foreach (var command in Engine.TakeCommands())
        {
            _commands.Writer.TryWrite(command);
        }
    }

    // Markers are journaled outside the engine's lock: the recorder takes its own lock to journal, and a thread holding
    // it may be waiting for the engine's (the receive loop), so never hold the engine's lock while journaling.
    private void FlushMarkers()
    {
        TaskMarker[] markers;
        lock (_engineGate)
        {
            markers = [.. _pendingMarkers];
            _pendingMarkers.Clear();
        }

        foreach (var marker in markers)
        {
            _recorder?.JournalMarker(marker.ToUtf8());
        }
    }

    private async Task SendLoopAsync(SessionRecorder recorder)
    {
        await foreach (var command in _commands.Reader.ReadAllAsync())
        {
            try
            {
                var ack = await recorder.SendCommandAsync(command.Command, CancellationToken.None);
                Interlocked.Increment(ref _sent);
                if (ack.Result != AckResult.Ok)
                {
                    Interlocked.Increment(ref _refused);
                    // A WaterBudget refusal is the device's water limit, not a fault: counted and logged like any refusal, with its
                    // detail (µs until it would fit, 4294967295 never), and the session goes on.
                    _logger.LogWarning("device refused {Opcode} ({Reason}, trial {Trial}): {Result} (detail {Detail})", command.Command.Opcode, command.Reason, command.Trial, ack.Result, ack.Detail);
                }
            }
            catch (CommandTimeoutException e)
            {
                Interlocked.Increment(ref _timedOut);
                _logger.LogWarning("task command timed out ({Reason}, trial {Trial}): {Message}", command.Reason, command.Trial, e.Message);
            }
        }
    }
}
