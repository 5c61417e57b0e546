using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Protocol;

namespace Rig.Provisioning.Loopback;

/// <summary>Which edges an input reports: both levels, or only rising edges (the frame counter numbers rising edges only).</summary>
public enum InputEdges
{
    Both,
    RisingOnly,
}

/// <summary>What a scenario drives and measures.</summary>
public enum LoopbackLeg
{
    /// <summary>A PulseTrain on a valve or sync output, echoed on an input: capture delay, missed and extra edges, width error.</summary>
    PulseTrain,

    /// <summary>Listens to the scanner's frame clock: frame periods and missing frames.</summary>
    FrameClock,

    /// <summary>A renderer's frames, seen by the photodiode on its patch: display latency and dropped frames.</summary>
    Display,

    /// <summary>PlayTone commands, the tone output heard on a TTL input: onset latency and duration error.</summary>
    Tone,
}

/// <summary>
/// One loopback wiring (docs/loopback.md, hardware/schematics/loopback_fixture.kicad_sch): an output the device
/// pulses and the input the fixture feeds it back into, with the pulse ranges that input can follow.
/// </summary>
public sealed record LoopbackScenario
{
    public required string Name { get; init; }

    /// <summary>
    /// True for a scenario that only listens (the scanner's frame clock while the microscope acquires): no pulse
    /// train; frame periods and missing frames are reported instead of delays.
    /// </summary>
    public bool Passive { get; init; }

    /// <summary>What is driven and measured; <see cref="Passive"/> scenarios are <see cref="LoopbackLeg.FrameClock"/>.</summary>
    public LoopbackLeg Leg { get; init; } = LoopbackLeg.PulseTrain;

    /// <summary>tone-to-ttl: the tone frequency, Hz.</summary>
    public ushort ToneFrequencyHz { get; init; }

    /// <summary>What <c>--pulses</c> counts when not given: pulses, tones, or frames.</summary>
    public int DefaultCount { get; init; } = 1000;

    /// <summary><see cref="PulseTrainOutput"/>: valve or sync output (unused when passive).</summary>
    public byte Output { get; init; }

    public byte OutputChannel { get; init; }

    /// <summary>The event kind the output's own edges are recorded as (Valve, SyncOut or Tone); null when the device has no output in it (a renderer's frames).</summary>
    public EventKind? OutputKind => Leg switch
    {
        LoopbackLeg.Tone => EventKind.Tone,
        LoopbackLeg.Display or LoopbackLeg.FrameClock => null,
        _ => Output == PulseTrainOutput.Valve ? EventKind.Valve : EventKind.SyncOut,
    };

    public required EventKind InputKind { get; init; }

    public required byte InputChannel { get; init; }

    public InputEdges InputEdges { get; init; } = InputEdges.Both;

    /// <summary>Low time before each pulse, µs: at least the input's own dead time (lick: 50 ms minimum inter-lick interval).</summary>
    public uint MinIntervalMicros { get; init; }

    public uint MaxIntervalMicros { get; init; }

    /// <summary>Pulse widths, µs: above the input's debounce or glitch lockout (lick: 1 ms debounce).</summary>
    public uint MinWidthMicros { get; init; }

    public uint MaxWidthMicros { get; init; }

    /// <summary>The wiring in words, printed with the report.</summary>
    public required string Wiring { get; init; }

    /// <summary>Names the input as the report and the errors do: "lick channel 0".</summary>
    public string InputName => InputKind.ToString().ToLowerInvariant() + " channel " + InputChannel;

    public string OutputName => Leg switch
    {
        LoopbackLeg.FrameClock => "the microscope",
        LoopbackLeg.Display => "the VR renderer's patch",
        LoopbackLeg.Tone => "tone output",
        _ => (Output == PulseTrainOutput.Valve ? "valve" : "sync output") + " " + OutputChannel,
    };

