using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Link;
using Rig.Experiment.Vr;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Vr;

public sealed class MqttVrSceneSinkTests
{
    [Fact]
    public async Task Scene_and_session_messages_reach_a_subscriber_on_the_documented_topics_with_gimbl_alongside()
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

        await using (var sink = new MqttVrSceneSink(hostLink, new VrSinkOptions { RigId = "r1", Gimbl = true, GimblDevice = "Treadmill", GimblUnitsPerCount = 0.5 }, NullLogger.Instance))
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
                got.Add((m.Topic, JsonDocument.Parse(m.Payload).RootElement.Clone()));
            }

            return got.Count == 8;
        }, TimeSpan.FromSeconds(5), "eight VR messages", ct);

        Assert.Equal(
            ["vr/v1/r1/session", "Gimbl/Session/Start", "vr/v1/r1/scene", "Treadmill/Data", "vr/v1/r1/scene", "Treadmill/Data", "vr/v1/r1/session", "Gimbl/Session/Stop"],
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
        Assert.Equal(21.0, got[3].Json.GetProperty("movement").GetDouble());
        Assert.Equal(JsonValueKind.Null, got[4].Json.GetProperty("pos_dm").ValueKind);
        Assert.Equal(-1.5, got[5].Json.GetProperty("movement").GetDouble());
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
