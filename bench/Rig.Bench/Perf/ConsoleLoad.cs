using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Renderer;
using Rig.Renderer.Live;

namespace Rig.Bench.Perf;

/// <summary>
/// A web console with clients, beside the bridge under measurement (docs/console.md, "Never slows the recorder"): a
/// <see cref="ConsoleHub"/> and <see cref="RigWebServer"/> in the bench process, every recorder's snapshot taken and posted
/// to its feed once a second as `rig fleet run` does (`rig run` and `rig demo` post the snapshot their progress line takes
/// anyway), and a client fetching the fleet page's and one rig page's JSON 4 times a second each, as two open tabs do.
/// </summary>
internal sealed class ConsoleLoad : IAsyncDisposable
{
    /// <summary>How often each page polls: the console pages' 4 Hz.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>How often every recorder's snapshot is posted: `rig fleet run`'s once a second (FleetConsoleFeed).</summary>
    private static readonly TimeSpan PostPeriod = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly ConsoleHub _hub;
    private readonly RigWebServer _server;
    private readonly HttpClient _http;
    private readonly List<RigFeed> _feeds = [];
    private Task _producer = Task.CompletedTask;
    private Task _client = Task.CompletedTask;
    private long _requests;
    private long _bytes;

    private ConsoleLoad(ConsoleHub hub, RigWebServer server)
    {
        _hub = hub;
        _server = server;
        _http = new HttpClient { BaseAddress = server.Url };
    }

    public static async Task<ConsoleLoad> StartAsync(IReadOnlyList<(string RigId, SessionRecorder Recorder)> rigs, CancellationToken cancellationToken)
    {
        var hub = new ConsoleHub(TimeProvider.System);
        var server = await RigWebServer.StartAsync(new RigWebOptions { Port = 0, Console = new WebConsoleOptions { Hub = hub } }, cancellationToken);
        var load = new ConsoleLoad(hub, server);
        foreach (var (rigId, _) in rigs)
        {
            load._feeds.Add(hub.Attach(rigId));
        }

        load._producer = Task.Run(() => load.ProduceAsync(rigs), CancellationToken.None);
        load._client = Task.Run(() => load.PollAsync("api/rigs/" + rigs[0].RigId), CancellationToken.None);
        return load;
    }

    public override string ToString()
    {
        long posted = 0, dropped = 0;
        foreach (var feed in _feeds)
        {
            posted += feed.Posted;
            dropped += feed.Dropped;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"console: {_requests} requests ({_bytes / 1024.0:0} KiB), {posted} updates posted, {dropped} dropped (display only)");
    }

    private async Task ProduceAsync(IReadOnlyList<(string RigId, SessionRecorder Recorder)> rigs)
    {
        using var timer = new PeriodicTimer(PostPeriod);
        while (await Wait(timer))
        {
            for (int i = 0; i < rigs.Count; i++)
            {
                _feeds[i].Post(new RigLiveUpdate(TimeProvider.System.GetUtcNow(), rigs[i].Recorder.Snapshot(), null) { Session = rigs[i].RigId });
            }
        }
    }

    private async Task PollAsync(string rigPage)
    {
        using var timer = new PeriodicTimer(Period);
        while (await Wait(timer))
        {
            foreach (string path in (string[])["api/fleet", rigPage])
            {
                var bytes = await _http.GetByteArrayAsync(path, _stop.Token);
                Interlocked.Increment(ref _requests);
                Interlocked.Add(ref _bytes, bytes.Length);
            }
        }
    }

    private async Task<bool> Wait(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false; // stopping
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_producer, _client);
        }
        catch (OperationCanceledException)
        {
            // A request cut short by the stop.
        }

        _http.Dispose();
        await _server.DisposeAsync();
        await _hub.DisposeAsync();
        _stop.Dispose();
    }
}
