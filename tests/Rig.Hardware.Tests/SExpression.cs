using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Rig.Hardware.Tests;

/// <summary>An S-expression node: an atom (quoted or bare) or a list.</summary>
public sealed class SNode
{
    private SNode(string? atom, bool quoted, IReadOnlyList<SNode>? items, int offset)
    {
        Atom = atom;
        Quoted = quoted;
        Items = items ?? [];
        Offset = offset;
    }

    public string? Atom { get; }

    public bool Quoted { get; }

    public IReadOnlyList<SNode> Items { get; }

    public int Offset { get; }

    public bool IsList => Atom is null;

    /// <summary>A list's first bare atom, the form's name (<c>symbol</c> in <c>(symbol ...)</c>).</summary>
    public string? Head => IsList && Items.Count > 0 && Items[0].Atom is { } head && !Items[0].Quoted ? head : null;

    public static SNode MakeAtom(string text, bool quoted, int offset) => new(text, quoted, null, offset);

    public static SNode MakeList(IReadOnlyList<SNode> items, int offset) => new(null, false, items, offset);

    public IEnumerable<SNode> Children(string head) => Items.Where(i => i.Head == head);

    public SNode? Child(string head) => Items.FirstOrDefault(i => i.Head == head);

    /// <summary>The atom at <paramref name="index"/> of this list (0 is the head), or null.</summary>
    public string? AtomAt(int index) => index < Items.Count ? Items[index].Atom : null;

    public double NumberAt(int index)
    {
        string text = AtomAt(index) ?? throw new FormatException($"({Head} ...) at offset {Offset} has no item {index}");
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A strict reader for KiCad's S-expression files: balanced parentheses, double-quoted strings with backslash
/// escapes, bare atoms, exactly one top-level list. Anything else is an error with its offset, because a file
/// KiCad might half-read is worse than one that is refused.
/// </summary>
public static class SExpressionParser
{
    public static SNode Parse(string text)
    {
        int position = 0;
        SkipSpace(text, ref position);
        if (position >= text.Length)
        {
            throw new FormatException("empty file: expected one top-level list");
        }

        if (text[position] != '(')
        {
            throw new FormatException($"offset {position}: the file must start with '('");
        }

        SNode root = ReadList(text, ref position);
        SkipSpace(text, ref position);
        if (position < text.Length)
        {
            throw new FormatException($"offset {position}: text after the top-level list");
        }

        return root;
    }

    private static SNode ReadList(string text, ref int position)
    {
        int start = position;
        position++;
        List<SNode> items = [];
        while (true)
        {
            SkipSpace(text, ref position);
            if (position >= text.Length)
            {
                throw new FormatException($"offset {start}: unbalanced parentheses: '(' never closed");
            }

            char ch = text[position];
            if (ch == ')')
            {
                position++;
                return SNode.MakeList(items, start);
            }

            if (ch == '(')
            {
                items.Add(ReadList(text, ref position));
            }
            else if (ch == '"')
            {
                items.Add(ReadString(text, ref position));
            }
            else
            {
                items.Add(ReadBare(text, ref position));
            }
        }
    }

    private static SNode ReadString(string text, ref int position)
    {
        int start = position;
        position++;
        StringBuilder value = new();
        while (true)
        {
            if (position >= text.Length)
            {
                throw new FormatException($"offset {start}: unterminated string");
            }

            char ch = text[position++];
            if (ch == '"')
            {
                return SNode.MakeAtom(value.ToString(), quoted: true, start);
            }

            if (ch != '\\')
            {
                value.Append(ch);
                continue;
            }

            if (position >= text.Length)
            {
                throw new FormatException($"offset {start}: unterminated string");
            }

            char escaped = text[position++];
            value.Append(escaped switch
            {
                '"' => '"',
                '\\' => '\\',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                _ => throw new FormatException($"offset {position - 2}: unknown escape \\{escaped} in a string"),
            });
        }
    }

    private static SNode ReadBare(string text, ref int position)
    {
        int start = position;
        while (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] is not '(' and not ')')
        {
            if (text[position] == '"')
            {
                throw new FormatException($"offset {position}: a quote inside a bare atom");
            }

            position++;
        }

        return SNode.MakeAtom(text[start..position], quoted: false, start);
    }

    private static void SkipSpace(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }
}
