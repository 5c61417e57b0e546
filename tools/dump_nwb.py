#!/usr/bin/env python3
"""Reads an NWB file with h5py and prints every dataset as JSON, for checking an export against its session.

    dump_nwb.py FILE.nwb

Prints {"datasets": {path: value}, "attributes": {path: {name: value}}} for every dataset and group in the file:
numbers as JSON numbers (NaN as null), text as strings, arrays as lists, scalars as values. Exit codes: 0 printed;
1 the file cannot be read (h5py's message on stderr).
"""
import json
import math
import sys

import h5py
import numpy as np


def plain(value):
    """A JSON value for an HDF5 value: bytes decoded, NaN as None, arrays as lists."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()] if value.dtype.kind != "O" else [plain(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def dump(path):
    datasets, attributes = {}, {}

    # Every link by its own path: h5py's visititems visits a hard-linked object once, under one of its paths only
    # (the export links shared timestamps), so the walk follows the groups' links itself.
    def walk(group, prefix):
        for name in group:
            obj = group[name]
            path = prefix + name
            if obj.attrs:
                attributes[path] = {k: plain(v) for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Dataset):
                datasets[path] = plain(obj[()])
            else:
                walk(obj, path + "/")

    with h5py.File(path, "r") as f:
        attributes["/"] = {k: plain(v) for k, v in f.attrs.items()}
        walk(f, "/")
    return {"datasets": datasets, "attributes": attributes}


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 1
    try:
        result = dump(argv[0])
    except OSError as e:
        print("cannot read %s: %s" % (argv[0], e), file=sys.stderr)
        return 1
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
