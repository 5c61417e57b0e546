using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Journal;
using Rig.Recording.Link;

namespace Rig.Experiment.Vr;

/// <summary>
/// The host side of the renderer's clock exchange (docs/vr.md): answers each <c>vr/v1/{rig}/clock/ping</c>
/// <c>{"id":n,"page_ms":x}</c> with <c>vr/v1/{rig}/clock/pong</c> <c>{"id":n,"page_ms":x,"host_ns":H}</c>, H being
/// <see cref="JournalWriter.HostNanos"/> when the ping was taken from the link. The renderer keeps the offset of the
/// lowest round trip and stamps its frames with host nanoseconds, the bridge's clock.
/// It reads every message of its link, so it needs a link of its own.
/// </summary>
public sealed class VrClockResponder : IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _answered;
    private long _malformed;
    private long _failures;

    public VrClockResponder(IRigLink link, string rigId, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentException.ThrowIfNullOrEmpty(rigId);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _link = link;
        _time = time;
        _logger = logger;
        PingTopic = PingTopicFor(rigId);
        PongTopic = PongTopicFor(rigId);
    }

    public string PingTopic { get; }

    public string PongTopic { get; }

    /// <summary>Pings answered.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Pings that were not a JSON object with an integer <c>id</c> and a number <c>page_ms</c>; not answered.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Pongs the link refused (disconnected); the renderer pings again, so nothing is retried.</summary>
    public long PublishFailures => Interlocked.Read(ref _failures);

    public static string PingTopicFor(string rigId) => $"vr/v1/{rigId}/clock/ping";

    public static string PongTopicFor(string rigId) => $"vr/v1/{rigId}/clock/pong";

    /// <summary>Subscribes to the ping topic (the link must be connected) and answers until disposed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the clock responder is already started");
        }

        await _link.SubscribeAsync(PingTopic, cancellationToken);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }

    /// <summary>Reads a ping; null (with the reason) when it is not one.</summary>
    public static (long Id, double PageMs)? ParsePing(ReadOnlySpan<byte> payload, out string? problem)
    {
        problem = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "not a JSON object";
                return null;
            }

            if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var idValue))
            {
                problem = "no integer \"id\"";
                return null;
            }

            if (!root.TryGetProperty("page_ms", out var page) || page.ValueKind != JsonValueKind.Number || !double.IsFinite(page.GetDouble()))
            {
                problem = "no number \"page_ms\"";
                return null;
            }

            return (idValue, page.GetDouble());
        }
        catch (JsonException e)
        {
            problem = "not JSON: " + e.Message;
            return null;
        }
    }

    public static byte[] Pong(long id, double pageMs, long hostNanos)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteNumber("page_ms", pageMs);
            w.WriteNumber("host_ns", hostNanos);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task LoopAsync()
    {
        try
        {
            await foreach (var message in _link.Messages.ReadAllAsync(_stop.Token))
            {
                // Stamped before anything else: the parse and the publish belong to the round trip, not to the host time.
                long hostNanos = JournalWriter.HostNanos(_time);
                if (!string.Equals(message.Topic, PingTopic, StringComparison.Ordinal))
                {
                    continue;
                }

                if (ParsePing(message.Payload.Span, out var problem) is not { } ping)
                {
                    if (Interlocked.Increment(ref _malformed) == 1)
                    {
                        _logger.LogWarning("clock ping on {Topic} ignored: {Problem} (further bad pings are only counted)", PingTopic, problem);
                    }

                    continue;
                }

                try
                {
                    await _link.PublishAsync(PongTopic, Pong(ping.Id, ping.PageMs, hostNanos), retain: false, _stop.Token);
                    Interlocked.Increment(ref _answered);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is LinkDisconnectedException or BrokerUnreachableException)
                {
                    if (Interlocked.Increment(ref _failures) == 1)
                    {
                        _logger.LogWarning("clock pong on {Topic} not published: {Message} (further failures are only counted)", PongTopic, e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }
}
