using System;
using Rig.Recording.Decoding;

namespace Rig.Renderer.Live;

/// <summary>What the console knows of one rig: the latest update of its current session and rates worked out between updates.</summary>
public sealed class RigBoard
{
    private readonly object _gate = new();
    private RigFeed? _feed;
    private RigLiveUpdate? _latest;
    private DateTimeOffset _attachedAt;
    private DateTimeOffset? _endedAt;
    private string? _lastError;
    private double? _eventsPerSecond;
    private double? _framesPerSecond;

    internal RigBoard(string rigId) => RigId = rigId;

    public string RigId { get; }

    /// <summary>A consistent copy of the board for one redraw.</summary>
    public RigBoardView View()
    {
        lock (_gate)
        {
            return new RigBoardView(RigId, _latest, _attachedAt, _endedAt, _lastError, _eventsPerSecond, _framesPerSecond,
                _feed?.Posted ?? 0, _feed?.Dropped ?? 0);
        }
    }

    internal void Attach(RigFeed feed, DateTimeOffset now)
    {
        lock (_gate)
        {
            _feed?.Complete();
            _feed = feed;
            _latest = null;
            _attachedAt = now;
            _endedAt = null;
            _eventsPerSecond = null;
            _framesPerSecond = null;
        }
    }

    internal void Apply(RigFeed feed, RigLiveUpdate update)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(feed, _feed))
            {
                return; // a late update of a session this rig has since replaced
            }

            if (_latest is { Counts: { } before } previous && update.Counts is { } after)
            {
                // Session seconds (the journal's host clock: virtual time in a sped-up demo), else wall seconds between updates.
                double seconds = after.HostSpanSeconds > before.HostSpanSeconds ? after.HostSpanSeconds - before.HostSpanSeconds : (update.At - previous.At).TotalSeconds;
                if (seconds > 0)
                {
                    _eventsPerSecond = (after.EventsTotal - before.EventsTotal) / seconds;
                    if (after.Alignment is { } a && before.Alignment is { } b)
                    {
                        _framesPerSecond = (a.Frames - b.Frames) / seconds;
                    }
                }
            }

            // An update without counts or tables (an error, the end of a failed run) keeps what was shown before.
            _latest = _latest is null ? update : update with
            {
                Counts = update.Counts ?? _latest.Counts,
                Task = update.Task ?? _latest.Task,
                Session = update.Session ?? _latest.Session,
                Protocol = update.Protocol ?? _latest.Protocol,
            };
            _lastError = update.Error ?? _lastError;
            if (update.Ended)
            {
                _endedAt = update.At;
                _eventsPerSecond = 0;
                _framesPerSecond = 0;
            }
        }
    }

    internal void CompleteFeed()
    {
        lock (_gate)
        {
            _feed?.Complete();
        }
    }
}

/// <summary>A copy of a <see cref="RigBoard"/> at one moment.</summary>
/// <param name="UpdatesPosted">Updates the session posted; <paramref name="UpdatesDropped"/> of them were replaced unseen.</param>
public sealed record RigBoardView(string RigId, RigLiveUpdate? Latest, DateTimeOffset AttachedAt, DateTimeOffset? EndedAt, string? LastError,
    double? EventsPerSecond, double? FramesPerSecond, long UpdatesPosted, long UpdatesDropped)
{
    /// <summary>"online", "stale" (no update for <see cref="ConsoleHub.StaleAfter"/>) or "offline" (its session ended).</summary>
    public string State(DateTimeOffset now) =>
        EndedAt is not null ? "offline"
        : now - (Latest?.At ?? AttachedAt) > ConsoleHub.StaleAfter ? "stale"
        : "online";

    /// <summary>When the current state began: the session's end, the last update (stale), or the attach (online).</summary>
    public DateTimeOffset Since(DateTimeOffset now) => State(now) switch
    {
        "offline" => EndedAt!.Value,
        "stale" => Latest?.At ?? AttachedAt,
        _ => AttachedAt,
    };

    public SessionCounts? Counts => Latest?.Counts;
}