    // Lick: the firmware refuses an onset within 50 ms of the previous one (DeviceConfig.MinInterLickMicros) and
    // debounces for 1 ms (LickDebounceMicros), so pulses are 2-20 ms wide and at least 60 ms apart.
    private static readonly LoopbackScenario[] All =
    [
        new()
        {
            Name = "valve-to-lick", Output = PulseTrainOutput.Valve, OutputChannel = 0, InputKind = EventKind.Lick, InputChannel = 0,
            MinIntervalMicros = 60_000, MaxIntervalMicros = 120_000, MinWidthMicros = 2_000, MaxWidthMicros = 20_000,
            Wiring = "carrier J3 (valve) -> fixture J101 (R101 1k + U101 PC817 LED); U101 shorts the spout: fixture J102 -> carrier J4 (lick); JP101 on A; 12 V supply on, real valve unplugged",
        },
        new()
        {
            Name = "sync-to-lick", Output = PulseTrainOutput.SyncOutput, OutputChannel = 1, InputKind = EventKind.Lick, InputChannel = 0,
            MinIntervalMicros = 60_000, MaxIntervalMicros = 120_000, MinWidthMicros = 2_000, MaxWidthMicros = 20_000,
            Wiring = "carrier J9 (SYNC_OUT1) -> fixture J103 (R102 1k + U102 PC817); U102 shorts the spout: fixture J102 -> carrier J4; JP101 on B",
        },
        new()
        {
            Name = "sync-to-frame", Output = PulseTrainOutput.SyncOutput, OutputChannel = 0, InputKind = EventKind.Frame, InputChannel = 0,
            InputEdges = InputEdges.RisingOnly,
            MinIntervalMicros = 5_000, MaxIntervalMicros = 40_000, MinWidthMicros = 1_000, MaxWidthMicros = 5_000,
            Wiring = "BNC cable carrier J8 (SYNC_OUT0) -> carrier J5 (frame clock in); scanner unplugged",
        },
        new()
        {
            Name = "sync-to-photodiode", Output = PulseTrainOutput.SyncOutput, OutputChannel = 1, InputKind = EventKind.Photodiode, InputChannel = 0,
            MinIntervalMicros = 5_000, MaxIntervalMicros = 40_000, MinWidthMicros = 2_000, MaxWidthMicros = 10_000,
            Wiring = "carrier J9 (SYNC_OUT1) -> fixture J103 -> R105 1k -> D101 LED, in a light-tight tube with the photodiode on carrier J11",
        },
        new()
        {
            Name = "scanner-frame-clock", Passive = true, Leg = LoopbackLeg.FrameClock, InputKind = EventKind.Frame, InputChannel = 0, InputEdges = InputEdges.RisingOnly,
            Wiring = "BNC tee on the scanner's frame-clock output: one leg to carrier J5 (fixture J107), one to the acquisition DAQ (J106); the microscope acquiring",
        },
        new()
        {
            // 600 frames: 10 s at 60 Hz.
            Name = "renderer-to-photodiode", Leg = LoopbackLeg.Display, InputKind = EventKind.Photodiode, InputChannel = 0, DefaultCount = 600,
            Wiring = "the photodiode on carrier J11 over the renderer's patch corner (shielded from room light); the renderer running full screen on the VR display",
        },
        new()
        {
            // Tone lengths like a cue's (50-200 ms), 100-200 ms apart; 2 kHz is well inside the fixture's 16 kHz low-pass and
            // gives 4000 TTL edges per second, which the TTL input's 2 µs glitch lockout passes.
            Name = "tone-to-ttl", Leg = LoopbackLeg.Tone, InputKind = EventKind.Ttl, InputChannel = 0, DefaultCount = 50, ToneFrequencyHz = 2_000,
            MinIntervalMicros = 100_000, MaxIntervalMicros = 200_000, MinWidthMicros = 50_000, MaxWidthMicros = 200_000,
            Wiring = "carrier J10 (speaker out, speaker unplugged) -> fixture J104 (R103 1k / C101 10 nF low-pass, D102, U103 PC817); collector with R104 4.7k to 5 V (carrier J7 pin 1 -> J108) -> J105 -> carrier J6 (TTL in 0)",
        },
    ];

    public static IReadOnlyList<LoopbackScenario> Known => All;

    /// <summary>The scenario of that name, or an error listing the known ones.</summary>
    public static LoopbackScenario Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new LoopbackInputException($"unknown scenario '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}");
}
