#!/usr/bin/env python3
"""Writes the rig controller's KiCad 6 schematics and hardware/bom.csv from the part lists below.

Usage: python3 hardware/schematics/generate.py [--out DIR]   (DIR defaults to hardware/; the .kicad_sch files go
to DIR/schematics/, the BOM to DIR/bom.csv). tests/Rig.Hardware.Tests runs it into a temporary folder and fails
when the checked-in files differ, so edit this script, never the generated files.

Connections are made the way a hand-drawn sheet often does it: every pin gets a short wire stub ending in a net
label or a power symbol, and pins with the same label are one net. UUIDs are derived from names (uuid5) so the
output is byte-for-byte reproducible. Standard library only.
"""

import argparse
import os
import re
import sys
import uuid

NAMESPACE = uuid.UUID("6f1d2c7e-5a0b-4c1e-9e7a-3b2d1f0a9c11")
POWER_NETS = ("GND", "+3V3", "+5V", "+12V")
FONT = "(effects (font (size 1.27 1.27)))"
FONT_HIDE = "(effects (font (size 1.27 1.27)) hide)"
STUB = 2.54
GRID = 2.54


def uid(*parts):
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def q(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def num(value):
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------------------------------------------------------
# Library symbols (embedded in every sheet so the files open without external libraries)
# ---------------------------------------------------------------------------------------------------------------

class LibSymbol:
    """Pins are (number, name, electrical type, x, y, angle) in library coordinates (y up); x, y is the tip."""

    def __init__(self, lib_id, ref_prefix, pins, graphics, power=False, show_pin_names=True, extent=(2.54, 3.81)):
        self.lib_id = lib_id
        self.ref_prefix = ref_prefix
        self.pins = pins
        self.graphics = graphics
        self.power = power
        self.show_pin_names = show_pin_names
        self.extent = extent  # half width, half height of the body, for placement

    def pin(self, number):
        for p in self.pins:
            if p[0] == number:
                return p
        raise KeyError(f"{self.lib_id} has no pin {number}")

    def sexpr(self):
        short = self.lib_id.split(":", 1)[1]
        head = f'    (symbol {q(self.lib_id)}'
        if self.power:
            head += " (power)"
        if not self.show_pin_names:
            head += " (pin_names (offset 0) hide)"
        else:
            head += " (pin_names (offset 1.016))"
        head += " (in_bom yes) (on_board yes)"
        lines = [head]
        lines.append(f'      (property "Reference" {q(self.ref_prefix)} (id 0) (at 0 {num(self.extent[1] + 1.27)} 0) {FONT_HIDE if self.power else FONT})')
        lines.append(f'      (property "Value" {q(short)} (id 1) (at 0 {num(-self.extent[1] - 1.27)} 0) {FONT})')
        lines.append(f'      (property "Footprint" "" (id 2) (at 0 0 0) {FONT_HIDE})')
        lines.append(f'      (property "Datasheet" "~" (id 3) (at 0 0 0) {FONT_HIDE})')
        lines.append(f'      (symbol {q(short + "_0_1")}')
        for g in self.graphics:
            lines.append("        " + g)
        lines.append("      )")
        lines.append(f'      (symbol {q(short + "_1_1")}')
        for number, name, kind, x, y, angle in self.pins:
            length = 0 if self.power else 2.54 if self.show_pin_names else 1.27
            hide = " hide" if self.power else ""
            lines.append(
                f"        (pin {kind} line (at {num(x)} {num(y)} {angle}) (length {num(length)}){hide}"
                f" (name {q(name)} {FONT}) (number {q(number)} {FONT}))")
        lines.append("      )")
        lines.append("    )")
        return "\n".join(lines)


def stroke(width=0.254):
    return f"(stroke (width {num(width)}) (type default) (color 0 0 0 0))"


def rect(x1, y1, x2, y2, fill="background"):
    return f"(rectangle (start {num(x1)} {num(y1)}) (end {num(x2)} {num(y2)}) {stroke()} (fill (type {fill})))"


def poly(points, fill="none"):
    pts = " ".join(f"(xy {num(x)} {num(y)})" for x, y in points)
    return f"(polyline (pts {pts}) {stroke()} (fill (type {fill})))"


def two_pin(lib_id, prefix, top, bottom, graphics, kind="passive"):
    """Vertical two-terminal part: top pin tip at y = +3.81, bottom at -3.81 (pin length 1.27)."""
    pins = [(top[0], top[1], kind, 0, 3.81, 270), (bottom[0], bottom[1], kind, 0, -3.81, 90)]
    return LibSymbol(lib_id, prefix, pins, graphics, show_pin_names=False, extent=(1.27, 3.81))


def box(lib_id, prefix, left, right, width=10.16):
    """IC or connector drawn as a box; left/right are lists of (number, name, type) from top to bottom, None = gap."""
    rows = max(len(left), len(right))
    half_h = (rows + 1) * GRID / 2
    half_w = width / 2
    pins = []
    for side, entries in ((-1, left), (1, right)):
        for i, entry in enumerate(entries):
            if entry is None:
                continue
            number, name, kind = entry
            y = (rows - 1) * GRID / 2 - i * GRID
            x = side * (half_w + 2.54)
            pins.append((number, name, kind, x, y, 0 if side < 0 else 180))
    return LibSymbol(lib_id, prefix, pins, [rect(-half_w, half_h, half_w, -half_h)], extent=(half_w + 2.54, half_h))


def power_symbol(net):
    short = net
    if net == "GND":
        graphics = [poly([(0, 0), (0, -1.27), (1.27, -1.27), (0, -2.54), (-1.27, -1.27), (0, -1.27)])]
    else:
        graphics = [poly([(-0.762, 1.27), (0, 2.54)]), poly([(0, 0), (0, 2.54)]), poly([(0, 2.54), (0.762, 1.27)])]
    return LibSymbol("power:" + short, "#PWR", [("1", net, "power_in", 0, 0, 90 if net != "GND" else 270)], graphics,
                     power=True, extent=(1.27, 2.54))


I, O, B, P, PW, PO, NC = "input", "output", "bidirectional", "passive", "power_in", "power_out", "no_connect"

SYMBOLS = {}


def add(symbol):
    SYMBOLS[symbol.lib_id] = symbol


add(two_pin("rig:R", "R", ("1", "~"), ("2", "~"), [rect(-1.016, 2.54, 1.016, -2.54, "none")]))
add(two_pin("rig:C", "C", ("1", "~"), ("2", "~"),
            [poly([(-2.032, 0.762), (2.032, 0.762)]), poly([(-2.032, -0.762), (2.032, -0.762)])]))
add(two_pin("rig:C_Polarized", "C", ("1", "+"), ("2", "-"),
            [rect(-2.286, 0.762, 2.286, 0.381, "none"), rect(-2.286, -0.381, 2.286, -0.762, "outline")]))
add(two_pin("rig:Fuse", "F", ("1", "~"), ("2", "~"),
            [rect(-0.762, 2.54, 0.762, -2.54, "none"), poly([(0, 2.54), (0, -2.54)])]))
# Diodes: cathode on top, so a flyback diode reads naturally with the supply above it.
add(two_pin("rig:D", "D", ("1", "K"), ("2", "A"),
            [poly([(-1.27, -1.27), (1.27, -1.27), (0, 1.27), (-1.27, -1.27)]), poly([(-1.27, 1.27), (1.27, 1.27)])]))
add(two_pin("rig:D_TVS", "D", ("1", "K"), ("2", "A"),
            [poly([(-1.27, -1.27), (1.27, -1.27), (0, 1.27), (-1.27, -1.27)]),
             poly([(-1.778, 1.778), (-1.27, 1.27), (1.27, 1.27), (1.778, 0.762)])]))
# LED and photodiode: anode on top.
add(two_pin("rig:LED", "D", ("2", "A"), ("1", "K"),
            [poly([(-1.27, 1.27), (1.27, 1.27), (0, -1.27), (-1.27, 1.27)]), poly([(-1.27, -1.27), (1.27, -1.27)]),
             poly([(1.778, 0), (3.048, 1.27)])]))
add(two_pin("rig:Photodiode", "D", ("1", "K"), ("2", "A"),
            [poly([(-1.27, -1.27), (1.27, -1.27), (0, 1.27), (-1.27, -1.27)]), poly([(-1.27, 1.27), (1.27, 1.27)]),
             poly([(3.048, 1.27), (1.778, 0)])]))
add(two_pin("rig:Speaker", "LS", ("1", "+"), ("2", "-"), [rect(-1.016, 1.778, 1.016, -1.778, "none"),
                                                         poly([(1.016, 1.778), (2.54, 3.048), (2.54, -3.048), (1.016, -1.778)])]))
add(box("rig:NMOS_GSD", "Q", [("1", "G", I)], [("3", "D", P), ("2", "S", P)], width=7.62))
add(box("rig:NPN_BCE", "Q", [("1", "B", I)], [("3", "C", P), ("2", "E", P)], width=7.62))
add(box("rig:R_Pot", "RV", [("1", "1", P), ("3", "3", P)], [("2", "W", P)], width=7.62))
add(box("rig:Jumper_3", "JP", [("1", "A", P), ("3", "B", P)], [("2", "C", P)], width=7.62))
add(box("rig:Conn_2", "J", [("1", "1", P), ("2", "2", P)], [], width=5.08))
add(box("rig:Conn_3", "J", [("1", "1", P), ("2", "2", P), ("3", "3", P)], [], width=5.08))
add(box("rig:Conn_4", "J", [("1", "1", P), ("2", "2", P), ("3", "3", P), ("4", "4", P)], [], width=5.08))
add(box("rig:BNC", "J", [("1", "SIG", P), ("2", "SHIELD", P)], [], width=7.62))
add(box("rig:Barrel_Jack", "J", [("1", "+", PO), ("2", "-", P)], [], width=7.62))
add(box("rig:74LVC1G17", "U", [("2", "A", I), ("5", "VCC", PW)], [("4", "Y", O), ("3", "GND", PW)], width=10.16))
add(box("rig:74LVC2G17", "U", [("1", "1A", I), ("3", "2A", I), ("5", "VCC", PW)],
        [("6", "1Y", O), ("4", "2Y", O), ("2", "GND", PW)], width=10.16))
add(box("rig:74HCT1G125", "U", [("2", "A", I), ("1", "~{OE}", I), ("5", "VCC", PW)], [("4", "Y", O), ("3", "GND", PW)],
        width=10.16))
add(box("rig:TLV7011", "U", [("3", "IN+", I), ("4", "IN-", I), ("5", "V+", PW)], [("1", "OUT", O), ("2", "V-", PW)],
        width=10.16))
add(box("rig:AT42QT1010", "U", [("4", "SNS", P), ("3", "SNSK", P), ("6", "MODE", I), ("5", "VDD", PW)],
        [("1", "OUT", O), ("2", "VSS", PW)], width=12.7))
add(box("rig:6N137", "U", [("2", "A", P), ("3", "K", P), ("8", "VCC", PW), ("1", "NC", NC), ("4", "NC", NC)],
        [("6", "VO", O), ("7", "VE", I), ("5", "GND", PW)], width=12.7))
add(box("rig:PC817", "U", [("1", "A", P), ("2", "K", P)], [("4", "C", P), ("3", "E", P)], width=10.16))
add(box("rig:PAM8302A", "U", [("3", "IN+", I), ("4", "IN-", I), ("1", "~{SD}", I), ("6", "VDD", PW), ("2", "NC", NC)],
        [("5", "VO+", O), ("8", "VO-", O), ("7", "GND", PW)], width=12.7))

# ESP32-DevKitC V4 header pinout (Espressif "ESP32-DevKitC V4 Getting Started Guide", header block J2 and J3).
DEVKIT_LEFT = ["3V3", "EN", "IO36_VP", "IO39_VN", "IO34", "IO35", "IO32", "IO33", "IO25", "IO26", "IO27", "IO14", "IO12",
               "GND", "IO13", "IO9_SD2", "IO10_SD3", "IO11_CMD", "5V"]
DEVKIT_RIGHT = ["GND", "IO23", "IO22", "IO1_TX", "IO3_RX", "IO21", "GND", "IO19", "IO18", "IO5", "IO17", "IO16", "IO4",
                "IO0", "IO2", "IO15", "IO8_SD1", "IO7_SD0", "IO6_CLK"]


def devkit_type(name):
    if name in ("3V3", "5V"):
        return PO if name == "3V3" else PW
    if name == "GND":
        return PW
    if name == "EN":
        return I
    gpio = int(re.match(r"IO(\d+)", name).group(1))
    return I if 34 <= gpio <= 39 else B


add(box("rig:ESP32-DevKitC", "U",
        [(f"J2.{i + 1}", n, devkit_type(n)) for i, n in enumerate(DEVKIT_LEFT)],
        [(f"J3.{i + 1}", n, devkit_type(n)) for i, n in enumerate(DEVKIT_RIGHT)], width=20.32))
for net in POWER_NETS:
    add(power_symbol(net))
# PWR_FLAG marks a net as driven for KiCad's ERC where the supply comes from off the sheet (USB, the 12 V adapter).
add(LibSymbol("power:PWR_FLAG", "#FLG", [("1", "pwr", PO, 0, 0, 90)],
              [poly([(0, 0), (0, 1.27), (-1.016, 1.905), (0, 2.54), (1.016, 1.905), (0, 1.27)])], power=True, extent=(1.27, 2.54)))


# ---------------------------------------------------------------------------------------------------------------
# Parts. Each part: reference, symbol, value, footprint, manufacturer part, rating, note, {pin number: net}.
# A pin left out of the map gets a no-connect flag.
# ---------------------------------------------------------------------------------------------------------------

class Part:
    def __init__(self, ref, lib_id, value, footprint, mpn, rating, nets, note="", dnp=False, flags=()):
        self.ref, self.lib_id, self.value, self.footprint, self.mpn = ref, lib_id, value, footprint, mpn
        self.rating, self.nets, self.note, self.dnp, self.flags = rating, nets, note, dnp, flags


R0805 = "Resistor_SMD:R_0805_2012Metric"
C0805 = "Capacitor_SMD:C_0805_2012Metric"
SOT23 = "Package_TO_SOT_SMD:SOT-23"
SOT23_5 = "Package_TO_SOT_SMD:SOT-23-5"
SOT23_6 = "Package_TO_SOT_SMD:SOT-23-6"
BNC = "Connector_Coaxial:BNC_TEConnectivity_1478204_Vertical"
TERM2 = "TerminalBlock_Phoenix:TerminalBlock_Phoenix_MKDS-1,5-2-5.08_1x02_P5.08mm_Horizontal"
TERM3 = "TerminalBlock_Phoenix:TerminalBlock_Phoenix_MKDS-1,5-3-5.08_1x03_P5.08mm_Horizontal"
TERM4 = "TerminalBlock_Phoenix:TerminalBlock_Phoenix_MKDS-1,5-4-5.08_1x04_P5.08mm_Horizontal"

RES_MPN = {"0R": "RC0805JR-070RL", "100R": "RC0805FR-07100RL", "330R": "RC0805FR-07330RL", "470R": "RC0805FR-07470RL",
           "1k": "RC0805FR-071KL", "4.7k": "RC0805FR-074K7L", "10k": "RC0805FR-0710KL",
           "100k": "RC0805FR-07100KL", "1M": "RC0805FR-071ML", "2.2M": "RC0805FR-072M2L", "10M": "RC0805FR-0710ML"}
CAP_MPN = {"1nF": ("CL21B102KBANNNC", "50 V X7R"), "10nF": ("CL21B103KBANNNC", "50 V X7R"),
           "100nF": ("CL21B104KBCNNNC", "50 V X7R"), "1uF": ("CL21B105KBFNNNE", "50 V X7R"),
           "10uF": ("CL21A106KAYNNNE", "25 V X5R")}


def r(ref, value, a, b, note="", dnp=False):
    return Part(ref, "rig:R", value, R0805, "Yageo " + RES_MPN[value], "0.125 W, 1 %, 150 V", {"1": a, "2": b}, note, dnp)


def c(ref, value, a, b, note="", dnp=False):
    mpn, rating = CAP_MPN[value]
    return Part(ref, "rig:C", value, C0805, "Samsung " + mpn, rating, {"1": a, "2": b}, note, dnp)


def buffer17(ref, a, y, supply="+3V3", note=""):
    return Part(ref, "rig:74LVC1G17", "74LVC1G17", SOT23_5, "TI SN74LVC1G17DBVR",
                "VCC 1.65-5.5 V, inputs 5.5 V tolerant, +/-24 mA out", {"2": a, "5": supply, "4": y, "3": "GND"}, note)


SHEET_NOTES = """ESP32 LIMITS (Espressif ESP32 Series Datasheet, sections 5.1 Absolute Maximum Ratings and 5.2 Recommended Operating Conditions)
- Every GPIO is 3.3 V CMOS: absolute maximum VDD+0.3 V (3.6 V). No pin is 5 V tolerant: every 5 V signal enters through a 74LVC (5.5 V tolerant input, 3.3 V supply) or an optocoupler.
- Pin current: about 40 mA absolute per pin (IOH/IOL at the strongest drive); design for 20 mA or less. The largest load here is the status LED at 1.3 mA; everything else drives a CMOS input or a MOSFET gate through 100 R.
- Strapping pins GPIO 0, 2, 5, 12, 15 are left unconnected (12 sets the flash voltage, 0/2 the boot mode): no rig signal can change how the module boots.
- GPIO 6-11 are the SPI flash, 16/17 the PSRAM on WROVER modules, 1/3 the UART0 used by nanoFramework: not connected.
- GPIO 34-39 are input-only with no internal pulls: only inputs go there (lick on 34, frame clock on 35), each with its pull on this board. 36/39 are unused (errata GPIO-3.11: spurious edges when the ADC powers up).
- Net names at the ESP32 equal the "net" fields of hardware/pinmap.json (checked by tests/Rig.Hardware.Tests)."""

VALVE_NOTES = """VALVE DRIVER
12 V valve supply enters at J2 (separate wall adapter, 12 V 1 A), fused by F1 (1 A). Its return joins GND only at the valve driver (star point at Q1 source): valve current never flows through the ESP32 ground.
Q1 AO3400A: VDS 30 V, ID 5.7 A, RDS(on) < 48 mOhm at VGS 2.5 V, VGS(th) max 1.45 V: fully on from a 3.3 V GPIO.
R3 100 R limits the gate charge current; R4 100k holds the gate low while GPIO 25 floats at reset, so the valve cannot open.
D2 SS14 (40 V, 1 A Schottky) across the valve clamps the coil's turn-off spike. D1 SMBJ15A clamps supply surges."""

LICK_NOTES = """LICK INPUT (electrical lickometer)
The mouse is grounded through the head plate (J4 pin 2). The spout (J4 pin 1) is held at 3.3 V through R6 2.2M: a lick conducts at most 3.3 V / 2.2 MOhm = 1.5 uA through the mouse.
R7 100k and C4 1 nF filter the spout line (tau 100 us); U3 TLV7011 compares it with R8/R9 (1.65 V), R10 10M adds hysteresis. Output high while the tongue touches.
Capacitive option: fit U4 AT42QT1010 and move JP1 to B (the electrode on J4 pin 1, remove R6). R12 10k pull-down on LICK_IN0: GPIO 34 has no internal pull."""

INPUT_NOTES = """FRAME CLOCK, TTL, ENCODER
5 V TTL enters 74LVC1G17/74LVC2G17 powered from 3.3 V (inputs tolerate 5.5 V with VCC 3.3 V): the outputs drive the GPIO rail to rail.
R series 100 R plus D PESD5V0 clamp protect the BNC inputs against cable ESD; R 100k pull-downs define idle low.
Frame clock optocoupler option (ground isolation from the microscope): remove R13 and R15 (the BNC shield then floats from GND), fit R17, U7 6N137, C19, R18 and move JP2 to B.
6N137: 10 Mbit/s, LED 10 mA through R17 330 R at 5 V TTL; its output inverts, so each frame starts with a falling edge on FRAME_CLK_IN0.
Encoder: open-collector A/B pulled to 3.3 V by 4.7k (R22/R23); 5 V push-pull encoders drive U8 directly."""

OUTPUT_NOTES = """SYNC OUTPUTS, TONE, STATUS
U10/U11 74HCT1G125 on 5 V: HCT input thresholds (VIH 2.0 V) accept 3.3 V CMOS; outputs 5 V TTL into the DAQ through 100 R back-termination.
Tone: TONE_PWM (LEDC square wave) through R28 10k / R29 1k divider and C13 100 nF into U12 PAM8302A (2.5 W class D, 5 V), 8 Ohm 1 W speaker on J10.
Status LED: (3.3 V - 2.0 V) / 1k = 1.3 mA from GPIO 22."""

PHOTODIODE_NOTES = """PHOTODIODE
BPW34 on the VR screen's sync patch (J11), reverse-biased from 3.3 V into RV1 (100k trimmer, light level to voltage).
U13 TLV7011 compares with RV2 (threshold); R33 10M hysteresis; U14 74LVC1G17 drives PD_IN0."""


def carrier_parts():
    esp = {f"J2.{i + 1}": None for i in range(19)}
    esp.update({f"J3.{i + 1}": None for i in range(19)})

    def pin(name):
        for i, n in enumerate(DEVKIT_LEFT):
            if n == name:
                return f"J2.{i + 1}"
        for i, n in enumerate(DEVKIT_RIGHT):
            if n == name:
                return f"J3.{i + 1}"
        raise KeyError(name)

    for name, net in (("3V3", "+3V3"), ("5V", "+5V"), ("IO34", "LICK_IN0"), ("IO35", "FRAME_CLK_IN0"),
                      ("IO21", "PD_IN0"), ("IO23", "TTL_IN0"), ("IO32", "ENC_A"), ("IO33", "ENC_B"),
                      ("IO25", "VALVE_GATE0"), ("IO26", "TONE_PWM"), ("IO18", "SYNC_OUT0"), ("IO19", "SYNC_OUT1"),
                      ("IO22", "STATUS_LED")):
        esp[pin(name)] = net
    esp[pin("GND")] = "GND"
    esp["J2.14"] = "GND"
    esp["J3.1"] = "GND"
    esp["J3.7"] = "GND"
    esp = {k: v for k, v in esp.items() if v is not None}

    blocks = []
    blocks.append(("ESP32 DEV BOARD AND POWER", [
        Part("U1", "rig:ESP32-DevKitC", "ESP32-DevKitC-V4", "Module:ESP32-DevKitC_2x19_Socket",
             "Espressif ESP32-DevKitC-32E", "3.3 V logic, 5 V in via USB, on-board LDO 3.3 V",
             esp, "Plugs into two 1x19 2.54 mm female headers (order 2x Sullins PPTC191LFBN-RC); USB powers the 5 V and 3.3 V rails",
             flags=("J2.19", "J2.14")),
        c("C1", "10uF", "+5V", "GND", "5 V bulk"),
        c("C2", "10uF", "+3V3", "GND", "3.3 V bulk"),
        c("C3", "100nF", "+3V3", "GND", "3.3 V decoupling"),
        Part("J1", "rig:Conn_2", "Conn_01x02 GND test", "Connector_PinHeader_2.54mm:PinHeader_1x02_P2.54mm_Vertical",
             "Amphenol 77311-118-02LF", "3 A", {"1": "GND", "2": "GND"}, "Ground test points / scope ground"),
    ], SHEET_NOTES))

    blocks.append(("WATER VALVE DRIVER", [
        Part("J2", "rig:Barrel_Jack", "12V DC in", "Connector_BarrelJack:BarrelJack_CUI_PJ-102AH_Horizontal",
             "CUI PJ-102AH", "24 V, 2.5 A", {"1": "VALVE_12V_RAW", "2": "GND"}, "Separate 12 V 1 A adapter for the valve"),
        Part("F1", "rig:Fuse", "1A", "Fuse:Fuse_1206_3216Metric", "Littelfuse 0466001.NR", "1 A fast, 63 V",
             {"1": "VALVE_12V_RAW", "2": "+12V"}, flags=("2",)),
        Part("D1", "rig:D_TVS", "SMBJ15A", "Diode_SMD:D_SMB", "Littelfuse SMBJ15A", "15 V standoff, 600 W",
             {"1": "+12V", "2": "GND"}),
        Part("C5", "rig:C_Polarized", "100uF", "Capacitor_THT:CP_Radial_D8.0mm_P3.50mm", "Panasonic EEU-FR1E101",
             "25 V, 105 C", {"1": "+12V", "2": "GND"}, "12 V bulk"),
        Part("J3", "rig:Conn_2", "Valve", TERM2, "Phoenix Contact 1729128", "250 V, 13.5 A",
             {"1": "+12V", "2": "VALVE_DRAIN0"}, "Solenoid valve (e.g. Lee LHDA1233115H, 12 V)"),
        Part("D2", "rig:D", "SS14", "Diode_SMD:D_SMA", "onsemi SS14", "40 V, 1 A Schottky",
             {"1": "+12V", "2": "VALVE_DRAIN0"}, "Flyback diode across the valve"),
        Part("Q1", "rig:NMOS_GSD", "AO3400A", SOT23, "Alpha & Omega AO3400A", "30 V, 5.7 A, Vgs(th) <= 1.45 V",
             {"1": "VALVE_G0", "3": "VALVE_DRAIN0", "2": "GND"}),
        r("R3", "100R", "VALVE_GATE0", "VALVE_G0", "Gate resistor"),
        r("R4", "100k", "VALVE_G0", "GND", "Gate pull-down: valve shut at reset"),
    ], VALVE_NOTES))

    blocks.append(("LICK INPUT", [
        Part("J4", "rig:Conn_2", "Lick spout", TERM2, "Phoenix Contact 1729128", "250 V, 13.5 A",
             {"1": "LICK_SPOUT", "2": "GND"}, "1: spout, 2: head plate / mouse ground"),
        Part("D3", "rig:D_TVS", "PESD5V0S1UL", "Diode_SMD:D_SOD-882", "Nexperia PESD5V0S1UL", "5 V, ESD clamp",
             {"1": "LICK_SPOUT", "2": "GND"}),
        r("R6", "2.2M", "+3V3", "LICK_SPOUT", "Limits the current through the mouse to 1.5 uA; remove for the capacitive option"),
        r("R7", "100k", "LICK_SPOUT", "LICK_FILT"),
        c("C4", "1nF", "LICK_FILT", "GND"),
        r("R8", "1M", "+3V3", "LICK_REF"),
        r("R9", "1M", "LICK_REF", "GND"),
        r("R10", "10M", "LICK_REF", "LICK_CMP"),
        Part("U3", "rig:TLV7011", "TLV7011", SOT23_5, "TI TLV7011DBVR", "1.6-6.5 V, push-pull, 260 ns",
             {"3": "LICK_REF", "4": "LICK_FILT", "5": "+3V3", "1": "LICK_CMP", "2": "GND"}),
        c("C6", "100nF", "+3V3", "GND", "U3 decoupling"),
        Part("U4", "rig:AT42QT1010", "AT42QT1010", SOT23_6, "Microchip AT42QT1010-TSHR", "1.8-5.5 V",
             {"4": "LICK_SNS", "3": "LICK_SNSK", "6": "GND", "5": "+3V3", "1": "LICK_CAP", "2": "GND"},
             "Capacitive lick option (do not fit for the electrical lickometer)", dnp=True),
        r("R11", "1k", "LICK_SNSK", "LICK_SPOUT", "Capacitive option sense resistor", dnp=True),
        c("C7", "10nF", "LICK_SNS", "LICK_SNSK", "Capacitive option sample capacitor", dnp=True),
        Part("JP1", "rig:Jumper_3", "A=contact B=capacitive", "Connector_PinHeader_2.54mm:PinHeader_1x03_P2.54mm_Vertical",
             "Amphenol 77311-118-03LF", "3 A; with a 2.54 mm jumper shunt", {"1": "LICK_CMP", "3": "LICK_CAP", "2": "LICK_SEL"}),
        r("R5", "100R", "LICK_SEL", "LICK_IN0", "Series resistor into GPIO 34"),
        r("R12", "10k", "LICK_IN0", "GND", "Pull-down: GPIO 34 has no internal pull"),
    ], LICK_NOTES))

    blocks.append(("FRAME CLOCK, TTL AND ENCODER INPUTS", [
        Part("J5", "rig:BNC", "Frame clock in", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "FCLK_BNC", "2": "FCLK_SHIELD"}, "Scanner frame clock, 5 V TTL"),
        r("R15", "0R", "FCLK_SHIELD", "GND", "Direct mode: BNC shield to GND; remove for the optocoupler option"),
        r("R13", "100R", "FCLK_BNC", "FCLK_PROT", "Direct mode series resistor; remove for the optocoupler option"),
        Part("D4", "rig:D_TVS", "PESD5V0S1UL", "Diode_SMD:D_SOD-882", "Nexperia PESD5V0S1UL", "5 V, ESD clamp",
             {"1": "FCLK_PROT", "2": "GND"}),
        r("R14", "100k", "FCLK_PROT", "GND"),
        buffer17("U5", "FCLK_PROT", "FCLK_DIRECT"),
        c("C8", "100nF", "+3V3", "GND", "U5 decoupling"),
        r("R17", "330R", "FCLK_BNC", "FCLK_LED", "Opto LED current at 5 V: (5 - 1.5) / 330 = 10 mA", dnp=True),
        Part("U7", "rig:6N137", "6N137", "Package_DIP:DIP-8_W7.62mm", "Lite-On 6N137", "10 Mbit/s, 5 V supply, 5 kV isolation",
             {"2": "FCLK_LED", "3": "FCLK_SHIELD", "8": "+5V", "6": "FCLK_OPTO", "7": "+5V", "5": "GND"},
             "Optocoupler option: ground isolation from the microscope; inverts (LED on = output low)", dnp=True),
        c("C19", "100nF", "+5V", "GND", "U7 decoupling (optocoupler option)", dnp=True),
        r("R18", "1k", "+3V3", "FCLK_OPTO", "6N137 open-collector pull-up to 3.3 V", dnp=True),
        Part("JP2", "rig:Jumper_3", "A=direct B=opto", "Connector_PinHeader_2.54mm:PinHeader_1x03_P2.54mm_Vertical",
             "Amphenol 77311-118-03LF", "3 A; with a 2.54 mm jumper shunt", {"1": "FCLK_DIRECT", "3": "FCLK_OPTO", "2": "FRAME_CLK_IN0"}),
        r("R19", "100k", "FRAME_CLK_IN0", "GND", "Pull-down: GPIO 35 has no internal pull"),
        Part("J6", "rig:BNC", "TTL in", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "TTL_BNC", "2": "GND"}, "General TTL input, 5 V"),
        r("R20", "100R", "TTL_BNC", "TTL_PROT"),
        Part("D5", "rig:D_TVS", "PESD5V0S1UL", "Diode_SMD:D_SOD-882", "Nexperia PESD5V0S1UL", "5 V, ESD clamp",
             {"1": "TTL_PROT", "2": "GND"}),
        r("R21", "100k", "TTL_PROT", "GND"),
        buffer17("U6", "TTL_PROT", "TTL_IN0"),
        c("C9", "100nF", "+3V3", "GND", "U6 decoupling"),
        Part("J7", "rig:Conn_4", "Encoder", TERM4, "Phoenix Contact 1729144", "250 V, 13.5 A",
             {"1": "+5V", "2": "GND", "3": "ENC_A_RAW", "4": "ENC_B_RAW"}, "1: +5 V, 2: GND, 3: A, 4: B"),
        r("R22", "4.7k", "+3V3", "ENC_A_RAW", "Pull-up for open-collector encoders"),
        r("R23", "4.7k", "+3V3", "ENC_B_RAW", "Pull-up for open-collector encoders"),
        Part("U8", "rig:74LVC2G17", "74LVC2G17", "Package_TO_SOT_SMD:SOT-363_SC-70-6", "TI SN74LVC2G17DCKR",
             "VCC 1.65-5.5 V, inputs 5.5 V tolerant", {"1": "ENC_A_RAW", "3": "ENC_B_RAW", "5": "+3V3",
                                                       "6": "ENC_A", "4": "ENC_B", "2": "GND"}),
        c("C10", "100nF", "+3V3", "GND", "U8 decoupling"),
    ], INPUT_NOTES))

    blocks.append(("SYNC OUTPUTS, TONE AND STATUS LED", [
        Part("U10", "rig:74HCT1G125", "74HCT1G125", SOT23_5, "Nexperia 74HCT1G125GV", "VCC 4.5-5.5 V, 4 mA at TTL levels, 25 mA abs max",
             {"2": "SYNC_OUT0", "1": "GND", "5": "+5V", "4": "SYNC0_BUF", "3": "GND"}),
        r("R24", "100R", "SYNC0_BUF", "SYNC0_BNC", "Back-termination"),
        Part("J8", "rig:BNC", "Sync out 0", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "SYNC0_BNC", "2": "GND"}, "5 V TTL to the acquisition DAQ"),
        r("R25", "100k", "SYNC_OUT0", "GND", "Defined low while GPIO 18 floats at reset"),
        Part("U11", "rig:74HCT1G125", "74HCT1G125", SOT23_5, "Nexperia 74HCT1G125GV", "VCC 4.5-5.5 V, 4 mA at TTL levels, 25 mA abs max",
             {"2": "SYNC_OUT1", "1": "GND", "5": "+5V", "4": "SYNC1_BUF", "3": "GND"}),
        r("R26", "100R", "SYNC1_BUF", "SYNC1_BNC", "Back-termination"),
        Part("J9", "rig:BNC", "Sync out 1", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "SYNC1_BNC", "2": "GND"}, "5 V TTL trigger"),
        r("R27", "100k", "SYNC_OUT1", "GND", "Defined low while GPIO 19 floats at reset"),
        c("C11", "100nF", "+5V", "GND", "U10 decoupling"),
        c("C12", "100nF", "+5V", "GND", "U11 decoupling"),
        r("R28", "10k", "TONE_PWM", "TONE_DIV", "Tone level divider"),
        r("R29", "1k", "TONE_DIV", "GND", "Tone level divider"),
        c("C13", "100nF", "TONE_DIV", "TONE_AC", "DC block"),
        c("C14", "100nF", "TONE_INN", "GND", "IN- AC ground"),
        Part("U12", "rig:PAM8302A", "PAM8302A", "Package_SO:MSOP-8_3x3mm_P0.65mm", "Diodes Inc PAM8302AADCR",
             "2.5 W into 4 Ohm, 2-5.5 V", {"3": "TONE_AC", "4": "TONE_INN", "1": "TONE_SD", "6": "+5V",
                                           "5": "SPK+", "8": "SPK-", "7": "GND"}),
        r("R30", "10k", "+5V", "TONE_SD", "Shutdown pin pulled high: amplifier on"),
        c("C15", "10uF", "+5V", "GND", "U12 supply"),
        c("C16", "100nF", "+5V", "GND", "U12 decoupling"),
        Part("J10", "rig:Conn_2", "Speaker", TERM2, "Phoenix Contact 1729128", "250 V, 13.5 A",
             {"1": "SPK+", "2": "SPK-"}, "Bridge-tied output: neither terminal is ground"),
        Part("LS1", "rig:Speaker", "8R 1W", "Speaker:Speaker_CUI_CMS-40558N", "CUI Devices CMS-40558N-L152",
             "8 Ohm, 1 W, 40 mm", {"1": "SPK+", "2": "SPK-"}, "Off-board, wired to J10"),
        r("R31", "1k", "STATUS_LED", "LED_A", "LED current 1.3 mA"),
        Part("D6", "rig:LED", "Green", "LED_SMD:LED_0805_2012Metric", "Kingbright APT2012CGCK", "2.1 V, 25 mA max",
             {"2": "LED_A", "1": "GND"}, "Status LED"),
    ], OUTPUT_NOTES))

    blocks.append(("PHOTODIODE INPUT", [
        Part("J11", "rig:Conn_2", "Photodiode", "Connector_JST:JST_PH_B2B-PH-K_1x02_P2.00mm_Vertical", "JST B2B-PH-K-S",
             "2 A", {"1": "+3V3", "2": "PD_SENSE"}, "1: photodiode cathode, 2: anode (shielded cable to the screen)"),
        Part("D7", "rig:Photodiode", "BPW34", "OptoDevice:Osram_BPW34", "Vishay BPW34", "60 V reverse, 100 ns",
             {"1": "+3V3", "2": "PD_SENSE"}, "Off-board on the VR screen's sync patch, wired to J11"),
        Part("RV1", "rig:R_Pot", "100k", "Potentiometer_THT:Potentiometer_Bourns_3362P_Vertical", "Bourns 3362P-1-104LF",
             "0.5 W", {"1": "PD_SENSE", "3": "GND", "2": "PD_SENSE"}, "Photodiode load (sets volts per lux)"),
        Part("RV2", "rig:R_Pot", "10k", "Potentiometer_THT:Potentiometer_Bourns_3362P_Vertical", "Bourns 3362P-1-103LF",
             "0.5 W", {"1": "+3V3", "3": "GND", "2": "PD_THR"}, "Threshold"),
        r("R33", "10M", "PD_THR", "PD_CMP", "Hysteresis"),
        Part("U13", "rig:TLV7011", "TLV7011", SOT23_5, "TI TLV7011DBVR", "1.6-6.5 V, push-pull, 260 ns",
             {"3": "PD_SENSE", "4": "PD_THR", "5": "+3V3", "1": "PD_CMP", "2": "GND"}),
        c("C17", "100nF", "+3V3", "GND", "U13 decoupling"),
        buffer17("U14", "PD_CMP", "PD_IN0"),
        c("C18", "100nF", "+3V3", "GND", "U14 decoupling"),
    ], PHOTODIODE_NOTES))
    return blocks


