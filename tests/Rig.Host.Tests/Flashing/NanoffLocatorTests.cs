using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Versioning;
using Rig.Provisioning.Flashing;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Flashing;

[UnsupportedOSPlatform("windows")] // Executable bits and the file name "nanoff" are the Unix rules.
public sealed class NanoffLocatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RIG_NANOFF_wins_over_PATH_and_the_dotnet_tools_folder()
    {
        string onPath = Executable("bin", "nanoff");
        string explicitOne = Executable("fake", "my-nanoff");

        var found = NanoffLocator.Find(Env(("RIG_NANOFF", explicitOne), ("PATH", Path.GetDirectoryName(onPath))), _dir.Path);

        Assert.Equal(new NanoffLocation(explicitOne, "RIG_NANOFF"), found);
    }

    [Fact]
    public void PATH_is_searched_in_order()
    {
        string first = Executable("a", "nanoff");
        Executable("b", "nanoff");

        var found = NanoffLocator.Find(Env(("PATH", $"{_dir.Combine("empty")}:{_dir.Combine("a")}:{_dir.Combine("b")}")), null);

        Assert.Equal(new NanoffLocation(first, "PATH"), found);
    }

    [Fact]
    public void The_dotnet_tools_folder_is_found_when_PATH_lacks_it()
    {
        string home = _dir.Combine("home");
        string tool = Executable(Path.Combine("home", ".dotnet", "tools"), "nanoff");

        Assert.Equal(tool, NanoffLocator.Find(Env(("PATH", "/nonexistent")), home)!.Path);
    }

    [Fact]
    public void DOTNET_CLI_HOME_moves_the_dotnet_tools_folder()
    {
        string tool = Executable(Path.Combine("cli", ".dotnet", "tools"), "nanoff");

        Assert.Equal(tool, NanoffLocator.Find(Env(("DOTNET_CLI_HOME", _dir.Combine("cli"))), null)!.Path);
    }

    [Fact]
    public void A_file_named_nanoff_that_is_not_executable_is_not_nanoff()
    {
        Directory.CreateDirectory(_dir.Combine("bin"));
        File.WriteAllText(_dir.Combine("bin", "nanoff"), "");
        File.SetUnixFileMode(_dir.Combine("bin", "nanoff"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Null(NanoffLocator.Find(Env(("PATH", _dir.Combine("bin"))), _dir.Path));
    }

    [Fact]
    public void Nothing_installed_is_null_and_an_empty_RIG_NANOFF_counts_as_unset()
    {
        Assert.Null(NanoffLocator.Find(Env(("RIG_NANOFF", ""), ("PATH", _dir.Path)), _dir.Path));
    }

    [Fact]
    public void A_RIG_NANOFF_naming_no_file_is_an_error_with_the_install_hint_not_a_fallback()
    {
        Executable("bin", "nanoff");

        var e = Assert.Throws<NanoffNotFoundException>(() => NanoffLocator.Find(Env(("RIG_NANOFF", "/no/such/nanoff"), ("PATH", _dir.Combine("bin"))), null));

        Assert.Contains("/no/such/nanoff", e.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet tool install -g nanoff", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_searched_places_name_PATH_and_both_tool_folders()
    {
        Assert.Equal("PATH, /cli/.dotnet/tools, /home/u/.dotnet/tools", NanoffLocator.SearchedPlaces(Env(("DOTNET_CLI_HOME", "/cli")), "/home/u"));
    }

    private static Func<string, string?> Env(params (string Name, string? Value)[] variables)
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            map[name] = value;
        }

        return name => map.GetValueOrDefault(name);
    }

    private string Executable(string folder, string name)
    {
        Directory.CreateDirectory(_dir.Combine(folder));
        string path = _dir.Combine(folder, name);
        File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
