using System;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Vr;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Renderer.Tests;

public sealed class VrClockResponderTests
{
    [Fact]
    public async Task A_ping_is_answered_with_its_id_its_page_time_and_the_host_clock_when_it_arrived()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        await using var hostLink = links.Create(new LinkOptions { ClientId = "host" });
        await hostLink.ConnectAsync(ct);
        await using var page = links.Create(new LinkOptions { ClientId = "page" });
        await page.ConnectAsync(ct);
        await page.SubscribeAsync("vr/v1/r1/clock/pong", ct);
        var time = new FixedTime(123_456_789_012);
        await using var responder = new VrClockResponder(hostLink, "r1", time, NullLogger.Instance);
        await responder.StartAsync(ct);

        await page.PublishAsync("vr/v1/r1/clock/ping", Encoding.UTF8.GetBytes("""{"id":7,"page_ms":1234.5678}"""), retain: false, ct);
        var pong = await NextJson(page);

        Assert.Equal(7, pong.GetProperty("id").GetInt64());
        Assert.Equal(1234.5678, pong.GetProperty("page_ms").GetDouble());
        Assert.Equal(123_456_789_012, pong.GetProperty("host_ns").GetInt64());
        Assert.Equal(1, responder.Answered);
    }

    [Fact]
    public async Task Bad_pings_are_counted_and_left_unanswered_and_the_next_good_one_is_answered()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        await using var hostLink = links.Create(new LinkOptions { ClientId = "host" });
        await hostLink.ConnectAsync(ct);
        await using var page = links.Create(new LinkOptions { ClientId = "page" });
        await page.ConnectAsync(ct);
        await page.SubscribeAsync("vr/v1/r1/clock/pong", ct);
        await using var responder = new VrClockResponder(hostLink, "r1", new FixedTime(5), NullLogger.Instance);
        await responder.StartAsync(ct);

        foreach (var bad in new[] { "not json", "[1,2]", """{"page_ms":1}""", """{"id":1.5,"page_ms":1}""", """{"id":1,"page_ms":"x"}""" })
        {
            await page.PublishAsync("vr/v1/r1/clock/ping", Encoding.UTF8.GetBytes(bad), retain: false, ct);
        }

        await page.PublishAsync("vr/v1/r1/clock/ping", Encoding.UTF8.GetBytes("""{"id":2,"page_ms":9}"""), retain: false, ct);
        var pong = await NextJson(page);

        Assert.Equal(2, pong.GetProperty("id").GetInt64());
        Assert.Equal(5, responder.Malformed);
        Assert.Equal(1, responder.Answered);
        Assert.False(page.Messages.TryRead(out _));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("3", "not a JSON object")]
    [InlineData("""{"page_ms":1}""", "\"id\"")]
    [InlineData("""{"id":1}""", "\"page_ms\"")]
    public void A_bad_ping_is_refused_with_the_reason(string payload, string reason)
    {
        Assert.Null(VrClockResponder.ParsePing(Encoding.UTF8.GetBytes(payload), out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> NextJson(IRigLink link)
    {
        var message = await link.Messages.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return JsonDocument.Parse(message.Payload).RootElement.Clone();
    }

    /// <summary>A clock standing still at <paramref name="nanos"/> host nanoseconds.</summary>
    private sealed class FixedTime(long nanos) : TimeProvider
    {
        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => nanos;
    }
}
