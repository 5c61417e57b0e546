using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Rig.Firmware.Hardware;
using Rig.Recording.Link;
using Rig.Experiment.Vr;
using Rig.VirtualRig.World;

namespace Rig.VirtualRig.Peripherals;

/// <summary>What draws the frames the simulated display shows.</summary>
public enum SimulatedFrameSource
{
    /// <summary>The simulated renderer (<see cref="SimRenderer"/>): draws the scene in process and publishes a frame message per frame.</summary>
    Simulated,

    /// <summary>
    /// A real renderer (Rig's web page, Unity, Python) publishing <c>vr/v1/{rig}/frame</c>: the simulated display shows each
    /// frame at the first refresh after its render time (<c>render_ns</c>, once <see cref="SimDisplay.UseHostMapping"/> relates
    /// the host clock to true time; before that, after its receipt), and the photodiode sees it the display latency later.
    /// </summary>
    External,
}

/// <summary>
/// Settings of the simulated display and renderer (docs/vr.md, "The simulated display"). Deterministic for the rig's seed.
/// The defaults are assumptions for a 60 Hz LCD monitor and a browser renderer, not measurements.
/// </summary>
public sealed record VirtualDisplayOptions
{
    /// <summary>False (the default): no display; the photodiode line stays dark.</summary>
    public bool Enabled { get; init; }

    public SimulatedFrameSource Source { get; init; } = SimulatedFrameSource.Simulated;

    /// <summary>Refresh rate of the simulated display, Hz of the simulation's true time.</summary>
    public double RefreshHz { get; init; } = 60;

    /// <summary>
    /// From the refresh at which the renderer starts a frame (its animation-frame callback, where it reads the latest
    /// scene) to submitting it, µs: the frame's render time. The frame shows at the next refresh.
    /// </summary>
    public double RenderMicros { get; init; } = 2000;

    /// <summary>Render time jitter, µs: uniform within ± this, kept inside the refresh period.</summary>
    public double RenderJitterMicros { get; init; } = 1000;

    /// <summary>Chance per frame that it is rendered (and reported) but never shown: the patch keeps the previous frame's colour.</summary>
    public double DropProbability { get; init; } = 0.002;

    /// <summary>Chance per frame that it is shown for two refreshes (the renderer missed the next one).</summary>
    public double RepeatProbability { get; init; } = 0.002;

    /// <summary>From the refresh to the patch changing under the photodiode, µs (panel processing and pixel response).</summary>
    public double DisplayLatencyMicros { get; init; } = 5000;

    /// <summary>Display latency jitter, µs: uniform within ± this.</summary>
    public double DisplayLatencyJitterMicros { get; init; } = 500;

    /// <summary>
    /// From the bridge receiving the device batch a state was computed from to the simulated renderer having the state, µs
    /// (decoding, and host to broker to renderer on one machine). The batch's own trip over the simulated network, when the
    /// rig lives in a world, comes before: the lockstep engine computes the state as the device publishes, and the
    /// renderer takes it only once the network would have delivered the batch.
    /// </summary>
    public double SceneLatencyMicros { get; init; } = 1000;

    /// <summary>Frame messages waiting for the renderer's link before new ones are dropped (counted).</summary>
    public int QueueCapacity { get; init; } = 16384;

    /// <summary>The refresh period, µs.</summary>
    public double PeriodMicros => 1e6 / RefreshHz;

    /// <summary>Checks every setting; a bad one is an error naming it.</summary>
    public VirtualDisplayOptions Validate()
    {
        static void Require(bool ok, string name, double value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentOutOfRangeException(name, value, $"simulated display: {name} is {value}; {rule}");
            }
        }

