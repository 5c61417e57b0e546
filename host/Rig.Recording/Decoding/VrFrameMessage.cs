using System;
using System.Text.Json;
using Rig.Protocol;

namespace Rig.Recording.Decoding;

/// <summary>
/// The renderer-to-host topics the bridge records besides the device's (docs/protocol.md): <c>vr/v1/{rigId}/frame</c> from
/// a renderer that speaks Rig's VR topics and <c>Gimbl/Frame</c> from Gimbl. Host side only: the firmware never sees them.
/// </summary>
public sealed class RecordedTopics
{
    /// <summary>Gimbl's frame report topic (no frame id: docs/vr.md says what that costs).</summary>
    public const string GimblFrame = "Gimbl/Frame";

    public RecordedTopics(string rigId)
    {
        Rig = new RigTopics(rigId);
        VrFrame = "vr/v1/" + rigId + "/frame";
    }

    /// <summary>The device's topics.</summary>
    public RigTopics Rig { get; }

    /// <summary>One message per frame the renderer drew.</summary>
    public string VrFrame { get; }

    /// <summary>What a full topic name is: a device topic, a frame topic, or <see cref="TopicKind.Unknown"/>.</summary>
    public TopicKind Classify(string topic)
    {
        var kind = Rig.Classify(topic);
        if (kind != TopicKind.Unknown)
        {
            return kind;
        }

        if (topic == VrFrame)
        {
            return TopicKind.VrFrame;
        }

        return topic == GimblFrame ? TopicKind.GimblFrame : TopicKind.Unknown;
    }
}

/// <summary>A frame message that is not one: names the field and what is wrong with it.</summary>
public sealed class VrFrameFormatException(string field, string problem)
    : FormatException($"frame message: field '{field}': {problem}")
{
    /// <summary>The field at fault ("message" when the payload is not a JSON object at all).</summary>
    public string Field { get; } = field;
}

/// <summary>
/// One <c>vr/v1/{rigId}/frame</c> message: the renderer drew frame <paramref name="FrameId"/> and submitted it at
/// <paramref name="RenderNanos"/> on the bridge's host clock.
/// </summary>
/// <param name="FrameId">0, 1, 2, … per renderer run, +1 per drawn frame.</param>
/// <param name="RenderNanos">Host monotonic ns (the bridge's clock, through the renderer's clock exchange) when the frame was submitted.</param>
/// <param name="SceneMicros">Device µs of the scene state drawn (the scene's <c>t_us</c>); null before the first scene.</param>
/// <param name="PosDm">Position in the corridor, dm; null outside trials or before the first scene.</param>
/// <param name="Wall">The corridor's wall id; empty when absent.</param>
/// <param name="Trial">0-based trial; −1 outside trials or when absent.</param>
/// <param name="Patch">The photodiode patch drawn: 1 white (even frame ids), 0 black (odd); null when absent.</param>
public readonly record struct VrFrameMessage(long FrameId, long RenderNanos, long? SceneMicros, double? PosDm, string Wall, int Trial, int? Patch)
{
    /// <summary>Largest frame message read, bytes: the contract's fields take about 150; the rest is room for a renderer's extras.</summary>
    public const int MaxBytes = 4096;

    /// <summary>Longest wall id, characters (the shipped protocols' ids are under 10; every frame row keeps one).</summary>
    public const int MaxWallLength = 64;

    /// <summary>
    /// Reads one frame message (UTF-8 JSON object). <c>frame</c> and <c>render_ns</c> are required; the other fields may be
    /// absent or null; unknown fields are ignored (a renderer may send more). Throws <see cref="VrFrameFormatException"/>
    /// naming the field. The one reader of frame messages, live (the bridge's decoder) and offline (the replay).
    /// </summary>
    public static VrFrameMessage Read(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            throw new VrFrameFormatException("message", $"{utf8.Length} bytes; a frame message is at most {MaxBytes}");
        }

        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 4 });
        long? frame = null, render = null, scene = null;
        double? pos = null;
        string wall = "";
        int trial = -1;
        int? patch = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new VrFrameFormatException("message", "expected a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "frame":
                        frame = Integer(ref reader, name);
                        break;
                    case "render_ns":
                        render = Integer(ref reader, name);
                        break;
                    case "t_us":
                        scene = reader.TokenType == JsonTokenType.Null ? null : Integer(ref reader, name);
                        break;
                    case "pos_dm":
                        pos = reader.TokenType == JsonTokenType.Null ? null
                            : reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : throw Expected(name, "a number or null", reader.TokenType);
                        break;
                    case "wall":
                        wall = reader.TokenType switch
                        {
                            JsonTokenType.Null => "",
                            JsonTokenType.String => reader.GetString()!,
                            _ => throw Expected(name, "a string", reader.TokenType),
                        };
                        if (wall.Length > MaxWallLength)
                        {
                            throw new VrFrameFormatException(name, $"{wall.Length} characters; a wall id is at most {MaxWallLength}");
                        }

                        if (wall.AsSpan().IndexOfAny(",\r\n\"") >= 0)
                        {
                            // Wall ids go into CSV cells, which are never quoted.
                            throw new VrFrameFormatException(name, "a wall id holds no comma, quote or line break");
                        }

                        break;
                    case "trial":
                        trial = reader.TokenType == JsonTokenType.Null ? -1 : Int32(ref reader, name);
                        break;
                    case "patch":
                        patch = reader.TokenType == JsonTokenType.Null ? null : Int32(ref reader, name);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new VrFrameFormatException("message", "expected one JSON object and nothing after it");
            }
        }
        catch (JsonException e)
        {
            throw new VrFrameFormatException("message", "not valid JSON (" + e.Message + ")");
        }
        catch (InvalidOperationException e)
        {
            // A string that is not valid UTF-8 (Utf8JsonReader.GetString).
            throw new VrFrameFormatException("message", "not valid UTF-8 text (" + e.Message + ")");
        }

        if (frame is not { } id)
        {
            throw new VrFrameFormatException("frame", "missing (the frame id is required)");
        }

        if (id < 0)
        {
            throw new VrFrameFormatException("frame", $"{id} is negative");
        }

        if (render is not { } renderNanos)
        {
            throw new VrFrameFormatException("render_ns", "missing (the host render time is required)");
        }

        if (scene < 0)
        {
            throw new VrFrameFormatException("t_us", $"{scene} is negative (device µs since boot)");
        }

        if (patch is { } p && p != (id % 2 == 0 ? 1 : 0))
        {
            // The photodiode matcher relies on the patch's colour following the frame id's parity.
            throw new VrFrameFormatException("patch", $"{p} on frame {id}: the patch is 1 (white) on even frame ids and 0 (black) on odd ones");
        }

        return new VrFrameMessage(id, renderNanos, scene, pos, wall, trial, patch);
    }

    private static long Integer(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw Expected(field, "an integer", reader.TokenType);
        }

        return reader.TryGetInt64(out long value) ? value : throw new VrFrameFormatException(field, "expected a 64-bit integer, found " + FormatNumber(ref reader));
    }

    private static int Int32(ref Utf8JsonReader reader, string field)
    {
        long value = Integer(ref reader, field);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new VrFrameFormatException(field, $"{value} is out of range");
    }

    private static string FormatNumber(ref Utf8JsonReader reader) => System.Text.Encoding.UTF8.GetString(reader.ValueSpan);

    private static VrFrameFormatException Expected(string field, string what, JsonTokenType found) =>
        new(field, $"expected {what}, found {found}");
}
