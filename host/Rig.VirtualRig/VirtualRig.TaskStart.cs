using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.VirtualRig;

/// <summary>Starting a task phase from a state that depends on the seed alone (docs/task.md, "Lockstep in the virtual rig").</summary>
public sealed partial class VirtualRig
{
    /// <summary>How long the lick line must be still before a task phase starts, µs (well past the firmware's 1 ms lick debounce).</summary>
    public const ulong TaskStartQuietMicros = 20_000;

    /// <summary>
    /// Makes what follows depend on the seed alone (docs/task.md, "Lockstep in the virtual rig"). The start-up exchange
    /// with the bridge runs in real time, so how many simulated milliseconds it took (and with them the mouse's draws,
    /// the lick bout its test pulse caused, the phase of the device's batches and of its encoder keep-alive) varies with
    /// the machine's load. Here the mouse stops (the wheel at once, licking after the bout under way), virtual time runs
    /// on at full speed until the lick line is still, the valves are shut and the device has just reported an encoder
    /// sample, the device closes its open batch, and the mouse restarts from <paramref name="seed"/>. The device and the
    /// scanner keep running; only the mouse's future and the device's batch and keep-alive phases are reset.
    /// </summary>
    public async Task StartAfreshAsync(int seed, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        ulong start = _clock.NowMicros;
        _mouse.Hold(start);
        while (!_mouse.LickLineQuiet(_clock.NowMicros, TaskStartQuietMicros) || AnyValveOpen()
            || _device.LastEncoderReportMicros != _deviceClock.NowMicros)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TickAsync(wall, start, 0, cancellationToken);
        }

        _device.Flush(_deviceClock.NowMicros);
        _mouse.Restart(_clock.NowMicros, seed);
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
