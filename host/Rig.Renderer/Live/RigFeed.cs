using System;
using System.Threading;
using System.Threading.Channels;
using Rig.Experiment.Tasks;
using Rig.Recording.Decoding;

namespace Rig.Renderer.Live;

/// <summary>
/// One moment of a rig's session for the console: what the recorder has counted so far and, with a protocol, the live task
/// tables. Both are immutable copies made by the producer, so the console reads them on its own thread without locks.
/// </summary>
/// <param name="At">When the producer made it, on the console's <see cref="TimeProvider"/> (wall time: rates per second).</param>
/// <param name="Counts">The recorder's counts (<c>SessionRecorder.Snapshot</c>); null before recording starts.</param>
/// <param name="Task">The task tables so far (live engine, or rebuilt from the journal at the end); null without a protocol.</param>
/// <param name="Error">The latest error worth showing (a refused command, a failed recording); null for none.</param>
public sealed record RigLiveUpdate(DateTimeOffset At, SessionCounts? Counts, TaskSessionTables? Task, string? Error = null)
{
    /// <summary>The session ended (the last update of it): the rig shows offline from <see cref="At"/> on.</summary>
    public bool Ended { get; init; }

    /// <summary>The session folder (its name is the session's name in the console).</summary>
    public string? Session { get; init; }

    /// <summary>The protocol the task runs, e.g. "supervised-leaf1-circle1"; null without a task.</summary>
    public string? Protocol { get; init; }
}

/// <summary>
/// How a session hands its state to the console: a bounded channel that drops the oldest waiting update when the console
/// is behind (it only ever needs the latest), so <see cref="Post"/> never waits and never allocates beyond the bound. The
/// journal is not behind this channel: the recorder writes every message before anything here is made, and a drop here
/// loses a redraw, never a record. Drops are counted and shown on the page.
/// </summary>
public sealed class RigFeed
{
    /// <summary>Updates waiting for the console at most; producers post 1-4 per second, the console reads them at once. Our choice.</summary>
    public const int Capacity = 8;

    private readonly Channel<RigLiveUpdate> _channel;
    private long _posted;
    private long _dropped;

    internal RigFeed(string rigId)
    {
        RigId = rigId;
        _channel = Channel.CreateBounded<RigLiveUpdate>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            _ => Interlocked.Increment(ref _dropped));
    }

    public string RigId { get; }

    /// <summary>Updates posted so far.</summary>
    public long Posted => Interlocked.Read(ref _posted);

    /// <summary>Updates the console never drew because newer ones replaced them while it was behind (display only).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal ChannelReader<RigLiveUpdate> Reader => _channel.Reader;

    /// <summary>Hands an update to the console; returns at once whatever the console is doing.</summary>
    public void Post(RigLiveUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        Interlocked.Increment(ref _posted);
        // Never false for a DropOldest channel that is not completed; after Complete the update is counted as dropped.
        if (!_channel.Writer.TryWrite(update))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    internal void Complete() => _channel.Writer.TryComplete();
}
