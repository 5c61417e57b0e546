using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Json.Schema;

namespace Rig.Experiment.Tasks;

/// <summary>
/// protocols/schema.json, embedded in this assembly: the single statement of a protocol file's structural rules. Turns
/// JsonSchema.Net's failures into <see cref="ProtocolFileError"/>s that name the line, the field and what is expected,
/// phrased from the schema itself (enum values, bounds, a pattern's description).
/// </summary>
internal static class ProtocolSchema
{
    private const string ResourceName = "Rig.Experiment.Tasks.protocol-schema.json";

    private static readonly Lazy<(JsonSchema Schema, JsonElement Root)> Loaded = new(() =>
    {
        using var stream = typeof(ProtocolSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(ProtocolSchema).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd();
        using var document = JsonDocument.Parse(text);
        return (JsonSchema.FromText(text), document.RootElement.Clone());
    });

    /// <summary>The embedded schema document (protocols/schema.json as it was at build time).</summary>
    private static JsonElement Root => Loaded.Value.Root;

    /// <summary>Every structural error of <paramref name="instance"/> (each once).</summary>
    public static List<ProtocolFileError> Validate(JsonElement instance, string file, ProtocolLineMap lines)
    {
        var results = Loaded.Value.Schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = new List<ProtocolFileError>();
        if (results.IsValid)
        {
            return errors;
        }

        foreach (var node in results.Details ?? [])
        {
            var schemaPath = Segments(node.EvaluationPath.ToString());
            // A failing "if" only picks the branch; it is not an error of the file.
            if (node.IsValid || node.Errors is null || schemaPath.Contains("if"))
            {
                continue;
            }

            var (field, value) = Locate(instance, Segments(node.InstanceLocation.ToString()));
            var schemas = Walk(schemaPath);
            foreach (var (keyword, libraryMessage) in node.Errors)
            {
                foreach (var (f, message) in Explain(keyword, libraryMessage, field, value, schemas, schemaPath))
                {
                    errors.Add(new ProtocolFileError(file, lines.LineOf(f), f, message));
                }
            }
        }

        return [.. errors.Distinct()];
    }

    private static IEnumerable<(string Field, string Message)> Explain(string keyword, string libraryMessage, string field, JsonElement value,
        List<JsonElement> schemas, List<string> schemaPath)
    {
        var schema = schemas[^1];
        switch (keyword)
        {
            case "required":
                foreach (var name in schema.GetProperty("required").EnumerateArray().Select(n => n.GetString()!))
                {
                    if (value.ValueKind == JsonValueKind.Object && !value.TryGetProperty(name, out _))
                    {
                        var declared = schemas.LastOrDefault(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("properties", out var p) && p.TryGetProperty(name, out _));
                        string hint = declared.ValueKind == JsonValueKind.Object ? $" ({Expect(declared.GetProperty("properties").GetProperty(name))})" : "";
                        yield return (Join(field, name), "is missing" + hint);
                    }
                }

                break;
            case "" when schemaPath is [.., "additionalProperties"]:
                var known = schemas[^2].GetProperty("properties").EnumerateObject().Select(p => p.Name).Where(n => n != "$schema");
                yield return (field, $"unknown field (expected one of: {string.Join(", ", known)})");
                break;
            case "":
                // A "false" property schema in a then/else branch: the branch's description says why.
                string why = schemas.Count >= 3 && schemas[^3].TryGetProperty("description", out var d) ? ": " + d.GetString() : "";
                yield return (field, "does not apply here" + why);
                break;
            case "type":
                yield return (field, $"must be {Expect(schema)}, not {Describe(value)}");
                break;
            case "enum":
                yield return (field, $"must be exactly one of {Quoted(schema.GetProperty("enum"))}, not {Describe(value)}");
                break;
            case "pattern":
                string expected = schema.TryGetProperty("description", out var text) ? text.GetString()! : "text matching " + schema.GetProperty("pattern").GetString();
                yield return (field, $"must be {expected}, not {Describe(value)}");
                break;
            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum":
                yield return (field, $"{value.GetRawText()} is out of range: must be {Bounds(schema)}");
                break;
            case "minItems":
                int count = schema.GetProperty("minItems").GetInt32();
                yield return (field, $"needs at least {count} entr{(count == 1 ? "y" : "ies")}");
                break;
            default:
                yield return (field, libraryMessage);
                break;
        }
    }

    /// <summary>What a schema accepts, in words: "one of 'a', 'b'", "a number above 0 and at most 1", a pattern's description.</summary>
    private static string Expect(JsonElement schema)
    {
        schema = Deref(schema);
        if (schema.TryGetProperty("enum", out var values))
        {
            return "one of " + Quoted(values);
        }

        if (schema.TryGetProperty("pattern", out _) && schema.TryGetProperty("description", out var description))
        {
            return description.GetString()!;
        }

        var types = !schema.TryGetProperty("type", out var t) ? [] : t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()!).ToArray() : [t.GetString()!];
        string bounds = Bounds(schema);
        return string.Join(" or ", types.Select(type => type switch
        {
            "boolean" => "true or false",
            "integer" => "a whole number" + (bounds.Length > 0 ? " " + bounds : ""),
            "number" => "a number" + (bounds.Length > 0 ? " " + bounds : ""),
            "string" => "text",
            "array" => "a list",
            "null" => "null",
            "object" when schema.TryGetProperty("required", out var r) => "an object with " + string.Join(", ", r.EnumerateArray().Select(x => x.GetString())),
            _ => "an " + type,
        }));
    }

