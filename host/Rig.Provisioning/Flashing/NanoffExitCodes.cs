using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Rig.Provisioning.Flashing;

/// <summary>
/// The nanoff exit codes a flash of an ESP32 can end with, and their meaning, from nanoff's
/// nanoFirmwareFlasher.Library/ExitCodes.cs (github.com/nanoframework/nanoFirmwareFlasher).
/// </summary>
public static class NanoffExitCodes
{
    private static readonly (int Code, string Meaning)[] Known =
    [
        (2000, "Error connecting to nano device."),
        (2001, "Error occurred with listing nano devices."),
        (2002, "Error executing operation with nano device."),
        (2003, "Error executing file deployment on nano device."),
        (4000, "Error executing ESP32 serial command."),
        (4001, "Unsupported flash size for ESP32 target."),
        (4002, "Failed to erase ESP32 flash."),
        (4003, "Failed to write new firmware to ESP32."),
        (4004, "Failed to read from ESP32 flash."),
        (4005, "Failed to open specified COM port."),
        (6000, "Couldn't open serial device. Make sure the COM port exists, that the device is connected and that it's not being used by another application."),
        (6001, "Need to specify a COM port."),
        (6002, "Couldn't access serial device. Another (nanoFramework) application has exclusive access to the device."),
        (9000, "Invalid or missing arguments."),
        (9005, "Can't find the target in Cloudsmith repository."),
        (9006, "Can't create temporary directory to download firmware."),
        (9007, "Error downloading firmware file."),
        (9008, "Couldn't find application file. Check the path."),
        (9009, "Can't program deployment BIN file without specifying a valid deployment address."),
        (9010, "Couldn't find any device connected."),
        (9011, "Couldn't find CLR image file. Check the path."),
        (9012, "CLR image file has wrong format. It has to be a binary file."),
    ];

    /// <summary>
    /// What an exit code of nanoff means, or null when it is not one of the known codes. On Linux and macOS a process's exit
    /// status keeps only the low 8 bits, so nanoff's E4003 arrives as 163; such a code is matched by its low byte (the known
    /// codes differ in their low byte, so the match is unambiguous).
    /// </summary>
    public static string? Describe(int exitCode, bool lowByteOnly)
    {
        foreach (var (code, meaning) in Known)
        {
            if (code == exitCode)
            {
                return $"E{code}: {meaning}";
            }
        }

        if (lowByteOnly && exitCode is > 0 and < 256)
        {
            var matches = Known.Where(k => (k.Code & 0xFF) == exitCode).ToList();
            if (matches.Count == 1)
            {
                var (code, meaning) = matches[0];
                return string.Create(CultureInfo.InvariantCulture, $"E{code} (exit status {exitCode} is the low 8 bits of {code}): {meaning}");
            }
        }

        return null;
    }

    /// <summary>The low-byte form applies where the OS truncates exit codes to 8 bits.</summary>
    public static string? Describe(int exitCode) => Describe(exitCode, lowByteOnly: !OperatingSystem.IsWindows());

    internal static IReadOnlyList<int> KnownCodes => Known.Select(k => k.Code).ToList();
}
