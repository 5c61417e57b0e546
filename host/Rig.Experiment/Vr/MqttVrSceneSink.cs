using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Link;

namespace Rig.Experiment.Vr;

/// <summary>The VR topics of one rig (docs/vr.md).</summary>
public sealed class VrTopics(string rigId)
{
    /// <summary>Scene state for the renderer, one message per state (host to renderer).</summary>
    public string Scene { get; } = $"vr/v1/{rigId}/scene";

    /// <summary>Session start and stop (host to renderer).</summary>
    public string Session { get; } = $"vr/v1/{rigId}/session";

    /// <summary>Frames the renderer drew (renderer to host).</summary>
    public string Frame { get; } = $"vr/v1/{rigId}/frame";

    /// <summary>Gimbl's session topics, as Gimbl's MQTT client and the Sun lab's sl-experiment use them.</summary>
    public const string GimblSessionStart = "Gimbl/Session/Start";

    public const string GimblSessionStop = "Gimbl/Session/Stop";

    /// <summary>Gimbl's linear-treadmill input: <c>{device}/Data</c> carrying <c>{"movement": …}</c>.</summary>
    public static string GimblData(string device) => device + "/Data";
}

/// <summary>Settings of <see cref="MqttVrSceneSink"/>.</summary>
public sealed record VrSinkOptions
{
    public required string RigId { get; init; }

    /// <summary>Messages waiting for the link before new ones are dropped (counted). At 60 states/s, about 4 s.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Also speak Gimbl's conventions, so a lab's Unity/Gimbl VR can be driven unchanged.</summary>
    public bool Gimbl { get; init; }

    /// <summary>The MQTT name of the linear treadmill in the Gimbl project (its <c>deviceName</c> setting).</summary>
    public string GimblDevice { get; init; } = "LinearTreadmill";

    /// <summary>Gimbl movement units per encoder count (Gimbl adds movement × its own gain to the actor's position).</summary>
    public double GimblUnitsPerCount { get; init; } = 1.0;

    /// <summary>The running protocol's corridor, sent in the session start message so a renderer draws its geometry.</summary>
    public VrCorridor? Corridor { get; init; }
}

/// <summary>
/// Publishes the task engine's scene over MQTT (docs/vr.md) without ever blocking the engine: each call encodes the
/// message and offers it to a bounded queue; a pump publishes in order. When the queue is full the message is dropped
/// and counted (<see cref="Dropped"/>): a renderer that cannot keep up sees the newest states later, never stalls a trial.
/// </summary>
public sealed class MqttVrSceneSink : IVrSceneSink, IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly VrSinkOptions _options;
    private readonly VrTopics _topics;
    private readonly ILogger _logger;
    private readonly Channel<(string Topic, byte[] Payload)> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private long _dropped;
    private long _published;
    private long _failures;

    public MqttVrSceneSink(IRigLink link, VrSinkOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _link = link;
        _options = options;
        _topics = new VrTopics(options.RigId);
        _logger = logger;
        _queue = Channel.CreateBounded<(string, byte[])>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails, so the drop is ours to count
            SingleReader = true,
        });
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Messages dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages the link accepted.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Messages the link refused (disconnected, broker gone); logged, not retried: the next state supersedes them.</summary>
    public long PublishFailures => Interlocked.Read(ref _failures);

    public void OnSessionStarted(string sessionId, string protocol)
    {
        Offer(_topics.Session, Json(w =>
        {
            w.WriteString("event", "start");
            w.WriteString("session", sessionId);
            w.WriteString("protocol", protocol);
            if (_options.Corridor is { } corridor)
            {
                corridor.WriteTo(w);
            }
        }));
        if (_options.Gimbl)
        {
            Offer(VrTopics.GimblSessionStart, Json(static _ => { }));
        }
    }

    public void OnScene(VrSceneState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Offer(_topics.Scene, Json(w =>
        {
            w.WriteNumber("t_us", state.DeviceMicros);
            w.WriteNumber("trial", state.Trial);
            w.WriteString("wall", state.Wall);
            if (double.IsFinite(state.PositionDm))
            {
                w.WriteNumber("pos_dm", Math.Round(state.PositionDm, 4));
            }
            else
            {
                w.WriteNull("pos_dm");
            }

            w.WriteBoolean("gray", state.InGray);
            w.WriteBoolean("cue", state.CueActive);
            w.WriteNumber("speed_cm_s", double.IsFinite(state.SpeedCmPerSecond) ? Math.Round(state.SpeedCmPerSecond, 3) : 0);
            w.WriteNumber("move", state.MovementCounts);
        }));
        if (_options.Gimbl)
        {
            Offer(VrTopics.GimblData(_options.GimblDevice), Json(w => w.WriteNumber("movement", state.MovementCounts * _options.GimblUnitsPerCount)));
        }
    }

    public void OnSessionStopped(string sessionId)
    {
        Offer(_topics.Session, Json(w =>
        {
            w.WriteString("event", "stop");
            w.WriteString("session", sessionId);
        }));
        if (_options.Gimbl)
        {
            Offer(VrTopics.GimblSessionStop, Json(static _ => { }));
        }
    }

    /// <summary>Publishes what is queued (up to <paramref name="timeout"/>), then stops.</summary>
    public async Task FlushAndStopAsync(TimeSpan timeout)
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_pump, Task.Delay(timeout)) != _pump)
        {
            await _stop.CancelAsync();
        }

        await _pump;
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAndStopAsync(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }

    private void Offer(string topic, byte[] payload)
    {
        if (!_queue.Writer.TryWrite((topic, payload)))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var (topic, payload) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    await _link.PublishAsync(topic, payload, retain: false, _stop.Token);
                    Interlocked.Increment(ref _published);
                }
                catch (OperationCanceledException)
                {
                    // Cut short by the stop: never confirmed, so counted with the dropped ones.
                    Interlocked.Increment(ref _dropped);
                    throw;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref _failures);
                    _logger.LogWarning("VR message to {Topic} not published: {Message}", topic, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped with messages still queued: they are counted as dropped.
            while (_queue.Reader.TryRead(out _))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }
}
