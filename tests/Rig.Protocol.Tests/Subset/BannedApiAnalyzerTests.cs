using Rig.TestSupport;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Rig.Protocol.Tests.Subset;

/// <summary>
/// firmware/BannedSymbols.txt really bans what it says: the package's own analyzer, run in-process over snippets
/// compiled against the running runtime, with the real file as its BannedSymbols.txt additional file.
/// </summary>
public sealed partial class BannedApiAnalyzerTests
{
    private static string BannedSymbolsPath => Path.Combine(RepositoryRoot.Find(), "firmware", "BannedSymbols.txt");

    [Fact]
    public void The_package_provides_the_banned_api_analyzer()
    {
        Assert.NotEmpty(BannedApiAnalyzerHost.Analyzers);
        Assert.Contains(
            BannedApiAnalyzerHost.Analyzers.SelectMany(a => a.SupportedDiagnostics),
            d => d.Id == "RS0030");
    }

    public static TheoryData<string, string, string> BannedSnippets() => new()
    {
        { "System.Linq.Enumerable", "class C { int M(int[] a) { return System.Linq.Enumerable.Sum(a); } }", "no LINQ" },
        { "List<T>", "class C { int M() { var l = new System.Collections.Generic.List<int>(); l.Add(1); return l.Count; } }", "use preallocated arrays" },
        { "ConcurrentQueue<T>", "class C { void M() { new System.Collections.Concurrent.ConcurrentQueue<int>().Enqueue(1); } }", "not in nanoFramework 1.x" },
        { "Task", "class C { void M() { System.Threading.Tasks.Task.Delay(1).Wait(); } }", "no Task or async" },
        { "Span<byte>", "class C { int M(byte[] b) { var s = new System.Span<byte>(b); return s.Length; } }", "SpanByte" },
        { "ReadOnlySpan<byte>", "class C { int M(byte[] b) { return new System.ReadOnlySpan<byte>(b).Length; } }", "SpanByte" },
        { "BinaryPrimitives", "class C { ushort M(byte[] b) { return System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b); } }", "not in nanoFramework 1.x" },
        { "BitConverter", "class C { byte[] M() { return System.BitConverter.GetBytes(1); } }", "ByteWriter" },
        { "DateTime.Now", "class C { long M() { return System.DateTime.Now.Ticks; } }", "IMicrosecondClock" },
        { "DateTime.UtcNow", "class C { long M() { return System.DateTime.UtcNow.Ticks; } }", "IMicrosecondClock" },
        { "Thread.Sleep(int)", "class C { void M() { System.Threading.Thread.Sleep(1); } }", "never Thread.Sleep" },
        { "Thread.Sleep(TimeSpan)", "class C { void M() { System.Threading.Thread.Sleep(System.TimeSpan.Zero); } }", "never Thread.Sleep" },
        { "Stopwatch", "class C { long M() { return System.Diagnostics.Stopwatch.StartNew().ElapsedTicks; } }", "IMicrosecondClock" },
        { "Console", "class C { void M() { System.Console.WriteLine(1); } }", "status counters" },
        { "Environment", "class C { int M() { return System.Environment.TickCount; } }", "not in nanoFramework 1.x" },
        { "Interlocked on long", "class C { long _n; long M() { return System.Threading.Interlocked.Increment(ref _n); } }", "int only" },
        { "Func<T>", "class C { int M() { System.Func<int> f = () => 1; return f(); } }", "stays non-generic" },
        { "Nullable<T>", "class C { bool M(int? x) { return x.HasValue; } }", "sentinel" },
        { "Tuple", "class C { object M() { return System.Tuple.Create(1, 2); } }", "tuples" },
        { "Marshal", "class C { int M() { return System.Runtime.InteropServices.Marshal.SizeOf(typeof(int)); } }", "P/Invoke" },
    };

    [Theory]
    [MemberData(nameof(BannedSnippets))]
    public async Task A_banned_api_is_reported_as_RS0030_with_the_reason_from_the_file(string api, string snippet, string reason)
    {
        AnalyzerRun run = await BannedApiAnalyzerHost.RunAsync(
            snippet, BannedSymbolsPath, File.ReadAllText(BannedSymbolsPath), TestContext.Current.CancellationToken);

        AssertValidRun(run, api);
        IEnumerable<string> messages = run.WithId("RS0030").Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(
            messages.Any(m => m.Contains(reason, StringComparison.Ordinal)),
            "Expected RS0030 for " + api + " with a message containing '" + reason + "', got:" + Environment.NewLine
                + string.Join(Environment.NewLine, run.AnalyzerDiagnostics));
    }

    [Fact]
    public async Task Idiomatic_nanoFramework_code_uses_no_banned_api()
    {
        AnalyzerRun run = await BannedApiAnalyzerHost.RunAsync(
            SubsetSamples.Clean, BannedSymbolsPath, File.ReadAllText(BannedSymbolsPath), TestContext.Current.CancellationToken);

        AssertValidRun(run, "the clean sample");
        Assert.True(run.AnalyzerDiagnostics.IsEmpty, string.Join(Environment.NewLine, run.AnalyzerDiagnostics));
    }

