using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Rig.Protocol;
using Rig.Recording.Bridge;

namespace Rig.Provisioning.Loopback;

/// <summary>
/// A renderer whose frames the renderer-to-photodiode leg watches: it draws a number of frames from a device time on,
/// and says which frames it drew and when (device µs). The virtual rig's simulated screen is one; a real renderer's
/// frame messages carry host time and would need the bridge's clock map first (not built).
/// </summary>
public interface ILoopbackScreen
{
    /// <summary>Draws <paramref name="frames"/> frames, the first at <paramref name="startDeviceMicros"/> or later; returns when the first is drawn.</summary>
    ulong Start(ulong startDeviceMicros, int frames);

    /// <summary>The frames drawn so far.</summary>
    IReadOnlyList<LoopbackFrame> FramesDrawn();

    /// <summary>The display's refresh rate, Hz.</summary>
    double RefreshHz { get; }
}

/// <summary>The two legs that are not a pulse train: a renderer's frames seen by the photodiode, and tones heard on a TTL input.</summary>
internal sealed class LoopbackLegRunner(SessionRecorder recorder, LoopbackEventCollector events, TimeProvider time)
{
    /// <summary>The first frame is drawn this long after the device time of the mark, µs: the command reaching the screen.</summary>
    private const ulong ScreenLeadMicros = 20_000;

    /// <summary>tone-to-ttl: a TTL edge this long after a tone's start is not its onset, µs.</summary>
    public const uint ToneOnsetWindowMicros = 5_000;

    /// <summary>tone-to-ttl: stop as "no edges" after this many tones with no TTL edge at all.</summary>
    public const int NoEdgeTones = 3;

    public static string NoScreenMessage(LoopbackScenario scenario) =>
        $"{scenario.Name} needs a renderer whose frame times are on the device clock: the virtual rig's simulated screen (--virtual). " +
        "On hardware, the renderer's frame messages carry host time and the loopback does not map them to device time yet";