LOOPBACK_NOTES = """LOOPBACK FIXTURE (for `rig loopback`)
A small perfboard plus BNC cables that feed the carrier's outputs back into its inputs, so a rig can be tested end to end without a mouse, a scanner or a screen. Connector names J101-J108 plug into the carrier connectors named in their values.
1. Valve -> lick: the valve terminals (J101 on carrier J3) drive the dummy load R101 and the LED of U101 PC817; its transistor shorts the spout (J102 on carrier J4) to mouse ground, so every valve pulse is a lick on LICK_IN0. The valve itself stays unplugged.
2. TTL -> lick: sync output 1 (J103 on carrier J9) through R102 into U102 PC817, transistor in parallel with U101: SYNC_OUT1 pulses are licks (JP101 selects valve or TTL).
3. Sync -> frame clock: a BNC cable from carrier J8 (SYNC_OUT0) to carrier J5 (FRAME_CLK_IN0). Nothing on this board; listed so the fixture is complete.
4. Tone -> TTL: the speaker terminals (J104 on carrier J10, bridge-tied, 5 V) through R103 1k and C101 10 nF into U103 PC817 (slow enough to ignore the class-D carrier); its collector, pulled to 5 V by R104, drives carrier J6 (TTL_IN0) through J105.
5. Photodiode: D101, a green LED driven from sync output 1 (J103) through R105 1k, in a light-tight tube facing the photodiode plugged into carrier J11: every SYNC_OUT1 pulse is a photodiode edge on PD_IN0.
6. Scanner frame clock: with the microscope present, a BNC tee on the scanner's frame-clock output feeds carrier J5 and the acquisition DAQ (J106/J107 on this sheet are the tee's legs), so frame counts can be compared.
All fixture grounds are the carrier's GND through the BNC shields; for the valve path the 12 V supply must be connected (dummy load 12 V / 1.2k = 10 mA, 0.12 W)."""


