using System;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rig.Recording.Link;
using Rig.Protocol;

namespace Rig.Provisioning.Flashing;

/// <summary>
/// What the ESP32 application reads at boot from <see cref="NanoffCommands.DeviceConfigPath"/>: its rig id, the broker, the
/// MQTT login, the broker's CA, the pin map and (with <c>--limits</c>) the lab's safety limits, as one binary <see cref="DeviceSettingsRecord"/> written with the codec the
/// device reads it with (docs/protocol.md, "Device settings record"; docs/cli.md, "The device configuration file").
/// <see cref="Describe"/> is the readable form <c>rig flash</c> prints, always with the login masked.
/// </summary>
public sealed class DeviceConfiguration
{
    /// <summary>The settings record's layout version.</summary>
    public const int Format = DeviceSettingsRecord.Version;

    private readonly byte[] _bytes;

    /// <param name="caPem">PEM of the CA that signed an mqtts:// broker's certificate (the device has no trust store of its own); null without TLS.</param>
    /// <param name="limits">The lab's safety limits (<c>--limits</c>); null keeps the firmware's defaults and writes no limits block.</param>
    /// <param name="limitsPath">The limits file, named in errors.</param>
    /// <exception cref="FlashInputException">A field is longer than the record allows (the message gives sizes, never content), or
    /// the device would refuse the limits (the firmware's own check names the setting).</exception>
    public DeviceConfiguration(string rigId, BrokerAddress broker, MqttCredentials? credentials, PinMap pinMap, string writtenBy, string? caPem = null,
        DeviceSafetyLimits? limits = null, string limitsPath = "--limits")
    {
        if (!Rig.Protocol.RigId.IsValid(rigId))
        {
            throw new ArgumentException(Rig.Protocol.RigId.Problem(rigId), nameof(rigId));
        }

        RigId = rigId;
        Broker = broker ?? throw new ArgumentNullException(nameof(broker));
        Credentials = credentials;
        PinMap = pinMap ?? throw new ArgumentNullException(nameof(pinMap));
        WrittenBy = writtenBy ?? "";
        CaPem = caPem;
        Limits = limits;
        DeviceSettingsRecord record;
        try
        {
            // Encoded once here, so a configuration the device would refuse is refused before anything runs.
            record = ToRecord();
            _bytes = Encode(record);
        }
        catch (ProtocolException e)
        {
            throw new FlashInputException("device configuration", $"the device configuration cannot be written: {e.Message}");
        }

        // The configuration the device will run: its defaults with the limits in, refused here as the device would refuse it.
        Effective = DeviceSafetyLimits.Check(record, limitsPath);
    }

    /// <summary>The broker's CA for TLS (PEM); null for a plain broker.</summary>
    public string? CaPem { get; }

    public string RigId { get; }

    /// <summary>The safety limits written, or null for the firmware's defaults.</summary>
    public DeviceSafetyLimits? Limits { get; }

    /// <summary>The valve and water settings the device will run with (the limits over the firmware's defaults).</summary>
    public Rig.Firmware.DeviceConfig Effective { get; }

    public BrokerAddress Broker { get; }

    /// <summary>Null for a broker without login.</summary>
    public MqttCredentials? Credentials { get; }

    public PinMap PinMap { get; }

    /// <summary>The <c>rig</c> version that made it (not stored on the device).</summary>
    public string WrittenBy { get; }

    /// <summary>The device file: the settings record's bytes, with the real login. Never printed.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>The record the device file holds (pins as gpio, channel and function; the rest of the pin map stays on the host).</summary>
    public DeviceSettingsRecord ToRecord()
    {
        var record = new DeviceSettingsRecord
        {
            RigId = RigId,
            BrokerHost = Broker.Host,
            BrokerPort = Broker.Port,
            UseTls = Broker.UseTls,
            Username = Credentials?.Username ?? "",
            Password = Credentials?.Password ?? "",
            CaPem = CaPem ?? "",
        };
        foreach (var pin in PinMap.Pins)
        {
            record.AddPin(pin.Gpio, pin.Channel, pin.Function);
        }

        Limits?.WriteTo(record);
        return record;
    }

    /// <summary>
    /// One line for the flash log: the valve and water limits the device will run with, a <c>*</c> on each the limits file
    /// set (the others are the firmware's defaults).
    /// </summary>
    public string LimitsLine() => DeviceSafetyLimits.Describe(Effective, Limits);

