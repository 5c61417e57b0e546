using System.IO;
using System.Linq;
using System.Text;
using Rig.Experiment.Tasks;
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
    public void Every_shipped_protocol_is_embedded_byte_for_byte_and_loads_by_name_with_the_files_hash()
    {
        Assert.Equal(Shipped.Order(System.StringComparer.Ordinal), ShippedProtocols.Names);
        foreach (string name in Shipped)
        {
            byte[] file = File.ReadAllBytes(RepositoryRoot.Combine("protocols", name + ".json"));
            Assert.Equal(file, ShippedProtocols.TryGetBytes(name));
            var fromFile = ProtocolLoader.Load(RepositoryRoot.Combine("protocols", name + ".json"));
            var embedded = ProtocolLoader.Parse(ShippedProtocols.TryGetBytes(name + ".json")!, ShippedProtocols.Label(name));
            Assert.Equal(fromFile.Sha256, embedded.Sha256);
        }

        Assert.Null(ShippedProtocols.TryGetBytes("schema"));
    }

    [Fact]
    public void An_unknown_protocol_name_lists_the_shipped_names()
    {
        using var empty = new TempDirectory();
        // (Found by name from any folder through the embedded copies: ToolInstallTests, with rig installed as a tool.)
        var e = Assert.Throws<ProtocolFileException>(() => ProtocolLoader.LoadNamed("no-such-protocol", empty.Path));
        Assert.Contains("rig protocols list", e.Message, System.StringComparison.Ordinal);
        Assert.Contains("supervised-leaf1-circle1", e.Message, System.StringComparison.Ordinal);
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

    private static ProtocolFileError OnlyError(string text, string field)
    {
        var error = Assert.Single(Fails(text).Errors);
        Assert.Equal(field, error.Field);
        return error;
    }

    [Fact]
    public void A_blocks_sequence_without_a_block_size_is_refused()
    {
        string text = Valid.Replace("\"rule\": \"random\"", "\"rule\": \"blocks\"");
        var error = OnlyError(text, "sequence.block_size");
        Assert.Equal("is missing (a whole number at least 1 and at most 10000)", error.Message);
        Assert.Equal(LineOf(text, "\"sequence\""), error.Line);
    }

    [Fact]
    public void A_field_of_another_movement_mode_does_not_apply()
    {
        string gain = Valid.Replace("\"speed_cm_per_s\": 60,", "\"speed_cm_per_s\": 60, \"gain_dm_per_cm\": 1,");
        Assert.Equal("does not apply here: only proportional movement has a gain", OnlyError(gain, "movement.gain_dm_per_cm").Message);
        string threshold = Valid.Replace("\"mode\": \"run_gated\", \"speed_cm_per_s\": 60, ", "\"mode\": \"proportional\", ");
        Assert.Equal("does not apply here: only run_gated movement has a constant speed and a threshold",
            OnlyError(threshold, "movement.threshold_cm_per_s").Message);
    }

    [Fact]
    public void Reward_fields_of_another_reward_mode_do_not_apply_and_a_reward_zone_needs_its_zone()
    {
        string delay = Valid.Replace("\"mode\": \"Active after cue\",", "\"mode\": \"Active after cue\", \"delay_ms\": 500,");
        Assert.Equal("does not apply here: only Passive rewards have a delay", OnlyError(delay, "reward.delay_ms").Message);
        string zone = Valid.Replace("\"mode\": \"Active after cue\",", "\"mode\": \"Active after cue\", \"zone_end_dm\": 30,");
        Assert.Equal("does not apply here: only Reward zone protocols have a zone", OnlyError(zone, "reward.zone_end_dm").Message);
        string missing = Valid.Replace("\"mode\": \"Active after cue\"", "\"mode\": \"Reward zone\"");
        Assert.Equal("is missing (an object with min, max)", OnlyError(missing, "reward.zone_start_dm").Message);
    }

    [Fact]
    public void Numbers_name_their_bounds_and_whole_numbers_refuse_fractions()
    {
        string seed = Valid.Replace("\"seed\": 1", "\"seed\": 2147483648");
        Assert.Equal("2147483648 is out of range: must be at least 0 and at most 2147483647", OnlyError(seed, "sequence.seed").Message);
        string trials = Valid.Replace("\"max_trials\": 500", "\"max_trials\": 2.5");
        Assert.Equal("must be a whole number at least 1 and at most 1000000, not 2.5", OnlyError(trials, "limits.max_trials").Message);
        string whole = Valid.Replace("\"max_trials\": 500", "\"max_trials\": 500.0");
        Assert.Equal(500, ProtocolLoader.Parse(Encoding.UTF8.GetBytes(whole), "whole.json").MaxTrials);
    }

    [Fact]
    public void Types_lists_and_unknown_fields_say_what_is_expected()
    {
        Assert.Equal("must be an object with name, experiment_type, corridors, sequence, geometry, movement, reward, limits, not a list",
            OnlyError("[]", "(root)").Message);
        string rewarded = Valid.Replace("\"rewarded\": true", "\"rewarded\": \"yes\"");
        Assert.Equal("must be true or false, not 'yes'", OnlyError(rewarded, "corridors[0].rewarded").Message);
        string unknown = Valid.Replace("\"max_trials\": 500", "\"max_trials\": 500, \"max_licks\": 3");
        var error = OnlyError(unknown, "limits.max_licks");
        Assert.Equal("unknown field (expected one of: max_minutes, max_trials)", error.Message);
        Assert.Equal(LineOf(unknown, "\"max_licks\""), error.Line);
    }

    [Fact]
    public void A_protocol_without_corridors_is_refused()
    {
        int start = Valid.IndexOf("\"corridors\"", System.StringComparison.Ordinal);
        int end = Valid.IndexOf("],", start, System.StringComparison.Ordinal);
        string text = Valid[..start] + "\"corridors\": [" + Valid[end..];
        Assert.Equal("needs at least 1 entry", OnlyError(text, "corridors").Message);
    }

    [Fact]
    public void Corridor_proportions_must_add_up_to_one()
    {
        string text = Valid.Replace("\"proportion\": 0.5 }\n  ]", "\"proportion\": 0.25 }\n  ]");
        var error = OnlyError(text, "corridors");
        Assert.Equal("proportions add up to 0.75, not 1", error.Message);
        Assert.Equal(LineOf(text, "\"corridors\""), error.Line);
    }

    [Fact]
    public void A_wall_is_listed_once_among_corridors_and_probes()
    {
        string text = Valid.Replace("\"sequence\": { \"rule\": \"random\", \"seed\": 1 }",
            "\"probes\": [\"circle2\", \"leaf1\"],\n  \"sequence\": { \"rule\": \"random\", \"probe_fraction\": 0.2, \"seed\": 1 }");
        var error = OnlyError(text, "probes[1]");
        Assert.Equal("'leaf1' is already a corridor or probe", error.Message);
        Assert.Equal(LineOf(text, "\"probes\""), error.Line);
    }

    [Fact]
    public void Probes_and_probe_fraction_go_together()
    {
        string fraction = Valid.Replace("\"rule\": \"random\",", "\"rule\": \"random\", \"probe_fraction\": 0.2,");
        Assert.Equal("is above 0 but the protocol lists no probes", OnlyError(fraction, "sequence.probe_fraction").Message);
        string probes = Valid.Replace("\"sequence\":", "\"probes\": [\"leaf2\"],\n  \"sequence\":");
        Assert.Equal("the protocol lists probes, so probe_fraction must be above 0", OnlyError(probes, "sequence.probe_fraction").Message);
    }

    [Fact]
    public void Cue_and_reward_zone_stay_within_the_texture()
    {
        string cue = Valid.Replace("\"min\": 5, \"max\": 35", "\"min\": 5, \"max\": 45");
        Assert.Equal("45 is beyond the texture (40 dm, geometry.texture_length_dm)", OnlyError(cue, "cue.position_dm.max").Message);
        string zone = Valid.Replace("\"mode\": \"Active after cue\"",
            "\"mode\": \"Reward zone\", \"zone_start_dm\": { \"min\": 20, \"max\": 30 }, \"zone_end_dm\": 25");
        Assert.Equal("25 must be beyond the latest zone start (30)", OnlyError(zone, "reward.zone_end_dm").Message);
    }

    [Fact]
    public void A_rewarded_corridor_needs_water()
    {
        string text = Valid.Replace("\"volume_ul\": 2.5", "\"volume_ul\": 0");
        Assert.Equal("must be above 0 when a corridor is rewarded", OnlyError(text, "reward.volume_ul").Message);
    }

    [Fact]
    public void The_loader_validates_against_the_schema_file_in_protocols_built_into_the_assembly()
    {
        using var embedded = typeof(ProtocolLoader).Assembly.GetManifestResourceStream("Rig.Experiment.Tasks.protocol-schema.json");
        Assert.NotNull(embedded);
        using var reader = new StreamReader(embedded);
        Assert.Equal(File.ReadAllText(RepositoryRoot.Combine("protocols", "schema.json")), reader.ReadToEnd());
    }
}
