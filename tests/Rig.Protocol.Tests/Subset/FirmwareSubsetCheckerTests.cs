using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.TestSupport;
using Xunit;

namespace Rig.Protocol.Tests.Subset;

public sealed class FirmwareSubsetCheckerTests
{
    [Fact]
    public void Every_firmware_and_shared_source_file_stays_in_the_nanoFramework_subset()
    {
        string root = RepositoryRoot.Find();

        SubsetReport report = FirmwareSubsetChecker.CheckTree(root);

        TestContext.Current.TestOutputHelper?.WriteLine(
            "Scanned " + report.FilesScanned.Length + " files:" + Environment.NewLine + string.Join(Environment.NewLine, report.FilesScanned));
        Assert.NotEmpty(report.FilesScanned);
        Assert.Contains(Path.Combine("shared", "Rig.Protocol", "ByteReader.cs"), report.FilesScanned);
        Assert.True(
            report.Violations.IsEmpty,
            report.Violations.Length + " construct(s) outside the nanoFramework 1.x subset in "
                + report.FilesScanned.Length + " files:" + Environment.NewLine
                + string.Join(Environment.NewLine, report.Violations));
    }

    [Fact]
    public void The_tree_scan_reports_device_files_and_skips_bin_obj_and_test_folders()
    {
        using TempDirectory temp = new();
        const string Bad = "namespace X { class Bad<T> { } }";
        Write(temp.Combine("firmware", "Device", "Good.cs"), "namespace X { class Good { } }");
        Write(temp.Combine("firmware", "Device", "obj", "Debug", "Generated.cs"), Bad);
        Write(temp.Combine("firmware", "Device", "bin", "Copied.cs"), Bad);
        Write(temp.Combine("firmware", "Device.Tests", "HostOnly.cs"), Bad);
        Write(temp.Combine("shared", "Wire", "Message.cs"), "namespace X { struct Message { public int A; } }");
        Write(temp.Combine("shared", "Wire", "Pair.cs"), "namespace X\n{\n    class Pair { object M() { return (1, 2); } }\n}\n");
        Write(temp.Combine("host", "Anything.cs"), Bad);

        SubsetReport report = FirmwareSubsetChecker.CheckTree(temp.Path);

        Assert.Equal(
            [
                Path.Combine("firmware", "Device", "Good.cs"),
                Path.Combine("shared", "Wire", "Message.cs"),
                Path.Combine("shared", "Wire", "Pair.cs"),
            ],
            report.FilesScanned.ToArray());
        SubsetViolation violation = Assert.Single(report.Violations);
        Assert.Equal(Path.Combine("shared", "Wire", "Pair.cs"), violation.Path);
        Assert.Equal(3, violation.Line);
        Assert.Equal(SubsetConstruct.TupleLiteral, violation.Construct);
    }

