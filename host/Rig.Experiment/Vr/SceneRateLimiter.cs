using System;

namespace Rig.Experiment.Vr;

/// <summary>
/// A scene sink that wants to know when the producer has handed over every state of one device batch: those states
/// were all computed at the same host instant, so the last one is the newest the host can show. The task engine
/// signals it after each batch of events (TaskEngine.OnEvents).
/// </summary>
public interface IVrSceneBatchSink
{
    void OnSceneBatchEnd();
}

/// <summary>Settings of <see cref="SceneRateLimiter"/>.</summary>
public sealed record SceneRateOptions
{
    /// <summary>
    /// Scene states forwarded per second of device time, at most; the display's refresh rate (60 Hz on the monitors
    /// labs use): a renderer draws one state per refresh, so more states only cost the broker and the renderer.
    /// 0 forwards every state.
    /// </summary>
    public double RateHz { get; init; } = 60;

    /// <summary>The frame period in device µs (0 when every state is forwarded).</summary>
    public double PeriodMicros => RateHz == 0 ? 0 : 1e6 / RateHz;

    /// <summary>Checks the options; a bad rate is an error naming it.</summary>
    public SceneRateOptions Validate() => double.IsFinite(RateHz) && RateHz >= 0
        ? this
        : throw new ArgumentOutOfRangeException(nameof(RateHz), RateHz, "the scene rate must be a finite number of states per second, 0 or more (0: every state)");
}

/// <summary>
/// Forwards the task engine's scene to a renderer at most once per display frame of device time (docs/vr.md, "Scene
/// rate"): the engine computes a state per encoder sample (1 kHz), a renderer draws 60 a second. Coalesced states are
/// not lost: their <see cref="VrSceneState.MovementCounts"/> are summed into the next state forwarded, so a renderer
/// that integrates movement (Gimbl) ends where the wheel did. A state that starts a new trial or changes the wall is
/// forwarded at once, so a renderer never misses a corridor change, and the last coalesced state is forwarded before
/// the session stops.
/// <para>
/// When the producer signals batch ends (<see cref="IVrSceneBatchSink"/>, as the task engine does), the limiter forwards
/// the newest state of a batch once a frame period has passed since the last one forwarded: the states of a batch
/// arrive together, and the first one past the frame boundary would be up to a batch older than the newest. Without
/// batch ends (and until the first one) it forwards the first state at or past the boundary. Not thread-safe: called from the engine's loop, as
/// every scene sink is.
/// </para>
/// </summary>
public sealed class SceneRateLimiter : IVrSceneSink, IVrSceneBatchSink
{
    private readonly IVrSceneSink _inner;
    private readonly double _periodMicros;
    private VrSceneState? _pending;
    private VrSceneState? _lastForwarded;
    private long _pendingMovement;
    private double _nextDueMicros;
    private bool _batchEnds;

    public SceneRateLimiter(IVrSceneSink inner, SceneRateOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        _inner = inner;
        _periodMicros = options.Validate().PeriodMicros;
    }

    /// <summary>States received.</summary>
    public long Received { get; private set; }

    /// <summary>States forwarded (each carries the movement of the ones coalesced into it).</summary>
    public long Forwarded { get; private set; }

    /// <summary>States forwarded at once because the trial or the wall changed.</summary>
    public long ForwardedForChange { get; private set; }

    public void OnSessionStarted(string sessionId, string protocol)
    {
        _pending = null;
        _lastForwarded = null;
        _pendingMovement = 0;
        _inner.OnSessionStarted(sessionId, protocol);
    }

    public void OnScene(VrSceneState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Received++;
        _pending = state;
        _pendingMovement += state.MovementCounts;
        if (_periodMicros == 0 || _lastForwarded is null)
        {
            Forward();
            return;
        }

        if (state.Trial != _lastForwarded.Trial || state.Wall != _lastForwarded.Wall)
        {
            ForwardedForChange++;
            Forward();
            return;
        }

        // Device time going back (a new boot) restarts the frame grid rather than holding states until it catches up.
        if (!_batchEnds && (state.DeviceMicros >= _nextDueMicros || state.DeviceMicros < _lastForwarded.DeviceMicros))
        {
            Forward();
        }
    }

    public void OnSceneBatchEnd()
    {
        _batchEnds = true;
        if (_pending is { } state && _lastForwarded is { } last
            && (state.DeviceMicros >= _nextDueMicros || state.DeviceMicros < last.DeviceMicros))
        {
            Forward();
        }

        (_inner as IVrSceneBatchSink)?.OnSceneBatchEnd();
    }

    public void OnSessionStopped(string sessionId)
    {
        // The movement of the last coalesced states must reach a renderer that integrates it.
        if (_pending is not null)
        {
            Forward();
        }

        _inner.OnSessionStopped(sessionId);
    }

    private void Forward()
    {
        var state = _pending!;
        if (state.MovementCounts != _pendingMovement)
        {
            state = state with { MovementCounts = _pendingMovement };
        }

        _pending = null;
        _pendingMovement = 0;
        _lastForwarded = state;
        _nextDueMicros = state.DeviceMicros + _periodMicros;
        Forwarded++;
        _inner.OnScene(state);
    }
}
