using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using Rig.Recording.Link;
using Rig.Renderer.Live;
using Rig.TestSupport;
using Xunit;

namespace Rig.Renderer.Tests;

/// <summary>The web console's host without a browser: who may open it, and what its live pipeline does when it is behind.</summary>
public sealed class ConsoleServerTests
{
    [Fact]
    public async Task A_console_on_a_network_address_without_a_login_is_refused_before_it_listens()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = new ConsoleHub(TimeProvider.System);
        var options = new RigWebOptions { BindAddress = IPAddress.Any, Port = 0, Console = new WebConsoleOptions { Hub = hub } };

        var refused = await Assert.ThrowsAsync<InsecureNetworkException>(() => RigWebServer.StartAsync(options, ct));

        Assert.Contains("0.0.0.0 without a login", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--console-login", refused.Message, StringComparison.Ordinal);
        // The sessions page alone is refused the same way: it serves every recorded session's files.
        await Assert.ThrowsAsync<InsecureNetworkException>(() => RigWebServer.StartAsync(
            options with { Console = new WebConsoleOptions { SessionsFolder = Path.GetTempPath() } }, ct));
    }

    [Fact]
    public async Task The_console_admits_only_an_account_of_its_password_file()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string passwd = dir.Combine("passwd");
        await File.WriteAllTextAsync(passwd, PasswordLine("lab", "pipette-42") + "\n", ct);
        await using var hub = new ConsoleHub(TimeProvider.System);
        hub.Attach("r1");
        await using var server = await RigWebServer.StartAsync(new RigWebOptions
        {
            Port = 0,
            Console = new WebConsoleOptions { Hub = hub, Login = ConsoleLogin.Load(passwd) },
        }, ct);
        using var http = new HttpClient { BaseAddress = server.Url };

        async Task<HttpResponseMessage> Get(string? user, string? password)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/fleet");
            if (user is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            }

            return await http.SendAsync(request, ct);
        }

        var anonymous = await Get(null, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get("lab", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get("intruder", "pipette-42")).StatusCode);
        var admitted = await Get("lab", "pipette-42");
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Contains("\"rig\":\"r1\"", await admitted.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_file_without_an_account_or_in_another_format_is_refused_naming_the_file_and_line()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        string empty = dir.Combine("empty");
        await File.WriteAllTextAsync(empty, "\n", ct);
        string plain = dir.Combine("plain");
        await File.WriteAllTextAsync(plain, "lab:pipette-42\n", ct);

        var none = Assert.Throws<SecurityConfigException>(() => ConsoleLogin.Load(empty));
        Assert.Contains(empty, none.Message, StringComparison.Ordinal);
        Assert.Contains("no account", none.Message, StringComparison.Ordinal);
        var unhashed = Assert.Throws<SecurityConfigException>(() => ConsoleLogin.Load(plain));
        Assert.Contains(plain + " line 1", unhashed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_feed_drops_the_oldest_update_for_display_when_the_console_is_behind_and_counts_it()
    {
        var feed = new RigFeed("r1");
        var start = DateTimeOffset.UnixEpoch;
        const int Extra = 5;

        // Nothing reads: every post still returns at once, and only the newest Capacity updates wait.
        for (int i = 0; i < RigFeed.Capacity + Extra; i++)
        {
            feed.Post(new RigLiveUpdate(start.AddSeconds(i), null, null));
        }

        Assert.Equal(RigFeed.Capacity + Extra, feed.Posted);
        Assert.Equal(Extra, feed.Dropped);
        Assert.True(feed.Reader.TryRead(out var oldestKept));
        Assert.Equal(start.AddSeconds(Extra), oldestKept.At);
    }

    [Fact]
    public async Task A_rig_that_goes_silent_turns_stale_and_a_rig_whose_session_ended_shows_offline()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeClock(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        await using var hub = new ConsoleHub(clock);
        var feed = hub.Attach("r1");
        var board = hub.Boards().Single();

        feed.Post(new RigLiveUpdate(clock.GetUtcNow(), null, null) { Session = "/data/r1-1" });
        await Eventually.WaitUntil(() => board.View().Latest is not null, TimeSpan.FromSeconds(10), "the console to take the update", ct);
        Assert.Equal("online", board.View().State(clock.GetUtcNow()));

        clock.Advance(ConsoleHub.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.Equal("stale", board.View().State(clock.GetUtcNow()));

        feed.Post(new RigLiveUpdate(clock.GetUtcNow(), null, null) { Ended = true });
        await Eventually.WaitUntil(() => board.View().EndedAt is not null, TimeSpan.FromSeconds(10), "the console to take the end", ct);
        clock.Advance(TimeSpan.FromMinutes(5));
        var view = board.View();
        Assert.Equal("offline", view.State(clock.GetUtcNow()));
        Assert.Equal(view.EndedAt, view.Since(clock.GetUtcNow()));
        Assert.Equal("/data/r1-1", view.Latest!.Session); // what the session showed is kept after it ends
    }

    /// <summary>A password file line as `rig broker-config` and mosquitto_passwd write it: "$7$", PBKDF2-HMAC-SHA512, 101 iterations.</summary>
    internal static string PasswordLine(string user, string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(12);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, 101, HashAlgorithmName.SHA512, 64);
        return $"{user}:$7$101${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>A test fake clock: wall time and timestamps move only when the test advances them.</summary>
    private sealed class FakeClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _now += by;
    }
}
