using System;
using System.IO;

namespace Rig.TestSupport;

/// <summary>The checkout the tests were built from: the nearest folder above the test binaries holding Rig.sln.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Rig.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            "No folder containing Rig.sln above " + AppContext.BaseDirectory + ": run the tests from a build inside the repository.");
    }

    public static string Combine(params string[] parts) => Path.Combine([Find(), .. parts]);
}
