using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Rig.Experiment.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Link;
using Rig.Renderer;
using Rig.Renderer.Live;

namespace Rig.Cli.Commands;

/// <summary>The web console's options and start-up, shared by `rig demo`, `rig run` and `rig console` (docs/console.md).</summary>
internal static class ConsoleCli
{
    public static Option<string> BindOption() => new("--console-bind")
    {
        Description = "Address the web console listens on (default 127.0.0.1: this computer only); any other address needs --console-login",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public static Option<string?> LoginOption() => new("--console-login")
    {
        Description = "Password file of the console's accounts, in the broker's format (the passwd `rig broker-config` writes): required on a network address",
    };

    public static Option<int> PortOption() => new("--console-port")
    {
        Description = "Port of the web console (a free one is taken if it is in use; 0: always a free one)",
        DefaultValueFactory = _ => RendererOptions.DefaultPort,
    };

    /// <summary>The web host's options from the command line; a bad address or login file is a usage error naming it.</summary>
    public static RigWebOptions Resolve(string bind, string? loginFile, int port, ConsoleHub? hub, string? sessionsFolder)
    {
        if (!IPAddress.TryParse(bind, out var address))
        {
            throw new WebConsoleUsageException($"--console-bind '{bind}' is not an IP address (127.0.0.1 for this computer, 0.0.0.0 for every network)");
        }

        var login = loginFile is null ? null : ConsoleLogin.Load(loginFile);
        if (login is null && !NetworkExposure.IsLoopback(address))
        {
            // Refused before anything starts (RigWebServer refuses it too): the console shows every rig and every session.
            throw new InsecureNetworkException($"the web console would listen on {address} without a login: anyone on the network could watch " +
                "every rig and read every session; give --console-login FILE (a password file as `rig broker-config` writes it), or serve it on 127.0.0.1");
        }

        return new RigWebOptions
        {
            BindAddress = address,
            Port = port,
            Console = new WebConsoleOptions { Hub = hub, SessionsFolder = sessionsFolder, Login = login },
        };
    }

    /// <summary>Starts the web host; a port in use (not 0) is swapped for a free one and reported as moved.</summary>
    public static async Task<(RigWebServer Server, bool PortMoved)> StartWebAsync(RigWebOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return (await RigWebServer.StartAsync(options, cancellationToken), false);
        }
        catch (IOException) when (options.Port != 0)
        {
            // A demo or a run must not fail because another program (or another rig process) has the default port.
            return (await RigWebServer.StartAsync(options with { Port = 0 }, cancellationToken), true);
        }
    }

    /// <summary>The line `rig demo`, `rig run` and `rig console` print at start: where the console is, and who may open it.</summary>
    public static string Describe(RigWebServer server, bool portMoved, int requestedPort)
    {
        var options = server.Options;
        string access = options.Console?.Login is { } login
            ? $"login required (accounts in {login.File})"
            : "no login: this computer only";
        string network = NetworkExposure.IsLoopback(options.BindAddress) ? "" : $"; listening on {options.BindAddress} (the network)";
        string moved = portMoved ? $" (port {requestedPort} was in use)" : "";
        return $"console: {server.ConsoleUrl} ({access}{network}){moved}";
    }
}

/// <summary>
/// The live task tables `rig run` hands the console: rebuilt only after a trial ends and at most once per interval, because the
/// rebuild holds the engine's lock that the recorder's thread takes for every event batch.
/// </summary>
internal sealed class ConsoleTables(LiveTaskDriver? task, string mouse, TimeSpan interval)
{
    private TaskSessionTables? _tables;
    private int _trials;
    private long _builtAt;

    public TaskSessionTables? Latest()
    {
        if (task is null)
        {
            return null;
        }

        int completed = task.TrialsCompleted;
        if (completed > 0 && completed != _trials && (_tables is null || TimeProvider.System.GetElapsedTime(_builtAt) >= interval))
        {
            _tables = task.BuildLive(mouse, DateOnly.FromDateTime(TimeProvider.System.GetLocalNow().DateTime), 1);
            _trials = completed;
            _builtAt = TimeProvider.System.GetTimestamp();
        }

        return _tables;
    }
}

/// <summary>`rig fleet run`'s recorders on the console: each one's counts posted once a second, and their final counts at the end.</summary>
internal sealed class FleetConsoleFeed : IAsyncDisposable
{
    /// <summary>How often each recorder's counts are posted: `rig run`'s progress rate. Our choice.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly RigFeed[] _feeds;
    private readonly TimeProvider _time;
    private Task _loop = Task.CompletedTask;

    private FleetConsoleFeed(RigFeed[] feeds, TimeProvider time)
    {
        _feeds = feeds;
        _time = time;
    }

    public static FleetConsoleFeed Start(ConsoleHub hub, string[] rigIds, SessionRecorder[] recorders, TimeProvider time)
    {
        var feed = new FleetConsoleFeed(Array.ConvertAll(rigIds, hub.Attach), time);
        feed._loop = Task.Run(() => feed.PostAsync(recorders), CancellationToken.None);
        return feed;
    }

    /// <summary>Stops posting and posts each rig's final counts: the console shows them offline.</summary>
    public async Task EndAsync(IReadOnlyList<SessionResult> results)
    {
        await StopAsync();
        for (int i = 0; i < results.Count; i++)
        {
            _feeds[i].Post(new RigLiveUpdate(_time.GetUtcNow(), results[i].Counts, null) { Session = results[i].Folder, Ended = true });
        }
    }

    private async Task PostAsync(SessionRecorder[] recorders)
    {
        using var timer = new PeriodicTimer(Period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                for (int i = 0; i < recorders.Length; i++)
                {
                    _feeds[i].Post(new RigLiveUpdate(_time.GetUtcNow(), recorders[i].Snapshot(), null) { Session = recorders[i].Folder });
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped: the sessions are closing.
        }
    }

    private async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}

/// <summary>A console option that cannot work (exit code 2, usage).</summary>
internal sealed class WebConsoleUsageException(string message) : Exception(message);
