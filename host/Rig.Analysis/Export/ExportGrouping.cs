using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Analysis.Export;

/// <summary>
/// Which file of a zhong2025 export a session goes into: Beh_&lt;group&gt;.npy, and the group's key in
/// Imaging_Exp_info.npy. By default the group is the session's experiment type (the reference analysis's files); a lab
/// names its own groups instead: one name for everything given (<see cref="Named"/>), or lists of mice
/// (<see cref="ByMice"/>), e.g. naive and pretrained mice that ran the same task.
/// </summary>
public sealed class ExportGrouping
{
    private readonly Func<string, string, string> _groupOf;

    private ExportGrouping(string description, Func<string, string, string> groupOf)
    {
        Description = description;
        _groupOf = groupOf;
    }

    /// <summary>How the sessions were grouped, for the printed summary.</summary>
    public string Description { get; }

    public static ExportGrouping ByExperimentType { get; } = new("by experiment type", (_, experimentType) => experimentType);

    /// <summary>Every session in one file named <paramref name="name"/>.</summary>
    public static ExportGrouping Named(string name) => new($"all in '{Check(name)}'", (_, _) => name);

    /// <summary>
    /// One file per named list of mice. A mouse in two lists is refused here; a session of a mouse in no list is refused
    /// when it is grouped (<see cref="GroupOf"/>): leaving it out silently would lose it from the analysis.
    /// </summary>
    public static ExportGrouping ByMice(IReadOnlyList<(string Group, IReadOnlyList<string> Mice)> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var groupOfMouse = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (group, mice) in groups)
        {
            Check(group);
            if (mice.Count == 0)
            {
                throw new ExportInputException($"group '{group}' lists no mouse (--group NAME=MOUSE,MOUSE,...)");
            }

            foreach (string mouse in mice)
            {
                if (!groupOfMouse.TryAdd(mouse, group) && groupOfMouse[mouse] != group)
                {
                    throw new ExportInputException($"mouse '{mouse}' is listed in groups '{groupOfMouse[mouse]}' and '{group}': a session goes into one file");
                }
            }
        }

        string listed = string.Join(", ", groups.Select(g => g.Group));
        return new($"by mouse lists ({listed})", (mouse, _) => groupOfMouse.TryGetValue(mouse, out string? g) ? g
            : throw new ExportInputException($"mouse '{mouse}' is in no --group ({listed}); list it in one, or leave its sessions out"));
    }

    /// <summary>Parses `NAME=MOUSE,MOUSE,...`.</summary>
    public static (string Group, IReadOnlyList<string> Mice) ParseMouseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ExportInputException($"--group '{text}' is not NAME=MOUSE,MOUSE,...");
        }

        var mice = text[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (text[..eq].Trim(), mice);
    }

    /// <summary>The group of a session of <paramref name="mouse"/> with <paramref name="experimentType"/>.</summary>
    public string GroupOf(string mouse, string experimentType) => _groupOf(mouse, experimentType);

    private static string Check(string name)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            throw new ExportInputException($"group name '{name}' must be letters, digits, _ or - (it names the file Beh_<group>.npy)");
        }

        return name;
    }
}