def loopback_parts():
    return [("LOOPBACK FIXTURE", [
        Part("J101", "rig:Conn_2", "to carrier J3 (valve)", TERM2, "Phoenix Contact 1757242", "250 V, 8 A",
             {"1": "LB_VALVE_12V", "2": "LB_VALVE_DRAIN"}, "Loopback fixture: plug for the valve terminal"),
        r("R101", "1k", "LB_VALVE_12V", "LB_OPTO1_A", "Loopback fixture: dummy valve load, 12 mA; 0.25 W part advised"),
        Part("U101", "rig:PC817", "PC817", "Package_DIP:DIP-4_W7.62mm", "Sharp PC817X1NSZ1B", "CTR 80-160 %, 5 kV",
             {"1": "LB_OPTO1_A", "2": "LB_VALVE_DRAIN", "4": "LB_SPOUT_SEL_A", "3": "LB_MOUSE_GND"},
             "Loopback fixture: valve -> lick"),
        Part("J103", "rig:BNC", "from carrier J9 (sync 1)", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "LB_SYNC1", "2": "GND"}, "Loopback fixture: SYNC_OUT1"),
        r("R102", "1k", "LB_SYNC1", "LB_OPTO2_A", "Loopback fixture: opto LED 3.5 mA at 5 V"),
        Part("U102", "rig:PC817", "PC817", "Package_DIP:DIP-4_W7.62mm", "Sharp PC817X1NSZ1B", "CTR 80-160 %, 5 kV",
             {"1": "LB_OPTO2_A", "2": "GND", "4": "LB_SPOUT_SEL_B", "3": "LB_MOUSE_GND"},
             "Loopback fixture: TTL -> lick"),
        Part("JP101", "rig:Jumper_3", "A=valve B=TTL", "Connector_PinHeader_2.54mm:PinHeader_1x03_P2.54mm_Vertical",
             "Amphenol 77311-118-03LF", "3 A", {"1": "LB_SPOUT_SEL_A", "3": "LB_SPOUT_SEL_B", "2": "LB_SPOUT"},
             "Loopback fixture: lick source select (jumper on 1-2 or 2-3)"),
        Part("J102", "rig:Conn_2", "to carrier J4 (lick)", TERM2, "Phoenix Contact 1757242", "250 V, 8 A",
             {"1": "LB_SPOUT", "2": "LB_MOUSE_GND"}, "Loopback fixture: plug for the lick terminal"),
        Part("J104", "rig:Conn_2", "to carrier J10 (speaker)", TERM2, "Phoenix Contact 1757242", "250 V, 8 A",
             {"1": "LB_SPK+", "2": "LB_SPK-"}, "Loopback fixture: plug for the speaker terminal"),
        r("R103", "1k", "LB_SPK+", "LB_TONE_F", "Loopback fixture: with C101 a 16 kHz low-pass against the class-D carrier"),
        c("C101", "10nF", "LB_TONE_F", "LB_SPK-", "Loopback fixture"),
        Part("D102", "rig:D", "1N4148W", "Diode_SMD:D_SOD-123", "onsemi 1N4148W", "75 V, 150 mA",
             {"1": "LB_TONE_F", "2": "LB_SPK-"}, "Loopback fixture: reverse protection of U103's LED"),
        Part("U103", "rig:PC817", "PC817", "Package_DIP:DIP-4_W7.62mm", "Sharp PC817X1NSZ1B", "CTR 80-160 %, 5 kV",
             {"1": "LB_TONE_F", "2": "LB_SPK-", "4": "LB_TTL", "3": "GND"}, "Loopback fixture: tone -> TTL"),
        Part("J108", "rig:Conn_2", "5V from carrier J7.1", "Connector_PinHeader_2.54mm:PinHeader_1x02_P2.54mm_Vertical",
             "Amphenol 77311-118-02LF", "3 A", {"1": "+5V", "2": "GND"}, "Loopback fixture: 5 V for the TTL pull-up",
             flags=("1", "2")),
        r("R104", "4.7k", "+5V", "LB_TTL", "Loopback fixture: TTL pull-up"),
        Part("J105", "rig:BNC", "to carrier J6 (TTL in)", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "LB_TTL", "2": "GND"}, "Loopback fixture: into TTL_IN0"),
        r("R105", "1k", "LB_SYNC1", "LB_LED_A", "Loopback fixture: LED 3 mA at 5 V (with R102: 7 mA from U11, above its 4 mA TTL-level rating but far below 25 mA; the high level sags, which the opto and LED do not mind)"),
        Part("D101", "rig:LED", "Green 5mm", "LED_THT:LED_D5.0mm", "Kingbright WP7113SGC", "2.2 V, 25 mA max",
             {"2": "LB_LED_A", "1": "GND"}, "Loopback fixture: faces the photodiode in a light-tight tube"),
        Part("J106", "rig:BNC", "scanner frame clock (tee)", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "LB_SCANNER_FCLK", "2": "GND"}, "Loopback fixture: scanner frame clock in"),
        Part("J107", "rig:BNC", "to carrier J5 (frame clock)", BNC, "TE Connectivity 1-1478204-0", "50 Ohm",
             {"1": "LB_SCANNER_FCLK", "2": "GND"}, "Loopback fixture: to FRAME_CLK_IN0 (tee's other leg to the DAQ)"),
    ], LOOPBACK_NOTES)]


