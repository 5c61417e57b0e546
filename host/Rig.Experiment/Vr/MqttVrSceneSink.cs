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

    /// <summary>Gimbl announces that its scene started (Gimbl's Scripts/MQTT/MQTTClient.cs; Gimbl to Rig, empty payload).</summary>
    public const string GimblSessionStart = "Gimbl/Session/Start";

    /// <summary>Gimbl announces that its scene stops (Gimbl to Rig, empty payload).</summary>
    public const string GimblSessionStop = "Gimbl/Session/Stop";

    /// <summary>Gimbl listens here: any message starts a scene waiting for an external start (Rig to Gimbl; Gimbl ignores the payload).</summary>
    public const string GimblForceStart = "Gimbl/Session/ForceStart";

    /// <summary>Gimbl listens here: any message makes it publish Stop and leave play mode 1 s later (Rig to Gimbl).</summary>
    public const string GimblForceStop = "Gimbl/Session/ForceStop";

    /// <summary>One empty message per frame Gimbl drew, when its "send frame messages" setting is on (Gimbl to Rig).</summary>
    public const string GimblFrame = "Gimbl/Frame";

    /// <summary>Gimbl's linear-treadmill input: <c>{treadmill}/Data</c> carrying <c>{"movement": …}</c> (Rig to Gimbl).</summary>
    public static string GimblData(string treadmill) => treadmill + "/Data";
}

/// <summary>Settings of <see cref="MqttVrSceneSink"/>.</summary>
public sealed record VrSinkOptions
{
    public required string RigId { get; init; }

    /// <summary>Messages waiting for the link before new ones are dropped (counted). At 60 states/s, about 4 s.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>
    /// Also drive a lab's Unity/Gimbl VR: ForceStart/ForceStop at session start and stop, and the treadmill's movement
    /// on <c>{GimblTreadmill}/Data</c> with every state (docs/vr.md, Gimbl).
    /// </summary>
    public bool Gimbl { get; init; }

    /// <summary>The linear treadmill's "MQTT Name" in the Gimbl project (its <c>deviceName</c>; Gimbl's default "LinearTreadmill").</summary>
    public string GimblTreadmill { get; init; } = "LinearTreadmill";

    /// <summary>
    /// Unity units per cm of wheel surface. Gimbl adds movement × its gain (default 1) to the actor's distance along
    /// the path, in Unity world units; Unity's convention is 1 unit = 1 m, so the default is 0.01. A project built
    /// at another scale sets its own.
    /// </summary>
    public double GimblUnitsPerCm { get; init; } = 0.01;

    /// <summary>Wheel encoder counts per cm of wheel surface (`rig run --counts-per-cm`; default 4096 counts per revolution of a 20 cm wheel).</summary>
    public double EncoderCountsPerCm { get; init; } = 4096 / (Math.PI * 20);

    /// <summary>Gimbl movement per encoder count: <see cref="GimblUnitsPerCm"/> / <see cref="EncoderCountsPerCm"/>.</summary>
    public double GimblUnitsPerCount => GimblUnitsPerCm / EncoderCountsPerCm;

    /// <summary>The running protocol's corridor, sent in the session start message so a renderer draws its geometry.</summary>
    public VrCorridor? Corridor { get; init; }
}

/// <summary>What the sink did with its messages so far.</summary>
/// <param name="Published">Messages the link accepted.</param>
/// <param name="Dropped">Messages dropped because the queue was full, or still queued when the stop cut the flush short.</param>
/// <param name="PublishFailures">Messages the link refused (disconnected, not authorized); not retried.</param>
/// <param name="Queued">Messages waiting for the link now.</param>
/// <param name="FirstFailure">Why the first refused message was refused, or null.</param>
public sealed record VrSinkCounts(long Published, long Dropped, long PublishFailures, long Queued, string? FirstFailure);

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
    private string? _firstFailure;
    private int _stopReported;

    public MqttVrSceneSink(IRigLink link, VrSinkOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Gimbl && !(double.IsFinite(options.GimblUnitsPerCount) && options.GimblUnitsPerCm > 0 && options.EncoderCountsPerCm > 0))
        {
            throw new ArgumentException(
                $"Gimbl's movement scale needs GimblUnitsPerCm and EncoderCountsPerCm above 0 (got {options.GimblUnitsPerCm} and {options.EncoderCountsPerCm})", nameof(options));
        }

        if (options.Gimbl && string.IsNullOrWhiteSpace(options.GimblTreadmill))
        {
            throw new ArgumentException("GimblTreadmill (the treadmill's MQTT name in the Gimbl project) is empty", nameof(options));
        }

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

    /// <summary>The counts now, for the progress line and the session summary.</summary>
    public VrSinkCounts Counts() => new(Published, Dropped, PublishFailures, _queue.Reader.CanCount ? _queue.Reader.Count : 0, Volatile.Read(ref _firstFailure));

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
            // Gimbl's start and stop topics are its own announcements; Rig asks with ForceStart. Gimbl's channel
            // ignores the payload and its own client sends none, so neither does this.
            Offer(VrTopics.GimblForceStart, []);
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
            Offer(VrTopics.GimblData(_options.GimblTreadmill), Json(w => w.WriteNumber("movement", state.MovementCounts * _options.GimblUnitsPerCount)));
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
            Offer(VrTopics.GimblForceStop, []);
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
        if ((PublishFailures > 0 || Dropped > 0) && Interlocked.Exchange(ref _stopReported, 1) == 0)
        {
            _logger.LogWarning("VR sink stopped: {Published} messages published, {Failures} refused by the link (first: {First}), {Dropped} dropped",
                Published, PublishFailures, Volatile.Read(ref _firstFailure) ?? "none", Dropped);
        }
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
                    // Reported once: a broker that refuses one message (an ACL, a lost connection) refuses the next
                    // sixty per second too. The rest are counted and summed up at stop.
                    if (Interlocked.Increment(ref _failures) == 1)
                    {
                        Volatile.Write(ref _firstFailure, $"{topic}: {e.Message}");
                        _logger.LogWarning("VR message to {Topic} not published: {Message}; further refusals are counted, not logged (summary at stop)", topic, e.Message);
                    }
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
