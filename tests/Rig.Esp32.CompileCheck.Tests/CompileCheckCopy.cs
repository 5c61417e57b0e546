using System;
using System.IO;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// A copy of everything tests/Rig.Esp32.CompileCheck builds from (the repository's real Directory.Build.props,
/// Directory.Packages.props, .editorconfig, global.json, firmware/BannedSymbols.txt, the device sources and the
/// compile-check project) in a temporary folder, where a test may damage one file and run `dotnet build`.
/// </summary>
internal sealed class CompileCheckCopy : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _temp = new();

    public CompileCheckCopy()
    {
        string root = RepositoryRoot.Find();
        foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "global.json" })
        {
            string source = Path.Combine(root, file);
            if (File.Exists(source))
            {
                File.Copy(source, _temp.Combine(file));
            }
        }

        Directory.CreateDirectory(_temp.Combine("firmware"));
        File.Copy(Path.Combine(root, "firmware", "BannedSymbols.txt"), _temp.Combine("firmware", "BannedSymbols.txt"));
        CopySources(Path.Combine(root, "firmware", "Rig.Firmware.Esp32"), _temp.Combine("firmware", "Rig.Firmware.Esp32"));
        CopySources(Path.Combine(root, "firmware", "Rig.Firmware.Core"), _temp.Combine("firmware", "Rig.Firmware.Core"));
        CopySources(Path.Combine(root, "shared", "Rig.Protocol"), _temp.Combine("shared", "Rig.Protocol"));
        Directory.CreateDirectory(_temp.Combine("tests", "Rig.Esp32.CompileCheck"));
        File.Copy(Path.Combine(root, "tests", "Directory.Build.props"), _temp.Combine("tests", "Directory.Build.props"));
        File.Copy(
            Path.Combine(root, "tests", "Rig.Esp32.CompileCheck", "Rig.Esp32.CompileCheck.csproj"),
            _temp.Combine("tests", "Rig.Esp32.CompileCheck", "Rig.Esp32.CompileCheck.csproj"));
    }

    public string Root => _temp.Path;

    /// <summary>A path inside the copy, from repository-relative parts.</summary>
    public string PathOf(params string[] parts) => _temp.Combine(parts);

    /// <summary>Replaces the one occurrence of <paramref name="original"/> in a copied file; fails if it is not there exactly once.</summary>
    public void Replace(string relativePath, string original, string replacement)
    {
        string path = _temp.Combine(relativePath.Split('/'));
        string text = File.ReadAllText(path);
        int first = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(first >= 0, "'" + original + "' is not in " + relativePath + ": update the test to the reference's current text");
        Assert.True(text.IndexOf(original, first + 1, StringComparison.Ordinal) < 0, "'" + original + "' occurs more than once in " + relativePath);
        File.WriteAllText(path, text[..first] + replacement + text[(first + original.Length)..]);
    }

    public void Write(string relativePath, string content) => File.WriteAllText(_temp.Combine(relativePath.Split('/')), content);

    /// <summary>Runs `dotnet build` of the compile-check project in the copy, as a child process that leaves nothing running.</summary>
    public Task<BuildResult> BuildAsync(params string[] extraArguments) =>
        DotnetBuild.RunAsync(_temp.Path, [Path.Combine("tests", "Rig.Esp32.CompileCheck", "Rig.Esp32.CompileCheck.csproj"), .. extraArguments], BuildTimeout,
            TestContext.Current.CancellationToken);

    public void Dispose() => _temp.Dispose();

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".cs", StringComparison.Ordinal) || name.EndsWith(".csproj", StringComparison.Ordinal) || name == ".editorconfig"
                || (name.StartsWith("BannedSymbols", StringComparison.Ordinal) && name.EndsWith(".txt", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(to, name));
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
}
