using System;
using Rig.Recording.Journal;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.World;

/// <summary>
/// The simulation's true time and a bridge's host clock (the system's) related by the run's pace: true time advances
/// <see cref="Pace"/> µs per host µs from an anchor taken as the paced run starts. A virtual rig paced at speed 1 follows
/// its wall clock (it never runs ahead; it may lag while the machine stalls, then catches up), so at speed 1 this is how a
/// real renderer's <c>render_ns</c> (host clock) is put on the simulation's timeline and a simulated frame's submit time on
/// the host's. One mapping for the run, not the clock "now" at each call: a frame's time then does not move with the
/// simulation loop's scheduling jitter. Meaningful at speed 1; at other speeds the host clock is not the system's
/// (<see cref="VirtualHostTime"/>).
/// </summary>
public sealed class PacedHostMapping
{
    /// <param name="anchorTrueMicros">True time at the anchor, µs.</param>
    /// <param name="anchorHostNanos">The host clock at the anchor, ns.</param>
    /// <param name="pace">Virtual seconds per wall second (the rig's speed), more than 0.</param>
    public PacedHostMapping(ulong anchorTrueMicros, long anchorHostNanos, double pace)
    {
        if (!double.IsFinite(pace) || pace <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pace), pace, "a paced mapping needs a pace above 0");
        }

        AnchorTrueMicros = anchorTrueMicros;
        AnchorHostNanos = anchorHostNanos;
        Pace = pace;
    }

    public ulong AnchorTrueMicros { get; }

    public long AnchorHostNanos { get; }

    public double Pace { get; }

    /// <summary>Anchors at the clock's true time and the host clock now (call it as the paced run starts).</summary>
    public static PacedHostMapping StartingNow(VirtualClock clock, TimeProvider host, double pace)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new PacedHostMapping(clock.NowMicros, JournalWriter.HostNanos(host), pace);
    }

    /// <summary>The host clock at true time <paramref name="trueMicros"/>, ns.</summary>
    public long HostNanos(ulong trueMicros) =>
        AnchorHostNanos + (long)Math.Round(((double)trueMicros - AnchorTrueMicros) * 1000 / Pace);

    /// <summary>True time at host clock <paramref name="hostNanos"/>, µs (negative or fractional as it falls).</summary>
    public double TrueMicros(long hostNanos) => AnchorTrueMicros + ((double)(hostNanos - AnchorHostNanos) * Pace / 1000);
}