# ---------------------------------------------------------------------------------------------------------------
# Sheet writer
# ---------------------------------------------------------------------------------------------------------------

OUTWARD = {0: (-1, 0), 180: (1, 0), 90: (0, 1), 270: (0, -1)}  # library angle -> sheet direction (y down)
LABEL_ANGLE = {(-1, 0): 180, (1, 0): 0, (0, -1): 90, (0, 1): 270}


def snap(value):
    return round(value / 1.27) * 1.27


class Sheet:
    def __init__(self, name, title, paper, width):
        self.name, self.title, self.paper, self.width = name, title, paper, width
        self.items, self.instances, self.used_libs = [], [], set()
        self.power_count = 0
        self.flag_count = 0
        self.net_pins = {}

    def place(self, part, x, y):
        sym = SYMBOLS[part.lib_id]
        self.used_libs.add(part.lib_id)
        u = uid(self.name, part.ref)
        hx, hy = sym.extent
        if any(p[5] in (0, 180) for p in sym.pins):
            # Side pins carry labels to the right: the texts go above the body instead.
            ref_at, value_at = (x - hx + 2.54, y - hy - 3.81), (x - hx + 2.54, y - hy - 1.27)
        else:
            ref_at, value_at = (x + hx + 1.27, y - 1.27), (x + hx + 1.27, y + 1.27)
        props = [("Reference", part.ref, *ref_at, False), ("Value", part.value, *value_at, False),
                 ("Footprint", part.footprint, x, y, True), ("Datasheet", "~", x, y, True),
                 ("Manufacturer_Part", part.mpn, x, y, True), ("Rating", part.rating, x, y, True)]
        if part.dnp:
            props.append(("Fit", "DNP (option)", x, y, True))
        lines = [f"  (symbol (lib_id {q(part.lib_id)}) (at {num(x)} {num(y)} 0) (unit 1)",
                 f"    (in_bom yes) (on_board yes)", f"    (uuid {u})"]
        for i, (key, value, px, py, hidden) in enumerate(props):
            eff = FONT_HIDE if hidden else "(effects (font (size 1.27 1.27)) (justify left))"
            lines.append(f"    (property {q(key)} {q(value)} (id {i}) (at {num(px)} {num(py)} 0) {eff})")
        for number, *_ in sym.pins:
            lines.append(f"    (pin {q(number)} (uuid {uid(self.name, part.ref, 'pin', number)}))")
        lines.append("  )")
        self.items.append("\n".join(lines))
        self.instances.append((u, part.ref, part.value, part.footprint))

        for number, name, kind, px, py, angle in sym.pins:
            tip = (snap(x + px), snap(y - py))
            net = part.nets.get(number)
            if net is None:
                self.items.append(f"  (no_connect (at {num(tip[0])} {num(tip[1])}) (uuid {uid(self.name, part.ref, number, 'nc')}))")
                continue
            self.net_pins.setdefault(net, []).append(f"{part.ref}.{number}")
            dx, dy = OUTWARD[angle]
            end = (snap(tip[0] + dx * STUB), snap(tip[1] + dy * STUB))
            self.items.append(
                f"  (wire (pts (xy {num(tip[0])} {num(tip[1])}) (xy {num(end[0])} {num(end[1])})) {stroke(0)} "
                f"(uuid {uid(self.name, part.ref, number, 'wire')}))")
            if net in POWER_NETS:
                self.power_count += 1
                ref = f"#PWR{self.power_count:03d}"
                lib = "power:" + net
                self.used_libs.add(lib)
                pu = uid(self.name, ref)
                # Turned so the symbol points away from the pin when the stub runs against its usual direction.
                rot = 180 if (net == "GND" and dy < 0) or (net != "GND" and dy > 0) else 0
                self.items.append("\n".join([
                    f"  (symbol (lib_id {q(lib)}) (at {num(end[0])} {num(end[1])} {rot}) (unit 1)",
                    "    (in_bom yes) (on_board yes)", f"    (uuid {pu})",
                    f"    (property \"Reference\" {q(ref)} (id 0) (at {num(end[0])} {num(end[1])} 0) {FONT_HIDE})",
                    f"    (property \"Value\" {q(net)} (id 1) (at {num(end[0])} {num(end[1] + (3.81 if net == 'GND' else -3.81))} 0) {FONT})",
                    f"    (property \"Footprint\" \"\" (id 2) (at {num(end[0])} {num(end[1])} 0) {FONT_HIDE})",
                    f"    (property \"Datasheet\" \"\" (id 3) (at {num(end[0])} {num(end[1])} 0) {FONT_HIDE})",
                    f"    (pin \"1\" (uuid {uid(self.name, ref, 'pin')}))",
                    "  )"]))
                self.instances.append((pu, ref, net, ""))
                if number in part.flags:
                    self.flag(end, rot)
            else:
                langle = LABEL_ANGLE[(dx, dy)]
                justify = "left bottom" if langle in (0, 90) else "right bottom"
                self.items.append(
                    f"  (label {q(net)} (at {num(end[0])} {num(end[1])} {langle}) "
                    f"(effects (font (size 1.27 1.27)) (justify {justify})) (uuid {uid(self.name, part.ref, number, 'label')}))")

    def flag(self, at, rot):
        self.flag_count += 1
        ref = f"#FLG{self.flag_count:02d}"
        self.used_libs.add("power:PWR_FLAG")
        fu = uid(self.name, ref)
        self.items.append("\n".join([
            f"  (symbol (lib_id \"power:PWR_FLAG\") (at {num(at[0])} {num(at[1])} {(rot + 180) % 360}) (unit 1)",
            "    (in_bom yes) (on_board yes)", f"    (uuid {fu})",
            f"    (property \"Reference\" {q(ref)} (id 0) (at {num(at[0])} {num(at[1])} 0) {FONT_HIDE})",
            f"    (property \"Value\" \"PWR_FLAG\" (id 1) (at {num(at[0] + 1.27)} {num(at[1])} 0) {FONT_HIDE})",
            f"    (property \"Footprint\" \"\" (id 2) (at {num(at[0])} {num(at[1])} 0) {FONT_HIDE})",
            f"    (property \"Datasheet\" \"~\" (id 3) (at {num(at[0])} {num(at[1])} 0) {FONT_HIDE})",
            f"    (pin \"1\" (uuid {uid(self.name, ref, 'pin')}))",
            "  )"]))
        self.instances.append((fu, ref, "PWR_FLAG", ""))

    def text(self, body, x, y, size=1.27, key=""):
        self.items.append(f"  (text {q(body)} (at {num(x)} {num(y)} 0) (effects (font (size {num(size)} {num(size)})) "
                          f"(justify left bottom)) (uuid {uid(self.name, 'text', key or body[:40])}))")

    def render(self, date):
        out = [f"(kicad_sch (version 20211123) (generator eeschema)", "",
               f"  (uuid {uid(self.name, 'sheet')})", "", f"  (paper {q(self.paper)})", "",
               "  (title_block", f"    (title {q(self.title)})", f"    (date {q(date)})", '    (rev "A")',
               '    (company "Rig: head-fixed mouse VR rig controller")',
               '    (comment 1 "Generated by hardware/schematics/generate.py: edit the script, not this file")',
               '    (comment 2 "Pin map: hardware/pinmap.json; BOM: hardware/bom.csv; guide: docs/hardware.md")', "  )", "",
               "  (lib_symbols"]
        for lib_id in sorted(self.used_libs):
            out.append(SYMBOLS[lib_id].sexpr())
        out.append("  )")
        out.append("")
        out.extend(self.items)
        out.append("")
        out.append('  (sheet_instances\n    (path "/" (page "1"))\n  )')
        out.append("")
        out.append("  (symbol_instances")
        for u, ref, value, footprint in sorted(self.instances, key=lambda i: i[1]):
            out.append(f"    (path \"/{u}\"\n      (reference {q(ref)}) (unit 1) (value {q(value)}) (footprint {q(footprint)})\n    )")
        out.append("  )")
        out.append(")")
        return "\n".join(out) + "\n"


