using System;
using System.Collections.Generic;
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
    private DateTimeOffset _heardAt;
    private long _heard = -1;
    private readonly Queue<(double Span, long Events, long Frames)> _samples = new();

    /// <summary>The window rates are measured over, session seconds: long enough to smooth batching, short enough to show a stall. Our choice.</summary>
    public const double RateWindowSeconds = 5;

    internal RigBoard(string rigId) => RigId = rigId;

    public string RigId { get; }

    /// <summary>A consistent copy of the board for one redraw.</summary>
    public RigBoardView View()
    {
        lock (_gate)
        {
            return new RigBoardView(RigId, _latest, _attachedAt, _endedAt, _lastError, _eventsPerSecond, _framesPerSecond,
                _feed?.Posted ?? 0, _feed?.Dropped ?? 0)
            {
                RigHeardAt = _heardAt,
            };
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
            _heardAt = now;
            _heard = -1;
            _endedAt = null;
            _eventsPerSecond = null;
            _framesPerSecond = null;
            _samples.Clear();
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

            if (update.Counts is { } after)
            {
                NoteRates(after);

                // The rig itself is heard when a batch, a status or a clock reply arrives; the recorder's own commands do not count.
                long heard = after.BatchesReceived + after.StatusMessages + after.SyncReplies;
                if (heard != _heard)
                {
                    _heard = heard;
                    _heardAt = update.At;
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

    /// <summary>
    /// Events and imaging frames per second over the last <see cref="RateWindowSeconds"/> of the session's own clock (the
    /// journal's host span: virtual seconds in a sped-up demo). Between two updates alone the rates jump with batching.
    /// </summary>
    private void NoteRates(SessionCounts counts)
    {
        _samples.Enqueue((counts.HostSpanSeconds, counts.EventsTotal, counts.Alignment?.Frames ?? 0));
        while (_samples.Count > 2 && counts.HostSpanSeconds - _samples.Peek().Span > RateWindowSeconds)
        {
            _samples.Dequeue();
        }

        var first = _samples.Peek();
        double seconds = counts.HostSpanSeconds - first.Span;
        if (seconds > 0)
        {
            _eventsPerSecond = (counts.EventsTotal - first.Events) / seconds;
            _framesPerSecond = counts.Alignment is null ? null : ((counts.Alignment.Frames) - first.Frames) / seconds;
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
    /// <summary>When the rig was last heard (a batch, a status or a clock reply came), or attached if never.</summary>
    public DateTimeOffset RigHeardAt { get; init; }

    /// <summary>
    /// The last moment both the session's feed and the rig itself were heard: a feed that stops (a stuck producer) and a rig
    /// that stops sending while its recorder goes on (a crashed or unplugged device) both make the row stale.
    /// </summary>
    public DateTimeOffset LastHeard
    {
        get
        {
            var fed = Latest?.At ?? AttachedAt;
            return fed < RigHeardAt ? fed : RigHeardAt;
        }
    }

    /// <summary>"online", "stale" (nothing heard for <see cref="ConsoleHub.StaleAfter"/>) or "offline" (its session ended).</summary>
    public string State(DateTimeOffset now) =>
        EndedAt is not null ? "offline"
        : now - LastHeard > ConsoleHub.StaleAfter ? "stale"
        : "online";

    /// <summary>When the current state began: the session's end, the last moment heard (stale), or the attach (online).</summary>
    public DateTimeOffset Since(DateTimeOffset now) => State(now) switch
    {
        "offline" => EndedAt!.Value,
        "stale" => LastHeard,
        _ => AttachedAt,
    };

    public SessionCounts? Counts => Latest?.Counts;
}
