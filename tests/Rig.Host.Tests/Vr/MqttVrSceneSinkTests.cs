using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Link;
using Rig.Experiment.Vr;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Vr;

public sealed class MqttVrSceneSinkTests
{
    [Fact]
    public async Task Scene_and_session_messages_reach_a_subscriber_on_the_documented_topics_and_gimbl_is_force_started_and_stopped_with_movement_in_unity_units()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        await using var renderer = links.Create(new LinkOptions { ClientId = "renderer" });
        await renderer.ConnectAsync(ct);
        await renderer.SubscribeAsync("vr/v1/r1/#", ct);
        await renderer.SubscribeAsync("Gimbl/#", ct);
        await renderer.SubscribeAsync("Treadmill/Data", ct);
        await using var hostLink = links.Create(new LinkOptions { ClientId = "host" });
        await hostLink.ConnectAsync(ct);

        await using (var sink = new MqttVrSceneSink(hostLink, new VrSinkOptions { RigId = "r1", Gimbl = true, GimblTreadmill = "Treadmill", GimblUnitsPerCm = 0.5, EncoderCountsPerCm = 2 }, NullLogger.Instance))
        {
            sink.OnSessionStarted("s1", "leaf1-circle1");
            sink.OnScene(new VrSceneState(1_000_000, 0, "leaf1", 12.5, InGray: false, CueActive: true, 30.25, 42));
            sink.OnScene(new VrSceneState(1_016_000, -1, "", double.NaN, InGray: true, CueActive: false, 0, -3));
            sink.OnSessionStopped("s1");
            await sink.FlushAndStopAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(0, sink.Dropped);
            Assert.Equal(8, sink.Published);
        }

        var got = new List<(string Topic, JsonElement Json)>();
        await Eventually.WaitUntil(() =>
        {
            while (renderer.Messages.TryRead(out var m))
            {
                // Gimbl's ForceStart and ForceStop carry no payload, as Gimbl's own client sends them.
                got.Add((m.Topic, m.Payload.Length == 0 ? default : JsonDocument.Parse(m.Payload).RootElement.Clone()));
            }

            return got.Count == 8;
        }, TimeSpan.FromSeconds(5), "eight VR messages", ct);