def layout(sheet, blocks, x0=25.4, y0=25.4):
    """Flows blocks down the page, each block's parts left to right in rows, notes to the right of the parts."""
    y = y0
    for title, parts, notes in blocks:
        sheet.text(title, x0, y, 2.54, key=title)
        y += 10.16
        x = x0 + 15.24
        row_top = y
        row_height = 0
        row_right = x0 + sheet.width * 0.62
        for part in parts:
            sym = SYMBOLS[part.lib_id]
            hx, hy = sym.extent
            longest = max((len(n) for n in part.nets.values() if n), default=4)
            has_side_pins = any(p[5] in (0, 180) for p in sym.pins)
            reach = (STUB + longest * 1.27 + 2.54) if has_side_pins else 5.08
            width = 2 * (hx + reach) + len(part.value) * 0.5 + 5.08
            height = 2 * hy + 2 * (STUB + longest * 1.27 + 2.54)
            if x + width > row_right and x > x0 + 15.24:
                x = x0 + 15.24
                row_top += row_height + 5.08
                row_height = 0
            cx = round((x + reach + hx) / GRID) * GRID
            cy = round((row_top + height / 2) / GRID) * GRID
            sheet.place(part, cx, cy)
            x += width
            row_height = max(row_height, height)
        sheet.text(notes, x0 + sheet.width * 0.64, y, 1.27, key=title + " notes")
        note_height = notes.count("\n") * 2.2 + 5
        y = max(row_top + row_height, y + note_height) + 15.24
    return y


