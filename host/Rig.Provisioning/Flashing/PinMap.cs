using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>One pin of the rig controller: its GPIO, what it does, and the electrical notes for people.</summary>
public sealed record PinAssignment(int Gpio, string Function, int Channel, string Direction, string? Level, string? Net, string? Note);

/// <summary>
/// The validated pin map (hardware/pinmap.json): <c>{"board": "...", "pins": [{"gpio", "function", "channel", "direction",
/// "level", "net", "note"}]}</c>. Only validated maps exist: build one with <see cref="Load"/> or <see cref="Parse"/>.
/// </summary>
public sealed class PinMap
{
    /// <summary>Every function a pin can have, with the direction it must be wired in.</summary>
    public static readonly IReadOnlyDictionary<string, string> Functions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["lick"] = "input",
        ["frame_clock"] = "input",
        ["photodiode"] = "input",
        ["ttl_in"] = "input",
        ["encoder_a"] = "input",
        ["encoder_b"] = "input",
        ["valve"] = "output",
        ["tone"] = "output",
        ["sync_out"] = "output",
        ["status_led"] = "output",
    };

    /// <summary>What the firmware cannot run a session without: licks, the reward valve, the wheel and the imaging frame clock.</summary>
    public static readonly IReadOnlyList<string> RequiredFunctions = ["lick", "valve", "encoder_a", "encoder_b", "frame_clock"];

    /// <summary>ESP32-S3 has GPIO 0-48, the classic ESP32 0-39; the board-specific limits are the pin map author's to keep.</summary>
    public const int MaxGpio = 48;

    public const int MaxChannel = 15;

    /// <summary>The name the default lookup uses under the repository root.</summary>
    public static readonly string DefaultRelativePath = Path.Combine("hardware", "pinmap.json");

    private PinMap(string board, IReadOnlyList<PinAssignment> pins)
    {
        Board = board;
        Pins = pins;
    }

    public string Board { get; }

    public IReadOnlyList<PinAssignment> Pins { get; }

    /// <summary>Reads and validates a pin map file; throws <see cref="PinMapException"/> listing every problem, or <see cref="FlashInputException"/> when it cannot be read.</summary>
    public static PinMap Load(string path)
    {
        return Parse(FlashInputFile.ReadText(path, "pin map"), path);
    }

    /// <summary>Validates pin map JSON; <paramref name="path"/> only names it in messages.</summary>
    public static PinMap Parse(string json, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PinMapException(path, [$"not valid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}"]);
        }

        using (document)
        {
            var errors = new List<string>();
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PinMapException(path, ["the top level must be an object {\"board\": ..., \"pins\": [...]}"]);
            }

            string? board = null;
            if (!root.TryGetProperty("board", out var boardElement) || boardElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(boardElement.GetString()))
            {
                errors.Add("\"board\" is missing or not a non-empty string (name the controller board, e.g. \"ESP32-DevKitC-32E\")");
            }
            else
            {
                board = boardElement.GetString();
            }

            var pins = new List<PinAssignment>();
            if (!root.TryGetProperty("pins", out var pinsElement) || pinsElement.ValueKind != JsonValueKind.Array)
            {
                errors.Add("\"pins\" is missing or not an array");
            }
            else
            {
                ReadPins(pinsElement, pins, errors);
            }

            if (errors.Count > 0)
            {
                throw new PinMapException(path, errors);
            }

            return new PinMap(board!, pins);
        }
    }

    private static void ReadPins(JsonElement pinsElement, List<PinAssignment> pins, List<string> errors)
    {
        // Every entry with a readable GPIO takes part in the GPIO check, even one with other errors: a typo in
        // its function must not hide that it also sits on a GPIO already taken.
        var entries = new List<Entry>();
        int index = 0;
        foreach (var entry in pinsElement.EnumerateArray())
        {
            entries.Add(ReadPin(entry, index, errors));
            index++;
        }

        if (entries.Count == 0)
        {
            errors.Add("\"pins\" is empty");
        }

        var byGpio = new Dictionary<int, string>();
        foreach (var entry in entries)
        {
            if (entry.Gpio is not { } g)
            {
                continue;
            }

            if (byGpio.TryGetValue(g, out string? first))
            {
                errors.Add($"{entry.Label}: GPIO {g} is already used by {first}");
            }
            else
            {
                byGpio[g] = entry.Label;
            }
        }

        var parsed = entries.Where(e => e.Pin is not null).Select(e => (e.Label, Pin: e.Pin!)).ToList();
        var byFunctionChannel = new Dictionary<(string, int), string>();
        foreach (var (label, pin) in parsed)
        {
            if (byFunctionChannel.TryGetValue((pin.Function, pin.Channel), out string? other))
            {
                errors.Add($"{label}: {pin.Function} channel {pin.Channel} is already assigned to {other}");
            }
            else
            {
                byFunctionChannel[(pin.Function, pin.Channel)] = label;
            }
        }

        // Entries whose function was recognised count even with other errors, so one bad field does not also report its function missing.
        var recognised = entries.Where(e => e.Function is not null).ToList();
        foreach (string required in RequiredFunctions)
        {
            if (!recognised.Any(e => e.Function == required))
            {
                errors.Add($"no pin has the function \"{required}\" (every pin map needs {string.Join(", ", RequiredFunctions)})");
            }
        }

        // A quadrature encoder needs both phases on the same channel; one phase alone counts nothing.
        foreach (var entry in recognised.Where(e => e.Function is "encoder_a" or "encoder_b" && e.Channel is not null))
        {
            string partner = entry.Function == "encoder_a" ? "encoder_b" : "encoder_a";
            if (!recognised.Any(e => e.Function == partner && e.Channel == entry.Channel))
            {
                errors.Add($"{entry.Label}: encoder channel {entry.Channel} has no {partner} pin");
            }
        }

        pins.AddRange(parsed.Select(p => p.Pin));
    }

    /// <summary>What could be read of one entry; <see cref="Pin"/> is null when any field had an error.</summary>
    private sealed record Entry(int? Gpio, string? Function, int? Channel, string Label, PinAssignment? Pin);

    private static Entry ReadPin(JsonElement entry, int index, List<string> errors)
    {
        string at = $"pins[{index}]";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{at}: must be an object with gpio, function, channel and direction");
            return new Entry(null, null, null, at, null);
        }

        int errorsBefore = errors.Count;
        int? gpio = ReadInt(entry, "gpio", 0, MaxGpio, at, errors);
        string? function = ReadString(entry, "function", gpio is not null ? $"{at} (gpio {gpio})" : at, errors, required: true);
        string label = gpio is not null ? $"{at} (gpio {gpio}{(function is not null ? ", " + function : "")})" : at;
        if (function is not null && !Functions.ContainsKey(function))
        {
            errors.Add($"{label}: unknown function \"{function}\"; use one of {string.Join(", ", Functions.Keys)}");
            function = null;
        }

        int? channel = ReadInt(entry, "channel", 0, MaxChannel, label, errors);
        string? direction = ReadString(entry, "direction", label, errors, required: true);
        if (direction is not null && direction is not ("input" or "output"))
        {
            errors.Add($"{label}: direction \"{direction}\" must be \"input\" or \"output\"");
            direction = null;
        }
        else if (direction is not null && function is not null && Functions[function] != direction)
        {
            errors.Add($"{label}: a {function} pin is an {Functions[function]}, but its direction says \"{direction}\"");
        }

        string? level = ReadString(entry, "level", label, errors, required: false);
        string? net = ReadString(entry, "net", label, errors, required: false);
        string? note = ReadString(entry, "note", label, errors, required: false);
        if (errors.Count > errorsBefore || gpio is null || function is null || channel is null || direction is null)
        {
            return new Entry(gpio, function, channel, label, null);
        }

        return new Entry(gpio, function, channel, label, new PinAssignment(gpio.Value, function, channel.Value, direction, level, net, note));
    }

    private static int? ReadInt(JsonElement entry, string name, int min, int max, string at, List<string> errors)
    {
        if (!entry.TryGetProperty(name, out var value))
        {
            errors.Add($"{at}: \"{name}\" is missing");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number))
        {
            errors.Add($"{at}: \"{name}\" must be a whole number, not {value.GetRawText()}");
            return null;
        }

        if (number < min || number > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{at}: \"{name}\" {number} is outside {min}-{max}"));
            return null;
        }

        return number;
    }

    private static string? ReadString(JsonElement entry, string name, string at, List<string> errors, bool required)
    {
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add($"{at}: \"{name}\" is missing");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{at}: \"{name}\" must be a string, not {value.GetRawText()}");
            return null;
        }

        return value.GetString();
    }
}

/// <summary>Finds the default pin map: hardware/pinmap.json in the Rig repository that contains the working folder (or the rig binary).</summary>
public static class PinMapLocator
{
    /// <summary>The file that marks the repository root.</summary>
    public const string RepositoryMarker = "Rig.sln";

    /// <summary>
    /// hardware/pinmap.json under the first folder, walking up from each start folder in turn, that holds <see cref="RepositoryMarker"/>;
    /// null when no start folder is inside the repository. The path is returned even when the file is missing, so the error can name it.
    /// </summary>
    public static string? FindDefault(IEnumerable<string> startDirectories)
    {
        ArgumentNullException.ThrowIfNull(startDirectories);
        foreach (string start in startDirectories)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, RepositoryMarker)))
                {
                    return Path.Combine(dir.FullName, PinMap.DefaultRelativePath);
                }
            }
        }

        return null;
    }
}