    public async Task<LoopbackReport> DisplayAsync(LoopbackRunOptions options, string rigId, string firmwareVersion, DateTimeOffset date,
        List<double> roundTrips, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var scenario = options.Scenario;
        var screen = options.Screen ?? throw new LoopbackInputException(NoScreenMessage(scenario));
        var mark = await recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.Ping }, cancellationToken);
        ulong start = screen.Start(mark.DeviceMicros + ScreenLeadMicros, options.Pulses);
        double period = 1e6 / screen.RefreshHz;
        var analysis = new DisplayLatencyOptions();
        ulong end = start + (ulong)Math.Ceiling(options.Pulses * period) + analysis.MaxLatencyMicros;
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"round trip measured ({options.Pings} pings); watching {options.Pulses} frames at {screen.RefreshHz:0.#} Hz on {scenario.InputName}"));
        var (stoppedEarly, problem) = await WaitAsync(end, TimeSpan.FromMicroseconds(end - start) + options.ExtraWallTime, () =>
            events.Window(start, ulong.MaxValue).Inputs.Count == 0 && events.LatestDeviceMicros >= start + (ulong)options.NoFramesTime.TotalMicroseconds,
            cancellationToken);
        ulong until = Math.Min(end, events.LatestDeviceMicros);
        var flips = events.Window(start, until).Inputs;
        var frames = screen.FramesDrawn().Where(f => f.RenderDeviceMicros < until).ToList();
        var result = DisplayLatencyAnalysis.Analyze(frames, flips, until, analysis);
        var run = RunData(options, rigId, firmwareVersion, mark.BootId, date, start, (uint)(until - start), stoppedEarly, [], flips, roundTrips, problem);
        return LoopbackLegEvaluator.EvaluateDisplay(run, result, screen.RefreshHz, options.Thresholds);
    }

    public async Task<LoopbackReport> ToneAsync(LoopbackRunOptions options, string rigId, string firmwareVersion, DateTimeOffset date,
        List<double> roundTrips, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var scenario = options.Scenario;
        // The lengths and gaps are drawn on the host from the seed: each tone is its own PlayTone command.
        var random = new Random((int)options.Seed);
        var commanded = new List<uint>(options.Pulses);
        ulong start = 0;
        uint bootId = 0;
        ulong lastEnd = 0;
        bool stoppedEarly = false;
        string? problem = null;
        for (int i = 0; i < options.Pulses; i++)
        {
            uint duration = (uint)random.NextInt64(scenario.MinWidthMicros, scenario.MaxWidthMicros + 1L);
            uint gap = (uint)random.NextInt64(scenario.MinIntervalMicros, scenario.MaxIntervalMicros + 1L);
            var ack = await recorder.SendCommandAsync(new Command { Opcode = CommandOpcode.PlayTone, FrequencyHz = scenario.ToneFrequencyHz, DurationMicros = duration },
                cancellationToken);
            if (ack.Result != AckResult.Ok)
            {
                throw new LoopbackRefusedException($"the device refused tone {i + 1} ({scenario.ToneFrequencyHz} Hz, {duration} µs): {ack.Result} (detail {ack.Detail})");
            }

            if (i == 0)
            {
                (start, bootId) = (ack.DeviceMicros - Math.Min(ack.DeviceMicros, 1_000), ack.BootId);
            }

            commanded.Add(duration);
            lastEnd = ack.DeviceMicros + duration;
            if (i + 1 == NoEdgeTones || i + 1 == options.Pulses)
            {
                // Wait for the tone to end before judging whether anything came back.
                (stoppedEarly, problem) = await WaitAsync(lastEnd + ToneOnsetWindowMicros + options.SettleMicros, TimeSpan.FromMicroseconds(duration) + options.ExtraWallTime,
                    static () => false, cancellationToken);
                if (problem is not null || (i + 1 == NoEdgeTones && events.Window(start, ulong.MaxValue).Inputs.Count == 0))
                {
                    stoppedEarly = true;
                    break;
                }
            }
            else
            {
                (stoppedEarly, problem) = await WaitAsync(lastEnd + gap, TimeSpan.FromMicroseconds(duration + gap) + options.ExtraWallTime, static () => false, cancellationToken);
                if (problem is not null)
                {
                    break;
                }
            }

            if (progress is not null && (i + 1) % 10 == 0)
            {
                progress.Report($"{i + 1}/{options.Pulses} tones played, {events.Window(start, ulong.MaxValue).Inputs.Count} edges back on {scenario.InputName}");
            }
        }

        ulong until = Math.Max(start, events.LatestDeviceMicros);
        var (outputs, inputs) = events.Window(start, until);
        var starts = outputs.Where(e => e.Level != 0).Select(e => e.DeviceMicros).ToList();
        if (problem is null && starts.Count != commanded.Count)
        {
            problem = $"the device recorded {starts.Count} tone starts for {commanded.Count} PlayTone commands acknowledged";
        }

        var tones = starts.Zip(commanded, (s, d) => new LoopbackTone(s, d, scenario.ToneFrequencyHz)).ToList();
        var result = ToneTtlAnalysis.Analyze(tones, inputs, ToneOnsetWindowMicros);
        var run = RunData(options, rigId, firmwareVersion, bootId, date, start, (uint)(until - start), stoppedEarly, outputs, inputs, roundTrips, problem);
        return LoopbackLegEvaluator.EvaluateTone(run, result, commanded.Count, options.Thresholds);
    }

    /// <summary>
    /// Waits until the device's clock passes <paramref name="untilDeviceMicros"/>, <paramref name="stopEarly"/> holds, the
    /// device reboots or <paramref name="wallLimit"/> passes. Returns whether it stopped before the time and why (a problem) if not by choice.
    /// </summary>
    private async Task<(bool StoppedEarly, string? Problem)> WaitAsync(ulong untilDeviceMicros, TimeSpan wallLimit, Func<bool> stopEarly, CancellationToken cancellationToken)
    {
        long wall = time.GetTimestamp();
        while (events.LatestDeviceMicros < untilDeviceMicros)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (events.OtherBootEvents > 0)
            {
                return (true, "the device rebooted during the run (events of another boot arrived)");
            }

            if (stopEarly())
            {
                return (true, null);
            }

            if (time.GetElapsedTime(wall) > wallLimit)
            {
                return (true, string.Create(CultureInfo.InvariantCulture, $"timed out: the device's clock did not pass {untilDeviceMicros / 1e6:0.000} s within {wallLimit.TotalSeconds:0} s"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
        }

        return (false, null);
    }

    private static LoopbackRunData RunData(LoopbackRunOptions options, string rigId, string firmwareVersion, uint bootId, DateTimeOffset date, ulong start,
        uint span, bool stoppedEarly, IReadOnlyList<Edge> outputs, IReadOnlyList<Edge> inputs, List<double> roundTrips, string? problem)
    {
        var s = options.Scenario;
        return new LoopbackRunData
        {
            Scenario = s,
            Settings = new LoopbackSettings(s.Name, s.Wiring, s.OutputName, s.InputName, options.Pulses, options.Seed, s.MinIntervalMicros, s.MaxIntervalMicros,
                s.MinWidthMicros, s.MaxWidthMicros, options.Pings),
            RigId = rigId,
            FirmwareVersion = firmwareVersion,
            BootId = bootId,
            DateUtc = date,
            Target = options.Target,
            PulsesRequested = options.Pulses,
            TrainStartDeviceMicros = start,
            TrainPlannedMicros = span,
            StoppedEarly = stoppedEarly,
            OutputEdges = outputs,
            InputEdges = inputs,
            RoundTripsMilliseconds = roundTrips,
            Problem = problem,
        };
    }
}
