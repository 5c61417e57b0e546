namespace Rig.VirtualRig;

/// <summary>Where a run stands, for progress displays.</summary>
public readonly record struct VirtualRigProgress(double VirtualSeconds, double TotalSeconds, ulong EventsCaptured, uint BatchesSent, int UnacknowledgedBatches);

/// <summary>What a finished run did.</summary>
public sealed record VirtualRigResult
{
    public required uint BootId { get; init; }
    public required double VirtualSeconds { get; init; }
    public required double WallSeconds { get; init; }
    public required ulong EventsCaptured { get; init; }

    /// <summary>
    /// Events numbered by the end of the run proper (0 to this minus 1), all flushed into batches the bridge had to
    /// acknowledge; <see cref="EventsCaptured"/> also counts what the idle device numbered while it waited for that.
    /// </summary>
    public ulong EventsAtEnd { get; init; }
    public required uint EventsLost { get; init; }
    public required uint BatchesSent { get; init; }
    public required uint BatchesResent { get; init; }
    public required long LickContacts { get; init; }
    public required long Frames { get; init; }
    public required long ValvePulses { get; init; }
    public required long PublishFailures { get; init; }
    public required uint RepliesDropped { get; init; }

    /// <summary>True when the bridge acknowledged every batch before the drain timeout.</summary>
    public required bool FullyAcknowledged { get; init; }

    /// <summary>Messages the simulated network carried and lost, each direction (0 without a world).</summary>
    public long UplinkSent { get; init; }

    public long UplinkLost { get; init; }

    public long DownlinkSent { get; init; }

    public long DownlinkLost { get; init; }

    /// <summary>Times virtual time stopped waiting for a bridge on the simulation's time (<see cref="World.HostInbox"/>).</summary>
    public long HostWaitTimeouts { get; init; }

    /// <summary>The simulated display's ground truth (every frame) and counts; null when the display was off.</summary>
    public Peripherals.SimulatedDisplayResult? Display { get; init; }
}
