using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Rig.Protocol.Tests.Subset;

/// <summary>
/// Runs the real Microsoft.CodeAnalysis.BannedApiAnalyzers package (the one Directory.Build.props applies to
/// NanoFrameworkSubset projects) in-process over C# snippets, with a banned-symbols file as its AdditionalText.
/// The package folder comes from the test project's AssemblyMetadata (GeneratePathProperty on the package reference).
/// </summary>
internal static class BannedApiAnalyzerHost
{
    public const string PackageFolderKey = "BannedApiAnalyzersPackageFolder";

    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> Lazy = new(LoadAnalyzers);

    public static string PackageFolder
    {
        get
        {
            string? folder = typeof(BannedApiAnalyzerHost).Assembly
                .GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == PackageFolderKey)?.Value;
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
            {
                throw new InvalidOperationException(
                    "AssemblyMetadata '" + PackageFolderKey + "' is '" + folder + "': the test project must reference "
                    + "Microsoft.CodeAnalysis.BannedApiAnalyzers with GeneratePathProperty=\"true\" and restore it.");
            }

            return folder;
        }
    }

    /// <summary>The C# analyzers of the package (analyzers/dotnet/cs), discovered the way the compiler discovers them.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers => Lazy.Value;

    public static async Task<AnalyzerRun> RunAsync(string snippet, string bannedSymbolsPath, string bannedSymbolsText, CancellationToken cancellationToken)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(
            snippet, new CSharpParseOptions(LanguageVersion.Latest), "Snippet.cs", Encoding.UTF8, cancellationToken);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Snippet",
            [tree],
            RuntimeReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));

        ImmutableArray<Diagnostic>.Builder exceptions = ImmutableArray.CreateBuilder<Diagnostic>();
        CompilationWithAnalyzersOptions options = new(
            new AnalyzerOptions([new InMemoryAdditionalText(bannedSymbolsPath, bannedSymbolsText)]),
            onAnalyzerException: (exception, analyzer, diagnostic) =>
            {
                lock (exceptions)
                {
                    exceptions.Add(diagnostic);
                }
            },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        CompilationWithAnalyzers withAnalyzers = compilation.WithAnalyzers(Analyzers, options);
        ImmutableArray<Diagnostic> analyzerDiagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken);

        return new AnalyzerRun(
            compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray(),
            analyzerDiagnostics,
            exceptions.ToImmutable());
    }

    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzers()
    {
        string folder = Path.Combine(PackageFolder, "analyzers", "dotnet", "cs");
        string[] dlls = Directory.GetFiles(folder, "*.dll");
        if (dlls.Length == 0)
        {
            throw new InvalidOperationException("No analyzer assemblies in " + folder);
        }

        LoadFromLoader loader = new();
        foreach (string dll in dlls)
        {
            loader.AddDependencyLocation(dll);
        }

        ImmutableArray<DiagnosticAnalyzer>.Builder analyzers = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
        StringBuilder failures = new();
        foreach (string dll in dlls)
        {
            AnalyzerFileReference reference = new(dll, loader);
            reference.AnalyzerLoadFailed += (sender, e) =>
                failures.AppendLine(Path.GetFileName(dll) + ": " + e.ErrorCode + " " + e.Message + " " + e.Exception);
            analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
        }

        if (failures.Length > 0)
        {
            throw new InvalidOperationException("Loading the banned-API analyzers failed:" + Environment.NewLine + failures);
        }

        return analyzers.ToImmutable();
    }

    /// <summary>Loads analyzer assemblies into the default context; their Roslyn references bind to the test's own Roslyn.</summary>
    private sealed class LoadFromLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
            // LoadFrom resolves dependencies from the loaded assembly's own folder, which is where they all are.
        }

        // By path on purpose: the analyzer DLLs are not (and must not be) references of this project.
        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    private sealed class InMemoryAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public InMemoryAdditionalText(string path, string text)
        {
            Path = path;
            _text = SourceText.From(text, Encoding.UTF8);
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }
}

/// <summary>Compiler errors of the snippet itself, the analyzer's diagnostics, and any analyzer crashes.</summary>
internal sealed class AnalyzerRun
{
    public AnalyzerRun(ImmutableArray<Diagnostic> compilerErrors, ImmutableArray<Diagnostic> analyzerDiagnostics, ImmutableArray<Diagnostic> analyzerExceptions)
    {
        CompilerErrors = compilerErrors;
        AnalyzerDiagnostics = analyzerDiagnostics;
        AnalyzerExceptions = analyzerExceptions;
    }

    public ImmutableArray<Diagnostic> CompilerErrors { get; }

    public ImmutableArray<Diagnostic> AnalyzerDiagnostics { get; }

    public ImmutableArray<Diagnostic> AnalyzerExceptions { get; }

    public ImmutableArray<Diagnostic> WithId(string id) =>
        AnalyzerDiagnostics.Where(d => d.Id == id).ToImmutableArray();
}
