using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Rig.Host.Tasks;

/// <summary>One problem in a protocol file: where it is (1-based line), which field (a path such as reward.mode) and what is wrong.</summary>
public sealed record ProtocolFileError(string File, int Line, string Field, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Field}: {Message}";
}

/// <summary>A protocol file that cannot run; <see cref="Errors"/> names every problem found. Nothing was started.</summary>
public sealed class ProtocolFileException : Exception
{
    public ProtocolFileException(string file, IReadOnlyList<ProtocolFileError> errors)
        : base($"protocol {file} is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}): " + string.Join("; ", errors))
    {
        File = file;
        Errors = errors;
    }

    public string File { get; }

    public IReadOnlyList<ProtocolFileError> Errors { get; }
}

/// <summary>
/// Reads and validates protocol files (protocols/schema.json is the published form of these rules). Every error names
/// the file, the line and the field; all errors of a file are reported at once.
/// </summary>
public static partial class ProtocolLoader
{
    /// <summary>The folder of the shipped protocols, relative to the repository root.</summary>
    public const string ProtocolsFolder = "protocols";

    public static readonly IReadOnlyList<string> RewardModes = [BehaviourMetricsCalculator.Passive, BehaviourMetricsCalculator.ActiveAfterCue, BehaviourMetricsCalculator.RewardZone];

