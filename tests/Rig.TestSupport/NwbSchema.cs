using System;
using System.Collections.Generic;
using System.IO;

namespace Rig.TestSupport;

/// <summary>
/// The NWB core schema 2.6.0, reference data the NWB export is validated against: RIG_NWB_SCHEMA names the folder
/// explicitly; otherwise the first folder from the repository root upwards that holds shared/nwb-schema/2.6.0 (from a
/// worktree under /work/wt/ the walk reaches /work/shared).
/// </summary>
public static class NwbSchema
{
    public const string Version = "2.6.0";
    public const string NamespaceFile = "nwb.namespace.yaml";

    /// <summary>The schema folder, or an exception naming every place looked at (a missing schema fails, never skips, the check).</summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("RIG_NWB_SCHEMA") is { Length: > 0 } given)
        {
            return File.Exists(Path.Combine(given, NamespaceFile))
                ? given
                : throw new InvalidOperationException($"RIG_NWB_SCHEMA is '{given}', which holds no {NamespaceFile}");
        }

        var looked = new List<string>();
        for (DirectoryInfo? folder = new(RepositoryRoot.Find()); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "nwb-schema", Version);
            if (File.Exists(Path.Combine(candidate, NamespaceFile)))
            {
                return candidate;
            }

            looked.Add(candidate);
        }

        throw new InvalidOperationException(
            $"the NWB core schema {Version} was not found (no {NamespaceFile} in any of: {string.Join(", ", looked)}); set RIG_NWB_SCHEMA to its folder");
    }
}
