using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Rig.Experiment.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.Renderer.Live;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.World;
using Xunit;

namespace Rig.Renderer.Tests;

/// <summary>
/// The web console in Debian's Chromium (Playwright) during a virtual task session, wired as `rig demo` wires it: the session
/// feeds the console at each progress report, and its last update carries the journal's counts and tables. The pages' numbers
/// must end equal to the session's files, and the stopped rig must show offline. Screenshots go to the test's output folder,
/// and to docs/console/ with RIG_DOCS_SCREENSHOTS=1 (how docs/console.md's were made). Runs alone, like the renderer session.
/// </summary>
[Collection(nameof(RendererSessionTests))]
public sealed class ConsolePageTests
{
    private const string RigId = "rig-a";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_console_shows_a_virtual_session_live_and_ends_with_its_summary_json_numbers_and_the_rig_offline()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        using var dir = new TempDirectory();
        string shots = Environment.GetEnvironmentVariable("RIG_DOCS_SCREENSHOTS") == "1" ? RepositoryRoot.Combine("docs", "console") : dir.Combine("screenshots");
        Directory.CreateDirectory(shots);
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
        await using var hub = new ConsoleHub(TimeProvider.System);
        await using var web = await RigWebServer.StartAsync(new RigWebOptions
        {
            Port = 0,
            Console = new WebConsoleOptions { Hub = hub, SessionsFolder = dir.Path },
        }, ct);
        var feed = hub.Attach(RigId);
        string folder = dir.Combine("rig-a-session1");
        var protocol = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"));
        const double Speed = 10;
        var options = new VirtualRigOptions
        {
            RigId = RigId, Seed = 5, Speed = Speed, Mouse = VirtualTaskSession.TaskMouse, World = VirtualWorld.Shipped("quiet-lan"),
        };
        // A mouse that has learned the rewarded corridor (as after a week of sessions): it licks in anticipation there.
        var trained = new MouseLearningState { Mouse = "m1", Sessions = 6, Association = { ["leaf1"] = 0.9 }, Familiarity = { ["leaf1"] = 1, ["circle1"] = 1 } };
        var session = VirtualTaskSession.RunAsync(new MqttLinkFactory(broker.Address), options, new BridgeOptions(), folder, TimeSpan.FromMinutes(4),
            new SessionStartInfo(broker.Address + " (embedded)", "tests"), VirtualHostTime.ForSpeed(Speed, TimeProvider.System), NullLogger.Instance,
            new TaskSessionSettings(protocol, "m1", new DateOnly(2026, 12, 7), 1, trained, new LearningOptions(),
                Watch: (counts, tables) => feed.Post(new RigLiveUpdate(TimeProvider.System.GetUtcNow(), counts, tables) { Session = folder, Protocol = protocol.Name })),
            null, ct);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = RendererHarness.ChromiumPath });
        var fleet = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 260 } });
        var rig = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1000 } });
        var errors = new System.Collections.Generic.List<string>();
        foreach (var page in new[] { fleet, rig })
        {
            page.PageError += (_, e) => { lock (errors) { errors.Add(e); } };
        }

        // Live: the fleet row and the rig page count trials while the session runs.
        await fleet.GotoAsync(web.Url.ToString());
        await WaitForAsync(fleet, $"() => Number(document.querySelector('tr[data-rig=\"{RigId}\"] td[data-field=trials]')?.textContent) >= 3");
        Assert.False(session.IsCompleted, "the session ended before the fleet page showed it live");
        Assert.StartsWith("online", await fleet.TextContentAsync($"tr[data-rig=\"{RigId}\"] td[data-field=state]"), StringComparison.Ordinal);
        await fleet.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "fleet-live.png") });
        await rig.GotoAsync(new Uri(web.Url, "rigs/" + RigId).ToString());
        await WaitForAsync(rig, "() => Number(document.getElementById('trials').textContent) >= 4 && document.querySelectorAll('#rasters canvas').length >= 2");
        Assert.False(session.IsCompleted, "the session ended before the rig page showed it live");
        await rig.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "rig-live.png"), FullPage = true });

        var outcome = await session;
        // The end, as `rig demo` posts it: the counts summary.json holds and the tables rebuilt from the journal.
        feed.Post(new RigLiveUpdate(TimeProvider.System.GetUtcNow(), outcome.Recording.Session.Counts, outcome.Tables)
        {
            Session = folder, Protocol = protocol.Name, Ended = true,
        });

        using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, "summary.json"), ct));
        var counts = summary.RootElement.GetProperty("counts");
        long licks = counts.GetProperty("licks").GetInt64();
        long rewards = counts.GetProperty("rewards").GetProperty("count").GetInt64();
        long frames = counts.GetProperty("alignment").GetProperty("frames").GetInt64();
        // summary.json has no trial count: the trials are derived/trials.csv's rows.
        int trials = TaskSessionTables.Read(Path.Combine(folder, "derived")).Trials.Count;
        output?.WriteLine($"summary.json: {licks} licks, {rewards} rewards, {frames} frames; trials.csv: {trials} trials");
        Assert.True(trials >= 10 && licks > 0 && rewards > 0 && frames > 0, "the session recorded too little to compare");

        await WaitForAsync(rig, "() => document.getElementById('state').textContent.startsWith('offline')");
        Assert.Equal(trials, await NumberAsync(rig, "#trials"));
        Assert.Equal(licks, await NumberAsync(rig, "#licks"));
        Assert.Equal(rewards, await NumberAsync(rig, "#rewards"));
        Assert.Equal(frames, await NumberAsync(rig, "#frames"));
        await rig.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "rig-ended.png"), FullPage = true });

        await WaitForAsync(fleet, $"() => document.querySelector('tr[data-rig=\"{RigId}\"]')?.className === 'offline'");
        Assert.StartsWith("offline", await fleet.TextContentAsync($"tr[data-rig=\"{RigId}\"] td[data-field=state]"), StringComparison.Ordinal);
        Assert.Equal(trials, await NumberAsync(fleet, $"tr[data-rig=\"{RigId}\"] td[data-field=trials]"));
        await fleet.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "fleet-offline.png") });

        // The recorded session on /sessions: the same numbers from its files, and its charts.
        var sessions = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1000 } });
        sessions.PageError += (_, e) => { lock (errors) { errors.Add(e); } };
        await sessions.GotoAsync(new Uri(web.Url, "sessions?s=rig-a-session1").ToString());
        await WaitForAsync(sessions, "() => document.querySelectorAll('#rasters canvas').length >= 2 && document.querySelectorAll('#files a').length > 3");
        string row = "tr[data-session=\"rig-a-session1\"] td";
        Assert.Equal(trials, await NumberAsync(sessions, $"{row}:nth-child(5)"));
        Assert.Equal(licks, await NumberAsync(sessions, $"{row}:nth-child(6)"));
        Assert.Equal(rewards, await NumberAsync(sessions, $"{row}:nth-child(7)"));
        Assert.Equal(frames, await NumberAsync(sessions, $"{row}:nth-child(9)"));
        await sessions.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "sessions.png"), FullPage = true });
        Assert.Empty(errors);
        output?.WriteLine($"screenshots in {shots}; console updates {feed.Posted} posted, {feed.Dropped} dropped");
    }

    private static Task<IJSHandle> WaitForAsync(IPage page, string predicate) =>
        page.WaitForFunctionAsync(predicate, null, new PageWaitForFunctionOptions { Timeout = (float)Wait.TotalMilliseconds, PollingInterval = 100 });

    /// <summary>A number as the page shows it (en-US grouping: "3,592").</summary>
    private static async Task<long> NumberAsync(IPage page, string selector)
    {
        string text = await page.TextContentAsync(selector) ?? "";
        return long.Parse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);
    }
}
