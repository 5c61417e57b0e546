#!/usr/bin/env python3
"""Fails when code an interrupt can run references something that is not in internal RAM.

On the ESP32 an interrupt that must run while the flash cache is off (flash writes) may only execute IRAM and read
DRAM. The capture module puts every interrupt-path function in a section named .iram1* (RC_ISR_FN, IRAM_ATTR); this
check reads the relocations of those sections in a relocatable object (the module's objects combined with `ld -r`,
compiled with the device's flags, interop/rig_isr_flags.cmake) and refuses every reference to:

- .rodata* (jump tables, switch lookup tables, `static const` data, string literals: all in flash),
- .text* or any other executable section that is not .iram1* (a call into flash),
- a symbol defined nowhere in the object, unless it is on the allow-list given with --allow (an ESP-IDF function
  documented as IRAM-safe, each listed with its source).

Usage: check_isr_sections.py [--readelf PATH] [--allow FILE] OBJECT
Exit 0: clean. Exit 1: a forbidden reference (each printed). Exit 2: the object could not be read or has no .iram1 code.
The host compiler is not the Xtensa compiler: this proves the source and flags keep tables out of the interrupt path;
the map-file check on the real build (docs/firmware.md) is still the proof for the image.
"""
import argparse
import re
import subprocess
import sys

ALLOWED_DATA = (".bss", ".data", ".dram1", ".dram0", ".sbss", ".sdata")


def run(readelf, *args):
    result = subprocess.run([readelf, "-W", *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit(2)
    return result.stdout


def sections(readelf, obj):
    found = {}
    for line in run(readelf, "-S", obj).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s*(\S*)", line)
        if m:
            found[int(m.group(1))] = (m.group(2), m.group(3), m.group(4))
    return found


def symbols(readelf, obj):
    """name -> (section index or 'UND'/'ABS', type, value, size)."""
    table = {}
    functions = []
    for line in run(readelf, "-s", obj).splitlines():
        parts = line.split()
        if len(parts) < 8 or not parts[0].rstrip(":").isdigit():
            continue
        value, size, kind, ndx, name = int(parts[1], 16), int(parts[2]), parts[3], parts[6], parts[7]
        table.setdefault(name, (ndx, kind, value, size))
        if kind == "FUNC" and ndx.isdigit():
            functions.append((int(ndx), value, size, name))
    return table, functions


def relocations(readelf, obj):
    """(relocation section name, offset, target symbol name) for every relocation."""
    current = None
    found = []
    for line in run(readelf, "-r", obj).splitlines():
        m = re.match(r"Relocation section '([^']+)'", line)
        if m:
            current = m.group(1)
            continue
        parts = line.split()
        if current and len(parts) >= 5 and re.fullmatch(r"[0-9a-f]+", parts[0]):
            target = parts[4].split("+")[0].split("-")[0]
            found.append((current, int(parts[0], 16), target))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--readelf", default="readelf")
    parser.add_argument("--allow", help="file of external symbols the interrupt path may call, one per line (# comments)")
    parser.add_argument("object")
    args = parser.parse_args()

    allowed = set()
    if args.allow:
        with open(args.allow, encoding="utf-8") as f:
            for line in f:
                name = line.split("#", 1)[0].strip()
                if name:
                    allowed.add(name)

    secs = sections(args.readelf, args.object)
    by_name = {name: index for index, (name, _, _) in secs.items()}
    syms, functions = symbols(args.readelf, args.object)
    iram = {i for i, (name, _, _) in secs.items() if name.startswith(".iram1")}
    if not iram:
        print(args.object + ": no .iram1 section: nothing is marked for the interrupt path (RC_ISR_FN / IRAM_ATTR)")
        return 2

    def function_at(section_index, offset):
        for ndx, value, size, name in functions:
            if ndx == section_index and value <= offset < value + max(size, 1):
                return name
        return secs[section_index][0] + "+0x%x" % offset

    def where(target):
        if target in by_name:
            return target, by_name[target]
        entry = syms.get(target)
        if entry is None:
            return None, None
        ndx = entry[0]
        if ndx == "UND":
            return "UND", None
        if ndx == "ABS":
            return "ABS", None
        return secs[int(ndx)][0], int(ndx)

    problems = []
    checked = 0
    for rela, offset, target in relocations(args.readelf, args.object):
        applies_to = rela[len(".rela"):] if rela.startswith(".rela") else rela[len(".rel"):]
        if applies_to not in by_name or by_name[applies_to] not in iram:
            continue
        checked += 1
        source = function_at(by_name[applies_to], offset)
        section, index = where(target)
        if section is None:
            problems.append("%s references %s, which the object does not describe" % (source, target))
        elif section == "UND":
            if target not in allowed:
                problems.append("%s calls %s, defined outside the module and not on the IRAM-safe allow-list" % (source, target))
        elif section == "ABS" or index in iram:
            continue
        elif section.startswith(".rodata") or section.startswith(".srodata"):
            problems.append("%s reads %s in %s: .rodata is in flash (a jump or lookup table, a const table or a string)" % (source, target, section))
        elif section.startswith(ALLOWED_DATA):
            continue
        elif "X" in secs[index][2]:
            problems.append("%s calls %s in %s: code outside IRAM" % (source, target, section))
        else:
            problems.append("%s references %s in %s, which is not internal RAM" % (source, target, section))

    iram_functions = sorted(name for ndx, _, _, name in functions if ndx in iram)
    print("interrupt-path functions in IRAM (%d): %s" % (len(iram_functions), ", ".join(iram_functions)))
    print("relocations checked: %d" % checked)
    for problem in problems:
        print("FORBIDDEN: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
