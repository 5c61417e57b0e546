using Rig.TestSupport;
using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// The .nfproj files cannot be built here, so what can be checked of them without nanoFramework is: they compile the
/// same sources the compile check compiles (minus the API reference), and their references match packages.config.
/// </summary>
public sealed class NanoFrameworkProjectTests
{
    private static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    [Fact]
    public void The_application_project_compiles_its_sources_without_the_api_reference_and_links_core_and_protocol()
    {
        XDocument project = Load("Rig.Firmware.Esp32.nfproj");
        List<XElement> compiles = project.Descendants(MsBuild + "Compile").ToList();

        XElement own = Assert.Single(compiles, c => (string?)c.Attribute("Include") == @"**\*.cs");
        string[] excluded = ((string?)own.Attribute("Exclude") ?? string.Empty).Split(';');
        Assert.Contains(@"ApiReference\**", excluded);
        Assert.Contains(@"Native\**", excluded);
        Assert.Single(compiles, c => (string?)c.Attribute("Include") == @"..\Rig.Firmware.Core\**\*.cs" && c.Attribute("Link") is not null);
        Assert.Single(compiles, c => (string?)c.Attribute("Include") == @"..\..\shared\Rig.Protocol\**\*.cs" && c.Attribute("Link") is not null);
        Assert.Contains(project.Descendants(MsBuild + "ProjectReference"), r => (string?)r.Attribute("Include") == @"Native\Rig.Firmware.Esp32.Native.nfproj");
    }

    [Fact]
    public void The_interop_project_holds_NativeCapture_and_generates_stubs()
    {
        XDocument project = Load("Native", "Rig.Firmware.Esp32.Native.nfproj");

        string[] compiled = project.Descendants(MsBuild + "Compile").Select(c => (string)c.Attribute("Include")!).ToArray();
        Assert.Equal([@"NativeCapture.cs", @"Properties\AssemblyInfo.cs"], compiled);
        Assert.Equal("true", project.Descendants(MsBuild + "NFMDP_GENERATE_STUBS").Single().Value);
        Assert.Equal("Rig.Firmware.Esp32.Native", project.Descendants(MsBuild + "AssemblyName").Single().Value);
    }

    [Theory]
    [InlineData("Rig.Firmware.Esp32.nfproj", "packages.config", @"packages\")]
    [InlineData(@"Native/Rig.Firmware.Esp32.Native.nfproj", @"Native/packages.config", @"..\packages\")]
    public void Every_reference_comes_from_a_package_in_packages_config_at_the_same_version(string projectFile, string packagesFile, string prefix)
    {
        XDocument project = Load(projectFile.Split('/'));
        XDocument packages = XDocument.Load(RepositoryRoot.Combine(["firmware", "Rig.Firmware.Esp32", .. packagesFile.Split('/')]));
        HashSet<string> listed = packages.Root!.Elements("package")
            .Select(p => (string)p.Attribute("id")! + "." + (string)p.Attribute("version")!)
            .ToHashSet(StringComparer.Ordinal);

        List<string> problems = [];
        foreach (XElement hint in project.Descendants(MsBuild + "HintPath"))
        {
            string path = hint.Value;
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                problems.Add(path + " is not under " + prefix);
                continue;
            }

            string folder = path[prefix.Length..].Split('\\')[0];
            if (!listed.Contains(folder))
            {
                problems.Add(path + ": package folder " + folder + " is not in " + packagesFile);
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Both_nanoFramework_projects_and_the_compile_check_pin_the_same_csharp_version()
    {
        XDocument check = XDocument.Load(RepositoryRoot.Combine("tests", "Rig.Esp32.CompileCheck", "Rig.Esp32.CompileCheck.csproj"));
        string pinned = check.Descendants("LangVersion").Single().Value;

        Assert.Equal("9.0", pinned);
        Assert.Equal(pinned, Load("Rig.Firmware.Esp32.nfproj").Descendants(MsBuild + "LangVersion").Single().Value);
        Assert.Equal(pinned, Load("Native", "Rig.Firmware.Esp32.Native.nfproj").Descendants(MsBuild + "LangVersion").Single().Value);
    }

    [Fact]
    public void The_compile_check_references_the_mscorlib_version_the_application_references_and_no_hand_copy_of_it()
    {
        XDocument props = XDocument.Load(RepositoryRoot.Combine("Directory.Packages.props"));
        string central = (string)props.Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == "nanoFramework.CoreLibrary").Attribute("Version")!;
        XDocument packages = XDocument.Load(RepositoryRoot.Combine("firmware", "Rig.Firmware.Esp32", "packages.config"));
        string device = (string)packages.Root!.Elements("package").Single(p => (string?)p.Attribute("id") == "nanoFramework.CoreLibrary").Attribute("version")!;
        XDocument check = XDocument.Load(RepositoryRoot.Combine("tests", "Rig.Esp32.CompileCheck", "Rig.Esp32.CompileCheck.csproj"));
        XElement reference = check.Descendants("PackageReference").Single(p => (string?)p.Attribute("Include") == "nanoFramework.CoreLibrary");

        Assert.Equal(device, central);
        Assert.Equal("runtime", (string?)reference.Attribute("ExcludeAssets"));
        Assert.False(System.IO.File.Exists(RepositoryRoot.Combine("firmware", "Rig.Firmware.Esp32", "ApiReference", "CoreLibrary.cs")));
        foreach (string file in System.IO.Directory.GetFiles(RepositoryRoot.Combine("firmware", "Rig.Firmware.Esp32", "ApiReference"), "*.cs"))
        {
            string head = string.Join(' ', System.IO.File.ReadLines(file).Take(6));
            Assert.True(head.Contains("github.com/nanoframework/", StringComparison.Ordinal), System.IO.Path.GetFileName(file) + " does not name the nanoFramework source it declares");
        }
    }

    private static XDocument Load(params string[] parts) => XDocument.Load(RepositoryRoot.Combine(["firmware", "Rig.Firmware.Esp32", .. parts]));
}
