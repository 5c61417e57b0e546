using System;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rig.Host.Link;

namespace Rig.Host.Flashing;

/// <summary>
/// What the ESP32 application reads at boot from <see cref="NanoffCommands.DeviceConfigPath"/>: its rig id, the broker, the
/// MQTT login and the pin map. The JSON layout is documented in docs/cli.md ("The device configuration file") and versioned
/// by <see cref="Format"/>.
/// </summary>
public sealed class DeviceConfiguration
{
    public const int Format = 1;

    /// <param name="caPem">PEM of the CA that signed an mqtts:// broker's certificate (the device has no trust store of its own); null without TLS.</param>
    public DeviceConfiguration(string rigId, BrokerAddress broker, MqttCredentials? credentials, PinMap pinMap, string writtenBy, string? caPem = null)
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
    }

    /// <summary>The broker's CA for TLS (PEM), written as "broker"."ca_pem"; null for a plain broker.</summary>
    public string? CaPem { get; }

    public string RigId { get; }

    public BrokerAddress Broker { get; }

    /// <summary>Null for a broker without login.</summary>
    public MqttCredentials? Credentials { get; }

    public PinMap PinMap { get; }

    public string WrittenBy { get; }

    /// <summary>
    /// The file content. With <paramref name="maskCredentials"/> the user name and password read <see cref="MqttCredentials.Mask"/>:
    /// that form is the only one ever printed.
    /// </summary>
    public string ToJson(bool maskCredentials)
    {
        using var buffer = new MemoryStream();
        // UnsafeRelaxedJsonEscaping keeps '+', '<' and non-ASCII readable; the file is data for the device, never HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Format);
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
                json.WriteString("username", maskCredentials ? MqttCredentials.Mask : Credentials.Username);
                if (Credentials.Password is null)
                {
                    json.WriteNull("password");
                }
                else
                {
                    json.WriteString("password", maskCredentials ? MqttCredentials.Mask : Credentials.Password);
                }

                json.WriteEndObject();
            }

            json.WriteStartObject("pinmap");
            json.WriteString("board", PinMap.Board);
            json.WriteStartArray("pins");
            foreach (var pin in PinMap.Pins)
            {
                json.WriteStartObject();
                json.WriteNumber("gpio", pin.Gpio);
                json.WriteString("function", pin.Function);
                json.WriteNumber("channel", pin.Channel);
                json.WriteString("direction", pin.Direction);
                WriteOptional(json, "level", pin.Level);
                WriteOptional(json, "net", pin.Net);
                WriteOptional(json, "note", pin.Note);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("written_by", WrittenBy);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
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
