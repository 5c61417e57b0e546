using Rig.TestSupport;
using System;
using Rig.Firmware.Esp32.Settings;
using Rig.Host.Flashing;
using Rig.Host.Link;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// The device's reader of I:\rig-config.json, compiled for .NET from the same source the device runs: it reads what
/// `rig flash` writes (the real writer, Rig.Host.Flashing.DeviceConfiguration, produces the input here) and refuses,
/// with a reason, anything it cannot run with.
/// </summary>
public sealed class DeviceSettingsTests
{
    [Fact]
    public void Reads_the_configuration_rig_flash_writes_for_an_anonymous_broker()
    {
        string json = Written("rig-07", "mqtt://192.168.10.2:1884", null);

        DeviceSettings settings = DeviceSettings.Parse(json);

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("rig-07", settings.RigId);
        Assert.Equal("192.168.10.2", settings.BrokerHost);
        Assert.Equal(1884, settings.BrokerPort);
        Assert.Equal(string.Empty, settings.Username);
        Assert.Equal(string.Empty, settings.Password);
        Assert.Equal(Rig.Firmware.Esp32.PinMap.PinCount, settings.PinEntries);
    }

    [Fact]
    public void Reads_the_login_rig_flash_writes_including_characters_json_escapes()
    {
        string json = Written("rig_A", "mqtt://broker.lab", new MqttCredentials("user\"1", "pä\\ss/wörd\n"));

        DeviceSettings settings = DeviceSettings.Parse(json);

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("broker.lab", settings.BrokerHost);
        Assert.Equal(1883, settings.BrokerPort);
        Assert.Equal("user\"1", settings.Username);
        Assert.Equal("pä\\ss/wörd\n", settings.Password);
    }

    [Fact]
    public void A_login_without_password_reads_as_an_empty_password()
    {
        DeviceSettings settings = DeviceSettings.Parse(Written("rig-1", "mqtt://h", new MqttCredentials("only-user", null)));

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("only-user", settings.Username);
        Assert.Equal(string.Empty, settings.Password);
    }

    [Fact]
    public void Unicode_escapes_are_decoded()
    {
        DeviceSettings settings = DeviceSettings.Parse(Minimal().Replace("\"secret\"", "\"\\u0041\\u00e9\\t\"", StringComparison.Ordinal));

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("A\u00e9\t", settings.Password);
    }

    [Fact]
    public void A_configuration_without_a_pin_map_is_accepted()
    {
        DeviceSettings settings = DeviceSettings.Parse(Minimal());

        Assert.True(settings.IsValid, settings.Problem);
        Assert.Equal("rig-9", settings.RigId);
        Assert.Equal("secret", settings.Password);
        Assert.Equal(0, settings.PinEntries);
    }

