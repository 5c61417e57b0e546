using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Rig.Firmware.Hardware;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.World;

/// <summary>The simulated world a virtual rig lives in: the device's crystal and the network between it and the broker.</summary>
public sealed record VirtualWorld
{
    public required WorldScenario Scenario { get; init; }

    /// <summary>
    /// When true, messages are lost only while <see cref="VirtualRig.RunAsync"/> runs the session proper (delays apply
    /// throughout). Commands have no retry, so a test whose session start must succeed sets this; a lost batch is
    /// still recovered by resends during the drain.
    /// </summary>
    public bool LossOnlyWhileRunning { get; init; }

    /// <summary>Device µs when true time is 0: the device booted long before the simulation starts.</summary>
    public double DeviceStartMicros { get; init; } = 1_000_000;

    /// <summary>
    /// A scenario shipped with the virtual rig (host/Rig.VirtualRig/Scenarios, copied next to the assembly) by name, such as
    /// "quiet-lan" or "busy-wifi", or a path to a scenario file.
    /// </summary>
    public static VirtualWorld Shipped(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (File.Exists(nameOrPath))
        {
            return FromFile(nameOrPath);
        }

        string folder = Path.Combine(AppContext.BaseDirectory, "Scenarios");
        string path = Path.Combine(folder, nameOrPath + ".json");
        if (!File.Exists(path))
        {
            var names = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Select(Path.GetFileNameWithoutExtension).Order().ToArray() : [];
            throw new FileNotFoundException($"no world scenario '{nameOrPath}': neither a file nor one of the shipped scenarios ({string.Join(", ", names)})", path);
        }

        return FromFile(path);
    }

    /// <summary>Reads a scenario file shipped in host/Rig.VirtualRig/Scenarios.</summary>
    public static VirtualWorld FromFile(string path, bool lossOnlyWhileRunning = false) =>
        new() { Scenario = WorldScenario.Load(path), LossOnlyWhileRunning = lossOnlyWhileRunning };
}

/// <summary>
/// Maps the simulation's virtual time (the true, host-side timeline) to the device's crystal time and back.
/// Without a crystal both are the same, which is how the virtual rig ran before the world existed.
/// </summary>
public sealed class DeviceTimeline
{
    private readonly CrystalClock? _crystal;

    public DeviceTimeline(CrystalClock? crystal) => _crystal = crystal;

    public static DeviceTimeline Identity { get; } = new(null);

    /// <summary>Device µs (what the firmware stamps) at true µs; floored, so the map stays monotonic.</summary>
    public ulong ToDevice(ulong trueMicros) =>
        _crystal is null ? trueMicros : (ulong)Math.Floor(_crystal.DeviceMicros(trueMicros * 1000.0));

    /// <summary>True time in ns of device µs.</summary>
    public double TrueNanos(ulong deviceMicros) => _crystal is null ? deviceMicros * 1000.0 : _crystal.TrueNanos(deviceMicros);

    /// <summary>True µs of device µs, rounded down (for simulated peripherals, which live in whole true µs).</summary>
    public ulong ToTrue(ulong deviceMicros) =>
        _crystal is null ? deviceMicros : (ulong)Math.Max(0, Math.Floor(_crystal.TrueNanos(deviceMicros) / 1000));
}

/// <summary>The clock the firmware core reads: the crystal's time at the simulation's (true) virtual time.</summary>
public sealed class DeviceClock(VirtualClock trueClock, DeviceTimeline timeline) : IMicrosecondClock
{
    public ulong NowMicros => timeline.ToDevice(trueClock.NowMicros);
}

/// <summary>
/// The network between the virtual device and the broker, in virtual (true) time: each message is held until its
/// one-way delay has passed, a later message never overtakes an earlier one in the same direction (one TCP
/// connection: due = max(previous due, now + delay)), and lost ones are dropped. The simulation loop releases due
/// messages every tick, so delays pass in virtual time whatever the speed. Thread-safe.
/// </summary>
public sealed class SimNetwork
{
    private const int MaxRedraws = 1000;
    private readonly Lock _gate = new();
    private readonly NetworkLeg _up;
    private readonly NetworkLeg _down;
    private readonly NetworkLegOptions _upOptions;
    private readonly NetworkLegOptions _downOptions;
    private readonly Queue<(ulong DueMicros, OutgoingMessage Message)> _uplink = new();
    private readonly Queue<(ulong DueMicros, byte[] Payload)> _downlink = new();
    private ulong _upLastDue;
    private ulong _downLastDue;

