using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>What <c>rig flash</c> was asked to do, validated: absolute file paths, a normalized address.</summary>
public sealed record FlashRequest
{
    public required string Port { get; init; }

    /// <summary>Required with <see cref="ClrFile"/> or <see cref="AppFile"/>; the file deployment does not use it.</summary>
    public string? Target { get; init; }

    public string? ClrFile { get; init; }

    public string? AppFile { get; init; }

    /// <summary>Null: nanoff takes the deployment partition's address from the target's partition table.</summary>
    public string? Address { get; init; }

    public DeviceConfiguration? Configuration { get; init; }

    /// <summary>Null: the device keeps the Wi-Fi network it has stored.</summary>
    public WifiNetwork? Wifi { get; init; }
}

/// <summary>Where the descriptions nanoff reads are (or, in a dry run, would be) written.</summary>
public sealed record FlashFiles(string? FileDeployment, string? NetworkDeployment);

/// <summary>One nanoff run: an id for scripts (<c>clr</c>, <c>config</c>, <c>app</c>, <c>version</c>), a title for people, and the arguments.</summary>
public sealed record FlashStep(string Id, string Title, IReadOnlyList<string> Arguments);

/// <summary>Turns a <see cref="FlashRequest"/> into the ordered nanoff runs.</summary>
public static class FlashPlan
{
    public const string VersionStep = "version";
    public const string ClrStep = "clr";
    public const string WifiStep = "wifi";
    public const string ConfigStep = "config";
    public const string AppStep = "app";

    /// <summary>Asks nanoff which grammar it speaks; runs before the plan, never in a dry run.</summary>
    public static FlashStep Version() => new(VersionStep, "ask nanoff for its version", NanoffCommands.Version());

    /// <summary>
    /// The steps in the order they run: nanoCLR, Wi-Fi, configuration, application. The network and file deployments talk to a
    /// running nanoCLR (which the CLR step just left on the board), and the application reads both once at boot, so they go in
    /// before the application image, whose write ends with the reset that boots it.
    /// </summary>
    public static IReadOnlyList<FlashStep> Build(FlashRequest request, NanoffSyntax syntax, FlashFiles files)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(files);
        var steps = new List<FlashStep>();
        if (request.ClrFile is not null)
        {
            steps.Add(new FlashStep(ClrStep, $"flash the nanoCLR image {Path.GetFileName(request.ClrFile)}",
                NanoffCommands.FlashClr(syntax, RequireTarget(request), request.Port, request.ClrFile)));
        }

        if (request.Wifi is not null)
        {
            steps.Add(new FlashStep(WifiStep, $"store the Wi-Fi network '{request.Wifi.Ssid}' in the device's wireless configuration",
                NanoffCommands.DeployNetwork(syntax, request.Port, files.NetworkDeployment ?? throw new ArgumentException("no network deployment file", nameof(files)))));
        }

        if (request.Configuration is not null)
        {
            steps.Add(new FlashStep(ConfigStep, $"write the device configuration (rig '{request.Configuration.RigId}') to {NanoffCommands.DeviceConfigPath}",
                NanoffCommands.DeployFiles(syntax, request.Port, files.FileDeployment ?? throw new ArgumentException("no file deployment file", nameof(files)))));
        }

        if (request.AppFile is not null)
        {
            steps.Add(new FlashStep(AppStep, $"deploy the application image {Path.GetFileName(request.AppFile)}",
                NanoffCommands.DeployApp(syntax, RequireTarget(request), request.Port, request.AppFile, request.Address)));
        }

        return steps;
    }

    private static string RequireTarget(FlashRequest request) =>
        request.Target ?? throw new ArgumentException("a target is required to flash nanoCLR or deploy an application", nameof(request));
}

/// <summary>
/// The private folder that holds the files the Wi-Fi and configuration steps hand to nanoff: the network-deployment
/// description (it holds the Wi-Fi password), the device configuration (the MQTT password) and the file-deployment
/// description. The folder is owner-only, the files 0600, and all of it is deleted on dispose, whether the run succeeded or not.
/// </summary>
public sealed class FlashWorkspace : IDisposable
{
    public const string ConfigFileName = "rig-config.bin";
    public const string DescriptorFileName = "nanoff-files.json";
    public const string NetworkFileName = "nanoff-network.json";

    private FlashWorkspace(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string ConfigFile => Path.Combine(Directory, ConfigFileName);

    public string DescriptorFile => Path.Combine(Directory, DescriptorFileName);

    public string NetworkFile => Path.Combine(Directory, NetworkFileName);

    /// <summary>The files this workspace holds, for <see cref="FlashPlan.Build"/>.</summary>
    public FlashFiles Files { get; private set; } = new(null, null);

    /// <summary>The paths a dry run prints: the real folder gets a random name when the run creates it.</summary>
    public static FlashFiles DryRunFiles(FlashRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string folder = Path.Combine(Path.GetTempPath(), "rig-flash-XXXXXX");
        return new FlashFiles(
            request.Configuration is null ? null : Path.Combine(folder, DescriptorFileName),
            request.Wifi is null ? null : Path.Combine(folder, NetworkFileName));
    }

    /// <summary>Creates the folder and writes the files the request needs.</summary>
    public static FlashWorkspace Create(FlashRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // CreateTempSubdirectory makes the folder with mode 0700 on Unix.
        var workspace = new FlashWorkspace(System.IO.Directory.CreateTempSubdirectory("rig-flash-").FullName);
        try
        {
            if (request.Configuration is not null)
            {
                WritePrivate(workspace.ConfigFile, request.Configuration.ToBytes());
                WritePrivate(workspace.DescriptorFile, FileDeploymentDescriptor.ToJson(request.Port, workspace.ConfigFile, NanoffCommands.DeviceConfigPath));
            }

            if (request.Wifi is not null)
            {
                WritePrivate(workspace.NetworkFile, NetworkDeploymentDescriptor.ToJson(request.Port, request.Wifi, maskPassword: false));
            }

            workspace.Files = new FlashFiles(
                request.Configuration is null ? null : workspace.DescriptorFile,
                request.Wifi is null ? null : workspace.NetworkFile);
            return workspace;
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or held open by a nanoff that outlived us; the folder is owner-only either way.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }

    private static void WritePrivate(string path, string content) => WritePrivate(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));

    private static void WritePrivate(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(content);
    }
}
