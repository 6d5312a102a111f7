"""Exits 1, naming each difference, when a YAML 1.1 reader (PyYAML) reads the YAML file
argv[1] as another document than the JSON file argv[2]."""

import json
import sys

import yaml


def differences(a, b, at=""):
    if type(a) is not type(b):
        yield f"{at or '/'}: {a!r} (YAML) is not {b!r} (JSON)"
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b), key=str):
            yield from differences(a.get(key), b.get(key), f"{at}/{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{at or '/'}: {len(a)} items (YAML), {len(b)} (JSON)"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{at}/{i}")
    elif a != b:
        yield f"{at or '/'}: {a!r} (YAML) is not {b!r} (JSON)"


with open(sys.argv[1], encoding="utf-8") as f:
    committed = yaml.safe_load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    served = json.load(f)
found = list(differences(committed, served))
for line in found[:50]:
    print(line)
sys.exit(1 if found else 0)
