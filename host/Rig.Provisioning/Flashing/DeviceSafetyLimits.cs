using System;
using System.Collections.Generic;
using System.Text.Json;
using Rig.Firmware;
using Rig.Protocol;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>
/// The device's safety limits a lab sets for one rig (<c>rig flash --limits FILE</c>): the valve's hard maximum, the host
/// silence after which the valve is shut, and the water budget. Each is optional; one left out keeps the firmware's
/// default (Rig.Firmware.DeviceConfig). They travel in the device settings record's safety-limits block (docs/protocol.md,
/// "Device settings record") and the firmware checks them at boot with the same <see cref="RigDevice.Validate"/> that
/// <see cref="Check"/> runs here, so <c>rig flash</c> never writes limits the device would refuse.
/// </summary>
public sealed record DeviceSafetyLimits
{
    /// <summary>The file's keys; each name ends in the unit its value is given in.</summary>
    private static readonly string[] Keys =
    [
        "valve_hard_max_ms", "host_silence_ms", "water_window_ms", "water_window_max_open_ms", "water_window_max_openings",
        "water_session_window_min", "water_session_max_open_s", "water_arm_max_window_s",
    ];

    public uint? ValveHardMaxMicros { get; init; }

    public uint? HostSilenceMicros { get; init; }

    public uint? WaterWindowMicros { get; init; }

    public uint? WaterWindowMaxOpenMicros { get; init; }

    public int? WaterWindowMaxOpenings { get; init; }

    public ulong? WaterSessionWindowMicros { get; init; }

    public uint? WaterSessionMaxOpenMicros { get; init; }

    public ulong? WaterArmMaxWindowMicros { get; init; }

    /// <summary>
    /// Reads a limits file: one JSON object with any of <c>valve_hard_max_ms</c>, <c>host_silence_ms</c>,
    /// <c>water_window_ms</c>, <c>water_window_max_open_ms</c>, <c>water_window_max_openings</c>,
    /// <c>water_session_window_min</c>, <c>water_session_max_open_s</c>, <c>water_arm_max_window_s</c> (positive numbers in
    /// the unit the name gives). Throws <see cref="FlashInputException"/> naming the file and the key at fault.
    /// </summary>
    public static DeviceSafetyLimits Load(string path)
    {
        return Parse(FlashInputFile.ReadText(path, "limits file"), path);
    }

    /// <summary>As <see cref="Load"/>, from the file's text; <paramref name="path"/> names it in errors.</summary>
    public static DeviceSafetyLimits Parse(string json, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FlashInputException(path, $"limits file '{path}' is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FlashInputException(path, $"limits file '{path}': expected one JSON object of limits, e.g. {{\"valve_hard_max_ms\": 200}}");
            }

            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (values.ContainsKey(property.Name))
                {
                    throw new FlashInputException(path, $"limits file '{path}': {property.Name} is given twice");
                }

                if (Array.IndexOf(Keys, property.Name) < 0)
                {
                    throw new FlashInputException(path, $"limits file '{path}': unknown key '{property.Name}'; the keys are {string.Join(", ", Keys)}");
                }

                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out double value) || !double.IsFinite(value) || value <= 0)
                {
                    throw new FlashInputException(path, $"limits file '{path}': {property.Name} must be a positive number, not {property.Value.GetRawText()}");
                }

