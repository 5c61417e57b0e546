#!/usr/bin/env python3
"""Validates NWB files against the NWB core schema with hdmf's validator (no pynwb needed).

    validate_nwb.py --schema DIR FILE.nwb...

DIR holds the NWB core schema (nwb.namespace.yaml and the nwb.*.yaml it lists, e.g. ../shared/nwb-schema/2.6.0).
hdmf ships hdmf-common, which the core namespace includes. The NWB schema names its types with neurodata_type_def /
neurodata_type_inc (hdmf's own schema uses data_type_def / data_type_inc), so the spec classes below use those keys;
files record the type in the attribute neurodata_type.

Exit codes: 0 every file is valid; 1 at least one file has errors (each printed as FILE: ERROR); 2 bad usage or a
schema that cannot be loaded.
"""
import argparse
import os
import sys

from hdmf.backends.hdf5 import HDF5IO
from hdmf.build import BuildManager, TypeMap
from hdmf.common import get_type_map
from hdmf.spec import DatasetSpec, GroupSpec, LinkSpec, NamespaceCatalog, SpecNamespace
from hdmf.validate import ValidatorMap

NAMESPACE_FILE = "nwb.namespace.yaml"
CORE = "core"


def _data_type_args(kwargs):
    """hdmf's constructors take data_type_def / data_type_inc; the NWB schema files say neurodata_type_*."""
    for nwb_key, hdmf_key in (("neurodata_type_def", "data_type_def"), ("neurodata_type_inc", "data_type_inc")):
        if nwb_key in kwargs:
            kwargs[hdmf_key] = kwargs.pop(nwb_key)
    return kwargs


class _NwbKeys:
    """The NWB schema's key names for hdmf's spec classes (mixed in before DatasetSpec / GroupSpec)."""

    @classmethod
    def build_const_args(cls, spec_dict):
        return _data_type_args(super().build_const_args(spec_dict))

    @classmethod
    def def_key(cls):
        return "neurodata_type_def"

    @classmethod
    def inc_key(cls):
        return "neurodata_type_inc"

    @classmethod
    def type_key(cls):
        return "neurodata_type"


class NwbDatasetSpec(_NwbKeys, DatasetSpec):
    pass


class NwbLinkSpec(LinkSpec):
    pass


class NwbGroupSpec(_NwbKeys, GroupSpec):
    @classmethod
    def dataset_spec_cls(cls):
        return NwbDatasetSpec

    @classmethod
    def link_spec_cls(cls):
        return NwbLinkSpec


class NwbNamespace(SpecNamespace):
    @classmethod
    def types_key(cls):
        return "neurodata_types"


def core_type_map(schema_dir):
    """A type map with hdmf-common (from hdmf) and the NWB core namespace (from schema_dir)."""
    namespace_path = os.path.join(schema_dir, NAMESPACE_FILE)
    if not os.path.isfile(namespace_path):
        raise FileNotFoundError("no %s in %s" % (NAMESPACE_FILE, schema_dir))
    catalog = NamespaceCatalog(NwbGroupSpec, NwbDatasetSpec, NwbNamespace)
    type_map = TypeMap(catalog)
    type_map.merge(get_type_map(), ns_catalog=True)
    type_map.load_namespaces(namespace_path)
    if CORE not in catalog.namespaces:
        raise ValueError("%s does not define the namespace '%s'" % (namespace_path, CORE))
    return type_map


def validate(path, type_map):
    """The hdmf validator's errors for one file (empty when valid)."""
    validator = ValidatorMap(type_map.namespace_catalog.get_namespace(CORE))
    with HDF5IO(path, mode="r", manager=BuildManager(type_map)) as io:
        builder = io.read_builder()
        errors = validator.validate(builder)
        version = builder.attributes.get("nwb_version")
    if isinstance(version, bytes):
        version = version.decode()
    # The schema fixes nwb_version (NWBFile's attribute value); hdmf checks the attribute is there, this checks its value.
    expected = type_map.namespace_catalog.get_spec(CORE, "NWBFile").get_attribute("nwb_version").value
    if version != expected:
        errors = list(errors) + ["nwb_version is %r, the schema says %r" % (version, expected)]
    return errors


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schema", required=True, help="folder with the NWB core schema (nwb.namespace.yaml)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    try:
        type_map = core_type_map(args.schema)
    except Exception as e:  # any failure to load the schema is a usage error, reported with its cause
        print("cannot load the NWB schema from %s: %s" % (args.schema, e), file=sys.stderr)
        return 2
    failed = 0
    for path in args.files:
        errors = validate(path, type_map)
        for error in errors:
            print("%s: %s" % (path, error))
        print("%s: %d error(s)" % (path, len(errors)))
        failed += 1 if errors else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
