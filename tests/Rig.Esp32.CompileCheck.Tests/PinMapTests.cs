using Rig.TestSupport;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Xunit;
using DevicePinMap = Rig.Firmware.Esp32.PinMap;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// hardware/pinmap.json and the firmware's PinMap.cs describe the same wiring, and the wiring respects the ESP32's
/// constraints. PinMap.cs is compiled into this test assembly from the same file the device builds.
/// </summary>
public sealed class PinMapTests
{
    private static readonly int[] FlashPins = [6, 7, 8, 9, 10, 11];
    private static readonly int[] StrappingPins = [0, 2, 5, 12, 15];
    private static readonly int[] InputOnlyPins = [34, 35, 36, 37, 38, 39];

    /// <summary>WROVER modules wire GPIO 16/17 to PSRAM; UART0 (1/3) carries the nanoFramework debugger and wire protocol.</summary>
    private static readonly int[] ReservedPins = [1, 3, 16, 17];

    /// <summary>Spurious edge interrupts while Wi-Fi runs (ESP32 errata GPIO-3.11, espressif/esp-idf#4585).</summary>
    private static readonly int[] GlitchingInputs = [36, 39];

    [Fact]
    public void Every_pin_in_pinmap_json_has_the_same_gpio_in_PinMap_cs()
    {
        Dictionary<string, int> constants = PinConstants();
        List<string> problems = [];
        foreach (Pin pin in ReadPinMap())
        {
            string name = ConstantName(pin.Function, pin.Channel);
            if (!constants.TryGetValue(name, out int gpio))
            {
                problems.Add($"pinmap.json has {pin.Function} channel {pin.Channel} (GPIO {pin.Gpio}) but PinMap.cs has no {name}");
            }
            else if (gpio != pin.Gpio)
            {
                problems.Add($"{pin.Function} channel {pin.Channel}: GPIO {pin.Gpio} in pinmap.json, {gpio} in PinMap.{name}");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_pin_constant_in_PinMap_cs_is_in_pinmap_json()
    {
        HashSet<string> fromJson = ReadPinMap().Select(p => ConstantName(p.Function, p.Channel)).ToHashSet(StringComparer.Ordinal);

        string[] missing = PinConstants().Keys.Where(name => !fromJson.Contains(name)).Order(StringComparer.Ordinal).ToArray();

        Assert.True(missing.Length == 0, "PinMap.cs constants with no pinmap.json entry: " + string.Join(", ", missing));
    }

    [Fact]
    public void GpioOf_and_PinCount_agree_with_pinmap_json()
    {
        List<Pin> pins = ReadPinMap();

        foreach (Pin pin in pins)
        {
            Assert.Equal(pin.Gpio, DevicePinMap.GpioOf(pin.Function, pin.Channel));
        }

        Assert.Equal(DevicePinMap.PinCount, pins.Count);
        Assert.Equal(-1, DevicePinMap.GpioOf("lick", 9));
        Assert.Equal(-1, DevicePinMap.GpioOf("laser", 0));
    }

    [Fact]
    public void The_channel_counts_match_the_wired_valves_and_sync_outputs()
    {
        List<Pin> pins = ReadPinMap();

        Assert.Equal(DevicePinMap.ValveChannels, pins.Count(p => p.Function == "valve"));
        Assert.Equal(DevicePinMap.SyncOutChannels, pins.Count(p => p.Function == "sync_out"));
    }

    [Fact]
    public void The_wiring_respects_the_ESP32_pin_constraints()
    {
        List<string> problems = [];
        List<Pin> pins = ReadPinMap();
        foreach (Pin pin in pins)
        {
            string at = $"GPIO {pin.Gpio} ({pin.Function} {pin.Channel})";
            if (FlashPins.Contains(pin.Gpio))
            {
                problems.Add(at + ": GPIO 6-11 are the SPI flash");
            }

            if (ReservedPins.Contains(pin.Gpio))
            {
                problems.Add(at + ": reserved (UART0 or WROVER PSRAM)");
            }

            if (pin.Direction == "output" && InputOnlyPins.Contains(pin.Gpio))
            {
                problems.Add(at + ": GPIO 34-39 are input-only");
            }

            if (StrappingPins.Contains(pin.Gpio))
            {
                problems.Add(at + ": strapping pin, would change the boot mode or flash voltage at reset");
            }

            if (pin.Direction == "input" && GlitchingInputs.Contains(pin.Gpio))
            {
                problems.Add(at + ": GPIO 36/39 take spurious edges while Wi-Fi runs");
            }

            if (string.IsNullOrWhiteSpace(pin.Net) || string.IsNullOrWhiteSpace(pin.Level) || string.IsNullOrWhiteSpace(pin.Note))
            {
                problems.Add(at + ": needs net, level and note");
            }
        }

        foreach (IGrouping<int, Pin> shared in pins.GroupBy(p => p.Gpio).Where(g => g.Count() > 1))
        {
            problems.Add($"GPIO {shared.Key} is used {shared.Count()} times");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>"frame_clock", channel 0 → "FrameClock0".</summary>
    private static string ConstantName(string function, int channel)
    {
        StringBuilder name = new();
        foreach (string part in function.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            name.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }

        return name.Append(channel.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>The int constants of PinMap whose names end in a digit: by PinMap's own rule, exactly the pins.</summary>
    private static Dictionary<string, int> PinConstants()
    {
        Dictionary<string, int> constants = new(StringComparer.Ordinal);
        foreach (FieldInfo field in typeof(DevicePinMap).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.IsLiteral && field.FieldType == typeof(int) && char.IsAsciiDigit(field.Name[^1]))
            {
                constants.Add(field.Name, (int)field.GetRawConstantValue()!);
            }
        }

        Assert.NotEmpty(constants);
        return constants;
    }

    private static List<Pin> ReadPinMap()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("hardware", "pinmap.json")));
        List<Pin> pins = [];
        foreach (JsonElement entry in document.RootElement.GetProperty("pins").EnumerateArray())
        {
            pins.Add(new Pin(
                entry.GetProperty("gpio").GetInt32(),
                entry.GetProperty("function").GetString()!,
                entry.GetProperty("channel").GetInt32(),
                entry.GetProperty("direction").GetString()!,
                entry.TryGetProperty("level", out JsonElement level) ? level.GetString() : null,
                entry.TryGetProperty("net", out JsonElement net) ? net.GetString() : null,
                entry.TryGetProperty("note", out JsonElement note) ? note.GetString() : null));
        }

        Assert.NotEmpty(pins);
        return pins;
    }

    private sealed record Pin(int Gpio, string Function, int Channel, string Direction, string? Level, string? Net, string? Note);
}
