#!/usr/bin/env python3
"""Validates specs/service.yaml and specs/endpoints/* against the spec-language schemas, and
every specs/schemas/*.json against the draft 2020-12 metaschema.
Usage: python3 specs/language/check.py [SPECS_DIR]   (needs pyyaml and jsonschema)"""
import json, pathlib, sys
import yaml, jsonschema

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
lang = root / "language"

def keys_to_str(v):
    # YAML integer keys (error codes) are strings in JSON.
    if isinstance(v, dict): return {str(k): keys_to_str(x) for k, x in v.items()}
    if isinstance(v, list): return [keys_to_str(x) for x in v]
    return v

def load(p):
    return keys_to_str(json.loads(p.read_text()) if p.suffix == ".json" else yaml.safe_load(p.read_text()))

failures = 0
def check(schema, path):
    global failures
    v = jsonschema.Draft202012Validator(schema)
    errs = sorted(v.iter_errors(load(path)), key=lambda e: list(e.absolute_path))
    for e in errs:
        failures += 1
        print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    return not errs

service_schema = json.loads((lang / "service.schema.json").read_text())
endpoint_schema = json.loads((lang / "endpoint.schema.json").read_text())
for s in (service_schema, endpoint_schema):
    jsonschema.Draft202012Validator.check_schema(s)
n = 0
for p in [root / "service.yaml"]:
    check(service_schema, p); n += 1
for p in sorted((root / "endpoints").glob("*.y*ml")) + sorted((root / "endpoints").glob("*.json")):
    first = p.read_text().split("\n", 1)[0]
    if "$schema=../language/endpoint.schema.json" not in first:
        failures += 1; print(f"{p}:1: first line must be the yaml-language-server $schema comment")
    check(endpoint_schema, p); n += 1
for p in sorted((root / "schemas").glob("**/*.json")):
    try:
        jsonschema.Draft202012Validator.check_schema(json.loads(p.read_text())); n += 1
    except jsonschema.SchemaError as e:
        failures += 1; print(f"{p}: {e.message}")
print(f"checked {n} files: {'ok' if not failures else f'{failures} problem(s)'}")
sys.exit(1 if failures else 0)
