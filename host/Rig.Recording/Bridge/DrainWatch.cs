using System;

namespace Rig.Recording.Bridge;

/// <summary>Where the wait for missing batches at stop stands.</summary>
internal enum DrainState
{
    Waiting,
    Drained,
    TimedOut,
}

/// <summary>
/// At stop, decides when to stop waiting for missing batches: once none has been missing for a while after the start
/// (twice <see cref="BridgeOptions.AckInterval"/>, since the final status may reveal more), or after <see cref="BridgeOptions.DrainTimeout"/>.
/// </summary>
internal sealed class DrainWatch(BridgeOptions options, TimeProvider time)
{
    private readonly long _start = time.GetTimestamp();

    /// <summary>The state now, given how many batch ranges are still missing.</summary>
    public DrainState Check(int missing)
    {
        if (missing == 0 && time.GetElapsedTime(_start) > options.AckInterval * 2)
        {
            return DrainState.Drained;
        }

        return time.GetElapsedTime(_start) > options.DrainTimeout ? DrainState.TimedOut : DrainState.Waiting;
    }
}
