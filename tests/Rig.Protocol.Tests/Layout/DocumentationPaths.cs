using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Rig.Protocol.Tests.Layout;

/// <summary>One repository path a document names that does not exist.</summary>
/// <param name="Document">The document, relative to the repository root, with '/' separators.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Path">The path as the document names it, after trailing punctuation, anchors and line numbers are removed.</param>
public sealed record MissingDocumentPath(string Document, int Line, string Path)
{
    public override string ToString() => Document + ":" + Line + ": " + Path;
}

/// <summary>
/// Finds the repository paths named in the Markdown documents of a checkout and reports those that exist neither as a file
/// nor as a folder. A path is a word that starts with one of <see cref="TopLevelFolders"/> followed by '/' (in backticks,
/// in a link or in plain text; root-relative by the project's convention), or the target of a relative Markdown link
/// (relative to the document's folder, as a Markdown renderer resolves it). Trailing punctuation, '#anchors' and line
/// numbers ('file.cs:120', 'file.cs:120-140') are removed first. Paths with placeholders or globs ('&lt;rig&gt;', '{a,b}',
/// '*', '?', '…') name many files or none and are skipped, as are links leaving the repository, links with a scheme,
/// build output (a 'bin' or 'obj' segment: it exists only after a build) and the few words in <see cref="NotPaths"/>.
/// </summary>
public static class DocumentationPaths
{
    public static readonly string[] TopLevelFolders =
        ["host", "shared", "firmware", "tools", "tests", "bench", "protocols", "deploy", "hardware", "docs", "scripts"];

    /// <summary>Folders whose documents are build output or third-party copies, never scanned.</summary>
    public static readonly string[] SkippedFolderNames = ["bin", "obj", "node_modules"];

    // A root-relative path: a top-level folder and '/' not preceded by a path or word character (so '../../host/x',
    // 'mqtt://host/x' and 'localhost/x' are not taken), then every character up to whitespace, a quote, a bracket or a
    // pipe; '{a,b}' and '<name>' groups are kept whole so that they can be recognised and skipped.
    private static readonly Regex RootRelative = new(
        @"(?<![\w./\\~-])(?:" + string.Join('|', TopLevelFolders) + @")/(?:\{[^}\s]*\}|<[^>\s]*>|[^\s`'""()\[\]|<>{},])*",
        RegexOptions.CultureInvariant);

    /// <summary>Words that look like paths but are not: prose ("the host/port") and example file names in quoted messages.</summary>
    public static readonly string[] NotPaths = ["host/port", "protocols/x.json"];

    private static readonly Regex MarkdownLink = new(@"\]\(\s*<?([^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)", RegexOptions.CultureInvariant);

    private static readonly Regex LineSuffix = new(@"(?::\d+(?:[-–]\d+)?|#L\d+(?:-L?\d+)?)$", RegexOptions.CultureInvariant);

    private static readonly SearchValues<char> PlaceholderCharacters = SearchValues.Create("<>{}*?…$%");

    /// <summary>Every Markdown document under <paramref name="root"/>, relative, '/' separators, sorted.</summary>
    public static IReadOnlyList<string> Documents(string root)
    {
        var documents = new List<string>();
        Collect(root, root, documents);
        documents.Sort(StringComparer.Ordinal);
        return documents;
    }

    /// <summary>The paths named in the documents under <paramref name="root"/> that do not exist, in document and line order.</summary>
    public static IReadOnlyList<MissingDocumentPath> Missing(string root)
    {
        root = Path.GetFullPath(root);
        var missing = new List<MissingDocumentPath>();
        foreach (string document in Documents(root))
        {
            string[] lines = File.ReadAllLines(Path.Combine(root, document));
            for (int i = 0; i < lines.Length; i++)
            {
                foreach (string path in NamedPaths(document, lines[i]))
                {
                    if (!Exists(root, path))
                    {
                        missing.Add(new MissingDocumentPath(document, i + 1, path));
                    }
                }
            }
        }

        return missing;
    }

    /// <summary>
    /// The repository paths one line of <paramref name="document"/> names, relative to the root with '/' separators and
    /// without trailing punctuation, anchors or line numbers; placeholders and globs are left out.
    /// </summary>
    public static IEnumerable<string> NamedPaths(string document, string line)
    {
        var found = new List<(int Column, string Path)>();
        foreach (Match match in RootRelative.Matches(line))
        {
            string? path = Clean(match.Value);
            if (path is not null)
            {
                found.Add((match.Index, path));
            }
        }

        string documentFolder = Path.GetDirectoryName(document)?.Replace('\\', '/') ?? "";
        foreach (Match match in MarkdownLink.Matches(line))
        {
            string target = match.Groups[1].Value;
            if (target.StartsWith('#') || target.Contains(':', StringComparison.Ordinal) && !LineSuffix.IsMatch(target))
            {
                continue; // an anchor in the same document, or a URL (http:, mailto:, ...)
            }

            string? cleaned = Clean(target);
            string? resolved = cleaned is null ? null : Resolve(documentFolder, cleaned);
            if (resolved is not null)
            {
                found.Add((match.Groups[1].Index, resolved));
            }
        }

        return found
            .Where(f => !NotPaths.Contains(f.Path, StringComparer.Ordinal) && !IsBuildOutput(f.Path))
            .OrderBy(f => f.Column)
            .Select(f => f.Path)
            .Distinct(StringComparer.Ordinal);
    }

    // Build output (bin/, obj/) exists only after a build, so a document may name it in a clean checkout.
    private static bool IsBuildOutput(string path) => path.Split('/').Any(part => SkippedFolderNames.Contains(part, StringComparer.Ordinal));

    private static string? Clean(string token)
    {
        int anchor = token.IndexOf('#', StringComparison.Ordinal);
        if (anchor >= 0 && !token.AsSpan(anchor).StartsWith("#L"))
        {
            token = token[..anchor];
        }

        string previous;
        do
        {
            previous = token;
            token = token.TrimEnd('.', ',', ';', ':', '!', '?', ')', '\'', '"', '`', '*', '_');
            token = LineSuffix.Replace(token, "");
        }
        while (token != previous);

        if (token.Length == 0 || token.AsSpan().ContainsAny(PlaceholderCharacters) || token.Contains("...", StringComparison.Ordinal))
        {
            return null;
        }

        return token;
    }

    // A link target relative to the document's folder, as a path relative to the root; null when it leaves the repository.
    private static string? Resolve(string documentFolder, string target)
    {
        var parts = new List<string>();
        string combined = target.StartsWith('/') ? target.TrimStart('/') : (documentFolder.Length == 0 ? target : documentFolder + "/" + target);
        foreach (string part in combined.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return parts.Count == 0 ? null : string.Join('/', parts) + (target.EndsWith('/') ? "/" : "");
    }

    private static bool Exists(string root, string path)
    {
        string full = Path.Combine(root, path.TrimEnd('/').Replace('/', Path.DirectorySeparatorChar));
        return path.EndsWith('/') ? Directory.Exists(full) : File.Exists(full) || Directory.Exists(full);
    }

    private static void Collect(string root, string folder, List<string> documents)
    {
        foreach (string file in Directory.EnumerateFiles(folder, "*.md"))
        {
            documents.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
        }

        foreach (string sub in Directory.EnumerateDirectories(folder))
        {
            string name = Path.GetFileName(sub);
            if (name.StartsWith('.') || SkippedFolderNames.Contains(name, StringComparer.Ordinal))
            {
                continue;
            }

            Collect(root, sub, documents);
        }
    }
}
