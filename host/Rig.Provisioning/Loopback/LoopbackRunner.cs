using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Protocol;

namespace Rig.Provisioning.Loopback;

/// <summary>How one loopback run is made.</summary>
public sealed record LoopbackRunOptions
{
    public required LoopbackScenario Scenario { get; init; }

    public int Pulses { get; init; } = 1000;

    /// <summary>Seed of the device's random intervals and widths (not 0).</summary>
    public uint Seed { get; init; } = 1;

    /// <summary>Pings sent before the train, for the command round trip.</summary>
    public int Pings { get; init; } = 100;

    public LoopbackThresholds Thresholds { get; init; } = LoopbackThresholds.Default;

    /// <summary>
    /// After this many pulses have been played and none came back, the train is stopped and the run reported as
    /// "no edges": a disconnected wire fails in about this many pulse periods, not after the whole train.
    /// </summary>
    public int NoEdgePulses { get; init; } = 5;

    /// <summary>
    /// Device time waited after an edge before it counts as not come back, µs: the matching window plus the lick
    /// detector's debounce (1 ms) and a batch's age (20 ms), generously.
    /// </summary>
    public uint SettleMicros { get; init; } = 50_000;

    /// <summary>Wall time allowed beyond the train's planned length before the run gives up.</summary>
    public TimeSpan ExtraWallTime { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Passive scenario (scanner frame clock): how long to listen, device time.</summary>
    public TimeSpan ListenTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Passive scenario: with no frame at all after this much device time, the run stops as "no edges".</summary>
    public TimeSpan NoFramesTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>renderer-to-photodiode: the renderer whose frames are watched (the virtual rig's simulated screen); null on hardware.</summary>
    public ILoopbackScreen? Screen { get; init; }

    /// <summary>"hardware", or a description of the virtual rig's wire model.</summary>
    public string Target { get; init; } = "hardware";

    public void Validate()
    {
        if (Pulses is < 1 or > ushort.MaxValue)
        {
            throw new LoopbackInputException($"--pulses must be 1 to {ushort.MaxValue}, not {Pulses}");
        }

        if (Seed == 0)
        {
            throw new LoopbackInputException("--seed must not be 0 (the device's xorshift generator would stay at 0)");
        }

        if (Pings < 1)
        {
            throw new LoopbackInputException($"--pings must be at least 1, not {Pings}");
        }

        if (ListenTime <= TimeSpan.Zero || ListenTime.TotalMicroseconds > uint.MaxValue)
        {
            throw new LoopbackInputException($"--seconds must be more than 0 and at most {uint.MaxValue / 1e6:0} s");
        }

        if (NoEdgePulses < 1)
        {
            throw new LoopbackInputException("NoEdgePulses must be at least 1");
        }
    }
}

/// <summary>
/// Runs one loopback test through a recording bridge: pings for the round trip, then a PulseTrain command (the
/// device schedules the pulses in its own time and records each output edge where the hardware switched it), then
/// waits until the device's clock has passed the train's end, and matches the output edges with the input edges
/// the capture layer recorded. Stops early, and says which input, when nothing comes back.
/// </summary>
public sealed class LoopbackRunner
{
    /// <summary>How late a main loop may switch an output edge, µs: 2 ms, twice the device's 1 ms loop (docs/firmware.md).</summary>
    public const ulong LoopAllowanceMicrosPerEdge = 2_000;

    private readonly SessionRecorder _recorder;
    private readonly LoopbackEventCollector _events;
    private readonly TimeProvider _time;

    public LoopbackRunner(SessionRecorder recorder, LoopbackEventCollector events, TimeProvider time)
    {
        _recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    public async Task<LoopbackReport> RunAsync(LoopbackRunOptions options, string rigId, string firmwareVersion, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var scenario = options.Scenario;
        var date = _time.GetUtcNow();

        var roundTrips = new List<double>(options.Pings);
        for (int i = 0; i < options.Pings; i++)
        {
            long t0 = _time.GetTimestamp();
            var pong = await _recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.Ping }, cancellationToken);
            roundTrips.Add(_time.GetElapsedTime(t0).TotalMilliseconds);
            if (pong.Result != AckResult.Ok)
            {
                throw new LoopbackRefusedException($"the device answered a ping with {pong.Result}");
            }
        }

        if (scenario.Passive)
        {
            return await ListenAsync(options, rigId, firmwareVersion, date, roundTrips, progress, cancellationToken);
        }

        if (scenario.Leg is LoopbackLeg.Display or LoopbackLeg.Tone)
        {
            var legs = new LoopbackLegRunner(_recorder, _events, _time);
            return scenario.Leg == LoopbackLeg.Display
                ? await legs.DisplayAsync(options, rigId, firmwareVersion, date, roundTrips, progress, cancellationToken)
                : await legs.ToneAsync(options, rigId, firmwareVersion, date, roundTrips, progress, cancellationToken);
        }

        progress?.Report($"round trip measured ({options.Pings} pings); starting {options.Pulses} pulses on {scenario.OutputName}");
        var train = new Command
        {
            Opcode = CommandOpcode.PulseTrain,
            Output = scenario.Output,
            Channel = scenario.OutputChannel,
            PulseCount = (ushort)options.Pulses,
            Seed = options.Seed,
            MinIntervalMicros = scenario.MinIntervalMicros,
            MaxIntervalMicros = scenario.MaxIntervalMicros,
            MinWidthMicros = scenario.MinWidthMicros,
            MaxWidthMicros = scenario.MaxWidthMicros,
        };
        var ack = await _recorder.SendCommandAsync(train, cancellationToken);
        if (ack.Result != AckResult.Ok)
        {
            throw new LoopbackRefusedException($"the device refused the pulse train on {scenario.OutputName}: {ack.Result} (detail {ack.Detail}); " +
                "OutOfRange: no such output or a width above the valve's hard maximum; Busy: a train is already running");
        }

        ulong start = ack.DeviceMicros;

        // The train ends when its last pulse has fallen. Each edge lands at the first main-loop iteration due, so the
        // train runs longer than planned by up to a loop period per edge; past this allowance (2 ms per edge) the
        // device is taken to have stopped playing it, and the pulses it did not play fail the run.
        ulong end = start + ack.Detail + ((ulong)options.Pulses * 2 * LoopAllowanceMicrosPerEdge) + options.SettleMicros;
        var deadline = _time.GetTimestamp();
        var wallLimit = TimeSpan.FromMicroseconds(end - start) + options.ExtraWallTime;
        bool stoppedEarly = false;
        string? problem = null;
        int lastReported = -1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong latest = _events.LatestDeviceMicros;
            var (outs, ins) = _events.Window(start, ulong.MaxValue);
            if (latest >= end)
            {
                break;
            }

            if (LastFall(outs, options.Pulses) is { } lastFall && latest >= lastFall + options.SettleMicros)
            {
                end = lastFall + options.SettleMicros;
                break;
            }

            if (_events.OtherBootEvents > 0)
            {
                problem = "the device rebooted during the run (events of another boot arrived)";
                stoppedEarly = true;
                break;
            }

            if (NothingCameBack(outs, ins, latest, options))
            {
                stoppedEarly = true;
                await StopTrainAsync(cancellationToken);
                break;
            }

            if (_time.GetElapsedTime(deadline) > wallLimit)
            {
                problem = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"timed out: after {wallLimit.TotalSeconds:0} s the device's clock had reached {(latest > start ? (latest - start) / 1e6 : 0):0.0} s of the {ack.Detail / 1e6:0.0} s train");
                stoppedEarly = true;
                await StopTrainAsync(cancellationToken);
                break;
            }

            int played = CountRising(outs);
            if (progress is not null && played / 50 != lastReported)
            {
                lastReported = played / 50;
                progress.Report($"{played}/{options.Pulses} pulses played, {ins.Count} edges back on {scenario.InputName}");
            }

            await Task.Delay(options.PollInterval, _time, cancellationToken);
        }

