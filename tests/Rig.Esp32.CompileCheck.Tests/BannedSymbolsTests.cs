using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Rig.TestSupport;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// firmware/BannedSymbols.txt gives a reason for every ban; the reasons that say what nanoFramework's mscorlib has or
/// lacks are checked against the real mscorlib.dll of nanoFramework.CoreLibrary (the version the device uses), so a
/// reason cannot go stale when the library changes.
/// </summary>
public sealed class BannedSymbolsTests
{
    private const string Version = "1.17.11";

    [Fact]
    public void The_mscorlib_read_here_is_the_version_the_device_application_references()
    {
        string path = MscorlibPath();
        Assert.Contains("/" + Version + "/", path.Replace('\\', '/'), StringComparison.Ordinal);
        string packages = File.ReadAllText(RepositoryRoot.Combine("firmware", "Rig.Firmware.Esp32", "packages.config"));
        Assert.Contains("id=\"nanoFramework.CoreLibrary\" version=\"" + Version + "\"", packages, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_reason_that_says_mscorlib_lacks_a_type_or_namespace_is_true_of_the_real_mscorlib()
    {
        HashSet<string> types = MscorlibTypes();
        List<string> wrong = [];
        foreach ((string id, string reason) in Bans())
        {
            bool saysMissing = reason.StartsWith("not in ", StringComparison.Ordinal) || reason.Contains(" not in nanoFramework", StringComparison.Ordinal);
            if (!saysMissing || id.StartsWith("M:", StringComparison.Ordinal) || id.StartsWith("P:", StringComparison.Ordinal))
            {
                continue;
            }

            if (Exists(types, id))
            {
                wrong.Add(id + " says '" + reason + "', but mscorlib " + Version + " declares it");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void Every_reason_that_says_mscorlib_has_a_type_is_true_of_the_real_mscorlib()
    {
        HashSet<string> types = MscorlibTypes();
        List<string> checkedIds = [];
        List<string> wrong = [];
        foreach ((string id, string reason) in Bans())
        {
            bool saysPresent = reason.Contains("in mscorlib " + Version, StringComparison.Ordinal) && !reason.StartsWith("not in", StringComparison.Ordinal);
            if (!saysPresent)
            {
                continue;
            }

            checkedIds.Add(id);
            string type = id[2..];
            if (id.StartsWith("M:", StringComparison.Ordinal) || id.StartsWith("P:", StringComparison.Ordinal))
            {
                string withoutArguments = type.Split('(')[0];
                type = withoutArguments[..withoutArguments.LastIndexOf('.')];
            }

            if (!types.Contains(type))
            {
                wrong.Add(id + " says '" + reason + "', but mscorlib " + Version + " has no " + type);
            }
        }

        Assert.Contains("T:System.Console", checkedIds);
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    private static bool Exists(HashSet<string> types, string id)
    {
        string name = id[2..];
        return id.StartsWith("N:", StringComparison.Ordinal)
            ? types.Any(t => t.StartsWith(name + ".", StringComparison.Ordinal))
            : types.Contains(name);
    }

    private static IEnumerable<(string Id, string Reason)> Bans()
    {
        foreach (string line in File.ReadAllLines(RepositoryRoot.Combine("firmware", "BannedSymbols.txt")))
        {
            int separator = line.IndexOf(';', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            Assert.True(separator > 0, "A ban without a reason: " + line);
            yield return (line[..separator], line[(separator + 1)..]);
        }
    }

    private static string MscorlibPath()
    {
        string? path = typeof(BannedSymbolsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "NanoFrameworkMscorlib")?.Value;
        Assert.True(path is not null && File.Exists(path), "nanoFramework.CoreLibrary's mscorlib.dll was not restored: " + path);
        return path;
    }

    /// <summary>Full names of mscorlib's types, generic arity included (System.Action`1), as BannedSymbols.txt spells them.</summary>
    private static HashSet<string> MscorlibTypes()
    {
        using FileStream file = File.OpenRead(MscorlibPath());
        using PEReader pe = new(file);
        MetadataReader metadata = pe.GetMetadataReader();
        HashSet<string> names = new(StringComparer.Ordinal);
        foreach (TypeDefinitionHandle handle in metadata.TypeDefinitions)
        {
            TypeDefinition type = metadata.GetTypeDefinition(handle);
            string ns = metadata.GetString(type.Namespace);
            if (ns.Length > 0)
            {
                names.Add(ns + "." + metadata.GetString(type.Name));
            }
        }

        Assert.Contains("System.String", names);
        return names;
    }
}
