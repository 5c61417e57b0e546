using System;
using System.Diagnostics;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Rig.Firmware;
using Rig.Firmware.Hardware;
using Rig.Recording.Link;
using Rig.Protocol;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.Peripherals;
using Rig.VirtualRig.Water;
using Rig.VirtualRig.World;

namespace Rig.VirtualRig;

/// <summary>
/// A rig without hardware: the unchanged firmware core (<see cref="RigDevice"/>) driven in virtual microseconds
/// against simulated peripherals, a mouse and a scanner, connected to a broker through an <see cref="IRigLink"/>
/// exactly as a device is.
/// </summary>
public sealed partial class VirtualRig : IAsyncDisposable
{
    private readonly VirtualRigOptions _options;
    private readonly IRigLink _link;
    private readonly SimDeviceLink _deviceLink;
    private readonly VirtualClock _clock;
    private readonly IMicrosecondClock _deviceClock;
    private readonly DeviceTimeline _timeline;
    private readonly MouseModel _mouse;
    private readonly ScannerModel _scanner;
    private readonly SimValve _valve;
    private readonly RigDevice _device;
    private readonly Stopwatch _paceWall = new();
    private ulong _paceStartMicros;
    private bool _running;
    private double _paceSpeed = double.NaN;

    private VirtualRig(VirtualRigOptions options, IRigLink link, SimDeviceLink deviceLink, VirtualClock clock,
        IMicrosecondClock deviceClock, DeviceTimeline timeline, MouseModel mouse, ScannerModel scanner, SimValve valve,
        RigDevice device, SimWater water)
    {
        Water = water;
        _options = options;
        _link = link;
        _deviceLink = deviceLink;
        _clock = clock;
        _deviceClock = deviceClock;
        _timeline = timeline;
        _mouse = mouse;
        _scanner = scanner;
        _valve = valve;
        _device = device;
    }

    public uint BootId => _device.BootId;

    /// <summary>Batches the device holds that no bridge has acknowledged (read after a run: the device loop is single-threaded).</summary>
    public int UnacknowledgedBatches => _device.UnacknowledgedBatches;

    /// <summary>The simulated mouse (its lick drive can be attached, for a mouse that learns).</summary>
    public MouseModel Mouse => _mouse;

    /// <summary>
    /// Called on the simulation thread during <see cref="RunAsync"/>: with every message the device publishes, after
    /// every device tick, and once when the run ends (before the final flush). Null: none.
    /// </summary>
    public IVirtualRigHook? Hook { get; set; }

    public RigDevice Device => _device;

    /// <summary>Virtual time: the true timeline the simulated peripherals (and network delays) live in.</summary>
    public VirtualClock Clock => _clock;

    /// <summary>The clock the firmware core reads: <see cref="Clock"/> through the world's crystal, or the same without a world.</summary>
    public IMicrosecondClock DeviceClock => _deviceClock;

    /// <summary>The simulated network, when the rig lives in a world.</summary>
    public SimNetwork? Network => _deviceLink.Network;

    /// <summary>Ground truth: the true (virtual) time in ns at which this boot's device clock read <paramref name="deviceMicros"/>.</summary>
    public double TrueNanos(ulong deviceMicros) => _timeline.TrueNanos(deviceMicros);

    /// <summary>Ground truth by (boot id, device µs); a virtual rig has one boot, so another boot id is an error.</summary>
    public double TrueNanos(uint bootId, ulong deviceMicros) => bootId == BootId
        ? TrueNanos(deviceMicros)
        : throw new ArgumentOutOfRangeException(nameof(bootId), bootId, $"this rig's boot is {BootId}");

    /// <summary>The water the valve delivers, the cup it falls into and the scale under the cup.</summary>
    public SimWater Water { get; }

