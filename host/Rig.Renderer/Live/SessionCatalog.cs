using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Rig.Experiment.Tasks;

namespace Rig.Renderer.Live;

/// <summary>
/// The recorded sessions under an output folder, for <c>/sessions</c>: each folder directly inside it that holds a
/// session.json, with its summary.json's counts, its task tables' charts and its files (derived tables, exports).
/// A session whose files cannot be read is listed with the reason, never left out.
/// </summary>
public sealed class SessionCatalog
{
    private const string HeaderFile = "session.json";
    private const string SummaryFile = "summary.json";
    private const string DerivedFolder = "derived";

    public SessionCatalog(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    /// <summary>Session folder names, newest first.</summary>
    public IReadOnlyList<string> Names() => !Directory.Exists(Folder) ? []
        : Directory.EnumerateDirectories(Folder)
            .Where(d => File.Exists(Path.Combine(d, HeaderFile)))
            .OrderByDescending(Directory.GetCreationTimeUtc)
            .ThenBy(d => d, StringComparer.Ordinal)
            .Select(Path.GetFileName)
            .OfType<string>()
            .ToList();

    public byte[] ListJson() => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("folder", Folder);
        w.WriteStartArray("sessions");
        foreach (string name in Names())
        {
            w.WriteStartObject();
            WriteEntry(w, name);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>One session with its task charts; null when no such session is in the folder.</summary>
    public byte[]? DetailJson(string name)
    {
        if (SessionPath(name) is not { } path)
        {
            return null;
        }

        return Write(w =>
        {
            w.WriteStartObject();
            WriteEntry(w, name);
            string derived = Path.Combine(path, DerivedFolder);
            if (File.Exists(Path.Combine(derived, TaskSessionTables.InfoFile)))
            {
                try
                {
                    var tables = TaskSessionTables.Read(derived);
                    w.WritePropertyName("task");
                    w.WriteRawValue(ConsoleJson.Task(tables));
                }
                catch (Exception e) when (e is IOException or InvalidDataException or JsonException or FormatException)
                {
                    w.WriteString("task_error", e.Message);
                }
            }

            w.WriteEndObject();
        });
    }

    /// <summary>The full path of a file inside a session, or null when the name or path leaves it or does not exist.</summary>
    public string? FilePath(string name, string relative)
    {
        if (SessionPath(name) is not { } root || string.IsNullOrEmpty(relative))
        {
            return null;
        }

        string full = Path.GetFullPath(Path.Combine(root, relative));
        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full) ? full : null;
    }

    private string? SessionPath(string name)
    {
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0)
        {
            return null;
        }

        string path = Path.Combine(Folder, name);
        return File.Exists(Path.Combine(path, HeaderFile)) ? path : null;
    }

    private void WriteEntry(Utf8JsonWriter w, string name)
    {
        string path = Path.Combine(Folder, name);
        w.WriteString("name", name);
        try
        {
            using (var header = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(path, HeaderFile))))
            {
                var h = header.RootElement;
                w.WriteString("rig", Text(h, "rig_id"));
                w.WriteString("started", Text(h, "started_utc"));
                w.WriteString("protocol", Text(h, "task_protocol"));
            }

            string summary = Path.Combine(path, SummaryFile);
            w.WriteBoolean("closed", File.Exists(summary));
            if (File.Exists(summary))
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(summary));
                var counts = doc.RootElement.GetProperty("counts");
                WriteNumber(w, "events", counts, "events_total");
                WriteNumber(w, "licks", counts, "licks");
                WriteNumber(w, "missing_batches", counts, "missing_batches");
                WriteNumber(w, "rewards", counts, "rewards", "count");
                WriteNumber(w, "water_ul", counts, "rewards", "total_microlitres");
                WriteNumber(w, "frames", counts, "alignment", "frames");
                WriteNumber(w, "seconds", counts, "host_span_seconds");
            }

            string info = Path.Combine(path, DerivedFolder, TaskSessionTables.InfoFile);
            if (File.Exists(info))
            {
                // The learning curve's points: the session's discrimination and anticipatory difference (task.json's metrics).
                using var task = JsonDocument.Parse(File.ReadAllBytes(info));
                var t = task.RootElement;
                w.WriteString("mouse", Text(t, "mouse"));
                w.WriteString("session_date", Text(t, "session_date"));
                WriteNumber(w, "discrimination", t, "metrics", "discrimination");
                WriteAnticipatoryDifference(w, t);
            }

            string trials = Path.Combine(path, DerivedFolder, TaskSessionTables.TrialsFile);
            if (File.Exists(trials))
            {
                // Rows of trials.csv (one line each after the header; trial rows hold no line breaks).
                w.WriteNumber("trials", File.ReadLines(trials).Skip(1).Count(l => l.Length > 0));
            }

            w.WriteStartArray("files");
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("path", Path.GetRelativePath(path, file).Replace('\\', '/'));
                w.WriteNumber("bytes", new FileInfo(file).Length);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Shown on the page beside the session, so a damaged folder is seen rather than silently missing.
            w.WriteString("error", $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>As <see cref="ConsoleJson.AnticipatoryDifference"/>, from task.json's corridors (fractions that are not numbers left out).</summary>
    private static void WriteAnticipatoryDifference(Utf8JsonWriter w, JsonElement task)
    {
        var rewarded = new List<double>();
        var unrewarded = new List<double>();
        if (task.TryGetProperty("metrics", out var metrics) && metrics.TryGetProperty("corridors", out var corridors) && corridors.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in corridors.EnumerateArray())
            {
                if (c.TryGetProperty("anticipatory_lick_fraction", out var f) && f.ValueKind == JsonValueKind.Number)
                {
                    (c.TryGetProperty("rewarded", out var r) && r.ValueKind == JsonValueKind.True ? rewarded : unrewarded).Add(f.GetDouble());
                }
            }
        }

        if (rewarded.Count > 0 && unrewarded.Count > 0)
        {
            w.WriteNumber("anticipatory_difference", rewarded.Average() - unrewarded.Average());
        }
        else
        {
            w.WriteNull("anticipatory_difference");
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static void WriteNumber(Utf8JsonWriter w, string name, JsonElement e, params string[] path)
    {
        foreach (string step in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(step, out e))
            {
                w.WriteNull(name);
                return;
            }
        }

        if (e.ValueKind == JsonValueKind.Number)
        {
            w.WriteNumber(name, e.GetDouble());
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