    [Fact]
    public void A_violation_names_the_file_and_line()
    {
        IReadOnlyList<SubsetViolation> violations = FirmwareSubsetChecker.Check(
            "firmware/Rig.Firmware.Core/Sample.cs",
            "namespace X\n{\n    class C\n    {\n        string M(int a) { return $\"a={a}\"; }\n    }\n}\n");

        SubsetViolation violation = Assert.Single(violations);
        Assert.Equal("firmware/Rig.Firmware.Core/Sample.cs", violation.Path);
        Assert.Equal(5, violation.Line);
        Assert.Equal(SubsetConstruct.InterpolatedString, violation.Construct);
        Assert.StartsWith("firmware/Rig.Firmware.Core/Sample.cs(5,", violation.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, SubsetConstruct> ForbiddenSnippets() => new()
    {
        { "generic class", "class Box<T> { public T Value; }", "generic class", SubsetConstruct.GenericTypeDeclaration },
        { "generic struct", "struct Pair<T> { public T A; }", "generic struct", SubsetConstruct.GenericTypeDeclaration },
        { "generic method", "class C { static void Swap<T>(ref T a, ref T b) { T t = a; a = b; b = t; } }", "generic method", SubsetConstruct.GenericMethodDeclaration },
        { "generic local function", "class C { int M() { return Id(1); static int Id<T>(T x) { return 0; } } }", "generic method", SubsetConstruct.GenericMethodDeclaration },
        { "generic interface", "interface ISource<T> { T Next(); }", "generic interface", SubsetConstruct.GenericInterfaceDeclaration },
        { "generic delegate", "delegate void Handler<T>(T value);", "generic delegate", SubsetConstruct.GenericDelegateDeclaration },
        { "List<int> usage", "using System.Collections.Generic; class C { List<int> _items = new List<int>(); }", "generic type or method use 'List<int>'", SubsetConstruct.GenericName },
        { "explicit generic call", "class C { byte[] M() { return System.Array.Empty<byte>(); } }", "generic type or method use 'Empty<byte>'", SubsetConstruct.GenericName },
        { "inferred generic call", "class C { int M(byte[] b) { return System.Array.IndexOf(b, (byte)1); } }", "call to generic method", SubsetConstruct.InferredGenericMethodCall },
        { "var inferred generic", "using System; class C { int M(string s) { var span = s.AsSpan(); return span.Length; } }", "'var' inferred as generic type", SubsetConstruct.InferredGenericVariable },
        { "nullable value type", "class C { int? _last; }", "nullable value type", SubsetConstruct.NullableValueType },
        { "anonymous type", "class C { object M() { return new { A = 1 }; } }", "anonymous type", SubsetConstruct.AnonymousType },
        { "async method", "class C { async System.Threading.Tasks.Task M() { } }", "async", SubsetConstruct.Async },
        { "async lambda", "class C { System.Func<System.Threading.Tasks.Task> F = async () => { }; }", "async", SubsetConstruct.Async },
        { "await", "class C { async void M(System.Threading.Tasks.Task t) { await t; } }", "await", SubsetConstruct.Await },
        { "await foreach", "class C { async void M(System.Collections.Generic.IAsyncEnumerable<int> s) { await foreach (int i in s) { } } }", "await", SubsetConstruct.Await },
        { "LINQ query", "using System.Linq; class C { object M(int[] a) { return from x in a where x > 1 select x; } }", "LINQ query", SubsetConstruct.LinqQuery },
        { "tuple type", "class C { (int, int) M() { return default; } }", "tuple type", SubsetConstruct.TupleType },
        { "tuple literal", "class C { object M() { return (1, 2); } }", "tuple literal", SubsetConstruct.TupleLiteral },
        { "record", "record Sample(int A);", "record", SubsetConstruct.Record },
        { "record struct", "record struct Sample(int A);", "record", SubsetConstruct.Record },
        { "interpolated string", "class C { string M(int a) { return $\"a={a}\"; } }", "interpolated string", SubsetConstruct.InterpolatedString },
        { "stackalloc", "class C { unsafe void M() { byte* b = stackalloc byte[4]; b[0] = 1; } }", "stackalloc", SubsetConstruct.Stackalloc },
        { "stackalloc into a span", "class C { int M() { System.Span<byte> b = stackalloc byte[4]; return b.Length; } }", "stackalloc", SubsetConstruct.Stackalloc },
        { "dynamic", "class C { object M(dynamic d) { return d.Length; } }", "dynamic", SubsetConstruct.Dynamic },
        { "yield iterator", "class C { System.Collections.IEnumerable M() { yield return 1; } }", "yield iterator", SubsetConstruct.Iterator },
        { "code that does not parse", "class C { void M( { } }", "syntax error", SubsetConstruct.SyntaxError },
    };

    [Theory]
    [MemberData(nameof(ForbiddenSnippets))]
    public void A_forbidden_construct_is_reported_by_name(string construct, string snippet, string expectedReason, SubsetConstruct expected)
    {
        IReadOnlyList<SubsetViolation> violations = FirmwareSubsetChecker.Check(construct + ".cs", snippet);

        Assert.True(
            violations.Any(v => v.Construct == expected && v.Reason.Contains(expectedReason, StringComparison.OrdinalIgnoreCase)),
            "Expected a " + expected + " violation naming '" + expectedReason + "' for " + construct + ", got:" + Environment.NewLine
                + string.Join(Environment.NewLine, violations));
    }

    // The banned-API analyzer only sees member uses and object creations: with BannedApiAnalyzers 5.6.0 and the real
    // firmware/BannedSymbols.txt it reports nothing for any of these (checked by hand), so this checker is their only guard.
    [Theory]
    [InlineData("class C { int M() { (int, int) t = (1, 2); return t.Item1; } }")]
    [InlineData("class C { string M(int a) { return $\"a={a}\"; } }")]
    [InlineData("class Box<T> { public T? Value; }")]
    [InlineData("class C { int M() { System.Span<byte> b = stackalloc byte[4]; return 1; } }")]
    [InlineData("class C { System.Collections.Generic.List<int>? _items; void Set(System.Collections.Generic.List<int> items) { _items = items; } }")]
    [InlineData("class C { int? _last; void Set(int? value) { _last = value; } }")]
    [InlineData("class C { int M(byte[] b) { return System.Array.IndexOf(b, (byte)1); } }")]
    public void Constructs_the_banned_api_list_cannot_see_are_caught_here(string snippet)
    {
        Assert.NotEmpty(FirmwareSubsetChecker.Check("Snippet.cs", snippet));
    }

    [Fact]
    public void Idiomatic_nanoFramework_code_has_no_violations()
    {
        IReadOnlyList<SubsetViolation> violations = FirmwareSubsetChecker.Check("Clean.cs", SubsetSamples.Clean);

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void Doc_comment_crefs_are_not_code()
    {
        const string Source = """
            /// <summary>Unlike <see cref="System.Collections.Generic.List{T}"/>, this ring never allocates.</summary>
            class Ring { }
            """;

        Assert.Empty(FirmwareSubsetChecker.Check("Ring.cs", Source));
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