    [Theory]
    [InlineData("\"format\": 1", "\"format\": 2", "\"format\" must be 1")]
    [InlineData("\"format\": 1,", "", "\"format\" must be 1")]
    [InlineData("\"rig-9\"", "\"rig/9\"", "\"rig_id\"")]
    [InlineData("\"tls\": false", "\"tls\": true", "TLS")]
    [InlineData("\"host\": \"10.0.0.5\",", "", "\"host\" is missing")]
    [InlineData("\"port\": 1883", "\"port\": 0", "1 to 65535")]
    [InlineData("\"port\": 1883", "\"port\": \"1883\"", "\"port\" must not be a string")]
    [InlineData("\"port\": 1883", "\"port\": 1883.5", "\"port\" must be a whole number")]
    [InlineData("\"rig_id\": \"rig-9\"", "\"rig_id\": null", "\"rig_id\" must not be null")]
    public void A_configuration_the_device_cannot_use_is_refused_with_the_reason(string original, string replacement, string reason)
    {
        string json = Minimal();
        Assert.Contains(original, json, StringComparison.Ordinal);

        DeviceSettings settings = DeviceSettings.Parse(json.Replace(original, replacement, StringComparison.Ordinal));

        Assert.False(settings.IsValid);
        Assert.Contains(reason, settings.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"format\": 1,}")]
    [InlineData("{\"rig_id\": \"abc}")]
    [InlineData("{\"rig_id\" \"abc\"}")]
    [InlineData("{\"a\": [1, 2}")]
    [InlineData("{\"a\": tru}")]
    [InlineData("{\"a\": \"\\x\"}")]
    [InlineData("{} trailing")]
    [InlineData("{\"a\": -}")]
    public void Malformed_json_is_refused_as_such(string json)
    {
        DeviceSettings settings = DeviceSettings.Parse(json);

        Assert.False(settings.IsValid);
        Assert.StartsWith("device configuration is not valid JSON", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_input_is_refused_without_exhausting_the_stack()
    {
        string json = "{\"a\": " + new string('[', 5000) + new string(']', 5000) + "}";

        DeviceSettings settings = DeviceSettings.Parse(json);

        Assert.False(settings.IsValid);
        Assert.Contains("nested too deeply", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_map_that_differs_from_the_firmware_is_refused()
    {
        string json = Written("rig-1", "mqtt://h", null);
        string original = "\"gpio\": " + Rig.Firmware.Esp32.PinMap.Lick0.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",";
        Assert.Contains(original, json, StringComparison.Ordinal);

        DeviceSettings settings = DeviceSettings.Parse(json.Replace(original, "\"gpio\": 13,", StringComparison.Ordinal));

        Assert.False(settings.IsValid);
        Assert.Contains("lick channel 0 is GPIO 13 in the file", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_map_missing_a_pin_of_the_firmware_is_refused()
    {
        string json = Minimal().Replace(
            "\"written_by\"",
            "\"pinmap\": {\"board\": \"b\", \"pins\": [{\"gpio\": 34, \"function\": \"lick\", \"channel\": 0, \"direction\": \"input\"}]}, \"written_by\"",
            StringComparison.Ordinal);

        DeviceSettings settings = DeviceSettings.Parse(json);

        Assert.False(settings.IsValid);
        Assert.Contains("has 1 pins and this firmware uses", settings.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unavailable_settings_carry_their_reason()
    {
        DeviceSettings settings = DeviceSettings.Unavailable("no file");

        Assert.False(settings.IsValid);
        Assert.Equal("no file", settings.Problem);
    }

    [Fact]
    public void Reads_an_mqtts_broker_with_the_ca_rig_flash_writes_and_refuses_one_without()
    {
        const string pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
        PinMap pins = PinMap.Load(RepositoryRoot.Combine("hardware", "pinmap.json"));
        string withCa = new DeviceConfiguration("rig-tls", BrokerAddress.Parse("mqtts://broker.lab"), new MqttCredentials("rig-tls", "pw"), pins, "test", pem)
            .ToJson(maskCredentials: false);
        string withoutCa = new DeviceConfiguration("rig-tls", BrokerAddress.Parse("mqtts://broker.lab"), null, pins, "test").ToJson(maskCredentials: false);

        DeviceSettings settings = DeviceSettings.Parse(withCa);
        DeviceSettings refused = DeviceSettings.Parse(withoutCa);

        Assert.True(settings.IsValid, settings.Problem);
        Assert.True(settings.UseTls);
        Assert.Equal(8883, settings.BrokerPort);
        Assert.Equal(pem, settings.CaPem);
        Assert.False(refused.IsValid);
        Assert.Contains("ca_pem", refused.Problem, StringComparison.Ordinal);
    }

    /// <summary>What `rig flash` writes, from the repository's real pin map.</summary>
    private static string Written(string rigId, string brokerUrl, MqttCredentials? credentials)
    {
        PinMap pins = PinMap.Load(RepositoryRoot.Combine("hardware", "pinmap.json"));
        return new DeviceConfiguration(rigId, BrokerAddress.Parse(brokerUrl), credentials, pins, "test").ToJson(maskCredentials: false);
    }

    /// <summary>A hand-written format-1 configuration with every field the device reads and no pin map.</summary>
    private static string Minimal() => """
        {
          "format": 1,
          "rig_id": "rig-9",
          "broker": { "url": "mqtt://10.0.0.5:1883", "host": "10.0.0.5", "port": 1883, "tls": false },
          "mqtt": { "username": "rig", "password": "secret" },
          "written_by": "hand"
        }
        """;
}
