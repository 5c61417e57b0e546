using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Rig.Recording.Link;
using Rig.Experiment.Vr;

namespace Rig.VirtualRig.Peripherals;

/// <summary>
/// The simulated renderer (docs/vr.md, "The simulated display"): a scene sink that draws, at each refresh of the
/// simulated display, the latest scene state it has been given, and publishes one <c>vr/v1/{rig}/frame</c> message per
/// frame it draws, as Rig's web page does. Its animation-frame callback runs at a refresh and reads the latest state that
/// had arrived; it submits the frame <see cref="VirtualDisplayOptions.RenderMicros"/> ± jitter later (the frame's
/// <c>render_ns</c>), which the display shows at the next refresh, or drops, or shows for two refreshes (the renderer
/// then misses a callback). It draws from the session's start to its stop, on the simulation thread.
/// </summary>
public sealed class SimRenderer : IVrSceneSink
{
    private readonly VirtualDisplayOptions _options;
    private readonly VirtualClock _clock;
    private readonly SimDisplay _display;
    private readonly Random _random;
    private readonly SimFramePublisher? _publisher;
    private readonly Queue<(ulong ArrivalMicros, VrSceneState State)> _scenes = new();
    private VrSceneState? _latest;
    private bool _active;
    private long _nextFrameId;
    private long _callbackRefresh;
    private ulong _nextRenderMicros;

    internal SimRenderer(VirtualDisplayOptions options, VirtualClock clock, SimDisplay display, Random random, SimFramePublisher? publisher)
    {
        _options = options;
        _clock = clock;
        _display = display;
        _random = random;
        _publisher = publisher;
    }

    /// <summary>Frames drawn so far.</summary>
    public long FramesRendered => _nextFrameId;

    /// <summary>Scene states received.</summary>
    public long ScenesReceived { get; private set; }

    public void OnSessionStarted(string sessionId, string protocol)
    {
        _active = true;
        _scenes.Clear();
        _latest = null;
        _callbackRefresh = _display.RefreshAtOrAfter(_clock.NowMicros);
        _nextRenderMicros = RenderTime(_callbackRefresh);
    }

    /// <summary>
    /// Scene states that never reached the renderer: the device batch they were computed from was lost on the simulated
    /// network (a real bridge would have had its samples only from the resend, later than newer ones, and skipped them).
    /// </summary>
    public long ScenesLost { get; private set; }

    /// <summary>
    /// When the host has the data a state given now was computed from, true µs, given now; null when it never does.
    /// Default: now. The virtual rig sets it to the arrival of the device batch being published through its simulated network.
    /// </summary>
    public Func<ulong, ulong?> HostReceiptMicros { get; set; } = now => now;

    public void OnScene(VrSceneState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ScenesReceived++;
        if (HostReceiptMicros(_clock.NowMicros) is not { } receipt)
        {
            ScenesLost++;
            return;
        }

        _scenes.Enqueue((receipt + (ulong)Math.Round(_options.SceneLatencyMicros), state));
    }

    public void OnSessionStopped(string sessionId) => _active = false;

    /// <summary>Draws every frame submitted at or before <paramref name="untilMicros"/> (true time).</summary>
    internal void RenderUntil(ulong untilMicros, SimCaptureSource sink)
    {
        while (_active && _nextRenderMicros <= untilMicros)
        {
            RenderOne(sink);
        }
    }

    private void RenderOne(SimCaptureSource sink)
    {
        // The callback reads the newest state that had arrived before it ran.
        ulong callback = _display.RefreshMicros(_callbackRefresh);
        while (_scenes.TryPeek(out var s) && s.ArrivalMicros < callback)
        {
            _latest = _scenes.Dequeue().State;
        }

        double u = _random.NextDouble();
        var outcome = u < _options.DropProbability ? SimulatedFrameOutcome.Dropped
            : u < _options.DropProbability + _options.RepeatProbability ? SimulatedFrameOutcome.Repeated
            : SimulatedFrameOutcome.Shown;
        long frame = _nextFrameId++;
        ulong render = _nextRenderMicros;
        long hostNanos = _display.HostNanos(render);
        byte patch = frame % 2 == 0 ? (byte)1 : (byte)0;
        _publisher?.Offer(_display.Topics.Frame, FrameMessage.Write(frame, hostNanos, _latest, patch));
        _display.Present(sink, frame, render, hostNanos, _latest?.DeviceMicros,
            outcome == SimulatedFrameOutcome.Dropped ? -1 : _callbackRefresh + 1, outcome);
        _callbackRefresh += outcome == SimulatedFrameOutcome.Repeated ? 2 : 1;
        _nextRenderMicros = RenderTime(_callbackRefresh);
    }

