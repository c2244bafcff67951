"""What changed between two runs of the same target: DNS records added, removed or changed, zone links added or
removed (from each run's snapshot after it), and checks whose status changed (from each run's validation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .manifest import read_manifest

COLUMNS = ["Kind", "Resource", "Change", "A", "B"]


def diff_runs(a: Path, b: Path) -> pd.DataFrame:
    """One row per difference from run ``a`` to run ``b``; an InputError when they are not of the same target."""
    first, second = _run(a, "RUN_A"), _run(b, "RUN_B")
    targets = [m["target"] for m in (first["manifest"], second["manifest"])]
    if targets[0]["kind"] != targets[1]["kind"] or not set(targets[0]["subscriptions"]) & set(
        targets[1]["subscriptions"]
    ):
        raise InputError(
            f"RUN_B: {b} is not a run of the same target as {a} "
            f"({targets[1]['kind']} {targets[1]['subscriptions']} vs "
            f"{targets[0]['kind']} {targets[0]['subscriptions']})"
        )
    rows = _compare("record", _records(first["after"]), _records(second["after"]))
    rows += _compare("link", _links(first["after"]), _links(second["after"]))
    rows += _compare("check", _checks(first["manifest"]), _checks(second["manifest"]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _run(folder: Path, field: str) -> dict[str, Any]:
    try:
        return {
            "manifest": read_manifest(folder),
            "after": json.loads((folder / "snapshots" / "after.json").read_text(encoding="utf-8")),
        }
    except (OSError, ValueError) as error:
        raise InputError(f"{field}: {folder} is not a run folder ({error})") from None


def _records(snapshot: dict[str, Any]) -> dict[str, str]:
    """Each A record set -> its IPs, from a snapshot (absent ones left out)."""
    return {
        rid: ", ".join(sorted(a["ipv4Address"] for a in body.get("properties", {}).get("aRecords", [])))
        for rid, body in snapshot.items()
        if "/a/" in rid.lower() and isinstance(body, dict) and "id" in body
    }


def _links(snapshot: dict[str, Any]) -> dict[str, str]:
    return {
        rid: body.get("properties", {}).get("virtualNetwork", {}).get("id", "")
        for rid, body in snapshot.items()
        if "/virtualnetworklinks/" in rid.lower() and isinstance(body, dict) and "id" in body
    }


def _checks(manifest: dict[str, Any]) -> dict[str, str]:
    """(check resource) -> its last status in the run."""
    return {f"{c['check']} {c['resource']}": c["status"] for c in manifest.get("validation", [])}


def _compare(kind: str, a: dict[str, str], b: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            rows.append({"Kind": kind, "Resource": key, "Change": "removed", "A": a[key], "B": ""})
        elif key not in a:
            rows.append({"Kind": kind, "Resource": key, "Change": "added", "A": "", "B": b[key]})
        elif a[key] != b[key]:
            rows.append({"Kind": kind, "Resource": key, "Change": "changed", "A": a[key], "B": b[key]})
    return rows
