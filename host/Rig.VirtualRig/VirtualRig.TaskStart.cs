using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.VirtualRig;

/// <summary>
/// How a virtual task session's start went: the priming pulse's lick bout, which ends before the task starts, and the
/// first imaging frame, which comes before it too (summary.json section "priming"; docs/task.md).
/// </summary>
/// <param name="TaskStartDeviceMicros">Device time the task starts at: no lick, frame or valve edge of the priming belongs to a trial.</param>
/// <param name="PrimingLicks">Lick onsets from the priming pulse to the task's start (the bout the pulse caused, and any spontaneous ones).</param>
/// <param name="BoutTimedOut">True when the mouse was still licking <see cref="VirtualRig.PrimingBoutLimitMicros"/> after the pulse and was stopped.</param>
/// <param name="FramesBeforeStart">Imaging frames the scanner had made when the task started (at least 1 with a scanner connected).</param>
public sealed record TaskStartReport(ulong TaskStartDeviceMicros, long PrimingLicks, bool BoutTimedOut, long FramesBeforeStart);

/// <summary>Starting a task phase from a state that depends on the seed alone (docs/task.md, "Lockstep in the virtual rig").</summary>
public sealed partial class VirtualRig
{
    /// <summary>How long the lick line must be still before a task phase starts, µs (well past the firmware's 1 ms lick debounce).</summary>
    public const ulong TaskStartQuietMicros = 20_000;

    /// <summary>
    /// A lick bout is over when the mouse has not licked for this long, µs: bouts run at 6-8 licks/s (inter-lick intervals
    /// of 120-170 ms, the mouse model's and the reference data's), so a second without a lick is well past one.
    /// </summary>
    public const ulong PrimingBoutEndQuietMicros = 1_000_000;

    /// <summary>The longest the task waits for the priming bout, µs; a mouse still licking then is stopped, and the report says so.</summary>
    public const ulong PrimingBoutLimitMicros = 10_000_000;

    /// <summary>
    /// Makes what follows depend on the seed alone (docs/task.md, "Lockstep in the virtual rig"), after the priming is over.
    /// First, with <paramref name="primingPulseEndMicros"/> (true time the priming pulse's valve closed), the mouse is
    /// left to drink and lick: virtual time runs on until its lick bout is over (no lick for
    /// <see cref="PrimingBoutEndQuietMicros"/>, at least the mouse's reaction time after the water) or
    /// <see cref="PrimingBoutLimitMicros"/> passed; and until the scanner has made its first frame, so that no trial starts
    /// before imaging. Then, because the start-up exchange with the bridge ran in real time (how many simulated
    /// milliseconds it took, and with them the mouse's draws and the phase of the device's batches and keep-alive, vary
    /// with the machine's load): the mouse stops, virtual time runs on at full speed until the lick line is still, the
    /// valves are shut and the device has just reported an encoder sample, the device closes its open batch, and the
    /// mouse restarts from <paramref name="seed"/>. The device and the scanner keep running.
    /// </summary>
    public async Task<TaskStartReport> StartAfreshAsync(int seed, CancellationToken cancellationToken, ulong? primingPulseEndMicros = null,
        long contactsAtPriming = 0)
    {
        var wall = Stopwatch.StartNew();
        ulong start = _clock.NowMicros;
        bool timedOut = false;
        if (primingPulseEndMicros is { } pulseEnd)
        {
            // The water reaches the mouse when the valve closes at the latest; its bout starts a reaction time later.
            ulong earliest = pulseEnd + _options.Mouse.RewardLickLatencyMicros + PrimingBoutEndQuietMicros;
            while (_clock.NowMicros < earliest || !_mouse.LickLineQuiet(_clock.NowMicros, PrimingBoutEndQuietMicros))
            {
                if (_clock.NowMicros >= pulseEnd + PrimingBoutLimitMicros)
                {
                    timedOut = true;
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                await TickAsync(wall, start, 0, cancellationToken);
            }
        }

        while (_options.ScannerConnected && _scanner.Frames == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TickAsync(wall, start, 0, cancellationToken);
        }

        ulong settle = _clock.NowMicros;
        _mouse.Hold(settle);
        while (!_mouse.LickLineQuiet(_clock.NowMicros, TaskStartQuietMicros) || AnyValveOpen()
            || _device.LastEncoderReportMicros != _deviceClock.NowMicros)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TickAsync(wall, settle, 0, cancellationToken);
        }

        _device.Flush(_deviceClock.NowMicros);
        long licks = primingPulseEndMicros is null ? 0 : _mouse.Contacts - contactsAtPriming;
        _mouse.Restart(_clock.NowMicros, seed);
        return new TaskStartReport(_deviceClock.NowMicros, licks, timedOut, _scanner.Frames);
    }

    private bool AnyValveOpen()
    {
        for (byte channel = 0; channel < _valve.ChannelCount; channel++)
        {
            if (_valve.IsOpen(channel))
            {
                return true;
            }
        }

        return false;
    }
}
