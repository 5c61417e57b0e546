using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Rig.Hardware.Tests;

/// <summary>hardware/pinmap.json and the schematics' net labels describe the same wiring, within the ESP32's pin rules.</summary>
public sealed class PinMapConsistencyTests
{
    private const string Controller = "rig_controller.kicad_sch";

    [Fact]
    public void The_pin_map_respects_the_ESP32_pin_rules()
    {
        List<string> problems = HardwareChecks.CheckPinMap(PinMap());

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_pin_map_net_is_a_label_wired_to_its_GPIO_in_the_schematic()
    {
        List<string> problems = HardwareChecks.CheckPinMapAgainstSchematics(PinMap(), HardwareFiles.Schematics());

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_checker_finds_each_GPIO_of_the_ESP32_symbol()
    {
        Dictionary<int, HashSet<string>> nets = HardwareChecks.NetsAtGpios(SchematicTests.Load(Controller));

        Assert.Equal(["LICK_IN0"], nets[34]);
        Assert.Equal(["VALVE_GATE0"], nets[25]);
        Assert.Empty(nets[0]);
        // The DevKitC V4 breaks out 32 of the GPIOs (not 20, 24, 28-31, 37, 38).
        Assert.Equal(32, nets.Count);
    }

    [Fact]
    public void A_GPIO_used_twice_is_reported()
    {
        List<PinMapEntry> pins = Change(PinMap(), "tone", p => p with { Gpio = 25 });

        Assert.Contains("GPIO 25 is used 2 times: valve 0, tone 0", HardwareChecks.CheckPinMap(pins));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(15)]
    public void A_strapping_pin_is_reported(int gpio)
    {
        List<PinMapEntry> pins = Change(PinMap(), "status_led", p => p with { Gpio = gpio });

        Assert.Contains($"GPIO {gpio} (status_led 0): strapping pin", HardwareChecks.CheckPinMap(pins));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(11)]
    public void A_flash_pin_is_reported(int gpio)
    {
        List<PinMapEntry> pins = Change(PinMap(), "ttl_in", p => p with { Gpio = gpio });

        Assert.Contains($"GPIO {gpio} (ttl_in 0): flash pin", HardwareChecks.CheckPinMap(pins));
    }

    [Fact]
    public void An_input_only_pin_with_an_output_role_is_reported()
    {
        List<PinMapEntry> pins = Change(PinMap(), "valve", p => p with { Gpio = 39 });

        Assert.Contains("GPIO 39 (valve 0): input-only pin with direction output", HardwareChecks.CheckPinMap(pins));
    }

    [Fact]
    public void A_pin_map_net_without_a_label_is_reported()
    {
        List<PinMapEntry> pins = Change(PinMap(), "photodiode", p => p with { Net = "PD_IN9" });

        List<string> problems = HardwareChecks.CheckPinMapAgainstSchematics(pins, HardwareFiles.Schematics());

        Assert.Contains("pin-map net PD_IN9 (GPIO 21, photodiode 0) has no net label in the schematics", problems);
    }

    [Fact]
    public void A_label_renamed_in_the_schematic_is_reported()
    {
        string damaged = SchematicTests.Text(Controller).Replace("(label \"TONE_PWM\"", "(label \"TONE_OUT\"", StringComparison.Ordinal);

        List<string> problems = HardwareChecks.CheckPinMapAgainstSchematics(PinMap(), [KicadSchematic.Parse(Controller, damaged)]);

        Assert.Contains("pin-map net TONE_PWM (GPIO 26, tone 0) has no net label in the schematics", problems);
        Assert.Contains("GPIO 26 (tone 0) is on net TONE_OUT in the schematic, but the pin map says TONE_PWM", problems);
    }

    [Fact]
    public void Swapped_GPIOs_are_reported_even_though_every_label_exists()
    {
        List<PinMapEntry> pins = Change(Change(PinMap(), "encoder_a", p => p with { Gpio = 33 }), "encoder_b", p => p with { Gpio = 32 });

        List<string> problems = HardwareChecks.CheckPinMapAgainstSchematics(pins, HardwareFiles.Schematics());

        Assert.Contains("GPIO 33 (encoder_a 0) is on net ENC_B in the schematic, but the pin map says ENC_A", problems);
        Assert.Contains("GPIO 32 (encoder_b 0) is on net ENC_A in the schematic, but the pin map says ENC_B", problems);
    }

    [Fact]
    public void A_GPIO_wired_in_the_schematic_but_missing_from_the_pin_map_is_reported()
    {
        List<PinMapEntry> pins = PinMap().Where(p => p.Function != "status_led").ToList();

        List<string> problems = HardwareChecks.CheckPinMapAgainstSchematics(pins, HardwareFiles.Schematics());

        Assert.Equal(["the schematic wires GPIO 22 (net STATUS_LED), which the pin map does not list"], problems);
    }

    private static IReadOnlyList<PinMapEntry> PinMap()
    {
        IReadOnlyList<PinMapEntry> pins = HardwareFiles.ParsePinMap(HardwareFiles.PinMapText());
        Assert.NotEmpty(pins);
        return pins;
    }

    private static List<PinMapEntry> Change(IReadOnlyList<PinMapEntry> pins, string function, Func<PinMapEntry, PinMapEntry> change)
    {
        Assert.Contains(pins, p => p.Function == function && p.Channel == 0);
        return pins.Select(p => p.Function == function && p.Channel == 0 ? change(p) : p).ToList();
    }
}
