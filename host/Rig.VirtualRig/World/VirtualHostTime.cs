using System;
using System.Threading;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.World;

/// <summary>
/// A host clock that reads the simulation's virtual (true) time, for a bridge recording a virtual rig in a world: the
/// host's timestamps (journal, sync requests) and the ground truth are then the same timeline, so a clock map fitted
/// from the journal can be compared with the crystal exactly, without the scheduling jitter between virtual and wall
/// time. Timers (timeouts) still run on the system's clock. Meant for real time (speed 1) or modest speed-ups: the
/// bridge's own processing time passes in virtual time multiplied by the speed.
/// </summary>
public sealed class VirtualHostTime : TimeProvider
{
    private readonly DateTimeOffset _epoch;
    private VirtualClock? _clock;

    /// <param name="epoch">The wall-clock time virtual zero stands for.</param>
    public VirtualHostTime(DateTimeOffset epoch) => _epoch = epoch;

    public VirtualHostTime()
        : this(DateTimeOffset.UtcNow)
    {
    }

    /// <summary>
    /// The bridge's inbox: <see cref="VirtualSession"/> records through links wrapped by it, so the simulation holds
    /// virtual time until the bridge has stamped each clock-exchange reply.
    /// </summary>
    public HostInbox Inbox { get; } = new();

    /// <summary>Ticks are virtual µs.</summary>
    public override long TimestampFrequency => 1_000_000;

    /// <summary>Virtual µs; 0 until a rig's clock is bound, which is where virtual time starts.</summary>
    public override long GetTimestamp() => (long)(Volatile.Read(ref _clock)?.NowMicros ?? 0);

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromMicroseconds(GetTimestamp());

    /// <summary>
    /// The host clock a bridge recording a virtual rig at <paramref name="speed"/> should use: the system's in real time;
    /// otherwise the simulation's timeline (starting at the system's now), because virtual device time races ahead of (or
    /// lags) wall time and a clock map between the two would be meaningless, and with it every host time derived from it.
    /// </summary>
    public static TimeProvider ForSpeed(double speed, TimeProvider system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return speed == 1 ? system : new VirtualHostTime(system.GetUtcNow());
    }

    /// <summary>Follows <paramref name="clock"/> from now on (VirtualSession binds the rig's clock before the bridge starts).</summary>
    public void Bind(VirtualClock clock) => Volatile.Write(ref _clock, clock);
}
