using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Rig.Provisioning.Flashing;

/// <summary>
/// The two command-line grammars nanoff has had. Sources are files of github.com/nanoframework/nanoFirmwareFlasher.
/// </summary>
public enum NanoffSyntax
{
    /// <summary>
    /// nanoff 2.x and earlier: one flat list of <c>--option value</c> (nanoFirmwareFlasher.Tool/Options.cs:
    /// --update, --target, --platform, --serialport, --clrfile, --deploy, --image, --address, --filedeployment).
    /// </summary>
    Flags = 2,

    /// <summary>
    /// nanoff 3.x: a verb first (<c>flash</c>, <c>deploy</c>), then keywords, which may keep their <c>--</c>. Program.cs on main:
    /// "the legacy flat "--flag value" syntax was removed as part of the breaking change to nanoff's major version bump".
    /// </summary>
    Verbs = 3,
}

/// <summary>Reads nanoff's major version from what <c>nanoff --version</c> prints.</summary>
public static partial class NanoffVersion
{
    /// <summary>
    /// nanoff 2.x prints "nanoff 2.5.90+c66e018c48" (CommandLineParser's version screen); 3.x prints
    /// ".NET nanoFramework Firmware Flasher v3.0.0-preview.46+..." (Program.cs, VersionRequestedError). The first x.y.z is the version.
    /// </summary>
    public static bool TryParse(string output, out int major, out string version)
    {
        var match = VersionPattern().Match(output ?? "");
        if (match.Success)
        {
            major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            version = match.Value;
            return true;
        }

        major = 0;
        version = "";
        return false;
    }

    public static NanoffSyntax SyntaxFor(int major) => major >= 3 ? NanoffSyntax.Verbs : NanoffSyntax.Flags;

    [GeneratedRegex(@"(?<![\d.])(\d{1,4})\.(\d{1,4})\.(\d{1,6})(?:-[0-9A-Za-z.]+)?")]
    private static partial Regex VersionPattern();
}

/// <summary>
/// The exact nanoff argument lists <c>rig flash</c> runs, as lists (never one shell string: paths may hold spaces and
/// nothing passes through a shell). Every option used is cited to the nanoff source file it comes from
/// (github.com/nanoframework/nanoFirmwareFlasher). File paths are passed absolute: nanoff 3.x turns a bare value that
/// equals a keyword into that keyword (Verbs/VerbTokenizer.cs), which an absolute path can never be.
/// </summary>
public static partial class NanoffCommands
{
    /// <summary>
    /// Passed explicitly so nanoff never guesses: 2.x infers the platform from the target's prefix only for names starting
    /// with ESP, M5, FEATHER (Program.cs), and 3.x maps a flash <c>image</c> to --binfile too, which makes a target it does
    /// not recognise look like STM32 (Verbs/VerbOptionsMapper.cs).
    /// </summary>
    public const string Platform = "esp32";

    /// <summary>Where the device configuration lands in the device's internal storage (the I: drive of nanoFramework on ESP32).</summary>
    public const string DeviceConfigPath = @"I:\rig-config.bin";

    /// <summary><c>nanoff --version</c>: accepted by both grammars (CommandLineParser's built-in version screen).</summary>
    public static IReadOnlyList<string> Version() => ["--version"];

