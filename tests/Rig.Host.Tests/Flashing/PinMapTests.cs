using System;
using System.IO;
using System.Text.Json.Nodes;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;
using Rig.Protocol;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Flashing;

public sealed class PinMapTests
{
    /// <summary>Every required function once, plus a tone output; pins[4] is the valve on GPIO 25.</summary>
    public const string Valid = """
        {
          "board": "ESP32-DevKitC-32E",
          "pins": [
            {"gpio": 34, "function": "lick", "channel": 0, "direction": "input", "level": "3.3 V, active high", "net": "LICK0", "note": "comparator output"},
            {"gpio": 35, "function": "frame_clock", "channel": 0, "direction": "input", "net": "FRAME"},
            {"gpio": 32, "function": "encoder_a", "channel": 0, "direction": "input"},
            {"gpio": 33, "function": "encoder_b", "channel": 0, "direction": "input"},
            {"gpio": 25, "function": "valve", "channel": 0, "direction": "output", "level": "3.3 V to MOSFET gate"},
            {"gpio": 26, "function": "tone", "channel": 0, "direction": "output"}
          ]
        }
        """;

    public static PinMap ValidMap() => PinMap.Parse(Valid, "pinmap.json");

    public static DeviceConfiguration Configuration(MqttCredentials? credentials = null) =>
        new("rig-7", BrokerAddress.Parse("mqtt://broker.lab"), credentials, ValidMap(), "rig test");

    [Fact]
    public void A_valid_pin_map_keeps_every_pin_with_its_electrical_notes()
    {
        var map = ValidMap();

        Assert.Equal("ESP32-DevKitC-32E", map.Board);
        Assert.Equal(6, map.Pins.Count);
        Assert.Equal(new PinAssignment(34, "lick", 0, "input", "3.3 V, active high", "LICK0", "comparator output"), map.Pins[0]);
        Assert.Equal(new PinAssignment(32, "encoder_a", 0, "input", null, null, null), map.Pins[2]);
    }

    [Fact]
    public void An_unknown_function_is_named_with_its_entry_and_the_allowed_functions()
    {
        var e = Invalid(pins => pins[5]!["function"] = "buzzer");

        Assert.Contains("pins[5] (gpio 26, buzzer): unknown function \"buzzer\"; use one of lick, frame_clock, photodiode, ttl_in, encoder_a, encoder_b, valve, tone, sync_out, status_led", e.Errors);
    }

    [Fact]
    public void A_gpio_used_twice_names_both_entries()
    {
        var e = Invalid(pins => pins[5]!["gpio"] = 25);

        Assert.Equal(["pins[5] (gpio 25, tone): GPIO 25 is already used by pins[4] (gpio 25, valve)"], e.Errors);
    }

    [Fact]
    public void A_gpio_used_twice_is_reported_even_when_the_second_entry_has_other_errors()
    {
        var e = Invalid(pins =>
        {
            pins[5]!["gpio"] = 25;
            pins[5]!["function"] = "buzzer";
        });

        Assert.Contains("pins[5] (gpio 25, buzzer): GPIO 25 is already used by pins[4] (gpio 25, valve)", e.Errors);
    }

    [Fact]
    public void Missing_required_functions_are_each_named()
    {
        var e = Invalid(pins =>
        {
            pins.RemoveAt(4);
            pins.RemoveAt(1);
        });

        Assert.Contains(e.Errors, m => m.StartsWith("no pin has the function \"frame_clock\"", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("no pin has the function \"valve\"", StringComparison.Ordinal));
        Assert.Equal(2, e.Errors.Count);
    }

    [Fact]
    public void An_encoder_phase_without_its_partner_on_the_same_channel_is_refused()
    {
        var e = Invalid(pins => pins[3]!["channel"] = 1);

        Assert.Contains("pins[2] (gpio 32, encoder_a): encoder channel 0 has no encoder_b pin", e.Errors);
        Assert.Contains("pins[3] (gpio 33, encoder_b): encoder channel 1 has no encoder_a pin", e.Errors);
    }

    [Fact]
    public void A_direction_that_contradicts_the_function_is_refused()
    {
        var e = Invalid(pins => pins[4]!["direction"] = "input");

        Assert.Equal(["pins[4] (gpio 25, valve): a valve pin is an output, but its direction says \"input\""], e.Errors);
    }

    [Fact]
    public void The_same_function_and_channel_twice_is_refused()
    {
        var e = Invalid(pins => pins.Add(new JsonObject { ["gpio"] = 27, ["function"] = "valve", ["channel"] = 0, ["direction"] = "output" }));

        Assert.Equal(["pins[6] (gpio 27, valve): valve channel 0 is already assigned to pins[4] (gpio 25, valve)"], e.Errors);
    }

    [Fact]
    public void A_second_valve_on_its_own_channel_is_fine()
    {
        var map = PinMap.Parse(Edit(pins => pins.Add(new JsonObject { ["gpio"] = 27, ["function"] = "valve", ["channel"] = 1, ["direction"] = "output" })), "p.json");

        Assert.Equal(7, map.Pins.Count);
    }

    [Theory]
    [InlineData("gpio", null, "pins[0]: \"gpio\" is missing")]
    [InlineData("gpio", "\"34\"", "pins[0]: \"gpio\" must be a whole number, not \"34\"")]
    [InlineData("gpio", "49", "pins[0]: \"gpio\" 49 is outside 0-48")]
    [InlineData("gpio", "-1", "pins[0]: \"gpio\" -1 is outside 0-48")]
    [InlineData("function", null, "pins[0] (gpio 34): \"function\" is missing")]
    [InlineData("channel", null, "pins[0] (gpio 34, lick): \"channel\" is missing")]
    [InlineData("channel", "1.5", "pins[0] (gpio 34, lick): \"channel\" must be a whole number, not 1.5")]
    [InlineData("direction", "\"in\"", "pins[0] (gpio 34, lick): direction \"in\" must be \"input\" or \"output\"")]
    [InlineData("note", "7", "pins[0] (gpio 34, lick): \"note\" must be a string, not 7")]
    public void A_malformed_field_is_named_with_its_entry(string field, string? json, string expected)
    {
        var e = Invalid(pins =>
        {
            var pin = pins[0]!.AsObject();
            pin.Remove(field);
            if (json is not null)
            {
                pin[field] = JsonNode.Parse(json);
            }
        });

        Assert.Contains(expected, e.Errors);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "the top level must be an object")]
    [InlineData("{\"pins\": []}", "\"board\" is missing")]
    [InlineData("{\"board\": \"b\"}", "\"pins\" is missing or not an array")]
    [InlineData("{\"board\": \"b\", \"pins\": []}", "\"pins\" is empty")]
    [InlineData("{\"board\": \"b\", \"pins\": [3]}", "pins[0]: must be an object")]
    public void A_file_that_is_not_a_pin_map_says_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<PinMapException>(() => PinMap.Parse(json, "bad.json"));