    // Wall ids end up in CSV cells and NumPy unicode arrays: plain identifiers only (no commas or quotes).
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,31}$")]
    private static partial Regex WallPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>
    /// Resolves a protocol argument: an existing file path, or the name of a shipped protocol (NAME.json in
    /// <paramref name="protocolsFolder"/>, or in a protocols/ folder above the working directory or the program).
    /// </summary>
    public static string Resolve(string nameOrPath, string? protocolsFolder = null)
    {
        if (File.Exists(nameOrPath))
        {
            return Path.GetFullPath(nameOrPath);
        }

        var folders = new List<string>();
        if (protocolsFolder is not null)
        {
            folders.Add(protocolsFolder);
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                folders.Add(Path.Combine(dir.FullName, ProtocolsFolder));
            }
        }

        foreach (string folder in folders)
        {
            string candidate = Path.Combine(folder, nameOrPath.EndsWith(".json", StringComparison.Ordinal) ? nameOrPath : nameOrPath + ".json");
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new ProtocolFileException(nameOrPath, [new ProtocolFileError(nameOrPath, 0, "(file)",
            "no such file, and no shipped protocol of that name (look in protocols/)")]);
    }

    /// <summary>Loads a protocol file; throws <see cref="ProtocolFileException"/> naming every error.</summary>
    public static TaskProtocol Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProtocolFileException(path, [new ProtocolFileError(path, 0, "(file)", e.Message)]);
        }

        return Parse(bytes, path);
    }

    /// <summary>Validates protocol text; <paramref name="file"/> names it in errors.</summary>
    public static TaskProtocol Parse(byte[] utf8, string file)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false };
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, options);
        }
        catch (JsonException e)
        {
            // JsonException counts lines from 0.
            int line = (int)(e.LineNumber ?? -1) + 1;
            string message = e.Message;
            int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            throw new ProtocolFileException(file, [new ProtocolFileError(file, line, "(syntax)", cut > 0 ? message[..cut] : message)]);
        }

        using (document)
        {
            var lines = LineMap.Build(utf8);
            var v = new Validator(file, lines);
            var protocol = Read(v, document.RootElement, Hash(utf8));
            if (v.Errors.Count > 0 || protocol is null)
            {
                throw new ProtocolFileException(file, v.Errors);
            }

            return protocol;
        }
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static TaskProtocol? Read(Validator v, JsonElement root, string sha)
    {
        if (!v.Object(root, "(root)"))
        {
            return null;
        }

        v.Known(root, "", "$schema", "name", "experiment_type", "description", "corridors", "probes", "sequence", "geometry", "movement", "cue",
            "reward", "limits");
        string name = v.String(root, "", "name", NamePattern(), "1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit") ?? "";
        string type = v.String(root, "", "experiment_type", NamePattern(), "a short identifier such as supervised") ?? "";
        string description = v.OptionalString(root, "", "description") ?? "";

        var corridors = new List<CorridorSpec>();
        var walls = new HashSet<string>(StringComparer.Ordinal);
        if (v.Array(root, "", "corridors", out var corridorArray))
        {
            if (corridorArray.GetArrayLength() == 0)
            {
                v.Error("corridors", "needs at least one corridor");
            }

            int i = 0;
            foreach (var c in corridorArray.EnumerateArray())
            {
                string path = $"corridors[{i++}]";
                if (!v.Object(c, path))
                {
                    continue;
                }

                v.Known(c, path, "wall", "rewarded", "proportion");
                string? wall = v.String(c, path, "wall", WallPattern(), "a texture id such as leaf1 (letters, digits, _)");
                bool rewarded = v.Bool(c, path, "rewarded") ?? false;
                double proportion = v.Number(c, path, "proportion", 0, 1, exclusiveMin: true) ?? 0;
                if (wall is not null && !walls.Add(wall))
                {
                    v.Error(path + ".wall", $"'{wall}' is listed twice");
                }

                corridors.Add(new CorridorSpec(wall ?? "", rewarded, proportion));
            }

            double sum = corridors.Sum(c => c.Proportion);
            if (corridors.Count > 0 && corridors.All(c => c.Proportion > 0) && Math.Abs(sum - 1) > 1e-6)
            {
                v.Error("corridors", $"proportions add up to {sum:0.###}, not 1");
            }
        }

        var probes = new List<string>();
        if (root.TryGetProperty("probes", out var probeArray))
        {
            if (probeArray.ValueKind != JsonValueKind.Array)
            {
                v.Error("probes", "must be a list of wall ids");
            }
            else
            {
                int i = 0;
                foreach (var p in probeArray.EnumerateArray())
                {
                    string path = $"probes[{i++}]";
                    if (p.ValueKind != JsonValueKind.String || !WallPattern().IsMatch(p.GetString()!))
                    {
                        v.Error(path, "must be a texture id such as leaf2 (letters, digits, _)");
                        continue;
                    }

                    if (!walls.Add(p.GetString()!))
                    {
                        v.Error(path, $"'{p.GetString()}' is already a corridor or probe");
                    }

                    probes.Add(p.GetString()!);
                }
            }
        }

        SequenceSpec sequence = new(SequenceRule.Random, 0, 0, 1);
        if (v.Child(root, "", "sequence", out var seq))
        {
            v.Known(seq, "sequence", "rule", "block_size", "probe_fraction", "seed");
            string? rule = v.Enum(seq, "sequence", "rule", "random", "blocks");
            int blockSize = (int)(v.Integer(seq, "sequence", "block_size", 1, 10_000, required: rule == "blocks") ?? 0);
            double probeFraction = v.Number(seq, "sequence", "probe_fraction", 0, 1, required: false) ?? 0;
            int seed = (int)(v.Integer(seq, "sequence", "seed", 0, int.MaxValue) ?? 1);
            if (probeFraction > 0 && probes.Count == 0)
            {
                v.Error("sequence.probe_fraction", "is above 0 but the protocol lists no probes");
            }

            if (probes.Count > 0 && probeFraction == 0)
            {
                v.Error("sequence.probe_fraction", "the protocol lists probes, so probe_fraction must be above 0");
            }

            sequence = new SequenceSpec(rule == "blocks" ? SequenceRule.Blocks : SequenceRule.Random, blockSize, probeFraction, seed);
        }

        double texture = 40, gray = 20;
        if (v.Child(root, "", "geometry", out var geometry))
        {
            v.Known(geometry, "geometry", "texture_length_dm", "gray_length_dm");
            texture = v.Number(geometry, "geometry", "texture_length_dm", 0, 1000, exclusiveMin: true) ?? 40;
            gray = v.Number(geometry, "geometry", "gray_length_dm", 0, 1000) ?? 20;
        }

        var movement = new MovementSpec(MovementMode.RunGated, 0, 60, 6);
        if (v.Child(root, "", "movement", out var move))
        {
            v.Known(move, "movement", "mode", "gain_dm_per_cm", "speed_cm_per_s", "threshold_cm_per_s");
            string? mode = v.Enum(move, "movement", "mode", "proportional", "run_gated");
            if (mode == "proportional")
            {
                double gain = v.Number(move, "movement", "gain_dm_per_cm", 0, 100, exclusiveMin: true) ?? 0.1;
                v.Absent(move, "movement", "speed_cm_per_s", "only run_gated movement has a constant speed");
                movement = new MovementSpec(MovementMode.Proportional, gain, 0, 0);
            }
            else if (mode == "run_gated")
            {
                double speed = v.Number(move, "movement", "speed_cm_per_s", 0, 1000, exclusiveMin: true) ?? 60;
                double threshold = v.Number(move, "movement", "threshold_cm_per_s", 0, 1000) ?? 6;
                v.Absent(move, "movement", "gain_dm_per_cm", "only proportional movement has a gain");
                movement = new MovementSpec(MovementMode.RunGated, 0, speed, threshold);
            }
        }

        CueSpec? cue = null;
        if (root.TryGetProperty("cue", out var cueElement) && cueElement.ValueKind != JsonValueKind.Null)
        {
            if (v.Object(cueElement, "cue"))
            {
                v.Known(cueElement, "cue", "position_dm", "tone_frequency_hz", "tone_duration_ms");
                var position = v.Range(cueElement, "cue", "position_dm", 0, texture);
                int frequency = (int)(v.Integer(cueElement, "cue", "tone_frequency_hz", 20, 20_000) ?? 0);
                double duration = v.Number(cueElement, "cue", "tone_duration_ms", 0, 10_000, exclusiveMin: true) ?? 0;
                cue = new CueSpec(position ?? new UniformRange(0, 0), frequency, duration);
            }
        }

        RewardSpec reward = new(BehaviourMetricsCalculator.ActiveAfterCue, 0, null, texture, 0, 0);
        if (v.Child(root, "", "reward", out var rew))
        {
            v.Known(rew, "reward", "mode", "delay_ms", "zone_start_dm", "zone_end_dm", "volume_ul", "valve_open_ms");
            string? mode = v.Enum(rew, "reward", "mode", [.. RewardModes]);
            double delay = 0;
            UniformRange? zone = null;
            double zoneEnd = texture;
            if (mode == BehaviourMetricsCalculator.Passive)
            {
                delay = v.Number(rew, "reward", "delay_ms", 0, 60_000) ?? 1000;
            }
            else
            {
                v.Absent(rew, "reward", "delay_ms", "only Passive rewards have a delay");
            }

            if (mode == BehaviourMetricsCalculator.RewardZone)
            {
                zone = v.Range(rew, "reward", "zone_start_dm", 0, texture);
                zoneEnd = v.Number(rew, "reward", "zone_end_dm", 0, texture, exclusiveMin: true, required: false) ?? texture;
                if (zone is not null && zoneEnd <= zone.Max)
                {
                    v.Error("reward.zone_end_dm", $"{zoneEnd} must be beyond the latest zone start ({zone.Max})");
                }
            }
            else
            {
                v.Absent(rew, "reward", "zone_start_dm", "only Reward zone protocols have a zone");
                v.Absent(rew, "reward", "zone_end_dm", "only Reward zone protocols have a zone");
            }

            if (mode is BehaviourMetricsCalculator.Passive or BehaviourMetricsCalculator.ActiveAfterCue && cue is null
                && corridors.Any(c => c.Rewarded))
            {
                v.Error("reward.mode", $"'{mode}' rewards follow the cue, but the protocol has no cue");
            }

            double volume = v.Number(rew, "reward", "volume_ul", 0, 100) ?? 0;
            double valveMs = v.Number(rew, "reward", "valve_open_ms", 0, 500) ?? 0;
            if (corridors.Any(c => c.Rewarded) && (volume <= 0 || valveMs <= 0))
            {
                v.Error(volume <= 0 ? "reward.volume_ul" : "reward.valve_open_ms", "must be above 0 when a corridor is rewarded");
            }

            reward = new RewardSpec(mode ?? BehaviourMetricsCalculator.ActiveAfterCue, delay, zone, zoneEnd, volume, valveMs);
        }

        double maxMinutes = 60;
        int maxTrials = 1000;
        if (v.Child(root, "", "limits", out var limits))
        {
            v.Known(limits, "limits", "max_minutes", "max_trials");
            maxMinutes = v.Number(limits, "limits", "max_minutes", 0, 24 * 60, exclusiveMin: true) ?? 60;
            maxTrials = (int)(v.Integer(limits, "limits", "max_trials", 1, 1_000_000) ?? 1000);
        }

        return new TaskProtocol(name, type, description, corridors, probes, sequence, texture, gray, movement, cue, reward, maxMinutes, maxTrials, sha);
    }

    /// <summary>Byte offsets of each line start, and the byte offset of every property by its path.</summary>
    private sealed class LineMap
    {
        private readonly List<int> _lineStarts = [0];
        private readonly Dictionary<string, long> _propertyOffsets = new(StringComparer.Ordinal);

        public static LineMap Build(byte[] utf8)
        {
            var map = new LineMap();
            for (int i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    map._lineStarts.Add(i + 1);
                }
            }

            // The document parsed already, so this walk cannot fail; it records where each property name starts.
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            var path = new List<string>();
            var arrayIndex = new Stack<int>();
            var containers = new Stack<bool>();
            string? pendingProperty = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingProperty = reader.GetString();
                        string full = Join(path, pendingProperty!);
                        map._propertyOffsets.TryAdd(full, reader.TokenStartIndex);
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        path.Add(ElementName(containers, arrayIndex, ref pendingProperty, reader.TokenStartIndex, map, path));
                        containers.Push(reader.TokenType == JsonTokenType.StartArray);
                        arrayIndex.Push(0);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        containers.Pop();
                        arrayIndex.Pop();
                        path.RemoveAt(path.Count - 1);
                        break;
                    default:
                        ElementName(containers, arrayIndex, ref pendingProperty, reader.TokenStartIndex, map, path);
                        break;
                }
            }

            return map;
        }

        public int LineOf(string field)
        {
            // A missing field is reported at its parent: walk up the path until something is known.
            string current = field;
            while (true)
            {
                if (_propertyOffsets.TryGetValue(current, out long offset))
                {
                    return LineAt(offset);
                }

                int cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
                if (cut <= 0)
                {
                    return 1;
                }

                current = current[..cut];
            }
        }

        private int LineAt(long offset)
        {
            int index = _lineStarts.BinarySearch((int)offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }

        // The name of the value about to start: the pending property, or the next index of the enclosing array
        // (an array element's own position is recorded as its path, so errors in it name its line).
        private static string ElementName(Stack<bool> containers, Stack<int> arrayIndex, ref string? pendingProperty, long offset,
            LineMap map, List<string> path)
        {
            if (containers.Count > 0 && containers.Peek())
            {
                int index = arrayIndex.Pop();
                arrayIndex.Push(index + 1);
                string name = $"[{index}]";
                map._propertyOffsets.TryAdd(Join(path, name), offset);
                return name;
            }

            string result = pendingProperty ?? "";
            pendingProperty = null;
            return result;
        }

        private static string Join(List<string> path, string name)
        {
            var sb = new StringBuilder();
            foreach (string part in path.Skip(1).Append(name))
            {
                if (part.Length == 0)
                {
                    continue;
                }

                if (sb.Length > 0 && !part.StartsWith('['))
                {
                    sb.Append('.');
                }

                sb.Append(part);
            }

            return sb.ToString();
        }
    }

    private sealed class Validator(string file, LineMap lines)
    {
        public List<ProtocolFileError> Errors { get; } = [];

        public void Error(string field, string message) => Errors.Add(new ProtocolFileError(file, lines.LineOf(field), field, message));

        public bool Object(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                return true;
            }

            Error(path, $"must be an object, not {Describe(e)}");
            return false;
        }

        public void Known(JsonElement obj, string path, params string[] names)
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (!names.Contains(p.Name, StringComparer.Ordinal))
                {
                    Error(Field(path, p.Name), $"unknown field (expected one of: {string.Join(", ", names.Where(n => n != "$schema"))})");
                }
            }
        }

        public bool Child(JsonElement obj, string path, string name, out JsonElement child)
        {
            if (!obj.TryGetProperty(name, out child))
            {
                Error(Field(path, name), "is missing");
                return false;
            }

            return Object(child, Field(path, name));
        }

        public bool Array(JsonElement obj, string path, string name, out JsonElement array)
        {
            if (!obj.TryGetProperty(name, out array))
            {
                Error(Field(path, name), "is missing");
                return false;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Error(Field(path, name), $"must be a list, not {Describe(array)}");
                return false;
            }

            return true;
        }

        public void Absent(JsonElement obj, string path, string name, string why)
        {
            if (obj.TryGetProperty(name, out _))
            {
                Error(Field(path, name), "does not apply here: " + why);
            }
        }

        public string? String(JsonElement obj, string path, string name, Regex pattern, string expected)
        {
            if (!obj.TryGetProperty(name, out var e))
            {
                Error(Field(path, name), "is missing");
                return null;
            }

            if (e.ValueKind != JsonValueKind.String || !pattern.IsMatch(e.GetString()!))
            {
                Error(Field(path, name), $"must be {expected}, not {Describe(e)}");
                return null;
            }

            return e.GetString();
        }

        public string? OptionalString(JsonElement obj, string path, string name)
        {
            if (!obj.TryGetProperty(name, out var e))
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.String)
            {
                Error(Field(path, name), $"must be text, not {Describe(e)}");
                return null;
            }

            return e.GetString();
        }

        public string? Enum(JsonElement obj, string path, string name, params string[] allowed)
        {
            if (!obj.TryGetProperty(name, out var e))
            {
                Error(Field(path, name), $"is missing (one of: {Quoted(allowed)})");
                return null;
            }

            if (e.ValueKind != JsonValueKind.String || !allowed.Contains(e.GetString(), StringComparer.Ordinal))
            {
                Error(Field(path, name), $"must be exactly one of {Quoted(allowed)}, not {Describe(e)}");
                return null;
            }

            return e.GetString();
        }

        public bool? Bool(JsonElement obj, string path, string name)
        {
            if (!obj.TryGetProperty(name, out var e))
            {
                Error(Field(path, name), "is missing (true or false)");
                return null;
            }

            if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                Error(Field(path, name), $"must be true or false, not {Describe(e)}");
                return null;
            }

            return e.GetBoolean();
        }

        public double? Number(JsonElement obj, string path, string name, double min, double max, bool exclusiveMin = false, bool required = true)
        {
            if (!obj.TryGetProperty(name, out var e))
            {
                if (required)
                {
                    Error(Field(path, name), "is missing");
                }

                return null;
            }

            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double value))
            {
                Error(Field(path, name), $"must be a number, not {Describe(e)}");
                return null;
            }

            if (value < min || value > max || (exclusiveMin && value == min))
            {
                Error(Field(path, name), $"{value} is out of range: must be {(exclusiveMin ? "above" : "at least")} {min} and at most {max}");
                return null;
            }

            return value;
        }

        public long? Integer(JsonElement obj, string path, string name, long min, long max, bool required = true)
        {
            double? value = Number(obj, path, name, min, max, required: required);
            if (value is { } v && v != Math.Floor(v))
            {
                Error(Field(path, name), $"{v} must be a whole number");
                return null;
            }

            return value is null ? null : (long)value.Value;
        }

        public UniformRange? Range(JsonElement obj, string path, string name, double min, double max)
        {
            string field = Field(path, name);
            if (!obj.TryGetProperty(name, out var e))
            {
                Error(field, "is missing ({\"min\": …, \"max\": …})");
                return null;
            }

            if (!Object(e, field))
            {
                return null;
            }

            Known(e, field, "min", "max");
            double? lo = Number(e, field, "min", min, max);
            double? hi = Number(e, field, "max", min, max);
            if (lo is null || hi is null)
            {
                return null;
            }

            if (hi < lo)
            {
                Error(field + ".max", $"{hi} is below min ({lo})");
                return null;
            }

            return new UniformRange(lo.Value, hi.Value);
        }

        private static string Field(string path, string name) => path.Length == 0 ? name : path + "." + name;

        private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(x => "'" + x + "'"));

        private static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => "'" + e.GetString() + "'",
            JsonValueKind.Number => e.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
            JsonValueKind.Null => "null",
            JsonValueKind.Array => "a list",
            JsonValueKind.Object => "an object",
            _ => e.ValueKind.ToString(),
        };
    }
}