    /// <summary>
    /// Flash a custom nanoCLR image. 2.x: <c>--update --target T --serialport P --clrfile F</c> (README "Update the firmware of
    /// an ESP_WROVER_KIT with a local CLR file"; Options.cs). 3.x: <c>flash target T serialport P image F</c> (README "Update the
    /// firmware of an ESP32-S2 with a local CLR file"; VerbOptionsMapper.cs maps <c>image</c> to the CLR file).
    /// nanoff downloads the target's package (bootloader, partition table) and replaces its nanoCLR with this file.
    /// </summary>
    public static IReadOnlyList<string> FlashClr(NanoffSyntax syntax, string target, string port, string clrFile) => syntax switch
    {
        NanoffSyntax.Flags => ["--update", "--target", target, "--platform", Platform, "--serialport", port, "--clrfile", clrFile],
        NanoffSyntax.Verbs => ["flash", "--target", target, "--platform", Platform, "--serialport", port, "--image", clrFile],
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, null),
    };

    /// <summary>
    /// Write the application deployment image. 2.x: <c>--target T --serialport P --deploy --image F [--address A]</c> (README
    /// "Deploy a managed application to an ESP32 target"; Options.cs). 3.x: <c>deploy target T serialport P image F [address A]</c>
    /// (README "deploy — ESP32"; Verbs/DeployOptions.cs). Without an address nanoff takes the deployment partition's address from
    /// the target's partition table for the flash size it reads from the chip (Library/Esp32Operations.cs,
    /// "address != 0 ? address : firmware.DeploymentPartitionAddress").
    /// </summary>
    public static IReadOnlyList<string> DeployApp(NanoffSyntax syntax, string target, string port, string appFile, string? address)
    {
        var args = syntax switch
        {
            NanoffSyntax.Flags => new List<string> { "--target", target, "--platform", Platform, "--serialport", port, "--deploy", "--image", appFile },
            NanoffSyntax.Verbs => new List<string> { "deploy", "--target", target, "--platform", Platform, "--serialport", port, "--image", appFile },
            _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, null),
        };
        if (address is not null)
        {
            args.Add("--address");
            args.Add(address);
        }

        return args;
    }

    /// <summary>
    /// Copy files into the device's storage over the wire protocol (the device must be running nanoCLR). 2.x:
    /// <c>--filedeployment JSON</c> alone, with the port inside the JSON (README.zh-cn.md "部署文件到设备存储"; the upstream test
    /// FileDeploymentTests.cs runs exactly <c>--filedeployment deploy.json</c>); adding --serialport would make 2.x infer ESP32
    /// from its default baud rate and reset the chip into its bootloader first (Program.cs, "ESP32 related"). 3.x:
    /// <c>deploy file JSON serialport P</c> (README "deploy — File deployment").
    /// </summary>
    public static IReadOnlyList<string> DeployFiles(NanoffSyntax syntax, string port, string descriptorFile) => syntax switch
    {
        NanoffSyntax.Flags => ["--filedeployment", descriptorFile],
        NanoffSyntax.Verbs => ["deploy", "--file", descriptorFile, "--serialport", port],
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, null),
    };

    /// <summary>
    /// Store network settings in the device's configuration block over the wire protocol (nanoCLR must be running). 2.x:
    /// <c>--networkdeployment JSON</c> alone, the port inside the JSON, for the same reason as <see cref="DeployFiles"/>
    /// (Options.cs "networkdeployment", present in the later 2.x releases; Program.cs runs NetworkDeploymentManager with the
    /// JSON's SerialPort). 3.x: <c>deploy network JSON serialport P</c> (README "deploy — Network deployment"; Verbs/DeployOptions.cs).
    /// </summary>
    public static IReadOnlyList<string> DeployNetwork(NanoffSyntax syntax, string port, string networkFile) => syntax switch
    {
        NanoffSyntax.Flags => ["--networkdeployment", networkFile],
        NanoffSyntax.Verbs => ["deploy", "--network", networkFile, "--serialport", port],
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, null),
    };

    /// <summary>
    /// A nanoFramework target name as nanoff's firmware repository spells them (ESP32_PSRAM_REV3, ESP_WROVER_KIT, M5Core2,
    /// XIAO_ESP32C3): letters, digits and underscores, starting with a letter.
    /// </summary>
    public static bool IsValidTargetName(string? target) => target is not null && TargetPattern().IsMatch(target);

    /// <summary>
    /// A flash address as nanoff parses it: <c>0x</c> and up to 8 hex digits (Esp32Operations.cs strips "0x" and parses hex).
    /// Zero is refused: nanoff reads 0 as "no address" and silently uses the partition table's.
    /// </summary>
    public static bool TryNormalizeAddress(string? text, out string normalized, out string problem)
    {
        normalized = "";
        if (text is null || !AddressPattern().IsMatch(text))
        {
            problem = $"'{text}' is not a flash address: write it in hexadecimal with 0x, e.g. 0x1B0000";
            return false;
        }

        uint value = uint.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        if (value == 0)
        {
            problem = "0x0 is not a deployment address (nanoff would take it as 'no address'); leave --address out to use the partition table's";
            return false;
        }

        normalized = "0x" + value.ToString("X", CultureInfo.InvariantCulture);
        problem = "";
        return true;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{1,63}$")]
    private static partial Regex TargetPattern();

    [GeneratedRegex("^0[xX][0-9A-Fa-f]{1,8}$")]
    private static partial Regex AddressPattern();
}
