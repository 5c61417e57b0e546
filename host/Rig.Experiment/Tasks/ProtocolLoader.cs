using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;

namespace Rig.Experiment.Tasks;

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
/// Reads and validates protocol files: protocols/schema.json (embedded, see <see cref="ProtocolSchema"/>) states the
/// structure, and <see cref="CrossChecks"/> the few rules between sections that a schema cannot state. Every error names
/// the file, the line and the field; all errors of a file are reported at once.
/// </summary>
public static class ProtocolLoader
{
    /// <summary>The folder of the shipped protocols, relative to the repository root.</summary>
    public const string ProtocolsFolder = "protocols";

    /// <summary>
    /// Resolves a protocol argument: an existing file path, or the name of a shipped protocol (NAME.json in
    /// <paramref name="protocolsFolder"/>, or in a protocols/ folder above the working directory or the program).
    /// </summary>
    public static string Resolve(string nameOrPath, string? protocolsFolder = null) =>
        TryResolveFile(nameOrPath, protocolsFolder) ?? throw NotFound(nameOrPath);

    private static string? TryResolveFile(string nameOrPath, string? protocolsFolder)
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

        return null;
    }

    /// <summary>
    /// Loads a protocol argument: an existing file, NAME.json in a protocols/ folder (<paramref name="protocolsFolder"/>,
    /// or above the working directory: a lab's own protocols), or else the shipped protocol of that name embedded in
    /// this assembly (<see cref="ShippedProtocols"/>), so that names resolve wherever rig is installed.
    /// </summary>
    public static TaskProtocol LoadNamed(string nameOrPath, string? protocolsFolder = null)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        if (TryResolveFile(nameOrPath, protocolsFolder) is { } path)
        {
            return Load(path);
        }

        if (ShippedProtocols.TryGetBytes(nameOrPath) is { } bytes)
        {
            return Parse(bytes, ShippedProtocols.Label(Path.GetFileNameWithoutExtension(nameOrPath)));
        }

        throw NotFound(nameOrPath);
    }

    private static ProtocolFileException NotFound(string nameOrPath) =>
        new(nameOrPath, [new ProtocolFileError(nameOrPath, 0, "(file)",
            "no such file, and no shipped protocol of that name (rig protocols list shows them: " + string.Join(", ", ShippedProtocols.Names) + ")")]);

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
            var lines = new ProtocolLineMap(utf8);
            var root = document.RootElement;
            var errors = ProtocolSchema.Validate(root, file, lines);
            var checks = new CrossChecks(root, errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal));
            checks.Run();
            errors.AddRange(checks.Errors.Select(e => new ProtocolFileError(file, lines.LineOf(e.Field), e.Field, e.Message)));
            if (errors.Count > 0)
            {
                throw new ProtocolFileException(file, [.. errors.OrderBy(e => e.Line)]);
            }

            return Build(root, Hash(utf8));
        }
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The protocol of a file that passed every check; absent optional fields take their documented defaults.</summary>
    private static TaskProtocol Build(JsonElement root, string sha)
    {
        var corridors = root.GetProperty("corridors").EnumerateArray()
            .Select(c => new CorridorSpec(c.GetProperty("wall").GetString()!, c.GetProperty("rewarded").GetBoolean(), c.GetProperty("proportion").GetDouble()))
            .ToList();
        var probes = root.TryGetProperty("probes", out var p) ? p.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        var seq = root.GetProperty("sequence");
        var sequence = new SequenceSpec(seq.GetProperty("rule").GetString() == "blocks" ? SequenceRule.Blocks : SequenceRule.Random,
            (int)Number(seq, "block_size", 0), Number(seq, "probe_fraction", 0), (int)seq.GetProperty("seed").GetDouble());
        var geometry = root.GetProperty("geometry");
        double texture = geometry.GetProperty("texture_length_dm").GetDouble();
        var move = root.GetProperty("movement");
        var movement = move.GetProperty("mode").GetString() == "proportional"
            ? new MovementSpec(MovementMode.Proportional, Number(move, "gain_dm_per_cm", 0.1), 0, 0)
            : new MovementSpec(MovementMode.RunGated, 0, Number(move, "speed_cm_per_s", 60), Number(move, "threshold_cm_per_s", 6));
        CueSpec? cue = null;
        if (root.TryGetProperty("cue", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            cue = new CueSpec(Range(c.GetProperty("position_dm")), (int)c.GetProperty("tone_frequency_hz").GetDouble(), c.GetProperty("tone_duration_ms").GetDouble());
        }

        var rew = root.GetProperty("reward");
        string mode = rew.GetProperty("mode").GetString()!;
        var reward = new RewardSpec(mode, Number(rew, "delay_ms", mode == BehaviourMetricsCalculator.Passive ? 1000 : 0),
            rew.TryGetProperty("zone_start_dm", out var zone) ? Range(zone) : null, Number(rew, "zone_end_dm", texture),
            rew.GetProperty("volume_ul").GetDouble(), rew.GetProperty("valve_open_ms").GetDouble());
        var limits = root.GetProperty("limits");
        return new TaskProtocol(root.GetProperty("name").GetString()!, root.GetProperty("experiment_type").GetString()!,
            root.TryGetProperty("description", out var d) ? d.GetString()! : "", corridors, probes, sequence, texture,
            geometry.GetProperty("gray_length_dm").GetDouble(), movement, cue, reward, limits.GetProperty("max_minutes").GetDouble(),
            (int)limits.GetProperty("max_trials").GetDouble(), sha);

        static double Number(JsonElement obj, string name, double fallback) => obj.TryGetProperty(name, out var e) ? e.GetDouble() : fallback;

        static UniformRange Range(JsonElement e) => new(e.GetProperty("min").GetDouble(), e.GetProperty("max").GetDouble());
    }

    /// <summary>
    /// The rules that relate values in different places of a file. JSON Schema cannot state most of them: it has no
    /// arithmetic (sums), cannot compare one value with another (bounds set by texture_length_dm, max above min) and
    /// cannot ask for one field to be unique across the items of two lists. The rest (probes and probe_fraction, cue and
    /// water for rewarded corridors) it could state only as conditionals over the whole document, whose failures would
    /// name a place but not the reason, so they stay here with their own messages. Values the schema already refused
    /// are skipped, so that one mistake gives one error.
    /// </summary>
    private sealed class CrossChecks(JsonElement root, HashSet<string> refused)
    {
        public List<(string Field, string Message)> Errors { get; } = [];

        public void Run()
        {
            var corridors = Items("corridors");
            var probes = Items("probes");
            var walls = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (path, element) in corridors.Select(c => (c.Path + ".wall", Get(c.Element, "wall"))).Concat(probes))
            {
                if (Usable(path, element, JsonValueKind.String) && !walls.Add(element.GetString()!))
                {
                    Errors.Add((path, $"'{element.GetString()}' is already a corridor or probe"));
                }
            }

            var proportions = corridors.Select(c => Num(c.Path + ".proportion", Get(c.Element, "proportion"))).ToList();
            if (proportions.Count > 0 && proportions.All(x => x is not null) && Math.Abs(proportions.Sum()!.Value - 1) > 1e-6)
            {
                Errors.Add(("corridors", $"proportions add up to {proportions.Sum()!.Value.ToString("0.###", CultureInfo.InvariantCulture)}, not 1"));
            }

            var fraction = Get(Get(root, "sequence"), "probe_fraction");
            double? probeFraction = fraction.ValueKind == JsonValueKind.Undefined ? 0 : Num("sequence.probe_fraction", fraction);
            if (probeFraction > 0 && probes.Count == 0)
            {
                Errors.Add(("sequence.probe_fraction", "is above 0 but the protocol lists no probes"));
            }

            if (probes.Count > 0 && probeFraction == 0)
            {
                Errors.Add(("sequence.probe_fraction", "the protocol lists probes, so probe_fraction must be above 0"));
            }

            double? texture = Num("geometry.texture_length_dm", Get(Get(root, "geometry"), "texture_length_dm"));
            var cue = Get(root, "cue");
            WithinTexture("cue.position_dm", Get(cue, "position_dm"), texture);
            var reward = Get(root, "reward");
            var zoneMax = WithinTexture("reward.zone_start_dm", Get(reward, "zone_start_dm"), texture);
            double? zoneEnd = Num("reward.zone_end_dm", Get(reward, "zone_end_dm"));
            if (zoneEnd > texture)
            {
                Errors.Add(("reward.zone_end_dm", $"{Text(zoneEnd)} is beyond the texture ({Text(texture)} dm, geometry.texture_length_dm)"));
            }
            else if (zoneEnd <= zoneMax)
            {
                Errors.Add(("reward.zone_end_dm", $"{Text(zoneEnd)} must be beyond the latest zone start ({Text(zoneMax)})"));
            }

            bool anyRewarded = corridors.Any(c => Get(c.Element, "rewarded").ValueKind == JsonValueKind.True);
            var mode = Get(reward, "mode");
            if (anyRewarded && mode.ValueKind == JsonValueKind.String && mode.GetString() is BehaviourMetricsCalculator.Passive or BehaviourMetricsCalculator.ActiveAfterCue
                && cue.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                Errors.Add(("reward.mode", $"'{mode.GetString()}' rewards follow the cue, but the protocol has no cue"));
            }

            double? volume = Num("reward.volume_ul", Get(reward, "volume_ul"));
            double? valveMs = Num("reward.valve_open_ms", Get(reward, "valve_open_ms"));
            if (anyRewarded && (volume == 0 || valveMs == 0))
            {
                Errors.Add((volume == 0 ? "reward.volume_ul" : "reward.valve_open_ms", "must be above 0 when a corridor is rewarded"));
            }
        }

        /// <summary>Checks a {min, max} range against the texture length; returns its max when the range is usable.</summary>
        private double? WithinTexture(string path, JsonElement range, double? texture)
        {
            double? min = Num(path + ".min", Get(range, "min"));
            double? max = Num(path + ".max", Get(range, "max"));
            bool inside = true;
            foreach (var (name, value) in new[] { ("min", min), ("max", max) })
            {
                if (value > texture)
                {
                    Errors.Add(($"{path}.{name}", $"{Text(value)} is beyond the texture ({Text(texture)} dm, geometry.texture_length_dm)"));
                    inside = false;
                }
            }

            if (!inside)
            {
                return null;
            }

            if (max < min)
            {
                Errors.Add((path + ".max", $"{Text(max)} is below min ({Text(min)})"));
                return null;
            }

            return max;
        }

        private List<(string Path, JsonElement Element)> Items(string name)
        {
            var list = Get(root, name);
            return list.ValueKind != JsonValueKind.Array ? [] : [.. list.EnumerateArray().Select((e, i) => ($"{name}[{i}]", e))];
        }

        private static JsonElement Get(JsonElement obj, string name) =>
            obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var child) ? child : default;

        private bool Usable(string path, JsonElement e, JsonValueKind kind) => e.ValueKind == kind && !refused.Contains(path);

        private double? Num(string path, JsonElement e) => Usable(path, e, JsonValueKind.Number) ? e.GetDouble() : null;

        private static string Text(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
    }
}

/// <summary>Where each field of a protocol file starts (its 1-based line), by field path; a missing field is found at its parent.</summary>
internal sealed class ProtocolLineMap
{
    private readonly List<int> _lineStarts = [0];
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);

    public ProtocolLineMap(byte[] utf8)
    {
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }

        // Runs on a document that parsed already. A property is found at its name, an array element at its first token.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var containers = new Stack<(string Path, bool IsArray, int Next)>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = ProtocolSchema.Join(containers.Peek().Path, reader.GetString()!);
                    _offsets.TryAdd(property, reader.TokenStartIndex);
                    continue;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    containers.Pop();
                    continue;
            }

            string path = "";
            if (containers.TryPop(out var parent))
            {
                path = parent.IsArray ? $"{parent.Path}[{parent.Next}]" : property ?? parent.Path;
                containers.Push(parent with { Next = parent.Next + 1 });
                _offsets.TryAdd(path, reader.TokenStartIndex);
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                containers.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
            }
        }
    }

    public int LineOf(string field)
    {
        for (string current = field; ; current = current[..Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['))])
        {
            if (_offsets.TryGetValue(current, out long offset))
            {
                int index = _lineStarts.BinarySearch((int)offset);
                return (index >= 0 ? index : ~index - 1) + 1;
            }

            if (current.LastIndexOf('.') <= 0 && current.LastIndexOf('[') <= 0)
            {
                return 1;
            }
        }
    }
}