        Assert.Contains(e.Errors, m => m.Contains(expected, StringComparison.Ordinal));
        Assert.StartsWith("pin map 'bad.json' is invalid:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_pin_map_file_is_an_input_error_naming_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("nope.json");

        var e = Assert.Throws<FlashInputException>(() => PinMap.Load(path));

        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_pin_map_is_hardware_pinmap_json_of_the_repository_around_the_working_folder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("repo", "tools", "deep"));
        File.WriteAllText(dir.Combine("repo", "Rig.sln"), "");
        Directory.CreateDirectory(dir.Combine("elsewhere"));

        Assert.Equal(dir.Combine("repo", "hardware", "pinmap.json"), PinMapLocator.FindDefault([dir.Combine("elsewhere"), dir.Combine("repo", "tools", "deep")]));
        Assert.Null(PinMapLocator.FindDefault([dir.Combine("elsewhere")]));
    }

    [Fact]
    public void The_device_file_is_the_settings_record_with_the_pin_map_rig_id_broker_and_login()
    {
        var config = Configuration(new MqttCredentials("rig-user", "s3cret-pw"));
        byte[] bytes = config.ToBytes();

        var reader = new ByteReader(bytes, 0, bytes.Length);
        var record = DeviceSettingsRecord.Read(reader);

        Assert.Equal(bytes.Length, reader.Position);
        Assert.Equal(("rig-7", "broker.lab", 1883, false), (record.RigId, record.BrokerHost, record.BrokerPort, record.UseTls));
        Assert.Equal(("rig-user", "s3cret-pw", ""), (record.Username, record.Password, record.CaPem));
        Assert.Equal(6, record.PinCount);
        Assert.Equal((34, 0, "lick"), (record.PinGpio(0), record.PinChannel(0), record.PinFunction(0)));
    }

    [Fact]
    public void The_description_shows_what_the_file_holds_with_the_login_masked()
    {
        var config = Configuration(new MqttCredentials("rig-user", "s3cret-pw"));

        string described = config.Describe();
        var json = JsonNode.Parse(described)!;

        Assert.DoesNotContain("rig-user", described, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", described, StringComparison.Ordinal);
        Assert.Equal("***", (string?)json["mqtt"]!["username"]);
        Assert.Equal("***", (string?)json["mqtt"]!["password"]);
        Assert.Equal(DeviceSettingsRecord.Version, (int)json["format"]!);
        Assert.Equal(config.ToBytes().Length, (int)json["bytes"]!);
        Assert.Equal("rig-7", (string?)json["rig_id"]);
        Assert.Equal("mqtt://broker.lab:1883", (string?)json["broker"]!["url"]);
        Assert.Equal(6, json["pins"]!.AsArray().Count);
        Assert.Equal("lick", (string?)json["pins"]![0]!["function"]);
    }

    [Fact]
    public void A_configuration_without_login_writes_an_empty_login_and_describes_mqtt_null()
    {
        var config = Configuration();
        byte[] bytes = config.ToBytes();
        var record = DeviceSettingsRecord.Read(new ByteReader(bytes, 0, bytes.Length));

        Assert.Equal(("", ""), (record.Username, record.Password));
        Assert.Null(JsonNode.Parse(config.Describe())!["mqtt"]);
    }

    [Fact]
    public void A_login_too_long_for_the_device_is_refused_before_anything_runs_without_quoting_it()
    {
        string password = new string('x', DeviceSettingsRecord.MaxPasswordBytes + 1);

        var e = Assert.Throws<FlashInputException>(() => Configuration(new MqttCredentials("rig-user", password)));

        Assert.Contains("(field password): 257 bytes of UTF-8, at most 256", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, e.Message, StringComparison.Ordinal);
    }

    private static PinMapException Invalid(Action<JsonArray> edit) =>
        Assert.Throws<PinMapException>(() => PinMap.Parse(Edit(edit), "pinmap.json"));

    private static string Edit(Action<JsonArray> edit)
    {
        var root = JsonNode.Parse(Valid)!;
        edit(root["pins"]!.AsArray());
        return root.ToJsonString();
    }
}
