using System;
using System.Collections.Generic;
using System.IO;

namespace Rig.Provisioning.Flashing;

/// <summary>Where nanoff is and how it was found.</summary>
public sealed record NanoffLocation(string Path, string FoundVia);

/// <summary>
/// Finds the nanoff executable: <c>RIG_NANOFF</c> (an explicit path; tests point it at a fake), then PATH, then the folder
/// <c>dotnet tool install -g</c> installs into (<c>$DOTNET_CLI_HOME/.dotnet/tools</c> or <c>~/.dotnet/tools</c>), which is
/// often missing from PATH in non-login shells and on macOS.
/// </summary>
public static class NanoffLocator
{
    public const string OverrideVariable = "RIG_NANOFF";

    /// <summary>The install command, as the nanoff README gives it.</summary>
    public const string InstallCommand = "dotnet tool install -g nanoff";

    public const string InstallHint =
        "Install it with '" + InstallCommand + "' (it lands in ~/.dotnet/tools), or set " + OverrideVariable + " to the nanoff executable.";

    /// <summary>Finds nanoff in this process's environment; null when it is not installed.</summary>
    public static NanoffLocation? Find() => Find(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>
    /// Finds nanoff with the given environment; null when it is not installed. A set but broken <c>RIG_NANOFF</c> throws
    /// <see cref="NanoffNotFoundException"/> instead of falling back: whoever set it meant that file.
    /// </summary>
    public static NanoffLocation? Find(Func<string, string?> environment, string? homeDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? explicitPath = environment(OverrideVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            string full = System.IO.Path.GetFullPath(explicitPath);
            if (!File.Exists(full))
            {
                throw new NanoffNotFoundException($"{OverrideVariable} is set to '{explicitPath}', but there is no such file.");
            }

            if (!IsExecutable(full))
            {
                throw new NanoffNotFoundException($"{OverrideVariable} is set to '{explicitPath}', but that file is not executable.");
            }

            return new NanoffLocation(full, OverrideVariable);
        }

        foreach (string name in ExecutableNames(environment))
        {
            foreach (string dir in (environment("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate) && IsExecutable(candidate))
                {
                    return new NanoffLocation(System.IO.Path.GetFullPath(candidate), "PATH");
                }
            }

            foreach (string toolDir in ToolDirectories(environment, homeDirectory))
            {
                string candidate = System.IO.Path.Combine(toolDir, name);
                if (File.Exists(candidate) && IsExecutable(candidate))
                {
                    return new NanoffLocation(System.IO.Path.GetFullPath(candidate), toolDir);
                }
            }
        }

        return null;
    }

    /// <summary>Where <see cref="Find()"/> looks, for the not-found message.</summary>
    public static string SearchedPlaces(Func<string, string?> environment, string? homeDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var places = new List<string> { "PATH" };
        places.AddRange(ToolDirectories(environment, homeDirectory));
        return string.Join(", ", places);
    }

    private static IEnumerable<string> ToolDirectories(Func<string, string?> environment, string? homeDirectory)
    {
        string? cliHome = environment("DOTNET_CLI_HOME");
        if (!string.IsNullOrEmpty(cliHome))
        {
            yield return System.IO.Path.Combine(cliHome, ".dotnet", "tools");
        }

        if (!string.IsNullOrEmpty(homeDirectory))
        {
            yield return System.IO.Path.Combine(homeDirectory, ".dotnet", "tools");
        }
    }

    private static IEnumerable<string> ExecutableNames(Func<string, string?> environment)
    {
        if (!OperatingSystem.IsWindows())
        {
            yield return "nanoff";
            yield break;
        }

        foreach (string ext in (environment("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return "nanoff" + ext.ToLowerInvariant();
        }
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
