using System;
using Rig.Firmware.Hardware;
using Rig.Provisioning.Loopback;
using Rig.Protocol;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.Loopback;

/// <summary>
/// The loopback fixture in the virtual rig: the wire of a scenario with a latency model, and the rig options for it
/// (no mouse at the spout; the scanner unplugged when the fixture drives the frame-clock input).
/// </summary>
public static class LoopbackFixture
{
    /// <summary>The simulated wire a scenario's fixture makes.</summary>
    public static SimWire Wire(LoopbackScenario scenario, double latencyMicros, double jitterMicros, bool connected, SimJitter jitter = SimJitter.Uniform)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new SimWire
        {
            From = scenario.Output == PulseTrainOutput.Valve ? SimOutputKind.Valve : SimOutputKind.SyncOut,
            FromChannel = scenario.OutputChannel,
            To = scenario.InputKind switch
            {
                EventKind.Lick => CaptureLine.Lick,
                EventKind.Frame => CaptureLine.FrameClock,
                EventKind.Photodiode => CaptureLine.Photodiode,
                EventKind.Ttl => CaptureLine.Ttl,
                _ => throw new ArgumentException("a loopback input must be lick, frame, photodiode or TTL, not " + scenario.InputKind, nameof(scenario)),
            },
            ToChannel = scenario.InputChannel,
            LatencyMicros = latencyMicros,
            JitterMicros = jitterMicros,
            Jitter = jitter,
            Connected = connected,
        };
    }

    /// <summary>
    /// Rig options for a scenario: an active one gets its wire (<see cref="Wire"/>, <see cref="Apply"/>); the passive
    /// scanner-frame-clock one keeps the scanner on the frame-clock input (unplugged when not <paramref name="connected"/>).
    /// Returns the options and the wire model in words, for the report.
    /// </summary>
    public static (VirtualRigOptions Options, string Description) ForScenario(VirtualRigOptions options, LoopbackScenario scenario,
        double latencyMicros, double jitterMicros, bool connected)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.Leg is LoopbackLeg.Display or LoopbackLeg.Tone)
        {
            throw new ArgumentException($"{scenario.Name} has no wire: its simulated screen or tone path comes from LoopbackFixture.ForLeg", nameof(scenario));
        }

        if (scenario.Passive)
        {
            return (options with { MouseConnected = false, ScannerConnected = connected },
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"scanner {options.Scanner.FrameRateHz:0.###} Hz, jitter {options.Scanner.JitterMicros:0.###} µs{(connected ? "" : ", frame-clock cable unplugged")}"));
        }

        var wire = Wire(scenario, latencyMicros, jitterMicros, connected);
        return (Apply(options, wire), "wire " + wire.Describe());
    }

    /// <summary>
    /// Rig options for any scenario, with the simulated part that stands in for the fixture: a wire (pulse trains; latency
    /// and jitter default 7 ± 2 µs), the scanner (frame clock), a <see cref="LoopbackScreen"/> on the photodiode input
    /// (renderer-to-photodiode; latency and jitter default 25 ± 2 ms, <paramref name="dropPercent"/> of frames dropped) or a
    /// <see cref="ToneTtlWire"/> from the tone output to TTL input 0 (tone-to-ttl; default 20 ± 5 µs per edge).
    /// </summary>
    public static LoopbackSimulation ForLeg(VirtualRigOptions options, LoopbackScenario scenario, double? latencyMicros, double? jitterMicros, bool connected,
        double dropPercent = 0.5)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scenario);
        switch (scenario.Leg)
        {
            case LoopbackLeg.Display:
            {
                if (options.World is not null)
                {
                    throw new ArgumentException("the loopback screen works on the rig's true time, which is its device time only without a world", nameof(options));
                }

                var screenOptions = new LoopbackScreenOptions { Connected = connected, Seed = options.Seed, DropProbability = dropPercent / 100 };
                screenOptions = screenOptions with
                {
                    LatencyMicros = latencyMicros ?? screenOptions.LatencyMicros,
                    JitterMicros = jitterMicros ?? screenOptions.JitterMicros,
                };
                var screen = new LoopbackScreen(screenOptions);
                return new LoopbackSimulation(Plug(options, screen), screenOptions.Describe(), screen);
            }

            case LoopbackLeg.Tone:
            {
                var wireOptions = new ToneTtlWireOptions { Connected = connected, Seed = options.Seed };
                wireOptions = wireOptions with { LatencyMicros = latencyMicros ?? wireOptions.LatencyMicros, JitterMicros = jitterMicros ?? wireOptions.JitterMicros };
                return new LoopbackSimulation(Plug(options, new ToneTtlWire(wireOptions)), wireOptions.Describe(), null);
            }

            default:
            {
                var (rig, description) = ForScenario(options, scenario, latencyMicros ?? 7, jitterMicros ?? 2, connected);
                return new LoopbackSimulation(rig, description, null);
            }
        }
    }

    // The mouse unplugged from the spout, the simulated part on the capture module.
    private static VirtualRigOptions Plug(VirtualRigOptions options, ISimInput input) => options with
    {
        MouseConnected = false,
        Capture = options.Capture with { Inputs = [.. options.Capture.Inputs, input] },
    };

    /// <summary>Rig options with the fixture plugged in: <paramref name="wire"/> added, the mouse (and, for the frame clock, the scanner) unplugged.</summary>
    public static VirtualRigOptions Apply(VirtualRigOptions options, SimWire wire)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(wire);
        return options with
        {
            MouseConnected = false,
            ScannerConnected = wire.To != CaptureLine.FrameClock,
            Capture = options.Capture with { Wires = [.. options.Capture.Wires, wire], WireSeed = options.Seed },
        };
    }
}

/// <summary>The virtual rig's options for a loopback scenario, the model in words, and the simulated screen (renderer-to-photodiode only).</summary>
public sealed record LoopbackSimulation(VirtualRigOptions Options, string Description, LoopbackScreen? Screen);

/// <summary>Connects <see cref="LoopbackWorkflow"/> to a virtual rig: the rig on its own loop and a bridge recording it.</summary>
public static class VirtualLoopback
{
    public static Func<string, Rig.Recording.Decoding.IEventSink, System.Threading.CancellationToken, System.Threading.Tasks.Task<LoopbackConnection>> Connector(
        Rig.Recording.Link.ILinkFactory links, VirtualRigOptions options, Rig.Recording.Bridge.BridgeOptions bridge, Rig.Recording.Bridge.SessionStartInfo info,
        TimeProvider time, Microsoft.Extensions.Logging.ILogger logger) =>
        async (folder, sink, ct) =>
        {
            var rig = await Water.VirtualCalibrationRig.StartAsync(links, options, bridge, folder, info, time, logger, ct, sink);
            return new LoopbackConnection(rig.Recorder, rig);
        };
}
