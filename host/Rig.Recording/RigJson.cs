using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rig.Recording;

/// <summary>
/// The JSON settings of the files Rig writes for people and programs to read back: session.json, summary.json, task.json,
/// a virtual mouse's learning state and every command's <c>--json</c> output. One instance for that purpose, so every such
/// file spells fields alike: snake_case names, indented, NaN and infinities as the named literals (behaviour metrics are
/// NaN where undefined). Formats with other needs keep their own, each saying why: journal markers (compact, nulls
/// left out), calibration files (unescaped µ), input files people edit (comments, unknown fields refused) and loopback
/// reports (enums as names).
/// </summary>
public static class RigJson
{
    public static JsonSerializerOptions Files { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
