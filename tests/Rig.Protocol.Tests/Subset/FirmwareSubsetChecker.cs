using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Rig.Protocol.Tests.Subset;

/// <summary>
/// Finds C# language constructs that compile for .NET 10 but not for nanoFramework 1.x (no generics, async,
/// LINQ, tuples, records, string interpolation handlers, stackalloc, dynamic, iterators).
/// The banned-API analyzer (firmware/BannedSymbols.txt) guards library APIs; this guards the language itself,
/// which the analyzer cannot see: a tuple literal, <c>$"..."</c> or <c>class Box&lt;T&gt;</c> calls no banned member.
/// </summary>
/// <remarks>
/// Mostly syntactic. A semantic model (all files compiled together against the running runtime) is used only where
/// syntax cannot tell: generic methods called with inferred type arguments (<c>Array.IndexOf(bytes, b)</c> binds to
/// <c>IndexOf&lt;T&gt;</c>, <c>Interlocked.Exchange(ref buf, next)</c> to <c>Exchange&lt;T&gt;</c>), <c>var</c> that
/// infers a generic type, <c>int?</c> versus an annotated <c>string?</c>, and <c>dynamic</c>. Device code that calls
/// nanoFramework-only APIs does not bind on the host; such calls are skipped, never reported.
///
/// Deliberately allowed: non-generic <c>IEnumerable</c>/<c>IEnumerator</c> implemented by hand and <c>foreach</c>
/// over arrays; lambdas and delegates of non-generic delegate types; nullable reference annotations (<c>string?</c>:
/// metadata only); pattern matching and switch expressions (plain IL); <c>lock</c>; <c>nameof</c>; XML doc comments
/// (crefs are not code; the banned-API analyzer still checks them). Local functions are not inspected for captures.
/// </remarks>
public static class FirmwareSubsetChecker
{
    private static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Preview, DocumentationMode.Parse, SourceCodeKind.Regular);

    private static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);

    /// <summary>Checks one source text on its own (types from other files do not bind; see remarks).</summary>
    public static IReadOnlyList<SubsetViolation> Check(string path, string source)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(source);
        SyntaxTree tree = Parse(path, source);
        CSharpCompilation compilation = CreateCompilation([tree]);
        return CheckTreeSyntax(tree, compilation.GetSemanticModel(tree, ignoreAccessibility: true));
    }

    /// <summary>
    /// Checks every .cs file under <paramref name="root"/>/firmware and <paramref name="root"/>/shared, skipping
    /// bin/ and obj/ folders and any folder whose name ends in ".Tests" (host-only test code may use anything).
    /// </summary>
    public static SubsetReport CheckTree(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        List<string> files = [];
        foreach (string top in new[] { "firmware", "shared" })
        {
            string folder = Path.Combine(root, top);
            if (Directory.Exists(folder))
            {
                CollectSources(folder, files);
            }
        }

        files.Sort(StringComparer.Ordinal);
        List<SyntaxTree> trees = [];
        foreach (string file in files)
        {
            trees.Add(Parse(Path.GetRelativePath(root, file), File.ReadAllText(file, Encoding.UTF8)));
        }

        // One compilation for all files, so that types declared in one file bind when used in another.
        CSharpCompilation compilation = CreateCompilation(trees);
        List<SubsetViolation> violations = [];
        foreach (SyntaxTree tree in trees)
        {
            violations.AddRange(CheckTreeSyntax(tree, compilation.GetSemanticModel(tree, ignoreAccessibility: true)));
        }

        return new SubsetReport(trees.Select(t => t.FilePath).ToImmutableArray(), violations.ToImmutableArray());
    }

    private static void CollectSources(string folder, List<string> files)
    {
        files.AddRange(Directory.GetFiles(folder, "*.cs"));
        foreach (string child in Directory.GetDirectories(folder))
        {
            string name = Path.GetFileName(child);
            bool skip = name.Equals("bin", StringComparison.OrdinalIgnoreCase)
                || name.Equals("obj", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".Tests", StringComparison.OrdinalIgnoreCase);
            if (!skip)
            {
                CollectSources(child, files);
            }
        }
    }

    private static SyntaxTree Parse(string path, string source) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path, Encoding.UTF8);

    private static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create("SubsetCheck", trees, RuntimeReferences.All, CompilationOptions);

    private static List<SubsetViolation> CheckTreeSyntax(SyntaxTree tree, SemanticModel model)
    {
        List<SubsetViolation> violations = [];
        SyntaxNode root = tree.GetRoot();

        foreach (Diagnostic error in tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            Add(violations, error.Location, SubsetConstruct.SyntaxError,
                "syntax error " + error.Id + " (" + error.GetMessage(System.Globalization.CultureInfo.InvariantCulture) + "): the file must parse before it can be checked");
        }

        // DescendantNodesAndTokens does not enter structured trivia, so doc-comment crefs such as List{T} are not code.
        foreach (SyntaxNodeOrToken item in root.DescendantNodesAndTokens())
        {
            if (item.IsToken)
            {
                CheckToken(item.AsToken(), violations);
            }
            else if (item.AsNode() is { } node)
            {
                CheckNode(node, model, violations);
            }
        }

        return violations;
    }

    private static void CheckToken(SyntaxToken token, List<SubsetViolation> violations)
    {
        // Token kinds rather than node kinds catch every form: async methods, lambdas and local functions;
        // await expressions as well as 'await foreach' and 'await using'.
        if (token.IsKind(SyntaxKind.AsyncKeyword))
        {
            Add(violations, token.GetLocation(), SubsetConstruct.Async,
                "async modifier: nanoFramework 1.x has no Task or async/await (use a thread or a timer callback)");
        }
        else if (token.IsKind(SyntaxKind.AwaitKeyword))
        {
            Add(violations, token.GetLocation(), SubsetConstruct.Await,
                "await: nanoFramework 1.x has no Task or async/await");
        }
    }

    private static void CheckNode(SyntaxNode node, SemanticModel model, List<SubsetViolation> violations)
    {
        switch (node)
        {
            case RecordDeclarationSyntax record:
                Add(violations, record.Keyword.GetLocation(), SubsetConstruct.Record,
                    "record declaration '" + record.Identifier.ValueText + "': records generate IEquatable<T> and EqualityContract, which nanoFramework 1.x lacks (write a class or struct)");
                CheckTypeParameters(record, "record", SubsetConstruct.GenericTypeDeclaration, violations);
                break;

            case InterfaceDeclarationSyntax type:
                CheckTypeParameters(type, "interface", SubsetConstruct.GenericInterfaceDeclaration, violations);
                break;

            case TypeDeclarationSyntax type:
                CheckTypeParameters(type, type.Keyword.ValueText, SubsetConstruct.GenericTypeDeclaration, violations);
                break;

            case DelegateDeclarationSyntax { TypeParameterList: { } list } del:
                Add(violations, list.GetLocation(), SubsetConstruct.GenericDelegateDeclaration,
                    "generic delegate declaration '" + del.Identifier.ValueText + list + "': nanoFramework 1.x has no generics");
                break;

            case MethodDeclarationSyntax { TypeParameterList: { } list } method:
                Add(violations, list.GetLocation(), SubsetConstruct.GenericMethodDeclaration,
                    "generic method declaration '" + method.Identifier.ValueText + list + "': nanoFramework 1.x has no generics");
                break;

            case LocalFunctionStatementSyntax { TypeParameterList: { } list } local:
                Add(violations, list.GetLocation(), SubsetConstruct.GenericMethodDeclaration,
                    "generic method declaration (local function) '" + local.Identifier.ValueText + list + "': nanoFramework 1.x has no generics");
                break;

            case GenericNameSyntax name:
                Add(violations, name.GetLocation(), SubsetConstruct.GenericName,
                    "generic type or method use '" + name + "': nanoFramework 1.x has no generics (use arrays and non-generic types)");
                break;

            case InvocationExpressionSyntax invocation:
                CheckInferredGenericCall(invocation, model, violations);
                break;

            case IdentifierNameSyntax identifier:
                CheckIdentifier(identifier, model, violations);
                break;

            case NullableTypeSyntax nullable:
                CheckNullable(nullable, model, violations);
                break;

            case AnonymousObjectCreationExpressionSyntax anonymous:
                Add(violations, anonymous.NewKeyword.GetLocation(), SubsetConstruct.AnonymousType,
                    "anonymous type: the compiler emits anonymous types as generic classes, which nanoFramework 1.x lacks");
                break;

            case QueryExpressionSyntax query:
                Add(violations, query.GetLocation(), SubsetConstruct.LinqQuery,
                    "LINQ query expression: nanoFramework 1.x has no LINQ (write the loop)");
                break;

            case TupleTypeSyntax tuple:
                Add(violations, tuple.GetLocation(), SubsetConstruct.TupleType,
                    "tuple type '" + tuple + "': tuples are the generic ValueTuple<...>, not in nanoFramework 1.x (use a struct or out parameters)");
                break;

            case TupleExpressionSyntax tuple:
                Add(violations, tuple.GetLocation(), SubsetConstruct.TupleLiteral,
                    "tuple literal '" + tuple + "': tuples are the generic ValueTuple<...>, not in nanoFramework 1.x");
                break;

            case InterpolatedStringExpressionSyntax interpolated:
                Add(violations, interpolated.GetLocation(), SubsetConstruct.InterpolatedString,
                    "interpolated string: compiles to DefaultInterpolatedStringHandler, which nanoFramework 1.x lacks (concatenate with +)");
                break;

            case StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax:
                Add(violations, node.GetLocation(), SubsetConstruct.Stackalloc,
                    "stackalloc: not supported by the nanoFramework 1.x interpreter (use a preallocated byte[] field)");
                break;

            case YieldStatementSyntax yield:
                // Flagged even in non-generic IEnumerable iterators: the compiler's state machine class also
                // implements IEnumerable<object> and IEnumerator<object>, so any iterator drags in generics.
                Add(violations, yield.YieldKeyword.GetLocation(), SubsetConstruct.Iterator,
                    "yield iterator: the compiler-generated iterator implements IEnumerator<object> even for non-generic IEnumerable, and nanoFramework 1.x has no generics (implement IEnumerator by hand or fill an array)");
                break;
        }
    }

    private static void CheckTypeParameters(TypeDeclarationSyntax type, string kind, SubsetConstruct construct, List<SubsetViolation> violations)
    {
        if (type.TypeParameterList is { } list)
        {
            Add(violations, list.GetLocation(), construct,
                "generic " + kind + " declaration '" + type.Identifier.ValueText + list + "': nanoFramework 1.x has no generics");
        }
    }

    private static void CheckInferredGenericCall(InvocationExpressionSyntax invocation, SemanticModel model, List<SubsetViolation> violations)
    {
        SimpleNameSyntax? name = invocation.Expression switch
        {
            SimpleNameSyntax simple => simple,
            MemberAccessExpressionSyntax access => access.Name,
            MemberBindingExpressionSyntax binding => binding.Name,
            _ => null,
        };
        if (name is GenericNameSyntax)
        {
            return; // Explicit type arguments: already reported as a generic name.
        }

        if (model.GetSymbolInfo(invocation).Symbol is IMethodSymbol { IsGenericMethod: true } method)
        {
            Add(violations, invocation.GetLocation(), SubsetConstruct.InferredGenericMethodCall,
                "call to generic method '" + method.ToDisplayString() + "' (type arguments inferred): nanoFramework 1.x has no generics (call a non-generic overload, e.g. cast to Array or object)");
        }
    }

    private static void CheckIdentifier(IdentifierNameSyntax identifier, SemanticModel model, List<SubsetViolation> violations)
    {
        if (identifier.IsVar)
        {
            ITypeSymbol? inferred = model.GetTypeInfo(identifier).Type;
            if (inferred is not null && IsGenericOrTuple(inferred))
            {
                Add(violations, identifier.GetLocation(), SubsetConstruct.InferredGenericVariable,
                    "'var' inferred as generic type '" + inferred.ToDisplayString() + "': nanoFramework 1.x has no generics");
            }
        }
        else if (identifier.Identifier.ValueText == "dynamic"
            && model.GetTypeInfo(identifier).Type is { TypeKind: TypeKind.Dynamic })
        {
            Add(violations, identifier.GetLocation(), SubsetConstruct.Dynamic,
                "dynamic: nanoFramework 1.x has no dynamic language runtime");
        }
    }

    private static void CheckNullable(NullableTypeSyntax nullable, SemanticModel model, List<SubsetViolation> violations)
    {
        ITypeSymbol? type = model.GetTypeInfo(nullable).Type;
        bool nullableValueType = type is { TypeKind: not TypeKind.Error }
            ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
            : nullable.ElementType is PredefinedTypeSyntax predefined
                && !predefined.Keyword.IsKind(SyntaxKind.StringKeyword)
                && !predefined.Keyword.IsKind(SyntaxKind.ObjectKeyword);
        if (nullableValueType)
        {
            Add(violations, nullable.GetLocation(), SubsetConstruct.NullableValueType,
                "nullable value type '" + nullable + "': Nullable<T> is generic, not in nanoFramework 1.x (use a sentinel value or a flag)");
        }
    }

    private static bool IsGenericOrTuple(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsGenericOrTuple(array.ElementType),
        IPointerTypeSymbol pointer => IsGenericOrTuple(pointer.PointedAtType),
        INamedTypeSymbol named => named.IsGenericType || named.IsTupleType || named.IsAnonymousType,
        _ => false,
    };

    private static void Add(List<SubsetViolation> violations, Location location, SubsetConstruct construct, string reason)
    {
        FileLinePositionSpan span = location.GetLineSpan();
        violations.Add(new SubsetViolation(
            span.Path,
            span.StartLinePosition.Line + 1,
            span.StartLinePosition.Character + 1,
            construct,
            reason));
    }
}

/// <summary>What <see cref="FirmwareSubsetChecker.CheckTree"/> looked at (paths relative to the root) and found.</summary>
public sealed class SubsetReport
{
    public SubsetReport(ImmutableArray<string> filesScanned, ImmutableArray<SubsetViolation> violations)
    {
        FilesScanned = filesScanned;
        Violations = violations;
    }

    public ImmutableArray<string> FilesScanned { get; }

    public ImmutableArray<SubsetViolation> Violations { get; }
}
