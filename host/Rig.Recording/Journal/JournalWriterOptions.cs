using System;

namespace Rig.Recording.Journal;

/// <summary>Durability and buffering policy of a <see cref="JournalWriter"/>.</summary>
public sealed record JournalWriterOptions
{
    public static JournalWriterOptions Default { get; } = new();

    /// <summary>Buffered records reach the operating system at least this often, so a crash of the bridge process loses at most this much.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Written data is forced to disk at least this often, so a power cut loses at most about this much.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Once this many bytes are buffered, the appending thread writes them out itself instead of waiting for the timer,
    /// which bounds memory during a burst.
    /// </summary>
    public int BufferLimitBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The timer's disk work (writing buffered records to the operating system and forcing them to disk) runs on a thread
    /// of the writer's own, woken by the timer, rather than on the timer's thread-pool thread: a sync to a busy disk was
    /// measured at up to 167 ms, and twenty journals syncing on pool threads starved the bridge's receive path of threads
    /// (docs/performance.md). False runs it in the timer callback itself, which tests with a manual clock rely on.
    /// </summary>
    public bool OwnDiskThread { get; init; } = true;

    internal void Validate()
    {
        // ITimer periods above uint.MaxValue - 1 ms are rejected by the timer itself; a day is far beyond any sane policy.
        TimeSpan max = TimeSpan.FromDays(1);
        if (FlushInterval <= TimeSpan.Zero || FlushInterval > max)
        {
            throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, "must be positive and at most a day");
        }

        if (SyncInterval <= TimeSpan.Zero || SyncInterval > max)
        {
            throw new ArgumentOutOfRangeException(nameof(SyncInterval), SyncInterval, "must be positive and at most a day");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BufferLimitBytes);
    }
}
