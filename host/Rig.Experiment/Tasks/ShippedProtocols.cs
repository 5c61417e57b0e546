using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Rig.Experiment.Tasks;

/// <summary>
/// The protocols shipped in the repository's protocols/ folder, embedded in this assembly at build time, so that a
/// `rig` installed as a .NET tool (or run from any folder) finds them by name. The embedded bytes are the files'
/// bytes: a session run from the embedded copy records the same sha256 as one run from the file.
/// </summary>
public static class ShippedProtocols
{
    /// <summary>Resource names are this prefix + NAME + ".json" (Rig.Experiment.csproj embeds protocols/*.json but schema.json).</summary>
    private const string ResourcePrefix = "Rig.Experiment.Tasks.Shipped.";

    private static readonly Lazy<IReadOnlyList<string>> NamesValue = new(() =>
        [.. typeof(ShippedProtocols).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..^".json".Length])
            .Order(StringComparer.Ordinal)]);

    /// <summary>The names of the shipped protocols, sorted.</summary>
    public static IReadOnlyList<string> Names => NamesValue.Value;

    /// <summary>The file bytes of shipped protocol <paramref name="name"/> (with or without ".json"), or null when there is none.</summary>
    public static byte[]? TryGetBytes(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string bare = name.EndsWith(".json", StringComparison.Ordinal) ? name[..^".json".Length] : name;
        if (!Names.Contains(bare, StringComparer.Ordinal))
        {
            return null;
        }

        using var stream = typeof(ShippedProtocols).Assembly.GetManifestResourceStream(ResourcePrefix + bare + ".json")
            ?? throw new InvalidOperationException($"shipped protocol {bare} is listed but not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>How a shipped protocol is named in errors and in listings: "shipped:NAME".</summary>
    public static string Label(string name) => "shipped:" + name;
}