        Require(double.IsFinite(RefreshHz) && RefreshHz is >= 1 and <= 1000, nameof(RefreshHz), RefreshHz, "it must be between 1 and 1000 Hz");
        Require(double.IsFinite(RenderMicros) && RenderMicros >= 0 && RenderMicros < PeriodMicros, nameof(RenderMicros), RenderMicros,
            "it must be 0 or more and less than the refresh period");
        Require(double.IsFinite(RenderJitterMicros) && RenderJitterMicros >= 0, nameof(RenderJitterMicros), RenderJitterMicros, "it must be 0 or more");
        Require(DropProbability is >= 0 and <= 1, nameof(DropProbability), DropProbability, "it must be between 0 and 1");
        Require(RepeatProbability is >= 0 and <= 1 && DropProbability + RepeatProbability <= 1, nameof(RepeatProbability), RepeatProbability,
            "it must be between 0 and 1, and with the drop probability at most 1");
        Require(double.IsFinite(DisplayLatencyMicros) && DisplayLatencyMicros >= 0, nameof(DisplayLatencyMicros), DisplayLatencyMicros, "it must be 0 or more");
        Require(double.IsFinite(DisplayLatencyJitterMicros) && DisplayLatencyJitterMicros >= 0 && DisplayLatencyJitterMicros < PeriodMicros / 4,
            nameof(DisplayLatencyJitterMicros), DisplayLatencyJitterMicros, "it must be 0 or more and under a quarter of the refresh period (flips stay in order)");
        Require(double.IsFinite(SceneLatencyMicros) && SceneLatencyMicros >= 0, nameof(SceneLatencyMicros), SceneLatencyMicros, "it must be 0 or more");
        Require(QueueCapacity >= 1, nameof(QueueCapacity), QueueCapacity, "it must be at least 1");
        return this;
    }
}

/// <summary>What became of a frame on the simulated display.</summary>
public enum SimulatedFrameOutcome
{
    /// <summary>Shown for one refresh.</summary>
    Shown,

    /// <summary>Shown for two refreshes.</summary>
    Repeated,

    /// <summary>Rendered (and reported) but never shown.</summary>
    Dropped,
}

/// <summary>Ground truth of one frame on the simulated display.</summary>
/// <param name="FrameId">The frame id its message carried.</param>
/// <param name="RenderTrueMicros">
/// Simulated renderer: true time the frame was submitted (its <c>render_ns</c>). External renderer: its <c>render_ns</c> on
/// the true timeline (<see cref="SimDisplay.UseHostMapping"/>), or the true time its message reached the simulated display
/// when there is no mapping or the frame could not be placed.
/// </param>
/// <param name="RenderHostNanos">The <c>render_ns</c> its message carried (the bridge's host clock).</param>
/// <param name="SceneDeviceMicros">The scene state it drew (<c>t_us</c>), null before the first scene.</param>
/// <param name="RefreshIndex">The refresh it was shown at (counted from the display's first), -1 when dropped.</param>
/// <param name="DisplayTrueMicros">True time the patch changed under the photodiode (refresh + display latency); null when dropped.</param>
/// <param name="DisplayDeviceMicros">The device's clock at <paramref name="DisplayTrueMicros"/>: the photodiode event's time when it flipped.</param>
/// <param name="PatchLevel">The patch's level in this frame: 1 (white) for even ids.</param>
/// <param name="Flipped">The photodiode saw a change: shown, and the previous frame shown had the other colour.</param>
public readonly record struct SimulatedFrame(long FrameId, ulong RenderTrueMicros, long RenderHostNanos, ulong? SceneDeviceMicros, long RefreshIndex,
    SimulatedFrameOutcome Outcome, ulong? DisplayTrueMicros, ulong? DisplayDeviceMicros, byte PatchLevel, bool Flipped);

