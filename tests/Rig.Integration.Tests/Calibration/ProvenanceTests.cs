using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Recording.Calibration;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Rig.VirtualRig;
using Xunit;

namespace Rig.Integration.Tests.Calibration;

/// <summary>A session records the calibration it used and the µL of its rewards, and re-decoding gives the same numbers.</summary>
public sealed class ProvenanceTests
{
    [Fact]
    public async Task A_session_records_the_calibration_file_hash_and_curve_and_its_rewards_in_microlitres_identically_when_re_decoded()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Combine("calibrations"));
        var points = new uint[] { 20_000, 40_000, 60_000, 80_000 }.Select(d => CalibrationPoint.Create(d, 100, d / 1e6 * 8)).ToList();
        var history = store.Append(new CalibrationRecord(DateTimeOffset.UtcNow, CalibrationKinds.Calibration, points, CurveFitter.Fit(points), "t", null, "sim", 0, "prov"));
        var provenance = CalibrationProvenance.From(history, 0)!;

        var links = new InMemoryBroker().CreateLinkFactory();
        var result = await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "prov", Speed = 0 }, new BridgeOptions(), dir.Combine("session"),
            TimeSpan.FromSeconds(20), new SessionStartInfo("in-memory", "tests", Calibration: provenance), TimeProvider.System, NullLogger.Instance, null, ct);

        using (var header = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(result.Session.Folder, SessionFolder.HeaderFile))))
        {
            var c = header.RootElement.GetProperty("calibration");
            Assert.Equal(history.FileSha256, c.GetProperty("sha256").GetString());
            Assert.Equal(Path.GetFullPath(store.PathFor("prov", 0)), c.GetProperty("file").GetString());
            Assert.Equal(history.Current!.Fit!.Model.ToString(), c.GetProperty("model").GetString());
        }

        var rewards = result.Session.Counts.Rewards!;
        Assert.Equal(result.Device.ValvePulses, rewards.Count);
        Assert.True(rewards.Count >= 1);
        double expected = rewards.ByDuration.Sum(r => r.Count * history.Current!.Fit!.VolumeAt(r.DurationMicros, allowExtrapolation: true));
        Assert.Equal(expected, rewards.TotalMicrolitres!.Value, 9);
        Assert.All(rewards.ByDuration, r => Assert.Equal(40_000u, r.DurationMicros));
        Assert.True(result.RedecodeMatches);
        Assert.Equal(JsonSerializer.Serialize(rewards), JsonSerializer.Serialize(SessionReplay.Decode(result.Session.Folder).Counts.Rewards));
    }

    [Fact]
    public async Task A_session_without_a_calibration_still_counts_its_valve_openings_with_no_microlitres()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        var result = await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "noprov", Speed = 0 }, new BridgeOptions(), dir.Combine("session"),
            TimeSpan.FromSeconds(5), new SessionStartInfo("in-memory", "tests"), TimeProvider.System, NullLogger.Instance, null, ct);
        Assert.Equal(result.Device.ValvePulses, result.Session.Counts.Rewards!.Count);
        Assert.Null(result.Session.Counts.Rewards.TotalMicrolitres);
        Assert.True(result.RedecodeMatches);
    }
}
