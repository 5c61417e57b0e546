using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Link;
using Rig.Protocol;

namespace Rig.Provisioning.Calibration.Run;

/// <summary>Settings of one calibration run.</summary>
public sealed record CalibrationRunOptions
{
    public byte Valve { get; init; }

    /// <summary>Pulses per duration; their water is weighed together.</summary>
    public int PulsesPerDuration { get; init; } = 100;

    /// <summary>Start of one pulse to the start of the next, in device time.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The valve's refill time: the interval must leave at least this long closed after each pulse.</summary>
    public TimeSpan MinRefill { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The firmware's hard maximum open time (DeviceConfig.ValveHardMaxOpenMicros, 500 ms by default). The status
    /// message does not carry it, so the host is told; the device refuses longer pulses itself as well.
    /// </summary>
    public uint HardMaxMicros { get; init; } = 500_000;

    /// <summary>Water density, g/mL (= mg per µL): converts the weighed mass to µL.</summary>
    public double DensityGramsPerMl { get; init; } = 0.998;
}

/// <summary>One duration's measurement: <see cref="Pulses"/> pulses weighed together.</summary>
public sealed record MeasuredPoint(uint DurationMicros, int Pulses, double MassGrams, double MicrolitresPerPulse)
{
    public double DurationMs => DurationMicros / 1000.0;
}

/// <summary>Where a run stands, for progress displays.</summary>
public readonly record struct CalibrationProgress(int DurationIndex, int DurationCount, uint DurationMicros, int Pulse, int Pulses, TimeSpan Remaining);

/// <summary>Why a run ended.</summary>
public enum CalibrationStop
{
    Completed,

    /// <summary>Ctrl-C (the caller's token).</summary>
    Cancelled,

    /// <summary>The device stopped acknowledging (<see cref="CommandTimeoutException"/>), or the link to the broker failed.</summary>
    DeviceLost,

    /// <summary>The device refused a pulse (OutOfRange, Busy, ...).</summary>
    Refused,

    /// <summary>No mass could be had for a duration (end of input, scale error).</summary>
    NoMass,
}

/// <summary>
/// The points measured, kept whatever ended the run: a duration whose pulses all went out and whose water was
/// weighed is a point; a duration cut short is dropped (its water is in the cup unweighed, so the operator must
/// empty the cup before running again).
/// </summary>
/// <param name="PulsesSent">PulseValve commands sent, acknowledged or not.</param>
public sealed record CalibrationRunResult(IReadOnlyList<MeasuredPoint> Points, CalibrationStop Stop, string? StopMessage, long PulsesSent)
{
    public bool Completed => Stop == CalibrationStop.Completed;
}

/// <summary>A calibration input refused before anything was sent (a duration above the maximum, zero pulses, ...).</summary>
public sealed class CalibrationRunInputException(string message) : Exception(message);

/// <summary>
/// How the interval between pulses passes. On hardware device time runs at wall speed, so a wall-clock delay from
/// the acknowledgement is at least the interval on the device; on a virtual rig the delay waits on its clock.
/// </summary>
public interface IIntervalWait
{
    /// <summary>Returns once <paramref name="interval"/> of device time has passed since <paramref name="fromDeviceMicros"/>.</summary>
    Task WaitAsync(ulong fromDeviceMicros, TimeSpan interval, CancellationToken cancellationToken);
}

/// <summary>Hardware: the interval passes on the host clock, counted from the acknowledgement (which follows the device's execution time).</summary>
public sealed class WallClockIntervalWait(TimeProvider time) : IIntervalWait
{
    public Task WaitAsync(ulong fromDeviceMicros, TimeSpan interval, CancellationToken cancellationToken) =>
        Task.Delay(interval, time, cancellationToken);
}

/// <summary>Any device clock the host can read (a virtual rig's): waits until it passes the end of the interval.</summary>
public sealed class DeviceClockIntervalWait(Func<ulong, CancellationToken, Task> waitUntilDeviceMicros) : IIntervalWait
{
    public Task WaitAsync(ulong fromDeviceMicros, TimeSpan interval, CancellationToken cancellationToken) =>
        waitUntilDeviceMicros(fromDeviceMicros + (ulong)(interval.TotalMilliseconds * 1000), cancellationToken);
}

/// <summary>
/// Delivers the pulses of a calibration, each a PulseValve command through <see cref="SessionRecorder.SendCommandAsync"/>
/// (so each is journaled with its acknowledgement and device time; the open time is timed by the device's hardware),
/// and weighs each duration's water.
/// Safety: every duration is checked against the hard maximum before the first pulse; any refused pulse, a device that
/// stops acknowledging, or cancellation ends the run at once and no further pulse is sent. There is no close command
/// (a PulseValve is refused while the valve is open), so a pulse under way ends by its hardware timer.
/// </summary>
public sealed class CalibrationRunner
{
    private readonly Func<Command, CancellationToken, Task<Ack>> _send;
    private readonly IScale _scale;
    private readonly IIntervalWait _wait;
    private readonly CalibrationRunOptions _options;