/// <summary>The simulated display's ground truth and counts at the end of a run.</summary>
/// <param name="Frames">Every frame in the order it was rendered (simulated) or received (external).</param>
/// <param name="MessagesPublished">Frame messages the broker accepted (simulated renderer).</param>
/// <param name="MessagesDropped">Frame messages dropped because the renderer's link queue was full.</param>
/// <param name="PublishFailures">Frame messages the link refused.</param>
/// <param name="MalformedMessages">Received frame messages that were not a frame (external renderer): no flip.</param>
/// <param name="LateFrames">
/// Received frames that reached the simulation after their refresh (the first after their render time) had been decided:
/// shown at the next undecided one.
/// </param>
/// <param name="ScenesReceived">Scene states given to the simulated renderer.</param>
/// <param name="ScenesLost">Of those, states whose device batch the simulated network lost: never drawn.</param>
/// <param name="UnplacedFrames">
/// External renderer: received frames whose render time could not be put on the true timeline (before true zero, or more
/// than 1 s after their receipt: the renderer's clock disagrees with the host's): shown after their receipt instead.
/// </param>
public sealed record SimulatedDisplayResult(SimulatedFrameSource Source, double RefreshHz, IReadOnlyList<SimulatedFrame> Frames,
    long MessagesPublished, long MessagesDropped, long PublishFailures, long MalformedMessages, long LateFrames, long ScenesReceived, long ScenesLost,
    long UnplacedFrames = 0)
{
    public int Rendered => Frames.Count;

    public int Shown => Count(f => f.Outcome != SimulatedFrameOutcome.Dropped);

    public int Repeated => Count(f => f.Outcome == SimulatedFrameOutcome.Repeated);

    public int Dropped => Count(f => f.Outcome == SimulatedFrameOutcome.Dropped);

    /// <summary>Photodiode flips the display made (shown frames whose colour differed from the one before).</summary>
    public int Flips => Count(f => f.Flipped);

    /// <summary>One line for summaries, named simulated.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"simulated display ({(Source == SimulatedFrameSource.Simulated ? "simulated renderer" : "external renderer")}, {RefreshHz:0.##} Hz): " +
        $"{Rendered} frames, {Shown} shown ({Repeated} for two refreshes), {Dropped} dropped, {Flips} photodiode flips; " +
        $"messages {MessagesPublished} published, {MessagesDropped} dropped, {PublishFailures} failed, {MalformedMessages} malformed, {LateFrames} late, {UnplacedFrames} unplaced; " +
        $"scene states {ScenesReceived} given, {ScenesLost} lost with their batch");

    private int Count(Func<SimulatedFrame, bool> predicate)
    {
        int n = 0;
        foreach (var f in Frames)
        {
            n += predicate(f) ? 1 : 0;
        }

        return n;
    }
}

/// <summary>
/// A simulated display with a photodiode on its corner patch (docs/vr.md, "The simulated display"): refreshes on a fixed
/// grid of the simulation's true time, shows frames from the simulated renderer (<see cref="Renderer"/>) or from a real
/// renderer's frame messages (<see cref="SimulatedFrameSource.External"/>), and schedules a photodiode edge (channel 0) on
/// the simulated capture module the display latency after each refresh that changes the patch's colour. Produces its
/// edges lazily, up to the time the capture module asks for (<see cref="ISimInput"/>), on the simulation thread; keeps
/// the ground truth of every frame.
/// </summary>
public sealed class SimDisplay : ISimInput, IAsyncDisposable
{
    /// <summary>How far an external frame's render time may fall after its receipt on the true timeline, µs (see <see cref="PlacedAt"/>).</summary>
    private const double MaxRenderLeadMicros = 1_000_000;

    private readonly VirtualDisplayOptions _options;
    private readonly VirtualClock _clock;
    private readonly DeviceTimeline _timeline;
    private readonly Random _latencyRandom;
    private readonly double _firstRefreshMicros;
    private readonly List<SimulatedFrame> _frames = [];
    private readonly ConcurrentQueue<(ulong ReceivedMicros, ReceivedFrame Frame)> _received = new();
    private readonly IRigLink? _link;
    private readonly SimFramePublisher? _publisher;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver = Task.CompletedTask;
    private (ulong ReceivedMicros, ReceivedFrame Frame, long Refresh)? _waiting;
    private long _nextExternalRefresh;
    private byte _level;
    private long _malformed;
    private long _late;
    private long _unplaced;
    private PacedHostMapping? _hostMapping;

    /// <param name="clock">The simulation's true time: refreshes and the photodiode live in it.</param>
    /// <param name="timeline">True time to the device's clock (for the ground truth's device times).</param>
    /// <param name="seed">Seeds the renderer's and the display's draws.</param>
    /// <param name="link">The renderer's own link to the broker (frame messages out, or in for an external renderer); null: none.</param>
    public SimDisplay(VirtualDisplayOptions options, string rigId, VirtualClock clock, DeviceTimeline timeline, int seed, IRigLink? link)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _clock = clock;
        _timeline = timeline;
        _link = link;
        var random = new Random(seed);
        _latencyRandom = new Random(random.Next());

        // The display refreshes on its own grid, at a phase the session does not choose.
        _firstRefreshMicros = clock.NowMicros + (random.NextDouble() * options.PeriodMicros);
        Topics = new VrTopics(rigId);
        if (link is not null && options.Source == SimulatedFrameSource.Simulated)
        {
            _publisher = new SimFramePublisher(link, options.QueueCapacity);
        }