    public SimNetwork(WorldScenario scenario, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _upOptions = scenario.Uplink;
        _downOptions = scenario.Downlink;
        _up = new NetworkLeg(scenario.Uplink, seed ^ 0x0B11);
        _down = new NetworkLeg(scenario.Downlink, seed ^ 0x0D0E);
    }

    /// <summary>When false, a loss drawn for a message is redrawn as a delay (see <see cref="VirtualWorld.LossOnlyWhileRunning"/>).</summary>
    public bool LossEnabled { get; set; } = true;

    public long UplinkSent { get; private set; }

    public long UplinkLost { get; private set; }

    public long DownlinkSent { get; private set; }

    public long DownlinkLost { get; private set; }

    /// <summary>Messages in flight (held for their delay), both directions.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _uplink.Count + _downlink.Count;
            }
        }
    }

    /// <summary>Due time (true µs) of the earliest message held, either direction; null when none is held.</summary>
    public ulong? NextDueMicros
    {
        get
        {
            lock (_gate)
            {
                ulong? up = _uplink.TryPeek(out var u) ? u.DueMicros : null;
                ulong? down = _downlink.TryPeek(out var d) ? d.DueMicros : null;
                return up is null ? down : down is null ? up : Math.Min(up.Value, down.Value);
            }
        }
    }

    /// <summary>Sends a device message at true time <paramref name="nowMicros"/>; false when the network lost it.</summary>
    public bool SendUp(OutgoingMessage message, ulong nowMicros) => SendUp(message, nowMicros, out _);

    /// <summary>As <see cref="SendUp(OutgoingMessage, ulong)"/>, with the true time the message will reach the broker (null: lost).</summary>
    public bool SendUp(OutgoingMessage message, ulong nowMicros, out ulong? dueMicros)
    {
        lock (_gate)
        {
            UplinkSent++;
            double? delay = Draw(_up, _upOptions);
            if (delay is null)
            {
                UplinkLost++;
                dueMicros = null;
                return false;
            }

            _upLastDue = Math.Max(_upLastDue, nowMicros + (ulong)delay.Value);
            _uplink.Enqueue((_upLastDue, message));
            dueMicros = _upLastDue;
            return true;
        }
    }

    /// <summary>Sends a host message (a command) towards the device at true time <paramref name="nowMicros"/>.</summary>
    public bool SendDown(byte[] payload, ulong nowMicros)
    {
        lock (_gate)
        {
            DownlinkSent++;
            double? delay = Draw(_down, _downOptions);
            if (delay is null)
            {
                DownlinkLost++;
                return false;
            }

            _downLastDue = Math.Max(_downLastDue, nowMicros + (ulong)delay.Value);
            _downlink.Enqueue((_downLastDue, payload));
            return true;
        }
    }

    /// <summary>Takes the next device message whose delay has passed at true time <paramref name="nowMicros"/>.</summary>
    public bool TryReleaseUp(ulong nowMicros, out OutgoingMessage message)
    {
        lock (_gate)
        {
            if (_uplink.TryPeek(out var head) && head.DueMicros <= nowMicros)
            {
                message = _uplink.Dequeue().Message;
                return true;
            }
        }

        message = default;
        return false;
    }

    /// <summary>Takes the next command whose delay has passed at true time <paramref name="nowMicros"/>.</summary>
    public bool TryReleaseDown(ulong nowMicros, out byte[] payload)
    {
        lock (_gate)
        {
            if (_downlink.TryPeek(out var head) && head.DueMicros <= nowMicros)
            {
                payload = _downlink.Dequeue().Payload;
                return true;
            }
        }

        payload = [];
        return false;
    }

    private double? Draw(NetworkLeg leg, NetworkLegOptions options)
    {
        double? delay = leg.DelayMicros();
        if (delay is not null || LossEnabled)
        {
            return delay;
        }

        // Loss is off for now: the same generator keeps drawing, so the delays stay those of the scenario.
        for (int i = 0; i < MaxRedraws && delay is null; i++)
        {
            delay = leg.DelayMicros();
        }

        return delay ?? options.FloorMicros;
    }
}

/// <summary>A message the device publishes, copied out of the core's buffer.</summary>
public readonly record struct OutgoingMessage(string Topic, byte[] Payload, bool Retain);