    /// <summary>
    /// Waits until the virtual device clock reaches <paramref name="micros"/>: intervals of a calibration run pass in
    /// device time, so a rig running faster than real time does not cost wall time.
    /// </summary>
    public async Task WaitForDeviceTimeAsync(ulong micros, CancellationToken cancellationToken)
    {
        while (_deviceClock.NowMicros < micros)
        {
            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>Builds the rig, connects it (with its Offline status as last will) and subscribes to its command topic.</summary>
    public static async Task<VirtualRig> ConnectAsync(ILinkFactory links, VirtualRigOptions options, CancellationToken cancellationToken)
    {
        var topics = new RigTopics(options.RigId);
        var random = new Random(options.Seed);

        // A fresh boot id at every start, as a real device draws one from its hardware generator at boot: a rig restarted
        // with the same seed is a new boot, not the old one's batches again (which a bridge recording on would take as
        // duplicates). The seeded draw is still made, so every simulated signal stays as it was for a seed.
        _ = random.Next(1, int.MaxValue);
        uint bootId = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue);
        var clock = new VirtualClock();
        var world = options.World;
        var timeline = world is null
            ? DeviceTimeline.Identity
            : new DeviceTimeline(new CrystalClock(world.Scenario.Crystal, world.DeviceStartMicros));
        IMicrosecondClock deviceClock = world is null ? clock : new DeviceClock(clock, timeline);

        // Its own seed, so a world leaves the other simulated signals as they were for a seed.
        var network = world is null ? null : new SimNetwork(world.Scenario, options.Seed ^ 0x3E7);
        if (network is not null && world!.LossOnlyWhileRunning)
        {
            network.LossEnabled = false;
        }

        // The module replays the firmware's lick rules with the firmware's own settings (NativeSetup does so on the device).
        var captureOptions = options.Capture with
        {
            LickDebounceMicros = options.Device.LickDebounceMicros, LickMinIntervalMicros = options.Device.MinInterLickMicros,
        };
        var capture = new SimCaptureSource(clock, captureOptions, options.Device.ValveHardMaxOpenMicros, timeline);
        var mouse = new MouseModel(options.Mouse, random.Next(), clock, options.EncoderCountsPerCm);
        var scanner = new ScannerModel(options.Scanner, random.Next());
        var valve = new SimValve(capture);
        var tone = new SimTone(capture);
        var outputs = new SimOutputs(capture);
        if (options.MouseConnected)
        {
            capture.AddInput(mouse);
            capture.AttachWheel(mouse);
            capture.ValveOpened += mouse.OnWater;
        }

        if (options.ScannerConnected)
        {
            capture.AddInput(scanner);
        }


        // Its own generator, so adding the water model left every other simulated signal as it was for a seed.
        var water = new SimWater(options.Flow, options.Seed ^ 0x5A7E4, options.Capture.ValveChannels);
        capture.ValveEdge += water.OnValve;
        capture.Start();

        // The will must be known before connecting; a device without a link yet can still write it.
        var willBuffer = new byte[DeviceStatus.Size];
        var config = ForSpeed(options.Device, options.Speed);
        var probe = new RigDevice(config, bootId, deviceClock, capture, capture, valve, tone, outputs, new NullDeviceLink());
        int willLength = probe.WriteOfflineStatus(willBuffer);

        var link = links.Create(new LinkOptions
        {
            ClientId = "rig-" + options.RigId,
            Will = new LinkWill(topics.Status, willBuffer.AsMemory(0, willLength), Retain: true),
        });
        var deviceLink = new SimDeviceLink(link, topics, clock, options.MaxQueuedMessages, deviceClock, network);
        var device = new RigDevice(config, bootId, deviceClock, capture, capture, valve, tone, outputs, deviceLink);
        try
        {
            await link.ConnectAsync(cancellationToken);
            await link.SubscribeAsync(topics.Command, cancellationToken);
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }

        SimDisplay? display = null;
        if (options.Display.Enabled)
        {
            try
            {
                display = await ConnectDisplayAsync(links, options, clock, timeline, cancellationToken);
            }
            catch
            {
                await deviceLink.DisposeAsync();
                await link.DisposeAsync();
                throw;
            }

            capture.AddInput(display);
        }

        deviceLink.Attach(device);
        device.Start(deviceClock.NowMicros);
        if (display?.Renderer is { } renderer)
        {
            // The lockstep engine computes a scene from a batch as the device publishes it; a real bridge has it only once
            // the network delivered it (or never, when it was lost: the engine then skips the resent, older samples).
            renderer.HostReceiptMicros = now => deviceLink.Publishing ? deviceLink.PublishingArrivalMicros : now;
        }

        var rig = new VirtualRig(options, link, deviceLink, clock, deviceClock, timeline, mouse, scanner, valve, device, water) { Display = display };
        deviceLink.Published += rig.OnPublished;
        return rig;
    }

    /// <summary>The simulated display (<see cref="VirtualRigOptions.Display"/>), or null when it is off.</summary>
    public SimDisplay? Display { get; private init; }

    /// <summary>The simulated display on a link of its own (a renderer is a client of the broker like any other).</summary>
    private static async Task<SimDisplay> ConnectDisplayAsync(ILinkFactory links, VirtualRigOptions options, VirtualClock clock,
        DeviceTimeline timeline, CancellationToken cancellationToken)
    {
        var displayOptions = options.Display.Validate();
        var link = links.Create(new LinkOptions { ClientId = "vr-sim-renderer-" + options.RigId });
        try
        {
            await link.ConnectAsync(cancellationToken);
            if (displayOptions.Source == SimulatedFrameSource.External)
            {
                await link.SubscribeAsync(new Rig.Experiment.Vr.VrTopics(options.RigId).Frame, cancellationToken);
            }
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }

        // Its own generator, so adding the display left every other simulated signal as it was for a seed.
        return new SimDisplay(displayOptions, options.RigId, clock, timeline, options.Seed ^ 0x0D15_B1A7, link);
    }

    /// <summary>
    /// Runs for <paramref name="duration"/> of virtual time, then stops the mouse and the scanner, flushes, and keeps
    /// the device alive until the bridge has acknowledged every batch (or the drain timeout passes).
    /// </summary>
    public async Task<VirtualRigResult> RunAsync(TimeSpan duration, IProgress<VirtualRigProgress>? progress, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        ulong start = _clock.NowMicros;
        ulong end = start + (ulong)(duration.TotalMilliseconds * 1000);
        double total = duration.TotalSeconds;
        long lastProgressMs = -1000;
        bool lossWindow = _options.World is { LossOnlyWhileRunning: true } && _deviceLink.Network is not null;
        if (lossWindow)
        {
            _deviceLink.Network!.LossEnabled = true;
        }

        _running = true;
        while (_clock.NowMicros < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TickAsync(wall, start, _options.Speed, cancellationToken);
            if (progress is not null && wall.ElapsedMilliseconds - lastProgressMs >= 250)
            {
                lastProgressMs = wall.ElapsedMilliseconds;
                progress.Report(new VirtualRigProgress((_clock.NowMicros - start) / 1e6, total, _device.EventsCaptured,
                    _device.BatchesSent, _device.UnacknowledgedBatches));
            }
        }

        if (lossWindow)
        {
            _deviceLink.Network!.LossEnabled = false;
        }

        ulong now = _clock.NowMicros;
        _mouse.StopLickingAt = now;
        _scanner.StopAt = now;
        _device.Flush(_deviceClock.NowMicros);
        ulong eventsAtEnd = _device.EventsCaptured;

        // After the flush, so the hook has seen every event up to now; its last commands run during the drain.
        Hook?.OnRunEnd(_deviceClock.NowMicros, _device);
        _running = false;
        uint lastBatch = _device.NextBatchSeq - 1;

        // Drain in real time: the bridge acknowledges on its own clock.
        var drain = Stopwatch.StartNew();
        var drainWall = Stopwatch.StartNew();
        ulong drainStart = _clock.NowMicros;
        bool acknowledged = _device.NextBatchSeq == 0 || _device.IsAcknowledged(lastBatch);
        while (!acknowledged && drain.Elapsed < _options.DrainTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TickAsync(drainWall, drainStart, 1, cancellationToken);
            acknowledged = _device.IsAcknowledged(lastBatch);
        }

        progress?.Report(new VirtualRigProgress(total, total, _device.EventsCaptured, _device.BatchesSent, _device.UnacknowledgedBatches));
        return new VirtualRigResult
        {
            BootId = _device.BootId,
            VirtualSeconds = (end - start) / 1e6,
            WallSeconds = wall.Elapsed.TotalSeconds,
            EventsCaptured = _device.EventsCaptured,
            EventsAtEnd = eventsAtEnd,
            EventsLost = _device.EventsLost,
            BatchesSent = _device.BatchesSent,
            BatchesResent = _device.BatchesResent,
            LickContacts = _mouse.Contacts,
            Frames = _scanner.Frames,
            ValvePulses = _valve.Pulses,
            PublishFailures = _deviceLink.PublishFailures,
            RepliesDropped = _device.RepliesDropped,
            FullyAcknowledged = acknowledged,
            UplinkSent = _deviceLink.Network?.UplinkSent ?? 0,
            UplinkLost = _deviceLink.Network?.UplinkLost ?? 0,
            DownlinkSent = _deviceLink.Network?.DownlinkSent ?? 0,
            DownlinkLost = _deviceLink.Network?.DownlinkLost ?? 0,
            HostWaitTimeouts = _deviceLink.HostInbox?.Timeouts ?? 0,
            Display = Display?.Snapshot(),
        };
    }

    /// <summary>Runs until cancelled (a virtual rig standing in for a device, for `rig sim`).</summary>
    /// <param name="speed">Virtual seconds per wall second; null uses <see cref="VirtualRigOptions.Speed"/>.</param>
    public async Task RunUntilCancelledAsync(IProgress<VirtualRigProgress>? progress, CancellationToken cancellationToken, double? speed = null)
    {
        double pace = speed ?? _options.Speed;
        var wall = Stopwatch.StartNew();
        ulong start = _clock.NowMicros;
        long lastProgressMs = -1000;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(wall, start, pace, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (progress is not null && wall.ElapsedMilliseconds - lastProgressMs >= 1000)
            {
                lastProgressMs = wall.ElapsedMilliseconds;
                progress.Report(new VirtualRigProgress((_clock.NowMicros - start) / 1e6, double.NaN, _device.EventsCaptured,
                    _device.BatchesSent, _device.UnacknowledgedBatches));
            }
        }

        _device.Flush(_deviceClock.NowMicros);
    }

    /// <summary>Publishes Offline (as the will would) and disconnects cleanly.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_link.IsConnected)
            {
                var buffer = new byte[DeviceStatus.Size];
                int length = _device.WriteOfflineStatus(buffer);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _link.PublishAsync(new RigTopics(_options.RigId).Status, buffer.AsMemory(0, length), retain: true, timeout.Token);
                await _link.DisconnectAsync(timeout.Token);
            }
        }
        finally
        {
            await _deviceLink.DisposeAsync();
            await _link.DisposeAsync();
            if (Display is not null)
            {
                await Display.DisposeAsync();
            }
        }
    }

    /// <summary>Makes virtual time wait for a bridge on the simulation's time to stamp clock-exchange replies (<see cref="World.HostInbox"/>).</summary>
    public void HoldForHost(HostInbox inbox) => _deviceLink.HostInbox = inbox;

    /// <summary>Drops the connection as a crash would (the broker publishes the will).</summary>
    public Task AbortAsync() => _link.AbortAsync();

    private async Task TickAsync(Stopwatch wall, ulong start, double speed, CancellationToken cancellationToken)
    {
        ulong next = _clock.NowMicros + _options.TickMicros;
        if (_options.World is not null && speed > 0)
        {
            // In a world, virtual time is the true timeline the host's clock is compared with: it keeps one pace
            // across the phases of a session (start, run, drain, stop) as long as the speed stays, so a pause between
            // phases is caught up rather than left as a step between virtual and wall time (a false rate error).
            if (speed != _paceSpeed)
            {
                _paceSpeed = speed;
                _paceStartMicros = _clock.NowMicros;
                _paceWall.Restart();
            }

            wall = _paceWall;
            start = _paceStartMicros;
        }

        if (speed > 0)
        {
            double dueMs = (next - start) / 1000.0 / speed;
            double aheadMs = dueMs - wall.Elapsed.TotalMilliseconds;
            if (aheadMs >= 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(aheadMs), cancellationToken);
            }
        }

        // Backpressure: virtual time waits while the link is behind, or while the device's resend store is nearly full
        // (no bridge yet, or one catching up), so nothing is lost to a slow broker or a late host. Meanwhile the device
        // keeps polling at the same instant, so acknowledgements still reach it; with the clock held, nothing new is captured.
        while (_options.StallOnLinkBacklog
            && (_deviceLink.Queued > _options.MaxQueuedMessages / 2 || _device.UnacknowledgedBatches >= Math.Max(1, _options.Device.ResendSlots - 2)))
        {
            await Task.Delay(1, cancellationToken);
            if (_deviceLink.TakeReconnected())
            {
                _device.OnLinkConnected();
            }

            await _deviceLink.ReleaseAsync(_clock.NowMicros, cancellationToken);
            _device.Poll(_deviceClock.NowMicros);
        }

        await _deviceLink.ReleaseAsync(next, cancellationToken);
        _clock.AdvanceTo(next);
        if (_deviceLink.TakeReconnected())
        {
            _device.OnLinkConnected();
        }

        _device.Poll(_deviceClock.NowMicros);
        if (_running)
        {
            Hook?.OnTick(_deviceClock.NowMicros, _device);
        }
    }

    /// <summary>
    /// The device configuration for a simulation run at <paramref name="speed"/>: the host's silence is measured on the
    /// device's clock, and a simulation faster than real time stretches every host pause by the speed-up (at full speed,
    /// without bound), so the host-silence valve close (DeviceConfig.HostSilenceCloseMicros) is scaled by the speed, and
    /// off at full speed. The safety itself is tested in the firmware core's unit tests and in real-time sessions.
    /// </summary>
    internal static DeviceConfig ForSpeed(DeviceConfig config, double speed)
    {
        if (speed == 1)
        {
            return config;
        }

        var copy = new DeviceConfig();
        foreach (var field in typeof(DeviceConfig).GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            field.SetValue(copy, field.GetValue(config));
        }

        copy.HostSilenceCloseMicros = speed <= 0 ? uint.MaxValue : (uint)Math.Min(uint.MaxValue, config.HostSilenceCloseMicros * speed);
        return copy;
    }

    private void OnPublished(TopicKind topic, byte[] payload)
    {
        if (_running)
        {
            Hook?.OnPublished(topic, payload);
        }
    }

    /// <summary>A link that is never connected: used only to write the will before the real link exists.</summary>
    private sealed class NullDeviceLink : Rig.Firmware.Hardware.IDeviceLink
    {
        public bool IsConnected => false;

        public bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain) => false;
    }
}
