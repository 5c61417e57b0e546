using System.IO;
using System.Linq;
using System.Text;
using Rig.Host.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Tasks;

public sealed class ProtocolLoaderTests
{
    private static readonly string[] Shipped =
    [
        "supervised-leaf1-circle1", "supervised-passive-day1", "unsupervised-exposure", "grating-control", "probe-test",
        "fine-discrimination-leaf1-leaf2", "reward-zone-behaviour", "pretraining-unrewarded",
    ];

    private static string Valid => File.ReadAllText(RepositoryRoot.Combine("protocols", "supervised-leaf1-circle1.json"));

    private static ProtocolFileException Fails(string text)
    {
        return Assert.Throws<ProtocolFileException>(() => ProtocolLoader.Parse(Encoding.UTF8.GetBytes(text), "bad.json"));
    }

    private static int LineOf(string text, string fragment) =>
        text[..text.IndexOf(fragment, System.StringComparison.Ordinal)].Count(ch => ch == '\n') + 1;

    [Fact]
    public void Every_shipped_protocol_loads()
    {
        foreach (string name in Shipped)
        {
            var protocol = ProtocolLoader.Load(ProtocolLoader.Resolve(name, RepositoryRoot.Combine("protocols")));
            Assert.Equal(name, protocol.Name);
            Assert.Equal(60, protocol.CorridorLengthDm);
            Assert.Equal(64, protocol.Sha256.Length);
        }
    }

    [Fact]
    public void Shipped_protocols_cover_every_phase_of_the_reference_experiment()
    {
        var protocols = Shipped.Select(n => ProtocolLoader.Load(RepositoryRoot.Combine("protocols", n + ".json"))).ToList();
        Assert.Contains(protocols, p => p.Reward.Mode == BehaviourMetricsCalculator.Passive && p.GivesWater);
        Assert.Contains(protocols, p => p.Probes.SequenceEqual(["leaf2", "circle2"]) && p.Sequence.ProbeFraction > 0);
        Assert.Contains(protocols, p => p.Corridors.All(c => c.Wall.StartsWith("grating", System.StringComparison.Ordinal)) && !p.GivesWater);
        Assert.Contains(protocols, p => p.Reward.Mode == BehaviourMetricsCalculator.RewardZone && p.Cue is null && p.GivesWater
            && p.Reward.ZoneStartDm == new UniformRange(20, 30));
        Assert.Contains(protocols, p => p.ExperimentType == "pretraining" && !p.GivesWater && p.Cue is null);
        Assert.Contains(protocols, p => p.ExperimentType == "unsupervised" && !p.GivesWater && p.Cue is not null);
    }

    [Fact]
    public void A_wrong_reward_mode_names_the_field_and_its_line()
    {
        string text = Valid.Replace("\"mode\": \"Active after cue\"", "\"mode\": \"Active\"");
        var e = Fails(text);
        var error = Assert.Single(e.Errors);
        Assert.Equal("reward.mode", error.Field);
        Assert.Equal(LineOf(text, "\"Active\""), error.Line);
        Assert.Equal("bad.json", error.File);
        Assert.Contains("'Active'", error.Message, System.StringComparison.Ordinal);
        Assert.Contains($"bad.json:{error.Line}: reward.mode", e.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_out_of_range_inside_a_list_names_the_element()
    {
        string text = Valid.Replace("\"wall\": \"circle1\", \"rewarded\": false, \"proportion\": 0.5", "\"wall\": \"circle1\", \"rewarded\": false, \"proportion\": 1.5");
        var e = Fails(text);
        var error = e.Errors.First(x => x.Field == "corridors[1].proportion");
        Assert.Equal(LineOf(text, "1.5"), error.Line);
    }

    [Fact]
    public void A_missing_field_is_reported_at_its_parent()
    {
        string text = Valid.Replace("\"tone_frequency_hz\": 4000, ", "");
        var error = Assert.Single(Fails(text).Errors);
        Assert.Equal("cue.tone_frequency_hz", error.Field);
        Assert.Equal(LineOf(text, "\"cue\""), error.Line);
        Assert.Contains("missing", error.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_field_is_an_error_not_ignored()
    {
        string text = Valid.Replace("\"volume_ul\"", "\"volume_uL\"");
        var e = Fails(text);
        Assert.Contains(e.Errors, x => x.Field == "reward.volume_uL" && x.Message.Contains("unknown field", System.StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Field == "reward.volume_ul" && x.Message.Contains("missing", System.StringComparison.Ordinal));
    }

    [Fact]
    public void A_syntax_error_names_its_line()
    {
        string text = Valid.Replace("\"seed\": 1 }", "\"seed\": 1, }");
        var error = Assert.Single(Fails(text).Errors);
        Assert.Equal("(syntax)", error.Field);
        Assert.Equal(LineOf(text, "\"seed\": 1, }"), error.Line);
    }

    [Fact]
    public void Every_error_of_a_file_is_reported_at_once()
    {
        string text = Valid.Replace("\"min\": 5, \"max\": 35", "\"min\": 30, \"max\": 10").Replace("\"tone_duration_ms\": 300", "\"tone_duration_ms\": -1")
            .Replace("\"leaf1\"", "\"leaf 1\"");
        var e = Fails(text);
        Assert.Contains(e.Errors, x => x.Field == "cue.position_dm.max" && x.Line == LineOf(text, "\"max\": 10"));
        Assert.Contains(e.Errors, x => x.Field == "cue.tone_duration_ms");
        Assert.Contains(e.Errors, x => x.Field == "corridors[0].wall" && x.Line == LineOf(text, "\"leaf 1\""));
    }

    [Fact]
    public void A_cue_rewarded_protocol_without_a_cue_is_refused()
    {
        string text = Valid.Replace("\"cue\": { \"position_dm\": { \"min\": 5, \"max\": 35 }, \"tone_frequency_hz\": 4000, \"tone_duration_ms\": 300 },", "");
        var error = Assert.Single(Fails(text).Errors);
        Assert.Equal("reward.mode", error.Field);
    }

    [Fact]
    public void An_unknown_protocol_name_is_a_protocol_error()
    {
        var e = Assert.Throws<ProtocolFileException>(() => ProtocolLoader.Resolve("no-such-protocol", RepositoryRoot.Combine("protocols")));
        Assert.Contains("no-such-protocol", e.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void The_published_schema_lists_every_top_level_field_the_loader_accepts()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("protocols", "schema.json")));
        var properties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToArray();
        string[] accepted = ["$schema", "name", "experiment_type", "description", "corridors", "probes", "sequence", "geometry", "movement", "cue", "reward", "limits"];
        Assert.Equal(accepted.Order().ToArray(), properties);
        foreach (string name in Shipped)
        {
            using var protocol = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("protocols", name + ".json")));
            foreach (var p in protocol.RootElement.EnumerateObject())
            {
                Assert.Contains(p.Name, properties);
            }
        }
    }
}