                values[property.Name] = value;
            }

            if (values.Count == 0)
            {
                // An empty block would change nothing and still make a firmware older than the block refuse the file.
                throw new FlashInputException(path, $"limits file '{path}' sets no limit: leave out --limits to keep the firmware's defaults");
            }

            return new DeviceSafetyLimits
            {
                ValveHardMaxMicros = Micros32(values, "valve_hard_max_ms", 1e3, path),
                HostSilenceMicros = Micros32(values, "host_silence_ms", 1e3, path),
                WaterWindowMicros = Micros32(values, "water_window_ms", 1e3, path),
                WaterWindowMaxOpenMicros = Micros32(values, "water_window_max_open_ms", 1e3, path),
                WaterWindowMaxOpenings = Count(values, "water_window_max_openings", path),
                WaterSessionWindowMicros = Micros64(values, "water_session_window_min", 60e6, path),
                WaterSessionMaxOpenMicros = Micros32(values, "water_session_max_open_s", 1e6, path),
                WaterArmMaxWindowMicros = Micros64(values, "water_arm_max_window_s", 1e6, path),
            };
        }
    }

    /// <summary>Writes the limits into <paramref name="record"/>'s safety-limits block (0 for each limit not set: the firmware's default).</summary>
    public void WriteTo(DeviceSettingsRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.HasSafetyLimits = true;
        record.ValveHardMaxMicros = ValveHardMaxMicros ?? 0;
        record.HostSilenceMicros = HostSilenceMicros ?? 0;
        record.WaterWindowMicros = WaterWindowMicros ?? 0;
        record.WaterWindowMaxOpenMicros = WaterWindowMaxOpenMicros ?? 0;
        record.WaterWindowMaxOpenings = WaterWindowMaxOpenings ?? 0;
        record.WaterSessionWindowMicros = WaterSessionWindowMicros ?? 0;
        record.WaterSessionMaxOpenMicros = WaterSessionMaxOpenMicros ?? 0;
        record.WaterArmMaxWindowMicros = WaterArmMaxWindowMicros ?? 0;
    }

    /// <summary>
    /// The configuration the firmware would run with these limits (its defaults elsewhere), after the firmware's own check.
    /// Throws <see cref="FlashInputException"/> with the firmware's reason when the device would refuse them.
    /// </summary>
    public static DeviceConfig Check(DeviceSettingsRecord record, string path)
    {
        var config = new DeviceConfig();
        Apply(config, record, path);
        return config;
    }

    /// <summary>
    /// Puts these limits into <paramref name="config"/> (a virtual rig's device configuration: <c>rig demo --limits</c>,
    /// <c>rig sim --limits</c>) through the same path and checks as a flashed device takes at boot.
    /// </summary>
    public void ApplyTo(DeviceConfig config, string path)
    {
        var record = new DeviceSettingsRecord();
        WriteTo(record);
        Apply(config, record, path);
    }

    /// <summary>
    /// One line for logs: the valve and water limits <paramref name="effective"/> runs with, a <c>*</c> on each that
    /// <paramref name="limits"/> set (the others are the firmware's defaults).
    /// </summary>
    public static string Describe(DeviceConfig effective, DeviceSafetyLimits? limits)
    {
        ArgumentNullException.ThrowIfNull(effective);
        var c = effective;
        var l = limits ?? new DeviceSafetyLimits();
        static string Mark(bool set) => set ? "*" : "";
        string[] parts =
        [
            FormattableString.Invariant($"valve hard max {c.ValveHardMaxOpenMicros / 1e3} ms{Mark(l.ValveHardMaxMicros is not null)}"),
            FormattableString.Invariant($"host silence {c.HostSilenceCloseMicros / 1e3} ms{Mark(l.HostSilenceMicros is not null)}"),
            FormattableString.Invariant($"water window {c.WaterWindowMicros / 1e3} ms{Mark(l.WaterWindowMicros is not null)} with at most ")
                + FormattableString.Invariant($"{c.WaterWindowMaxOpenMicros / 1e3} ms{Mark(l.WaterWindowMaxOpenMicros is not null)} open in ")
                + FormattableString.Invariant($"{c.WaterWindowMaxOpenings}{Mark(l.WaterWindowMaxOpenings is not null)} openings"),
            FormattableString.Invariant($"session window {c.WaterSessionWindowMicros / 60e6} min{Mark(l.WaterSessionWindowMicros is not null)} with at most ")
                + FormattableString.Invariant($"{c.WaterSessionMaxOpenMicros / 1e6} s{Mark(l.WaterSessionMaxOpenMicros is not null)} open"),
            FormattableString.Invariant($"arm window {c.WaterArmMaxWindowMicros / 1e6} s{Mark(l.WaterArmMaxWindowMicros is not null)}"),
        ];
        return string.Join(", ", parts) + (limits is null ? " (the firmware's defaults)" : " (* from the limits file; the rest the firmware's defaults)");
    }

    private static void Apply(DeviceConfig config, DeviceSettingsRecord record, string path)
    {
        string refused = config.ApplySafetyLimits(record);
        if (refused.Length != 0)
        {
            throw new FlashInputException(path, $"limits file '{path}': the device would refuse these limits: {refused}");
        }
    }

    private static uint? Micros32(Dictionary<string, double> values, string key, double microsPerUnit, string path)
    {
        if (!values.TryGetValue(key, out double value))
        {
            return null;
        }

        double micros = Math.Round(value * microsPerUnit);
        if (micros < 1 || micros > uint.MaxValue)
        {
            throw new FlashInputException(path, $"limits file '{path}': {key} {value} is {micros:0} µs; the device holds 1 to {uint.MaxValue} µs");
        }

        return (uint)micros;
    }

    private static ulong? Micros64(Dictionary<string, double> values, string key, double microsPerUnit, string path)
    {
        if (!values.TryGetValue(key, out double value))
        {
            return null;
        }

        double micros = Math.Round(value * microsPerUnit);
        // 2^53 µs is 285 years: far past any window the firmware accepts, and exact in a double.
        if (micros < 1 || micros > 9007199254740992d)
        {
            throw new FlashInputException(path, $"limits file '{path}': {key} {value} is {micros:0} µs, out of range");
        }

        return (ulong)micros;
    }

    private static int? Count(Dictionary<string, double> values, string key, string path)
    {
        if (!values.TryGetValue(key, out double value))
        {
            return null;
        }

        if (value != Math.Floor(value) || value > ushort.MaxValue)
        {
            throw new FlashInputException(path, $"limits file '{path}': {key} must be a whole number from 1 to {ushort.MaxValue}, not {value}");
        }

        return (int)value;
    }
}