    [Fact]
    public void Every_line_of_BannedSymbols_txt_is_a_resolvable_entry_with_a_reason()
    {
        // The analyzer never reports a malformed or misspelled entry: it drops a line it cannot parse and an ID that
        // resolves to nothing simply bans nothing (see A_misspelled_entry_is_silently_ignored_by_the_analyzer).
        // So the format and the resolution are checked here, against the same runtime surface the host build sees.
        CSharpCompilation compilation = CSharpCompilation.Create("Resolve", references: RuntimeReferences.All);
        string[] lines = File.ReadAllLines(BannedSymbolsPath);
        List<string> problems = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        int entries = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string text = StripComment(lines[i]).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            entries++;
            string where = "line " + (i + 1) + " '" + lines[i] + "': ";
            Match match = EntryPattern().Match(text);
            if (!match.Success)
            {
                problems.Add(where + "expected '<N|T|M|P|F|E>:<documentation ID>;<reason>'");
                continue;
            }

            string id = match.Groups["id"].Value;
            if (!seen.Add(id))
            {
                problems.Add(where + "duplicate entry (the analyzer reports RS0031)");
            }

            if (DocumentationCommentId.GetSymbolsForDeclarationId(id, compilation).IsEmpty)
            {
                problems.Add(where + "'" + id + "' names no symbol in the .NET runtime, so it bans nothing");
            }
        }

        Assert.True(entries > 0, BannedSymbolsPath + " has no entries.");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task The_real_list_has_no_duplicates_and_does_not_crash_the_analyzer()
    {
        AnalyzerRun run = await BannedApiAnalyzerHost.RunAsync(
            "class C { void M() { System.Threading.Thread.Sleep(1); } }",
            BannedSymbolsPath,
            File.ReadAllText(BannedSymbolsPath),
            TestContext.Current.CancellationToken);

        AssertValidRun(run, "Thread.Sleep");
        Assert.Empty(run.WithId("RS0031"));
        Assert.Single(run.WithId("RS0030"));
    }

    [Fact]
    public async Task A_duplicated_entry_is_reported_as_RS0031()
    {
        string text = File.ReadAllText(BannedSymbolsPath) + Environment.NewLine + "T:System.BitConverter;again" + Environment.NewLine;

        AnalyzerRun run = await BannedApiAnalyzerHost.RunAsync(
            "class C { }", BannedSymbolsPath, text, TestContext.Current.CancellationToken);

        Assert.NotEmpty(run.WithId("RS0031"));
    }

    [Fact]
    public async Task A_misspelled_entry_is_silently_ignored_by_the_analyzer()
    {
        // Why Every_line_of_BannedSymbols_txt_is_a_resolvable_entry_with_a_reason exists: a typo disarms an entry
        // without any diagnostic. If a future analyzer version starts reporting it, this test says so.
        string path = Path.Combine(Path.GetTempPath(), "BannedSymbols.txt");

        AnalyzerRun run = await BannedApiAnalyzerHost.RunAsync(
            "class C { byte[] M() { return System.BitConverter.GetBytes(1); } }",
            path,
            "T:System.BitConvertr;misspelled" + Environment.NewLine + "not an entry at all" + Environment.NewLine,
            TestContext.Current.CancellationToken);

        AssertValidRun(run, "BitConverter");
        Assert.Empty(run.AnalyzerDiagnostics);
    }

    [Fact]
    public async Task The_analyzer_reads_the_list_only_from_a_file_named_BannedSymbols_txt()
    {
        // The package matches AdditionalFiles named BannedSymbols*.txt; any other name means no enforcement at all.
        AnalyzerRun run = await BannedApiAnalyzerHost.RunAsync(
            "class C { void M() { System.Threading.Thread.Sleep(1); } }",
            Path.Combine(Path.GetTempPath(), "Banned.txt"),
            File.ReadAllText(BannedSymbolsPath),
            TestContext.Current.CancellationToken);

        AssertValidRun(run, "Thread.Sleep");
        Assert.Empty(run.AnalyzerDiagnostics);
    }

    private static void AssertValidRun(AnalyzerRun run, string what)
    {
        Assert.True(
            run.CompilerErrors.IsEmpty,
            "The snippet for " + what + " does not compile, so the analyzer result means nothing:" + Environment.NewLine
                + string.Join(Environment.NewLine, run.CompilerErrors));
        Assert.True(run.AnalyzerExceptions.IsEmpty, string.Join(Environment.NewLine, run.AnalyzerExceptions));
    }

    private static string StripComment(string line)
    {
        // Same rule as the analyzer: everything from "//" on is a comment.
        int comment = line.IndexOf("//", StringComparison.Ordinal);
        return comment < 0 ? line : line[..comment];
    }

    [GeneratedRegex(@"^(?<id>[NTMPFE]:[^;\s]+);\s*\S")]
    private static partial Regex EntryPattern();
}