        Renderer = options.Source == SimulatedFrameSource.Simulated
            ? new SimRenderer(options, clock, this, new Random(random.Next()), _publisher)
            : null;
        if (link is not null && options.Source == SimulatedFrameSource.External)
        {
            _receiver = Task.Run(ReceiveAsync);
        }
    }

    public VirtualDisplayOptions Options => _options;

    public VrTopics Topics { get; }

    /// <summary>The simulated renderer (a scene sink: give it the scene), or null when an external renderer draws.</summary>
    public SimRenderer? Renderer { get; }

    /// <summary>
    /// The bridge's host clock at a true time, ns: what the renderer's clock exchange would give it. Through the host mapping
    /// when <see cref="VirtualSession"/> has set one (a bridge on the system clock); otherwise true µs × 1000, which is the
    /// bridge's clock when it runs on <see cref="VirtualHostTime"/>.
    /// </summary>
    public long HostNanos(ulong trueMicros) => Volatile.Read(ref _hostMapping)?.HostNanos(trueMicros) ?? (long)trueMicros * 1000;

    /// <summary>
    /// Relates the bridge's host clock (the system's) to true time for the rest of the run (<see cref="VirtualSession"/>
    /// at speed 1): the simulated renderer stamps its frames with it, and an external renderer's frames are placed by their
    /// <c>render_ns</c> rather than by when their message arrived.
    /// </summary>
    public void UseHostMapping(PacedHostMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        Volatile.Write(ref _hostMapping, mapping);
    }

    /// <summary>True time of refresh <paramref name="index"/>, µs.</summary>
    public ulong RefreshMicros(long index) => (ulong)Math.Round(_firstRefreshMicros + (index * _options.PeriodMicros));

    /// <summary>The first refresh at or after true time <paramref name="trueMicros"/>.</summary>
    public long RefreshAtOrAfter(ulong trueMicros)
    {
        long index = Math.Max(0, (long)Math.Ceiling((trueMicros - _firstRefreshMicros) / _options.PeriodMicros));
        while (index > 0 && RefreshMicros(index - 1) >= trueMicros)
        {
            index--;
        }

        while (RefreshMicros(index) < trueMicros)
        {
            index++;
        }

        return index;
    }

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Renderer is not null)
        {
            Renderer.RenderUntil(untilMicros, sink);
        }
        else
        {
            ShowReceivedUntil(untilMicros, sink);
        }
    }

    /// <summary>The ground truth so far and the counts (on the simulation thread, or once the run is over).</summary>
    public SimulatedDisplayResult Snapshot() => new(_options.Source, _options.RefreshHz, _frames.ToArray(),
        _publisher?.Published ?? 0, _publisher?.Dropped ?? 0, _publisher?.Failures ?? 0, Interlocked.Read(ref _malformed), _late,
        Renderer?.ScenesReceived ?? 0, Renderer?.ScenesLost ?? 0, _unplaced);

    /// <summary>Waits (wall time) until every frame message offered has been published or refused; false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitPublishedAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _publisher is null ? Task.FromResult(true) : _publisher.WaitIdleAsync(timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _receiver;
        if (_publisher is not null)
        {
            await _publisher.DisposeAsync();
        }

        if (_link is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                if (_link.IsConnected)
                {
                    await _link.DisconnectAsync(timeout.Token);
                }
            }
            finally
            {
                await _link.DisposeAsync();
            }
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Shows a frame at refresh <paramref name="refreshIndex"/> (or records it dropped, <paramref name="refreshIndex"/> -1):
    /// the patch takes the frame's colour, and if that changes it, the photodiode sees an edge the display latency later.
    /// </summary>
    internal void Present(SimCaptureSource sink, long frameId, ulong renderTrueMicros, long renderHostNanos, ulong? sceneDeviceMicros,
        long refreshIndex, SimulatedFrameOutcome outcome)
    {
        byte level = frameId % 2 == 0 ? (byte)1 : (byte)0;

        // Drawn for every frame, shown or not, so the draws stay aligned with frame ids for a seed.
        double latency = _options.DisplayLatencyMicros + (_options.DisplayLatencyJitterMicros * ((2 * _latencyRandom.NextDouble()) - 1));
        if (outcome == SimulatedFrameOutcome.Dropped)
        {
            _frames.Add(new SimulatedFrame(frameId, renderTrueMicros, renderHostNanos, sceneDeviceMicros, -1, outcome, null, null, level, false));
            return;
        }

        ulong display = RefreshMicros(refreshIndex) + (ulong)Math.Round(latency);
        bool flipped = level != _level;
        if (flipped)
        {
            _level = level;
            sink.Schedule(new CaptureRecord(display, CaptureLine.Photodiode, 0, level));
        }

        _frames.Add(new SimulatedFrame(frameId, renderTrueMicros, renderHostNanos, sceneDeviceMicros, refreshIndex, outcome, display,
            _timeline.ToDevice(display), level, flipped));
    }

    /// <summary>
    /// External renderer: each received frame shows at the first refresh at or after its render time (with a host mapping;
    /// without one, or when its render time cannot be placed, at or after its receipt); of several for one refresh only the
    /// last shows (the others are dropped, as a display shows one frame per refresh). A refresh is decided once the
    /// simulation is past it by the shortest display latency (its photodiode edge can be scheduled until then); a frame
    /// handed over after its refresh was decided is late (counted) and shows at the next undecided one.
    /// </summary>
    private void ShowReceivedUntil(ulong untilMicros, SimCaptureSource sink)
    {
        ulong grace = (ulong)Math.Floor(_options.DisplayLatencyMicros - _options.DisplayLatencyJitterMicros);
        while (true)
        {
            if (_waiting is null)
            {
                if (!_received.TryDequeue(out var next))
                {
                    return;
                }

                ulong at = PlacedAt(next.ReceivedMicros, next.Frame, count: true);
                long natural = RefreshAtOrAfter(at);
                if (natural < _nextExternalRefresh)
                {
                    _late++;
                }

                _waiting = (at, next.Frame, Math.Max(natural, _nextExternalRefresh));
            }

            var (received, frame, refresh) = _waiting.Value;
            if (RefreshMicros(refresh) + grace > untilMicros)
            {
                // Not decided yet: a later frame may still arrive for the same refresh.
                return;
            }

            _waiting = null;
            bool superseded = _received.TryPeek(out var after)
                && Math.Max(RefreshAtOrAfter(PlacedAt(after.ReceivedMicros, after.Frame, count: false)), _nextExternalRefresh) == refresh;
            if (superseded)
            {
                Present(sink, frame.FrameId, received, frame.RenderHostNanos, frame.SceneDeviceMicros, -1, SimulatedFrameOutcome.Dropped);
                continue;
            }

            _nextExternalRefresh = refresh + 1;
            Present(sink, frame.FrameId, received, frame.RenderHostNanos, frame.SceneDeviceMicros, refresh, SimulatedFrameOutcome.Shown);
        }
    }

    /// <summary>
    /// The true time a received frame is placed by: its render time through the host mapping, else its receipt. A render
    /// time after the receipt is possible while the simulation lags the wall clock (a stalled machine; it catches up), but
    /// not by more than <see cref="MaxRenderLeadMicros"/>, nor before true zero: such a frame is unplaced, counted once.
    /// </summary>
    private ulong PlacedAt(ulong receivedMicros, ReceivedFrame frame, bool count)
    {
        var mapping = Volatile.Read(ref _hostMapping);
        if (mapping is null)
        {
            return receivedMicros;
        }

        double render = mapping.TrueMicros(frame.RenderHostNanos);
        if (!double.IsFinite(render) || render < 0 || render > receivedMicros + MaxRenderLeadMicros)
        {
            _unplaced += count ? 1 : 0;
            return receivedMicros;
        }

        return (ulong)Math.Round(render);
    }

    private async Task ReceiveAsync()
    {
        try
        {
            await foreach (var message in _link!.Messages.ReadAllAsync(_stop.Token))
            {
                if (message.Topic != Topics.Frame)
                {
                    continue;
                }

                ulong now = _clock.NowMicros;
                if (FrameMessage.TryRead(message.Payload.Span, out var frame))
                {
                    _received.Enqueue((now, frame));
                }
                else
                {
                    Interlocked.Increment(ref _malformed);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal.
        }
    }
}
