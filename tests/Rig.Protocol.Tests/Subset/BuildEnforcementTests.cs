using System;
using System.IO;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Protocol.Tests.Subset;

/// <summary>
/// The build itself refuses banned APIs: a copy of shared/Rig.Protocol, built with the repository's real
/// Directory.Build.props, Directory.Packages.props, .editorconfig, global.json and firmware/BannedSymbols.txt,
/// fails with RS0030 once a file uses List&lt;int&gt;, and builds cleanly without it.
/// </summary>
/// <remarks>Runs `dotnet build` twice in a temporary folder (a few seconds each with a warm NuGet cache; restore is offline).</remarks>
public sealed class BuildEnforcementTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private const string ProbeSource = """
        namespace Rig.Protocol
        {
            internal static class SubsetProbe
            {
                internal static int Count()
                {
                    System.Collections.Generic.List<int> items = new System.Collections.Generic.List<int>();
                    items.Add(1);
                    return items.Count;
                }
            }
        }

        """;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Building_a_NanoFrameworkSubset_project_fails_with_RS0030_on_a_banned_api_and_succeeds_without_it()
    {
        string root = RepositoryRoot.Find();
        using TempDirectory temp = new();
        foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "global.json" })
        {
            string source = Path.Combine(root, file);
            if (File.Exists(source))
            {
                File.Copy(source, temp.Combine(file));
            }
        }

        Assert.True(File.Exists(temp.Combine("Directory.Build.props")), "The repository has no Directory.Build.props at " + root);
        Directory.CreateDirectory(temp.Combine("firmware"));
        File.Copy(Path.Combine(root, "firmware", "BannedSymbols.txt"), temp.Combine("firmware", "BannedSymbols.txt"));
        string project = temp.Combine("shared", "Rig.Protocol");
        CopySources(Path.Combine(root, "shared", "Rig.Protocol"), project);
        string probe = Path.Combine(project, "SubsetProbe.cs");
        await File.WriteAllTextAsync(probe, ProbeSource, TestContext.Current.CancellationToken);

        BuildResult failing = await BuildAsync(project);

        Assert.True(failing.ExitCode != 0, "The build with SubsetProbe.cs should fail:" + Environment.NewLine + failing.Output);
        Assert.Contains("SubsetProbe.cs", failing.Output, StringComparison.Ordinal);
        Assert.Contains("error RS0030", failing.Output, StringComparison.Ordinal);

        File.Delete(probe);
        BuildResult passing = await BuildAsync(project);

        Assert.True(passing.ExitCode == 0, "The build without SubsetProbe.cs should succeed:" + Environment.NewLine + passing.Output);
        Assert.DoesNotContain("RS0030", passing.Output, StringComparison.Ordinal);
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            if (file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".csproj", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }

        foreach (string folder in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(folder);
            if (name is not ("bin" or "obj"))
            {
                CopySources(folder, Path.Combine(to, name));
            }
        }
    }

    private static Task<BuildResult> BuildAsync(string projectFolder) =>
        DotnetBuild.RunAsync(projectFolder, [], BuildTimeout, TestContext.Current.CancellationToken);
}