        var (outputs, inputs) = _events.Window(start, end);
        var settings = new LoopbackSettings(scenario.Name, scenario.Wiring, scenario.OutputName, scenario.InputName, options.Pulses, options.Seed,
            scenario.MinIntervalMicros, scenario.MaxIntervalMicros, scenario.MinWidthMicros, scenario.MaxWidthMicros, options.Pings);
        return LoopbackEvaluator.Evaluate(new LoopbackRunData
        {
            Scenario = scenario,
            Settings = settings,
            RigId = rigId,
            FirmwareVersion = firmwareVersion,
            BootId = ack.BootId,
            DateUtc = date,
            Target = options.Target,
            PulsesRequested = options.Pulses,
            TrainStartDeviceMicros = start,
            TrainPlannedMicros = ack.Detail,
            StoppedEarly = stoppedEarly,
            OutputEdges = outputs,
            InputEdges = inputs,
            RoundTripsMilliseconds = roundTrips,
            Problem = problem,
        }, options.Thresholds);
    }

    /// <summary>The passive scenario: the frame clock's edges over <see cref="LoopbackRunOptions.ListenTime"/> of device time.</summary>
    private async Task<LoopbackReport> ListenAsync(LoopbackRunOptions options, string rigId, string firmwareVersion, DateTimeOffset date,
        List<double> roundTrips, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var scenario = options.Scenario;
        var mark = await _recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.Ping }, cancellationToken);
        ulong start = mark.DeviceMicros;
        uint listen = (uint)options.ListenTime.TotalMicroseconds;
        ulong end = start + listen;
        progress?.Report($"round trip measured ({options.Pings} pings); listening to {scenario.InputName} for {options.ListenTime.TotalSeconds:0.#} s");
        var wall = _time.GetTimestamp();
        bool stoppedEarly = false;
        string? problem = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong latest = _events.LatestDeviceMicros;
            if (latest >= end)
            {
                break;
            }

            var (_, ins) = _events.Window(start, end);
            if (ins.Count == 0 && latest >= start + (ulong)options.NoFramesTime.TotalMicroseconds)
            {
                stoppedEarly = true;
                end = latest;
                break;
            }

            if (_events.OtherBootEvents > 0 || _time.GetElapsedTime(wall) > options.ListenTime + options.ExtraWallTime)
            {
                problem = _events.OtherBootEvents > 0 ? "the device rebooted during the run" : "timed out waiting for the device's clock to pass the listening time";
                stoppedEarly = true;
                end = Math.Max(latest, start);
                break;
            }

            await Task.Delay(options.PollInterval, _time, cancellationToken);
        }

        var (_, inputs) = _events.Window(start, end);
        return LoopbackEvaluator.EvaluateFrameClock(new LoopbackRunData
        {
            Scenario = scenario,
            Settings = new LoopbackSettings(scenario.Name, scenario.Wiring, scenario.OutputName, scenario.InputName, 0, 0, 0, 0, 0, 0, options.Pings),
            RigId = rigId,
            FirmwareVersion = firmwareVersion,
            BootId = mark.BootId,
            DateUtc = date,
            Target = options.Target,
            PulsesRequested = 0,
            TrainStartDeviceMicros = start,
            TrainPlannedMicros = (uint)(end - start),
            StoppedEarly = stoppedEarly,
            OutputEdges = [],
            InputEdges = inputs,
            RoundTripsMilliseconds = roundTrips,
            Problem = problem,
        }, options.Thresholds);
    }

    /// <summary>
    /// True once <see cref="LoopbackRunOptions.NoEdgePulses"/> pulses have ended, the device's clock is past the
    /// last of them by the settle time, and no input edge at all has come back.
    /// </summary>
    private static bool NothingCameBack(List<Edge> outputs, List<Edge> inputs, ulong latestMicros, LoopbackRunOptions options)
    {
        if (inputs.Count > 0)
        {
            return false;
        }

        int falls = 0;
        foreach (var e in outputs)
        {
            if (e.Level == 0 && ++falls == options.NoEdgePulses)
            {
                return latestMicros >= e.DeviceMicros + options.SettleMicros;
            }
        }

        return false;
    }

    /// <summary>The time of the train's last falling edge once every pulse has been played, else null.</summary>
    private static ulong? LastFall(List<Edge> outputs, int pulses)
    {
        int falls = 0;
        foreach (var e in outputs)
        {
            if (e.Level == 0 && ++falls == pulses)
            {
                return e.DeviceMicros;
            }
        }

        return null;
    }

    private static int CountRising(List<Edge> edges)
    {
        int n = 0;
        foreach (var e in edges)
        {
            if (e.Level != 0)
            {
                n++;
            }
        }

        return n;
    }

    private async Task StopTrainAsync(CancellationToken cancellationToken)
    {
        // PulseCount 0 stops the running train (its output is left low).
        var ack = await _recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.PulseTrain, Output = PulseTrainOutput.SyncOutput, Seed = 1 }, cancellationToken);
        if (ack.Result != AckResult.Ok)
        {
            throw new LoopbackRefusedException($"the device refused to stop the pulse train: {ack.Result}");
        }
    }
}