def check_nets(sheet, allow_single):
    for net, pins in sheet.net_pins.items():
        if len(pins) < 2 and net not in POWER_NETS and net not in allow_single:
            raise SystemExit(f"{sheet.name}: net {net} reaches only {pins}")


def write_bom(path, all_parts):
    groups = {}
    for part in all_parts:
        fixture = int(re.sub(r"\D", "", part.ref)) >= 100  # the loopback fixture numbers from 101
        key = (fixture, part.value, part.footprint, part.mpn, part.dnp)
        groups.setdefault(key, []).append(part)

    def ref_key(ref):
        m = re.match(r"([A-Z#]+)(\d+)", ref)
        return (m.group(1), int(m.group(2)))

    def csv(field):
        return '"' + field.replace('"', '""') + '"' if any(ch in field for ch in ',"\n') else field

    rows = []
    for (_, value, footprint, mpn, _), parts in groups.items():
        refs = sorted((p.ref for p in parts), key=ref_key)
        notes = []
        for p in parts:
            text = p.note
            if p.dnp:
                text = ("DNP unless the option is wanted: " + text) if text else "DNP unless the option is wanted"
            if text and text not in notes:
                notes.append(text)
        rating = parts[0].rating
        note = "; ".join([rating] + notes) if rating and rating != "-" else "; ".join(notes)
        rows.append((ref_key(refs[0]), [" ".join(refs), value, footprint, mpn, str(len(refs)), note]))
    rows.sort(key=lambda r: (r[0][1] >= 100, r[0]))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("reference,value,footprint,manufacturer_part,quantity,note\n")
        for _, fields in rows:
            f.write(",".join(csv(x) for x in fields) + "\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.dirname(here), help="folder that gets schematics/*.kicad_sch and bom.csv")
    args = parser.parse_args(argv)
    date = "2026-11-24"
    os.makedirs(os.path.join(args.out, "schematics"), exist_ok=True)

    carrier = Sheet("rig_controller", "Rig controller: ESP32 DevKitC carrier", "A1", 841)
    carrier_blocks = carrier_parts()
    layout(carrier, carrier_blocks)
    check_nets(carrier, allow_single=set())

    fixture = Sheet("loopback_fixture", "Rig loopback fixture (rig loopback)", "A3", 420)
    fixture_blocks = loopback_parts()
    layout(fixture, fixture_blocks)
    check_nets(fixture, allow_single=set())

    for sheet in (carrier, fixture):
        with open(os.path.join(args.out, "schematics", sheet.name + ".kicad_sch"), "w", encoding="utf-8", newline="\n") as f:
            f.write(sheet.render(date))
    write_bom(os.path.join(args.out, "bom.csv"),
              [p for _, parts, _ in carrier_blocks for p in parts] + [p for _, parts, _ in fixture_blocks for p in parts])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
