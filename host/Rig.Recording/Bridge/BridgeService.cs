using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rig.Recording.Decoding;
using Rig.Recording.Link;

namespace Rig.Recording.Bridge;

/// <summary>What one `rig run` records, and where; <paramref name="Task"/> runs a task protocol during the session (optional).</summary>
/// <param name="Resume">Continue <paramref name="SessionFolder"/> (a session whose bridge was killed) instead of creating it.</param>
public sealed record BridgeRunSettings(string RigId, string SessionFolder, ILinkFactory Links, SessionStartInfo Info, IBridgeTask? Task = null,
    bool Resume = false)
{
    /// <summary>Extra summary.json sections (<see cref="RecorderSettings.SummarySections"/>).</summary>
    public Func<System.Collections.Generic.IReadOnlyDictionary<string, System.Text.Json.JsonElement>>? SummarySections { get; init; }
}

/// <summary>A task run during a bridge session: it receives every event, starts once recording has, and stops before the session closes.</summary>
public interface IBridgeTask : IEventSink
{
    Task StartAsync(SessionRecorder recorder, CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>The outcome of a bridge run, filled in by <see cref="BridgeService"/> for the command that hosted it.</summary>
public sealed class BridgeRunState
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SessionRecorder? Recorder { get; internal set; }

    public SessionResult? Result { get; internal set; }

    /// <summary>Why the run failed, if it did: surfaced to the command, which turns it into an exit code.</summary>
    public Exception? Failure { get; internal set; }

    /// <summary>Completes once recording has started (or the run failed before it could).</summary>
    public Task Started => _started.Task;

    internal void MarkStarted() => _started.TrySetResult();
}

/// <summary>
/// The host bridge as a Generic Host service: connects the link, records the rig's session until the host stops,
/// then closes the session cleanly (drain, acknowledge, summary).
/// </summary>
public sealed class BridgeService(BridgeRunSettings settings, BridgeOptions options, BridgeRunState state, TimeProvider time,
    ILogger<BridgeService> logger, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IRigLink? link = null;
        try
        {
            link = settings.Links.Create(new LinkOptions { ClientId = "bridge-" + settings.RigId + "-" + Environment.ProcessId });
            await link.ConnectAsync(stoppingToken);
            var recording = new RecorderSettings(link, settings.RigId, settings.SessionFolder)
            {
                Info = settings.Info, Options = options, Time = time, Logger = logger, Sink = settings.Task, SummarySections = settings.SummarySections,
            };
            await using var recorder = settings.Resume
                ? await SessionRecorder.ResumeAsync(recording, stoppingToken)
                : await SessionRecorder.StartAsync(recording, stoppingToken);
            state.Recorder = recorder;
            if (settings.Task is not null)
            {
                await settings.Task.StartAsync(recorder, stoppingToken);
            }

            state.MarkStarted();
            // Runs until the host stops (Ctrl-C, --minutes) or recording fails by itself; either way the session is
            // closed below, and a failure is reported from StopAsync.
            var stopped = Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
            await Task.WhenAny(stopped, recorder.Failed);

            using var closing = new CancellationTokenSource(options.DrainTimeout + options.CommandTimeout * 2 + TimeSpan.FromSeconds(5));
            if (settings.Task is not null)
            {
                await settings.Task.StopAsync(closing.Token);
            }

            state.Result = await recorder.StopAsync(closing.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Handed to the command (exit code and message) rather than crashing the host.
            // The command prints it once with its exit code; an error-level log line here printed it a second time.
            state.Failure = e;
            logger.LogDebug("bridge failed: {Message}", e.Message);
            lifetime.StopApplication();
        }
        finally
        {
            state.MarkStarted();
            if (link is not null)
            {
                await link.DisposeAsync();
            }
        }
    }
}