    /// <summary>Submit time of a frame whose callback runs at refresh <paramref name="refresh"/>: inside that refresh period.</summary>
    private ulong RenderTime(long refresh)
    {
        double jitter = _options.RenderJitterMicros * ((2 * _random.NextDouble()) - 1);
        double offset = Math.Clamp(_options.RenderMicros + jitter, 0, _options.PeriodMicros - 1);
        return _display.RefreshMicros(refresh) + (ulong)Math.Round(offset);
    }
}

/// <summary>A frame message as the simulated display reads it (external renderer).</summary>
public readonly record struct ReceivedFrame(long FrameId, long RenderHostNanos, ulong? SceneDeviceMicros);

/// <summary>The <c>vr/v1/{rig}/frame</c> payload (docs/vr.md): written by the simulated renderer, read by the simulated display.</summary>
public static class FrameMessage
{
    /// <summary>{"frame","render_ns","t_us","pos_dm","wall","trial","patch"}; <paramref name="scene"/> null before the first scene.</summary>
    public static byte[] Write(long frameId, long renderHostNanos, VrSceneState? scene, byte patch)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("frame", frameId);
            w.WriteNumber("render_ns", renderHostNanos);
            if (scene is null)
            {
                w.WriteNull("t_us");
                w.WriteNull("pos_dm");
                w.WriteString("wall", "");
                w.WriteNumber("trial", -1);
            }
            else
            {
                w.WriteNumber("t_us", scene.DeviceMicros);
                if (double.IsFinite(scene.PositionDm))
                {
                    w.WriteNumber("pos_dm", Math.Round(scene.PositionDm, 4));
                }
                else
                {
                    w.WriteNull("pos_dm");
                }

                w.WriteString("wall", scene.Wall);
                w.WriteNumber("trial", scene.Trial);
            }

            w.WriteNumber("patch", patch);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the fields the display needs; false when the payload is not a frame message (no frame id, or not JSON).</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out ReceivedFrame frame)
    {
        frame = default;
        long? id = null;
        long renderNanos = 0;
        ulong? tUs = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "frame" when reader.TokenType == JsonTokenType.Number:
                        id = reader.GetInt64();
                        break;
                    case "render_ns" when reader.TokenType == JsonTokenType.Number:
                        renderNanos = reader.GetInt64();
                        break;
                    case "t_us" when reader.TokenType == JsonTokenType.Number:
                        tUs = reader.GetUInt64();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            // Not a frame message: the caller counts it as malformed.
            return false;
        }

        if (id is not { } frameId || frameId < 0)
        {
            return false;
        }

        frame = new ReceivedFrame(frameId, renderNanos, tUs);
        return true;
    }
}

/// <summary>
/// Publishes frame messages in order on the renderer's own link without blocking the simulation: a bounded queue and a
/// pump, as <see cref="MqttVrSceneSink"/> does for the scene. A full queue drops the message and counts it; a refused
/// publish is counted.
/// </summary>
public sealed class SimFramePublisher : IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly Channel<(string Topic, byte[] Payload)> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private long _offered;
    private long _published;
    private long _dropped;
    private long _failures;

    public SimFramePublisher(IRigLink link, int capacity)
    {
        _link = link;
        _queue = Channel.CreateBounded<(string, byte[])>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails, so the drop is ours to count
            SingleReader = true,
            SingleWriter = true,
        });
        _pump = Task.Run(PumpAsync);
    }

    public long Published => Interlocked.Read(ref _published);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The last refused publish, for reports.</summary>
    public Exception? LastFailure { get; private set; }

    public void Offer(string topic, byte[] payload)
    {
        if (_queue.Writer.TryWrite((topic, payload)))
        {
            Interlocked.Increment(ref _offered);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Waits (wall time) until every message offered was published or refused; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        while (Interlocked.Read(ref _offered) != Published + Failures)
        {
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                return false;
            }

            await Task.Delay(2, cancellationToken);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var (topic, payload) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    await _link.PublishAsync(topic, payload, retain: false, _stop.Token);
                    Interlocked.Increment(ref _published);
                }
                catch (OperationCanceledException)
                {
                    // Cut short by disposal: never confirmed, so counted with the dropped ones.
                    Interlocked.Increment(ref _dropped);
                    throw;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref _failures);
                    LastFailure = e;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed with messages still queued: they never reached the broker, so they count as dropped.
            while (_queue.Reader.TryRead(out _))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }
}
