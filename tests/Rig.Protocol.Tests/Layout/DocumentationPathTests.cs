using System;
using System.IO;
using System.Linq;
using Rig.TestSupport;
using Xunit;

namespace Rig.Protocol.Tests.Layout;

public sealed class DocumentationPathTests
{
    [Fact]
    public void Every_repository_path_a_document_names_exists()
    {
        var missing = DocumentationPaths.Missing(RepositoryRoot.Find());

        Assert.True(
            missing.Count == 0,
            missing.Count + " path(s) named in the documents do not exist; fix the path or the document:" + Environment.NewLine
                + string.Join(Environment.NewLine, missing.Select(m => "  " + m)));
    }

    [Fact]
    public void A_tree_whose_documents_name_only_existing_paths_passes()
    {
        using TempDirectory temp = new();
        Write(temp.Combine("host", "App", "Bridge.cs"), "class Bridge {}");
        Write(temp.Combine("docs", "other.md"), "# Other");
        Write(temp.Combine("README.md"), string.Join(Environment.NewLine,
            "See `host/App/Bridge.cs`, host/App/ and [the other doc](docs/other.md#section).",
            "The loop is at host/App/Bridge.cs:12, and the whole file at `host/App/Bridge.cs:1-40`.",
            "Placeholders and globs are skipped: `host/<app>/x.cs`, host/App/{Bridge,Gone}.cs, docs/*.md, tests/…/x.cs.",
            "Links leaving the tree or with a scheme are not checked: [brief](../shared/BRIEF.md), [web](https://example.org/host/x).",
            "Words that only contain a folder name are not paths: localhost/x, mqtt://host/x, ../../host/Gone.cs.",
            "Build output exists only after a build: `host/App/bin/Release/App.dll`."));
        Write(temp.Combine("docs", "guide.md"), "Relative links resolve from the document: [other](other.md), [readme](../README.md).");
        Write(temp.Combine("host", "App", "bin", "Debug", "copied.md"), "`host/Gone.cs` in build output is not scanned.");

        Assert.Empty(DocumentationPaths.Missing(temp.Path));
    }

    [Fact]
    public void A_tree_whose_documents_name_missing_paths_fails_naming_each_document_line_and_path()
    {
        using TempDirectory temp = new();
        Write(temp.Combine("host", "App", "Bridge.cs"), "class Bridge {}");
        Write(temp.Combine("README.md"), string.Join(Environment.NewLine,
            "# Layout",
            "The bridge is `host/App/Bridge.cs`; the recorder was host/Old/Recorder.cs.",
            "See [the guide](docs/guide.md#top) and `shared/Gone/`, line `host/App/Missing.cs:120`."));
        Write(temp.Combine("firmware", "README.md"), "Up one: [bridge](../host/App/Gone.cs).");

        var missing = DocumentationPaths.Missing(temp.Path);

        Assert.Equal(
            [
                new MissingDocumentPath("README.md", 2, "host/Old/Recorder.cs"),
                new MissingDocumentPath("README.md", 3, "docs/guide.md"),
                new MissingDocumentPath("README.md", 3, "shared/Gone/"),
                new MissingDocumentPath("README.md", 3, "host/App/Missing.cs"),
                new MissingDocumentPath("firmware/README.md", 1, "host/App/Gone.cs"),
            ],
            missing.ToArray());
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