    /// <summary>
    /// What the device file holds, as indented JSON for people and for <c>rig flash --json</c>. The user name and password
    /// always read <see cref="MqttCredentials.Mask"/>: there is no unmasked form.
    /// </summary>
    public string Describe()
    {
        using var buffer = new MemoryStream();
        // UnsafeRelaxedJsonEscaping keeps '+', '<' and non-ASCII readable; the text is for a terminal, never HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Format);
            json.WriteNumber("bytes", _bytes.Length);
            json.WriteString("rig_id", RigId);
            json.WriteStartObject("broker");
            json.WriteString("url", Broker.ToString());
            json.WriteString("host", Broker.Host);
            json.WriteNumber("port", Broker.Port);
            json.WriteBoolean("tls", Broker.UseTls);
            if (CaPem is not null)
            {
                json.WriteString("ca_pem", CaPem);
            }

            json.WriteEndObject();
            if (Credentials is null)
            {
                json.WriteNull("mqtt");
            }
            else
            {
                json.WriteStartObject("mqtt");
                json.WriteString("username", MqttCredentials.Mask);
                if (Credentials.Password is null)
                {
                    json.WriteNull("password");
                }
                else
                {
                    json.WriteString("password", MqttCredentials.Mask);
                }

                json.WriteEndObject();
            }

            json.WriteStartArray("pins");
            foreach (var pin in PinMap.Pins)
            {
                json.WriteStartObject();
                json.WriteNumber("gpio", pin.Gpio);
                json.WriteString("function", pin.Function);
                json.WriteNumber("channel", pin.Channel);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            // What the device will run with, whether from the limits file or its defaults (µs, as the record holds them).
            json.WriteStartObject("safety_limits");
            json.WriteBoolean("from_file", Limits is not null);
            json.WriteNumber("valve_hard_max_us", Effective.ValveHardMaxOpenMicros);
            json.WriteNumber("host_silence_us", Effective.HostSilenceCloseMicros);
            json.WriteNumber("water_window_us", Effective.WaterWindowMicros);
            json.WriteNumber("water_window_max_open_us", Effective.WaterWindowMaxOpenMicros);
            json.WriteNumber("water_window_max_openings", Effective.WaterWindowMaxOpenings);
            json.WriteNumber("water_session_window_us", Effective.WaterSessionWindowMicros);
            json.WriteNumber("water_session_max_open_us", Effective.WaterSessionMaxOpenMicros);
            json.WriteNumber("water_arm_max_window_us", Effective.WaterArmMaxWindowMicros);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static byte[] Encode(DeviceSettingsRecord record)
    {
        var buffer = new byte[DeviceSettingsRecord.MaxBytes];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        record.Write(writer);
        return buffer[..writer.Position];
    }
}

/// <summary>
/// nanoff's file-deployment description: <c>{"SerialPort": "...", "Files": [{"DestinationFilePath": "...", "SourceFilePath": "..."}]}</c>
/// (nanoFirmwareFlasher.Library/FileDeployment/FileDeploymentConfiguration.cs and DeploymentFile.cs; the README's "File deployment"
/// section). The property names are spelled exactly like nanoff's C# properties, so both its Newtonsoft (2.x) and its
/// System.Text.Json (3.x) reader bind them whatever their case sensitivity.
/// </summary>
public static class FileDeploymentDescriptor
{
    public static string ToJson(string serialPort, string sourceFile, string destinationFile)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("SerialPort", serialPort);
            json.WriteStartArray("Files");
            json.WriteStartObject();
            json.WriteString("DestinationFilePath", destinationFile);
            json.WriteString("SourceFilePath", sourceFile);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}

/// <summary>
/// nanoff's network-deployment description with a Wi-Fi client: <c>{"SerialPort": ..., "WirelessClient": {...}}</c>
/// (Library/NetworkDeployment/NetworkDeploymentConfiguration.cs and WirelessClient.cs; README "Wireless Client options").
/// Authentication and encryption are set explicitly because nanoff writes Encryption "None" when it is left out
/// (NetworkDeploymentManager.PopulateWirelessConfigurationProperties); AutoConnect lets the Wi-Fi driver join at boot and
/// rejoin on its own, which the ESP32 application relies on (firmware/Rig.Firmware.Esp32/Link/MqttDeviceLink.cs).
/// </summary>
public static class NetworkDeploymentDescriptor
{
    public static string ToJson(string serialPort, WifiNetwork wifi, bool maskPassword)
    {
        ArgumentNullException.ThrowIfNull(wifi);
        bool open = wifi.Password is null;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("SerialPort", serialPort);
            json.WriteStartObject("WirelessClient");
            json.WriteString("Ssid", wifi.Ssid);
            json.WriteString("Password", open ? "" : maskPassword ? MqttCredentials.Mask : wifi.Password);
            json.WriteString("Authentication", open ? "Open" : "WPA2");
            json.WriteString("Encryption", open ? "None" : "WPA2");
            json.WriteString("ConfigurationOption", "AutoConnect");
            json.WriteBoolean("DhcpEnabled", true);
            json.WriteBoolean("AutomaticDNS", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
