using System;
using Rig.Firmware;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.Peripherals;
using Rig.VirtualRig.Water;
using Rig.VirtualRig.World;

namespace Rig.VirtualRig;

/// <summary>Settings of a virtual rig. Deterministic for a seed.</summary>
public sealed record VirtualRigOptions
{
    public required string RigId { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Virtual seconds per wall second; 0 runs as fast as the CPU and the link allow.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Main-loop period in virtual µs (the device polls every 1 ms).</summary>
    public uint TickMicros { get; init; } = 1000;

    /// <summary>Encoder counts per cm of wheel surface: 1024-line quadrature (4096 counts/rev) on a 20 cm wheel.</summary>
    public double EncoderCountsPerCm { get; init; } = 4096 / (Math.PI * 20);

    /// <summary>
    /// Firmware settings. The simulator keeps more batches for resend than the device default because in fast
    /// mode seconds of virtual data pass while the bridge takes one acknowledgement round trip.
    /// </summary>
    public DeviceConfig Device { get; init; } = new DeviceConfig { ResendSlots = 2048, EventRingCapacity = 65536 };

    public MouseOptions Mouse { get; init; } = new();

    public ScannerOptions Scanner { get; init; } = new();

    /// <summary>False: no mouse at the spout (the loopback fixture is plugged in instead); the wheel stays still.</summary>
    public bool MouseConnected { get; init; } = true;

    /// <summary>False: the scanner's frame clock is unplugged (the loopback fixture drives that input instead).</summary>
    public bool ScannerConnected { get; init; } = true;

    /// <summary>The simulated native capture module (the C core's C# twin): ring, reward latency, glitch filters.</summary>
    public SimCaptureOptions Capture { get; init; } = new();

    /// <summary>The valve's flow model: the water each opening delivers into the simulated cup.</summary>
    public ValveFlowModel Flow { get; init; } = new();

    /// <summary>Messages the link adapter may hold before the core's publishes are refused (and retried later).</summary>
    public int MaxQueuedMessages { get; init; } = 4096;

    /// <summary>
    /// True (the default): virtual time waits while the link adapter is behind or the resend store is nearly full (no bridge
    /// acknowledging yet), so a slow broker or a late bridge costs time, not data; a rig that no bridge ever acknowledges
    /// stops its virtual clock after ResendSlots batches.
    /// False: the device runs on regardless, as a real one must; while the link is down or stalled it buffers (batch store,
    /// then event ring) and, beyond that, drops events and counts them. Reliability tests of the device buffer use false.
    /// </summary>
    public bool StallOnLinkBacklog { get; init; } = true;

    /// <summary>How long (wall time) to wait at the end for the bridge to acknowledge everything.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The device's crystal and the network (docs/sync.md, "The simulated world"). Null: device time is virtual time
    /// and messages pass without delay or loss, as before.
    /// </summary>
    public VirtualWorld? World { get; init; }

    /// <summary>
    /// The simulated display and renderer, with a photodiode on channel 0 (docs/vr.md, "The simulated display"). Off by
    /// default; its own frame messages go out on a link of its own (client id <c>vr-sim-renderer-{rig}</c>).
    /// </summary>
    public VirtualDisplayOptions Display { get; init; } = new();
}
