using System;
using System.IO;
using System.Text.Json;

namespace Rig.Recording.Link;

/// <summary>
/// The MQTT user name and password the device logs in with. Deliberately not a record: a record's generated ToString
/// would print the password into any log or exception message that formats it.
/// </summary>
public sealed class MqttCredentials
{
    public const string Mask = "***";

    public MqttCredentials(string username, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        Username = username;
        Password = string.IsNullOrEmpty(password) ? null : password;
    }

    public string Username { get; }

    /// <summary>Null when the broker takes the user name alone.</summary>
    public string? Password { get; }

    public override string ToString() => $"MQTT credentials (user {Mask}, password {(Password is null ? "none" : Mask)})";
}

/// <summary>
/// The Wi-Fi network the device joins, stored by nanoff's network deployment in the device's wireless configuration (the
/// ESP32 application reconnects with it at boot). Not a record, for the same reason as <see cref="MqttCredentials"/>.
/// </summary>
public sealed class WifiNetwork
{
    public WifiNetwork(string ssid, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(ssid);
        Ssid = ssid;
        Password = string.IsNullOrEmpty(password) ? null : password;
    }

    /// <summary>Not a secret: every phone in the room lists it.</summary>
    public string Ssid { get; }

    /// <summary>Null for an open network.</summary>
    public string? Password { get; }

    public override string ToString() => $"Wi-Fi network '{Ssid}' (password {(Password is null ? "none" : MqttCredentials.Mask)})";
}

/// <summary>
/// Reads the small secret files of <c>rig flash</c>: the MQTT login <c>{"username": "...", "password": "..."}</c> and the Wi-Fi
/// network <c>{"ssid": "...", "password": "..."}</c>. Error messages name the file and the problem but never quote its content,
/// which may be a password.
/// </summary>
public static class CredentialsFile
{
    private const string ExpectedMqtt = "expected {\"username\": \"...\", \"password\": \"...\"}";
    private const string ExpectedWifi = "expected {\"ssid\": \"...\", \"password\": \"...\"}";

    public static MqttCredentials Read(string path) => Parse(ReadBytes(path), path);

    public static WifiNetwork ReadWifi(string path) => ParseWifi(ReadBytes(path), path);

    /// <summary>Parses MQTT credentials JSON; <paramref name="path"/> only names it in messages.</summary>
    public static MqttCredentials Parse(ReadOnlySpan<byte> json, string path)
    {
        var (username, password) = ReadPair(json, path, "credentials file", "username", ExpectedMqtt);
        if (string.IsNullOrEmpty(username))
        {
            throw new FlashInputException(path, $"credentials file '{path}' has no \"username\": {ExpectedMqtt} (use --anonymous for a broker without login)");
        }

        return new MqttCredentials(username, password);
    }

    /// <summary>
    /// Parses a Wi-Fi file. The limits are nanoff's (README, "Wireless Client options": SSID up to 32 characters, password up
    /// to 64) and WPA2's (a passphrase has at least 8 characters).
    /// </summary>
    public static WifiNetwork ParseWifi(ReadOnlySpan<byte> json, string path)
    {
        var (ssid, password) = ReadPair(json, path, "Wi-Fi file", "ssid", ExpectedWifi);
        if (string.IsNullOrEmpty(ssid) || ssid.Length > 32)
        {
            throw new FlashInputException(path, $"Wi-Fi file '{path}' needs an \"ssid\" of 1 to 32 characters: {ExpectedWifi}");
        }

        if (!string.IsNullOrEmpty(password) && password.Length is < 8 or > 64)
        {
            throw new FlashInputException(path, $"Wi-Fi file '{path}': a WPA2 password has 8 to 64 characters (leave \"password\" out for an open network)");
        }

        return new WifiNetwork(ssid, password);
    }

    /// <summary>A warning when others than the owner may read the file (Unix), else null.</summary>
    public static string? PermissionWarning(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        return (File.GetUnixFileMode(path) & others) != 0
            ? $"'{path}' holds a password and can be read by other users; 'chmod 600 {path}' keeps it yours"
            : null;
    }

    private static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlashInputException(path, $"'{path}' cannot be read: {e.Message}");
        }
    }

    /// <summary>Reads a flat JSON object of exactly two string keys, <paramref name="nameKey"/> and "password".</summary>
    private static (string? Name, string? Password) ReadPair(ReadOnlySpan<byte> json, string path, string kind, string nameKey, string expected)
    {
        string? name = null;
        string? password = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FlashInputException(path, $"{kind} '{path}' is not a JSON object: {expected}");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString() ?? "";
                reader.Read();
                if (key != nameKey && key != "password")
                {
                    throw new FlashInputException(path, $"{kind} '{path}' has the unknown key \"{Printable(key)}\": {expected}");
                }

                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    throw new FlashInputException(path, $"{kind} '{path}': \"{key}\" must be a string");
                }

                string? value = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                if (key == nameKey)
                {
                    name = value;
                }
                else
                {
                    password = value;
                }
            }
        }
        catch (JsonException e)
        {
            // JsonException's own message quotes the offending character, which may be part of the password.
            throw new FlashInputException(path, $"{kind} '{path}' is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {expected}");
        }

        return (name, password);
    }

    private static string Printable(string name) => name.Length <= 32 ? name : name[..32] + "...";
}
