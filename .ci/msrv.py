#!/usr/bin/env python3
"""The workspace's one MSRV is true for its dependencies: every package in the resolved
graph declares a rust-version no newer than the workspace's. (Our own code is held to it
by clippy's `incompatible_msrv` lint, which reads the same rust-version.)"""
import json
import subprocess
import sys

def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1"]))
members = set(meta["workspace_members"])
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(ours) != 1 or None in ours:
    sys.exit(f"workspace members declare different rust-versions: {sorted(map(str, ours))}")
msrv = ours.pop()
newer = [
    f'{p["name"]} {p["version"]} needs {p["rust_version"]}'
    for p in meta["packages"]
    if p["id"] not in members and p.get("rust_version") and version(p["rust_version"]) > version(msrv)
]
if newer:
    sys.exit(f"rust-version {msrv} is older than what dependencies need:\n  " + "\n  ".join(newer))
print(f"MSRV {msrv}: every dependency agrees")