        Assert.Equal(
            ["vr/v1/r1/session", "Gimbl/Session/ForceStart", "vr/v1/r1/scene", "Treadmill/Data", "vr/v1/r1/scene", "Treadmill/Data", "vr/v1/r1/session", "Gimbl/Session/ForceStop"],
            got.Select(g => g.Topic));
        var start = got[0].Json;
        Assert.Equal(("start", "s1", "leaf1-circle1"), (start.GetProperty("event").GetString(), start.GetProperty("session").GetString(), start.GetProperty("protocol").GetString()));
        var scene = got[2].Json;
        Assert.Equal(1_000_000ul, scene.GetProperty("t_us").GetUInt64());
        Assert.Equal(0, scene.GetProperty("trial").GetInt32());
        Assert.Equal("leaf1", scene.GetProperty("wall").GetString());
        Assert.Equal(12.5, scene.GetProperty("pos_dm").GetDouble());
        Assert.False(scene.GetProperty("gray").GetBoolean());
        Assert.True(scene.GetProperty("cue").GetBoolean());
        Assert.Equal(30.25, scene.GetProperty("speed_cm_s").GetDouble());
        Assert.Equal(42, scene.GetProperty("move").GetInt64());
        // 42 counts at 2 counts/cm is 21 cm; at 0.5 Unity units per cm, 10.5 units.
        Assert.Equal(JsonValueKind.Undefined, got[1].Json.ValueKind);
        Assert.Equal(10.5, got[3].Json.GetProperty("movement").GetDouble());
        Assert.Equal(JsonValueKind.Null, got[4].Json.GetProperty("pos_dm").ValueKind);
        Assert.Equal(-0.75, got[5].Json.GetProperty("movement").GetDouble());
        Assert.Equal(JsonValueKind.Undefined, got[7].Json.ValueKind);
        Assert.Equal("stop", got[6].Json.GetProperty("event").GetString());
    }

    [Fact]
    public async Task A_stalled_link_never_blocks_the_caller_and_every_message_beyond_the_queue_is_counted_as_dropped()
    {
        var link = new StalledLinkFake();
        var sink = new MqttVrSceneSink(link, new VrSinkOptions { RigId = "r1", QueueCapacity = 10 }, NullLogger.Instance);
        for (int i = 0; i < 100; i++)
        {
            sink.OnScene(new VrSceneState((ulong)i, 0, "leaf1", i, false, false, 0, 1));
        }

        // One message is held by the stalled publish, ten wait in the queue; the rest were dropped at once.
        await Eventually.WaitUntil(() => link.Attempts == 1, TimeSpan.FromSeconds(5), "the pump to try the first publish", TestContext.Current.CancellationToken);
        Assert.InRange(sink.Dropped, 89, 90);

        // Stopping while the link is still stalled: the queued ones and the one cut short are dropped too, and counted.
        await sink.FlushAndStopAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, sink.Published);
        Assert.Equal(100, sink.Dropped);
        Assert.Equal(0, sink.PublishFailures);
    }

    [Fact]
    public void Gimbl_movement_per_count_is_unity_units_per_cm_over_encoder_counts_per_cm_and_a_zero_scale_is_refused()
    {
        // The defaults: 1 Unity unit = 1 m, 4096 counts per revolution of a 20 cm wheel (65.19 counts/cm).
        var defaults = new VrSinkOptions { RigId = "r1", Gimbl = true };
        Assert.Equal(0.01 / (4096 / (Math.PI * 20)), defaults.GimblUnitsPerCount, 15);

        var e = Assert.Throws<ArgumentException>(() => new MqttVrSceneSink(new StalledLinkFake(), defaults with { GimblUnitsPerCm = 0 }, NullLogger.Instance));
        Assert.Contains("GimblUnitsPerCm", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_that_refuses_every_publish_gives_one_warning_with_the_reason_every_refusal_counted_and_one_summary_line_at_stop()
    {
        var link = new RefusingLinkFake();
        var log = new ListLogger();
        var sink = new MqttVrSceneSink(link, new VrSinkOptions { RigId = "r1" }, log);
        for (int i = 0; i < 50; i++)
        {
            sink.OnScene(new VrSceneState((ulong)i, 0, "leaf1", i, false, false, 0, 1));
        }

        await Eventually.WaitUntil(() => sink.PublishFailures == 50, TimeSpan.FromSeconds(5), "all 50 publishes refused", TestContext.Current.CancellationToken);
        var during = log.Warnings();
        Assert.Single(during);
        Assert.Contains("not authorized by the broker (test)", during[0], StringComparison.Ordinal);
        Assert.Contains("vr/v1/r1/scene", during[0], StringComparison.Ordinal);

        await sink.FlushAndStopAsync(TimeSpan.FromSeconds(5));
        var counts = sink.Counts();
        Assert.Equal((0L, 0L, 50L, 0L), (counts.Published, counts.Dropped, counts.PublishFailures, counts.Queued));
        Assert.Contains("not authorized by the broker (test)", counts.FirstFailure, StringComparison.Ordinal);
        var all = log.Warnings();
        Assert.Equal(2, all.Count);
        Assert.Contains("50 refused by the link", all[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gimbl_session_watch_reports_a_start_only_once_gimbl_announces_it_and_then_the_stop()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        await using var gimbl = links.Create(new LinkOptions { ClientId = "gimbl" });
        await gimbl.ConnectAsync(ct);
        await using var rigLink = links.Create(new LinkOptions { ClientId = "rig" });
        await rigLink.ConnectAsync(ct);
        await using var watch = new GimblSessionWatch(rigLink, TimeProvider.System);
        await watch.StartAsync(ct);

        // Rig's own ForceStart is not Gimbl's confirmation.
        await rigLink.PublishAsync(VrTopics.GimblForceStart, ReadOnlyMemory<byte>.Empty, retain: false, ct);
        Assert.False(await watch.WaitForStartAsync(TimeSpan.FromMilliseconds(200), ct));
        Assert.False(watch.State.StartConfirmed);
        Assert.Contains("start not confirmed", watch.State.Describe(), StringComparison.Ordinal);

        // Gimbl's client publishes its announcements with no payload.
        await gimbl.PublishAsync(VrTopics.GimblSessionStart, ReadOnlyMemory<byte>.Empty, retain: false, ct);
        Assert.True(await watch.WaitForStartAsync(TimeSpan.FromSeconds(5), ct));
        Assert.False(watch.State.StopConfirmed);
        await gimbl.PublishAsync(VrTopics.GimblSessionStop, ReadOnlyMemory<byte>.Empty, retain: false, ct);
        Assert.True(await watch.WaitForStopAsync(TimeSpan.FromSeconds(5), ct));
        var state = watch.State;
        Assert.Equal((1L, 1L), (state.Starts, state.Stops));
        Assert.True(state.StopHostNanos >= state.StartHostNanos);
        Assert.Equal("started and stopped", state.Describe());
    }

    /// <summary>Collects formatted log lines with their level.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Text)> _lines = [];

        public List<string> Warnings()
        {
            lock (_lines)
            {
                return _lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Text).ToList();
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }

    /// <summary>An in-process fake whose every publish is refused, as a broker's ACL would refuse it.</summary>
    private sealed class RefusingLinkFake : IRigLink
    {
        public string ClientId => "refused";

        public bool IsConnected => true;

        public event Action<bool>? ConnectionChanged
        {
            add { }
            remove { }
        }

        public ChannelReader<LinkMessage> Messages { get; } = Channel.CreateUnbounded<LinkMessage>().Reader;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken) =>
            Task.FromException(new InvalidOperationException("not authorized by the broker (test)"));

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task AbortAsync() => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>An in-process fake whose publishes never complete until cancelled (a broker that stopped reading).</summary>
    private sealed class StalledLinkFake : IRigLink
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public string ClientId => "stalled";

        public bool IsConnected => true;

        public event Action<bool>? ConnectionChanged
        {
            add { }
            remove { }
        }

        public ChannelReader<LinkMessage> Messages { get; } = Channel.CreateUnbounded<LinkMessage>().Reader;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task AbortAsync() => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