    public CalibrationRunner(Func<Command, CancellationToken, Task<Ack>> send, IScale scale, IIntervalWait wait, CalibrationRunOptions options)
    {
        _send = send ?? throw new ArgumentNullException(nameof(send));
        _scale = scale ?? throw new ArgumentNullException(nameof(scale));
        _wait = wait ?? throw new ArgumentNullException(nameof(wait));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public CalibrationRunner(SessionRecorder recorder, IScale scale, IIntervalWait wait, CalibrationRunOptions options)
        : this((recorder ?? throw new ArgumentNullException(nameof(recorder))).SendCommandAsync, scale, wait, options)
    {
    }

    /// <summary>Refuses durations or settings that must never reach the device; throws <see cref="CalibrationRunInputException"/>.</summary>
    public static void Validate(IReadOnlyList<uint> durationsMicros, CalibrationRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(durationsMicros);
        ArgumentNullException.ThrowIfNull(options);
        var c = CultureInfo.InvariantCulture;
        if (options.PulsesPerDuration <= 0)
        {
            throw new CalibrationRunInputException(string.Create(c, $"pulses per duration must be at least 1, not {options.PulsesPerDuration}"));
        }

        if (!double.IsFinite(options.DensityGramsPerMl) || options.DensityGramsPerMl <= 0)
        {
            throw new CalibrationRunInputException(string.Create(c, $"density must be more than zero g/mL, not {options.DensityGramsPerMl}"));
        }

        if (durationsMicros.Count == 0)
        {
            throw new CalibrationRunInputException("no durations to calibrate");
        }

        foreach (uint d in durationsMicros)
        {
            if (d == 0)
            {
                throw new CalibrationRunInputException("a duration of 0 ms delivers nothing; give durations above 0");
            }

            if (d > options.HardMaxMicros)
            {
                throw new CalibrationRunInputException(string.Create(c,
                    $"duration {d / 1000.0:0.###} ms is above the valve's hard maximum of {options.HardMaxMicros / 1000.0:0.###} ms; nothing was sent"));
            }

            var refill = options.Interval - TimeSpan.FromMilliseconds(d / 1000.0);
            if (refill < options.MinRefill)
            {
                throw new CalibrationRunInputException(string.Create(c,
                    $"an interval of {options.Interval.TotalMilliseconds:0} ms leaves the valve {Math.Max(refill.TotalMilliseconds, 0):0} ms to refill after a {d / 1000.0:0.###} ms pulse; it needs at least {options.MinRefill.TotalMilliseconds:0} ms (use --interval-ms {Math.Ceiling(d / 1000.0 + options.MinRefill.TotalMilliseconds)} or more)"));
            }
        }
    }

    /// <summary>
    /// Runs every duration in turn. Input errors throw before any pulse; everything after the first pulse ends in a
    /// result holding the points measured so far and why the run stopped.
    /// </summary>
    public async Task<CalibrationRunResult> RunAsync(IReadOnlyList<uint> durationsMicros, IProgress<CalibrationProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(durationsMicros, _options);
        var points = new List<MeasuredPoint>();
        long sent = 0;
        int pulses = _options.PulsesPerDuration;
        long totalPulses = (long)durationsMicros.Count * pulses;
        for (int i = 0; i < durationsMicros.Count; i++)
        {
            uint duration = durationsMicros[i];
            try
            {
                for (int p = 0; p < pulses; p++)
                {
                    progress?.Report(new CalibrationProgress(i, durationsMicros.Count, duration, p, pulses, _options.Interval * (totalPulses - sent)));
                    cancellationToken.ThrowIfCancellationRequested();
                    // Counted before the acknowledgement: a pulse whose acknowledgement never came may still have opened the valve.
                    sent++;
                    var ack = await _send(new Command { Opcode = CommandOpcode.PulseValve, Channel = _options.Valve, DurationMicros = duration }, cancellationToken);
                    if (ack.Result != AckResult.Ok)
                    {
                        string why = ack.Result switch
                        {
                            AckResult.OutOfRange => string.Create(CultureInfo.InvariantCulture, $"the device refused a {duration / 1000.0:0.###} ms pulse as out of range (its limit: {ack.Detail} µs)"),
                            AckResult.WaterBudget => WaterBudgetRefusal(p + 1, duration, ack.Detail),
                            _ => string.Create(CultureInfo.InvariantCulture, $"the device refused pulse {p + 1} of {duration / 1000.0:0.###} ms: {ack.Result} (detail {ack.Detail})"),
                        };
                        return new CalibrationRunResult(points, CalibrationStop.Refused, why + "; the run stopped", sent);
                    }

                    // Waiting after the last pulse too: the valve must be closed and the water in the cup before weighing.
                    await _wait.WaitAsync(ack.DeviceMicros, _options.Interval, cancellationToken);
                }
            }
            catch (CommandTimeoutException e)
            {
                return new CalibrationRunResult(points, CalibrationStop.DeviceLost,
                    $"the device stopped acknowledging ({e.Message}); no further pulse was sent, and a pulse under way ends by the device's hardware timer", sent);
            }
            catch (Exception e) when (e is LinkDisconnectedException or LinkRejectedException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                return new CalibrationRunResult(points, CalibrationStop.DeviceLost,
                    $"the link to the broker failed ({e.Message}); no further pulse was sent, and a pulse under way ends by the device's hardware timer", sent);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return new CalibrationRunResult(points, CalibrationStop.Cancelled,
                    "cancelled; no further pulse was sent, and a pulse under way ends by the device's hardware timer", sent);
            }

            progress?.Report(new CalibrationProgress(i, durationsMicros.Count, duration, pulses, pulses, _options.Interval * (totalPulses - sent)));
            double grams;
            try
            {
                grams = await _scale.ReadGramsAsync(new ScaleRequest(duration, pulses), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return new CalibrationRunResult(points, CalibrationStop.Cancelled, "cancelled while weighing; that duration is dropped", sent);
            }
            catch (ScaleException e)
            {
                return new CalibrationRunResult(points, CalibrationStop.NoMass, e.Message + "; that duration is dropped", sent);
            }

            if (!double.IsFinite(grams) || grams <= 0)
            {
                return new CalibrationRunResult(points, CalibrationStop.NoMass,
                    string.Create(CultureInfo.InvariantCulture, $"the scale gave {grams} g, not a positive mass; that duration is dropped"), sent);
            }

            points.Add(new MeasuredPoint(duration, pulses, grams, MicrolitresPerPulse(grams, pulses, _options.DensityGramsPerMl)));
        }

        return new CalibrationRunResult(points, CalibrationStop.Completed, null, sent);
    }

    /// <summary>
    /// A pulse beyond the device's water budget (DeviceConfig.Water*, docs/firmware.md "Water budget"): the shipped
    /// calibration fits the default budget; longer pulses at the same pace, or more calibration in an hour, need a longer
    /// --interval-ms or a budget raised at flash.
    /// </summary>
    private static string WaterBudgetRefusal(int pulse, uint duration, uint detail) =>
        detail == uint.MaxValue
            ? string.Create(CultureInfo.InvariantCulture,
                $"the device's water budget refused pulse {pulse} of {duration / 1000.0:0.###} ms: a pulse this long is beyond its window limit at any pace; raise the budget at flash (DeviceConfig.WaterWindowMaxOpenMicros, docs/firmware.md)")
            : string.Create(CultureInfo.InvariantCulture,
                $"the device's water budget refused pulse {pulse} of {duration / 1000.0:0.###} ms (it would fit in {detail / 1000.0:0.###} ms): use a longer --interval-ms, or wait if the hour's water is spent (DeviceConfig.Water*, docs/firmware.md)");

    /// <summary>µL per pulse from the mass of <paramref name="pulses"/> pulses (1 mg of water is 1/density µL).</summary>
    public static double MicrolitresPerPulse(double grams, int pulses, double densityGramsPerMl) =>
        grams * 1000 / densityGramsPerMl / pulses;
}
