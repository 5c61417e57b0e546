using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace Rig.Renderer.Live;

/// <summary>
/// The console's side of the live pipeline: every rig this process records, each fed through its own <see cref="RigFeed"/>
/// and read by a consumer task of its own, so a page being drawn never touches the recorder. The pages poll
/// <see cref="FleetJson"/> and <see cref="RigJson"/>; each is rebuilt at most once per <see cref="MinRedraw"/> however many
/// browsers ask (docs/console.md).
/// </summary>
public sealed class ConsoleHub : IAsyncDisposable
{
    /// <summary>The fastest the console redraws: 10 times a second (issue 17), whatever the number of clients.</summary>
    public static readonly TimeSpan MinRedraw = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// An online rig with no update for this long is shown stale. Producers post every 0.25 s (`rig demo`) or 1 s (`rig run`),
    /// so 3 s is three missed updates at the slowest. Our choice.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(3);

    private readonly object _gate = new();
    private readonly Dictionary<string, RigBoard> _boards = new(StringComparer.Ordinal);
    private readonly List<Task> _consumers = [];
    private readonly JsonCache _fleet;
    private readonly Dictionary<string, JsonCache> _details = new(StringComparer.Ordinal);

    public ConsoleHub(TimeProvider time)
    {
        Time = time ?? throw new ArgumentNullException(nameof(time));
        _fleet = new JsonCache(time, () => ConsoleJson.Fleet(Boards(), Time.GetUtcNow()));
    }

    public TimeProvider Time { get; }

    /// <summary>Starts showing a rig (a new session of it replaces the previous one on the page) and returns its feed.</summary>
    public RigFeed Attach(string rigId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rigId);
        var feed = new RigFeed(rigId);
        RigBoard board;
        lock (_gate)
        {
            if (!_boards.TryGetValue(rigId, out board!))
            {
                board = new RigBoard(rigId);
                _boards[rigId] = board;
                _details[rigId] = new JsonCache(Time, () => ConsoleJson.Rig(board, Time.GetUtcNow()));
            }

            board.Attach(feed, Time.GetUtcNow());
            _consumers.Add(Task.Run(() => ConsumeAsync(feed, board)));
        }

        return feed;
    }

    /// <summary>The rigs shown, by id.</summary>
    public IReadOnlyList<RigBoard> Boards()
    {
        lock (_gate)
        {
            return _boards.Values.OrderBy(b => b.RigId, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The fleet table as JSON (cached for <see cref="MinRedraw"/>).</summary>
    public byte[] FleetJson() => _fleet.Get();

    /// <summary>One rig's page as JSON (cached for <see cref="MinRedraw"/>); null for a rig never attached.</summary>
    public byte[]? RigJson(string rigId)
    {
        JsonCache? cache;
        lock (_gate)
        {
            cache = _details.GetValueOrDefault(rigId);
        }

        return cache?.Get();
    }

    private static async Task ConsumeAsync(RigFeed feed, RigBoard board)
    {
        await foreach (var update in feed.Reader.ReadAllAsync())
        {
            board.Apply(feed, update);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] consumers;
        lock (_gate)
        {
            foreach (var board in _boards.Values)
            {
                board.CompleteFeed();
            }

            consumers = [.. _consumers];
        }

        await Task.WhenAll(consumers);
    }

    /// <summary>Bytes rebuilt at most once per <see cref="MinRedraw"/>: the cost of the console does not grow with its clients.</summary>
    private sealed class JsonCache(TimeProvider time, Func<byte[]> build)
    {
        private readonly object _gate = new();
        private byte[]? _bytes;
        private long _builtAt;

        public byte[] Get()
        {
            lock (_gate)
            {
                long now = time.GetTimestamp();
                if (_bytes is null || time.GetElapsedTime(_builtAt, now) >= MinRedraw)
                {
                    _bytes = build();
                    _builtAt = now;
                }

                return _bytes;
            }
        }
    }
}
