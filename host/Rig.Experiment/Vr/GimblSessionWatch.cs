using System;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Journal;
using Rig.Recording.Link;

namespace Rig.Experiment.Vr;

/// <summary>What Gimbl has said about its session so far; host times are <c>JournalWriter.HostNanos</c>, null until seen.</summary>
public sealed record GimblSessionState(long? StartHostNanos, long? StopHostNanos, long Starts, long Stops)
{
    public bool StartConfirmed => StartHostNanos is not null;

    public bool StopConfirmed => StopHostNanos is not null;

    /// <summary>One line for the summary and the progress line.</summary>
    public string Describe() => (StartConfirmed, StopConfirmed) switch
    {
        (false, _) => "start not confirmed (no Gimbl/Session/Start received: is Gimbl running with external start, connected to this broker?)",
        (true, false) => "started" + (Starts > 1 ? $" ({Starts} starts)" : ""),
        (true, true) => "started and stopped" + (Starts > 1 || Stops > 1 ? $" ({Starts} starts, {Stops} stops)" : ""),
    };
}

/// <summary>
/// Listens to Gimbl's own announcements, <c>Gimbl/Session/Start</c> and <c>Gimbl/Session/Stop</c>, and says whether
/// Gimbl confirmed the start Rig asked for with ForceStart. Gimbl publishes Start 1 s after its scene starts
/// (Gimbl's MQTTClient.StartSession) and Stop when ForceStop arrives or play mode ends. ForceStart is not retained:
/// a Gimbl that connects after Rig asked never sees it, and this watch is how a run finds out.
/// Reads its link's messages: give it a link of its own (or one that only publishes otherwise).
/// </summary>
public sealed class GimblSessionWatch : IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private GimblSessionState _state = new(null, null, 0, 0);
    private Task? _reader;

    public GimblSessionWatch(IRigLink link, TimeProvider time)
    {
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Subscribes to Gimbl's session topics (returns once the broker granted them) and starts reading.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_reader is not null)
        {
            throw new InvalidOperationException("the Gimbl session watch is already started");
        }

        await _link.SubscribeAsync(VrTopics.GimblSessionStart, cancellationToken);
        await _link.SubscribeAsync(VrTopics.GimblSessionStop, cancellationToken);
        _reader = Task.Run(ReadAsync, CancellationToken.None);
    }

    public GimblSessionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>True once Gimbl announced a start, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitForStartAsync(TimeSpan timeout, CancellationToken cancellationToken) => WaitAsync(_started.Task, timeout, cancellationToken);

    /// <summary>True once Gimbl announced a stop, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitForStopAsync(TimeSpan timeout, CancellationToken cancellationToken) => WaitAsync(_stopped.Task, timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reader is not null)
        {
            await _reader;
        }

        _stop.Dispose();
    }

    private async Task<bool> WaitAsync(Task signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await signal.WaitAsync(timeout, _time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _link.Messages.ReadAllAsync(_stop.Token))
            {
                long now = JournalWriter.HostNanos(_time);
                lock (_gate)
                {
                    if (message.Topic == VrTopics.GimblSessionStart)
                    {
                        _state = _state with { StartHostNanos = _state.StartHostNanos ?? now, Starts = _state.Starts + 1 };
                        _started.TrySetResult();
                    }
                    else if (message.Topic == VrTopics.GimblSessionStop)
                    {
                        _state = _state with { StopHostNanos = _state.StopHostNanos ?? now, Stops = _state.Stops + 1 };
                        _stopped.TrySetResult();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: nothing more to watch.
        }
    }
}
