using System;
using System.Threading;
using Rig.Firmware;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Experiment.Tasks;
using Rig.Experiment.Vr;
using Rig.Protocol;

namespace Rig.VirtualRig;

/// <summary>
/// Runs the task engine in lockstep with a virtual rig (docs/task.md, "Lockstep in the virtual rig"). In fast mode
/// virtual device time races ahead of host time, so commands sent over the broker would land late in device time and
/// the simulated session would not be what a real one is. Here the engine reads the device's event batches as they
/// are published (so it sees what the bridge will receive, batching delay included), and each command it decides is
/// journaled by the recorder and handed to the device at its next tick. The device's acknowledgements still travel over
/// the broker to the recorder, so the journal pairs every command with its acknowledgement as in a live session.
/// </summary>
public sealed class LockstepTaskDriver : IVirtualRigHook, ITaskJournal
{
    /// <summary>Live metrics are recomputed at a trial end at most this often in device time, µs (keeps long sessions cheap).</summary>
    public const ulong MetricsIntervalMicros = 20_000_000;

    /// <summary>How far before the end of the run the task stops, µs (lick debounce settles within ~1 ms; 10 ms is ample).</summary>
    public const ulong StopMarginMicros = 10_000;

    private readonly SessionRecorder _recorder;
    private readonly SessionDecoder _decoder;
    private readonly IVrSceneSink? _scene;
    private readonly string _sessionId;
    private readonly HostStalls? _stalls;
    private readonly System.Collections.Generic.List<byte[]> _heldBatches = [];
    private ulong _deviceNowMicros;
    private bool _started;
    private int _completedAtLastMetrics = -1;
    private ulong _lastMetricsMicros;

    /// <param name="reward">One reward's open time (<see cref="TaskEngine"/>): from the valve's curve, or uncalibrated; null: the protocol's.</param>
    /// <param name="triggers">Who decides cue and zone positions (<see cref="TriggerPath"/>).</param>
    /// <param name="stalls">Host stalls to inject (benchmarks and tests): while one lasts the engine sees no batch and sends no command.</param>
    public LockstepTaskDriver(SessionRecorder recorder, string rigId, TaskProtocol protocol, double encoderCountsPerCm, IVrSceneSink? scene,
        Rig.Recording.Calibration.RewardDose? reward = null, TriggerPath triggers = TriggerPath.Device, HostStalls? stalls = null)
    {
        _stalls = stalls;
        _recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));
        _scene = scene;
        _sessionId = System.IO.Path.GetFileName(recorder.Folder);
        Engine = new TaskEngine(protocol, encoderCountsPerCm, this, scene, reward: reward, triggers: triggers);
        _decoder = new SessionDecoder(rigId, new EngineSink(Engine));
    }

    public TaskEngine Engine { get; }

    private TaskSessionTables? _liveTables;

    /// <summary>The latest live metrics (recomputed at trial ends), or null before the first completed trial.</summary>
    public BehaviourMetrics? LiveMetrics => LiveTables?.Info.Metrics;

    /// <summary>The live task tables the metrics came from (an immutable copy; the web console draws them), or null before the first completed trial.</summary>
    public TaskSessionTables? LiveTables => Volatile.Read(ref _liveTables);

    public int CommandsDelivered { get; private set; }

    public void Mark(TaskMarker marker) => _recorder.JournalMarker(marker.ToUtf8());

    public void OnPublished(TopicKind topic, byte[] payload)
    {
        if (topic != TopicKind.Events)
        {
            return;
        }

        if (_stalls is { } stalls && stalls.IsStalled(_deviceNowMicros))
        {
            // The host is stalled: the batch waits (in order) as it would in a socket buffer.
            _heldBatches.Add(payload);
            HostStallHeldBatches++;
            return;
        }

        _decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Events, 0, payload));
    }

    /// <summary>Batches that waited for an injected host stall to end.</summary>
    public long HostStallHeldBatches { get; private set; }

    public void OnTick(ulong deviceNowMicros, RigDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _deviceNowMicros = deviceNowMicros;
        if (_stalls is { } stalls)
        {
            if (stalls.IsStalled(deviceNowMicros))
            {
                return;
            }

            ProcessHeld();
        }

        if (!_started)
        {
            _started = true;
            _scene?.OnSessionStarted(_sessionId, Engine.Protocol.Name);
            Engine.Start(deviceNowMicros);
        }

        Engine.Advance(deviceNowMicros);
        Deliver(deviceNowMicros, device);
        if (Engine.TrialsCompleted != _completedAtLastMetrics && Engine.TrialsCompleted > 0
            && (LiveMetrics is null || deviceNowMicros - _lastMetricsMicros >= MetricsIntervalMicros))
        {
            _completedAtLastMetrics = Engine.TrialsCompleted;
            _lastMetricsMicros = deviceNowMicros;
            // Published whole (read by the progress thread): a reader sees the previous tables or these, never a mix.
            Volatile.Write(ref _liveTables, Engine.Tables.Build("live", DateOnly.MinValue, 0));
        }
    }

    public void OnRunEnd(ulong deviceNowMicros, RigDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);

        // A stall that outlasts the run ends with it: the host reads what waited before it stops, as it would.
        ProcessHeld();

        // The task ends a little before now: a lick onset is numbered only once its line has settled, so the last
        // milliseconds may still hold events the device has not published; they would be in the journal but not here.
        Engine.Stop(deviceNowMicros - Math.Min(deviceNowMicros, StopMarginMicros));
        Deliver(deviceNowMicros, device);
        _scene?.OnSessionStopped(_sessionId);
    }

    private void ProcessHeld()
    {
        foreach (byte[] held in _heldBatches)
        {
            _decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Events, 0, held));
        }

        _heldBatches.Clear();
    }

    private void Deliver(ulong deviceNowMicros, RigDevice device)
    {
        foreach (var command in Engine.TakeCommands())
        {
            byte[] bytes = _recorder.JournalDirectCommand(command.Command);
            if (!device.OfferCommand(bytes, 0, bytes.Length, deviceNowMicros))
            {
                throw new InvalidOperationException($"the device's command inbox is full; the task command ({command.Reason}) could not be delivered");
            }

            CommandsDelivered++;
        }
    }

    private sealed class EngineSink(TaskEngine engine) : IEventSink
    {
        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos) =>
            engine.OnEvents(bootId, records);
    }
}

/// <summary>
/// Injected host stalls (device time): from <see cref="FirstMicros"/> on, every <see cref="PeriodMicros"/> the host stops for
/// <see cref="DurationMicros"/> (the benchmark: 1 s every minute), as a garbage collection, a full disk or a swapped-out
/// process would stop it.
/// </summary>
public sealed record HostStalls(ulong PeriodMicros, ulong DurationMicros, ulong FirstMicros)
{
    public bool IsStalled(ulong deviceMicros) =>
        PeriodMicros > 0 && deviceMicros >= FirstMicros && (deviceMicros - FirstMicros) % PeriodMicros < DurationMicros;
}
