using System.Globalization;

namespace Rig.Protocol.Tests.Subset;

/// <summary>The language constructs <see cref="FirmwareSubsetChecker"/> refuses in device code.</summary>
public enum SubsetConstruct
{
    SyntaxError,
    GenericTypeDeclaration,
    GenericInterfaceDeclaration,
    GenericDelegateDeclaration,
    GenericMethodDeclaration,
    GenericName,
    InferredGenericMethodCall,
    InferredGenericVariable,
    NullableValueType,
    AnonymousType,
    Async,
    Await,
    LinqQuery,
    TupleType,
    TupleLiteral,
    Record,
    InterpolatedString,
    Stackalloc,
    Dynamic,
    Iterator,
}

/// <summary>One construct outside the nanoFramework 1.x subset, at a file and 1-based line.</summary>
public sealed class SubsetViolation
{
    public SubsetViolation(string path, int line, int column, SubsetConstruct construct, string reason)
    {
        Path = path;
        Line = line;
        Column = column;
        Construct = construct;
        Reason = reason;
    }

    public string Path { get; }

    public int Line { get; }

    public int Column { get; }

    public SubsetConstruct Construct { get; }

    public string Reason { get; }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Path}({Line},{Column}): {Reason}");
}
