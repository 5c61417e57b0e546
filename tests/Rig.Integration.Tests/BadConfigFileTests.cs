using System;
using System.IO;
using System.Threading.Tasks;
using Rig.TestSupport;
using Rig.VirtualRig.World;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>
/// Configuration and header files with the wrong types get an error naming the file and the field, and nothing is
/// changed (issue 8, item 5). Calibration files, pin maps and credentials files have their own tests
/// (CalibrationStoreTests, PinMapTests, CredentialsFileTests); these cover session.json and scenario files.
/// </summary>
public sealed class BadConfigFileTests
{
    private const string GoodHeader = """
        { "format": "rig-session/1", "session_id": "abc", "rig_id": "demo", "boot_id": 5, "started_utc": "2026-11-24T12:00:00+00:00" }
        """;

    [Theory]
    [InlineData("\"rig_id\": \"demo\"", "\"rig_id\": 42", "the field '$.rig_id' (line 1")]
    [InlineData("\"boot_id\": 5", "\"boot_id\": \"five\"", "the field '$.boot_id' (line 1")]
    [InlineData("\"started_utc\": \"2026-11-24T12:00:00+00:00\"", "\"started_utc\": [1]", "the field '$.started_utc' (line 1")]
    [InlineData("\"rig_id\": \"demo\"", "\"rig_id\": \"a/b\"", "the field 'rig_id' is missing or not a rig id")]
    [InlineData("{", "[", "the top level (line 1")]
    public async Task Decoding_a_session_whose_header_has_a_wrong_type_exits_8_naming_the_file_and_the_field_and_changes_nothing(
        string good, string bad, string named)
    {
        using var dir = new TempDirectory();
        string header = dir.Combine("session.json");
        string text = GoodHeader.Replace(good, bad, StringComparison.Ordinal);
        Assert.NotEqual(GoodHeader, text);
        await File.WriteAllTextAsync(header, text, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(dir.Combine("journal.rigj"), [1, 2, 3], TestContext.Current.CancellationToken);

        var (code, _, stderr) = await RigProcess.RunAsync(["decode", dir.Path], TimeSpan.FromSeconds(60), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(code == 8, $"exit {code}: {stderr}");
        Assert.Contains(header, stderr, StringComparison.Ordinal);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Equal(text, await File.ReadAllTextAsync(header, TestContext.Current.CancellationToken));
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(dir.Combine("journal.rigj"), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("\"offset_ppm\": 20", "\"offset_ppm\": \"twenty\"", "$.crystal.offset_ppm")]
    [InlineData("\"floor_micros\": 1500", "\"floor_micros\": [1500]", "$.uplink.floor_micros")]
    [InlineData("\"name\": \"busy-wifi\"", "\"name\": \"busy-wifi\", \"colour\": \"blue\"", "colour")]
    public void A_scenario_file_with_a_wrong_type_or_an_unknown_field_is_refused_naming_the_file_and_the_field(string good, string bad, string named)
    {
        using var dir = new TempDirectory();
        string original = File.ReadAllText(RepositoryRoot.Combine("host", "Rig.VirtualRig", "Scenarios", "busy-wifi.json"));
        string text = original.Replace(good, bad, StringComparison.Ordinal);
        Assert.NotEqual(original, text);
        string path = dir.Combine("scenario.json");
        File.WriteAllText(path, text);

        var e = Assert.Throws<InvalidDataException>(() => WorldScenario.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
