using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Alignment;
using Rig.Recording.Bridge;
using Rig.Analysis.Derivation;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Rig.VirtualRig;
using Xunit;

namespace Rig.Integration.Tests.Alignment;

public sealed class SessionAlignmentTests
{
    [Fact]
    public async Task Every_event_of_a_session_is_placed_in_its_imaging_frame_and_each_frame_latches_the_licks_in_it()
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        using var dir = new TempDirectory();
        string folder = dir.Combine("session");
        var result = await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "rig-align", Seed = 11, Speed = 0 },
            new BridgeOptions(), folder, TimeSpan.FromSeconds(40), new SessionStartInfo("inmemory", "tests"), TimeProvider.System,
            NullLogger.Instance, progress: null, TestContext.Current.CancellationToken);
        Assert.True(result.Complete);

        var summary = result.Derived.Alignment.Summary;
        var events = File.ReadAllLines(Path.Combine(summary.Folder, AlignmentTables.EventsFile)).Skip(1).Select(l => l.Split(',')).ToList();
        var frames = File.ReadAllLines(Path.Combine(summary.Folder, AlignmentTables.FramesFile)).Skip(1).Select(l => l.Split(',')).ToList();

        // Every recorded event, once.
        Assert.Equal(result.Session.Counts.EventsTotal, events.Count);
        Assert.Equal(events.Count, events.Select(e => e[1]).Distinct().Count());

        // A frame edge is frame number = the device's own frame counter, at fraction 0 (no edge was missed).
        var frameEvents = events.Where(e => e[2] == "frame").ToList();
        Assert.Equal(frameEvents.Count, frames.Count);
        Assert.All(frameEvents, e => Assert.Equal((e[4], "0.0000"), (e[8], e[9])));

        // The licks latched per frame add up to the lick onsets that fall inside frames.
        long licksInFrames = events.Count(e => e[2] == "lick" && e[4] == "1" && e[8].Length > 0);
        Assert.Equal(licksInFrames, frames.Sum(f => long.Parse(f[5], CultureInfo.InvariantCulture)));
        Assert.True(licksInFrames > 0);

        // Movement per frame adds up to the wheel's travel between the first and last frame.
        long first = long.Parse(frames[0][6], CultureInfo.InvariantCulture);
        long last = long.Parse(frames[^1][6], CultureInfo.InvariantCulture);
        Assert.Equal(last - first, frames.Sum(f => long.Parse(f[7], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Derived_tables_are_never_written_over_an_existing_folder()
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        using var dir = new TempDirectory();
        string folder = dir.Combine("session");
        await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "rig-align2", Seed = 12, Speed = 0 },
            new BridgeOptions(), folder, TimeSpan.FromSeconds(5), new SessionStartInfo("inmemory", "tests"), TimeProvider.System,
            NullLogger.Instance, progress: null, TestContext.Current.CancellationToken);
        string derived = dir.Combine("derived");
        Directory.CreateDirectory(derived);
        File.WriteAllText(Path.Combine(derived, "frames.csv"), "keep");
        Assert.Throws<IOException>(() => SessionDerivation.Derive(SessionFolder.Open(folder), derived));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(derived, "frames.csv")));
    }
}