    private static string Bounds(JsonElement schema)
    {
        var parts = new List<string>();
        if (schema.TryGetProperty("exclusiveMinimum", out var above))
        {
            parts.Add("above " + above.GetRawText());
        }

        if (schema.TryGetProperty("minimum", out var min))
        {
            parts.Add("at least " + min.GetRawText());
        }

        if (schema.TryGetProperty("maximum", out var max))
        {
            parts.Add("at most " + max.GetRawText());
        }

        return string.Join(" and ", parts);
    }

    /// <summary>The schema objects along an evaluation path, following local $refs (the path says "$ref" where one was taken).</summary>
    private static List<JsonElement> Walk(List<string> path)
    {
        var nodes = new List<JsonElement> { Root };
        foreach (string segment in path)
        {
            var current = nodes[^1];
            if (segment == "$ref")
            {
                nodes.Add(Deref(current));
            }
            else if (current.ValueKind == JsonValueKind.Array)
            {
                nodes.Add(current[int.Parse(segment, CultureInfo.InvariantCulture)]);
            }
            else if (current.TryGetProperty(segment, out var child))
            {
                nodes.Add(child);
            }

            // Otherwise a segment the schema does not have: JsonSchema.Net 8 writes "items/items" for one "items".
        }

        return nodes;
    }

    private static JsonElement Deref(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }

        // The schema refers only to its own $defs ("#/$defs/name").
        return Walk(Segments(reference.GetString()![1..]))[^1];
    }

    /// <summary>The field path (corridors[1].proportion, as the loader names fields) and value at a JSON pointer.</summary>
    private static (string Field, JsonElement Value) Locate(JsonElement root, List<string> pointer)
    {
        string field = "";
        var value = root;
        foreach (string segment in pointer)
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                field += $"[{segment}]";
                value = value[int.Parse(segment, CultureInfo.InvariantCulture)];
            }
            else
            {
                field = Join(field, segment);
                value = value.GetProperty(segment);
            }
        }

        return (field.Length == 0 ? "(root)" : field, value);
    }

    private static List<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : [.. pointer.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    internal static string Join(string path, string name) => path.Length == 0 || path == "(root)" ? name : path + "." + name;

    private static string Quoted(JsonElement values) => string.Join(", ", values.EnumerateArray().Select(x => "'" + x.GetString() + "'"));

    internal static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "'" + e.GetString() + "'",
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => e.ValueKind.ToString(),
    };
}
