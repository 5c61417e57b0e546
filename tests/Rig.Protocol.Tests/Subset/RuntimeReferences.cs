using System;
using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;

namespace Rig.Protocol.Tests.Subset;

/// <summary>
/// Metadata references to the running .NET runtime's own assemblies (the shared framework entries of
/// TRUSTED_PLATFORM_ASSEMBLIES), the same API surface the host build of firmware/ and shared/ compiles against.
/// Test-only dependencies (xunit, Roslyn) on the list are left out so snippets see only the BCL.
/// </summary>
internal static class RuntimeReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Lazy = new(Load);

    public static ImmutableArray<MetadataReference> All => Lazy.Value;

    private static ImmutableArray<MetadataReference> Load()
    {
        string list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string
            ?? throw new InvalidOperationException("The runtime did not provide TRUSTED_PLATFORM_ASSEMBLIES.");
        string frameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location)
            ?? throw new InvalidOperationException("Cannot locate the shared framework folder.");

        ImmutableArray<MetadataReference>.Builder references = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (string path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(Path.GetDirectoryName(path), frameworkFolder, StringComparison.Ordinal))
            {
                references.Add(MetadataReference.CreateFromFile(path));
            }
        }

        if (references.Count == 0)
        {
            throw new InvalidOperationException("No shared framework assemblies found in TRUSTED_PLATFORM_ASSEMBLIES under " + frameworkFolder);
        }

        return references.ToImmutable();
    }
}
