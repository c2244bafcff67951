"""The reverse of exactly what a sealed run changed, planned from its folder: its journal's changes, newest first,
each compared with the run's snapshots and with what is there now.

Created by the run and as the run left it: deleted. Created and changed since (a tag added, say): a conflict,
shown and left. A DNS A record set the run replaced: put back as it was before (snapshots/replaced-records.json).
Another resource the run updated: the fields it updated put back where that is safe, kept with the reason where it is
not (undo.updates). Nothing that existed before the run and that the run did not change is touched. A row carries
its write, as the engine's rows do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..azure import AzureClients
from ..errors import FolderNotVerified, InputError
from ..evidence.manifest import check_folder, describe_problems, read_manifest
from ..evidence.snapshots import snapshot
from ..journal import Change, Entry, Journal
from ..ops import undo_writes
from ..secrets import redact_value
from .resources import api_version, differences, same
from .rows import UndoAction, UndoRow
from .updates import update_row, written_fields

__all__ = ["FolderNotVerified", "UndoAction", "UndoPlan", "UndoRow", "plan_row", "plan_undo", "same"]

NEEDED = ("journal.jsonl", "snapshots/before.json", "snapshots/after.json", "snapshots/replaced-records.json")


@dataclass
class UndoPlan:
    folder: Path
    manifest: dict[str, Any]
    rows: list[UndoRow]
    ids: list[str]  # every resource the run changed (what the undo's snapshots cover)

    @property
    def run_id(self) -> str:
        return str(self.manifest["run_id"])

    @property
    def changes(self) -> list[UndoRow]:
        return [r for r in self.rows if r.changes]

    @property
    def conflicts(self) -> list[UndoRow]:
        return [r for r in self.rows if r.action == UndoAction.CONFLICT]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "Resource": r.resource,
                    "Action": str(r.action),
                    "Before": _text(r.before),
                    "After": _text(r.after),
                    "Reason": r.reason,
                }
                for r in self.rows
            ],
            columns=["Resource", "Action", "Before", "After", "Reason"],
        )


def plan_undo(folder: Path, clients: AzureClients) -> UndoPlan:
    """The undo of the run sealed in ``folder``, against what is there now."""
    manifest = read_undoable(folder)
    entries = Journal.read(folder / "journal.jsonl")
    before, after = (_read_json(folder / "snapshots" / f"{name}.json") for name in ("before", "after"))
    replaced = {r["record"].lower(): r for r in _read_json(folder / "snapshots" / "replaced-records.json")}
    touched = newest_first(entries)
    now = {rid.lower(): redact_value(body) for rid, body in snapshot(clients, [c.resource_id for c in touched]).items()}
    rows = [
        plan_row(
            clients,
            change,
            _get(before, change.resource_id),
            _get(after, change.resource_id),
            now.get(change.resource_id.lower()),
            replaced.get(change.resource_id.lower()),
            written_fields(entries, change.resource_id),
        )
        for change in touched
    ]
    return UndoPlan(folder, manifest, rows, [c.resource_id for c in touched])


def read_undoable(folder: Path) -> dict[str, Any]:
    """The run's manifest, once the folder verifies and holds what undo needs; else one line why."""
    if not (folder / "manifest.json").is_file():
        raise InputError(
            f"RUN_DIR: {folder} is not a run folder (no manifest.json); `runbook evidence list` shows them"
        )
    problems = check_folder(folder)
    if problems:
        raise FolderNotVerified(f"{folder}: {describe_problems(problems)}; undo trusts nothing in it")
    missing = [name for name in NEEDED if not (folder / name).is_file()]
    if missing:
        raise InputError(
            f"{folder}: cannot be undone: {', '.join(missing)} missing (a run made by an older "
            "version keeps too little to undo); undo its changes by hand from its journal"
        )
    manifest = read_manifest(folder)
    if manifest.get("mode") == "undo":
        raise InputError(
            f"{folder}: is itself an undo (of run {manifest.get('undoes')}); run the scenario again "
            "to make what it removed"
        )
    return manifest


def newest_first(entries: list[Entry]) -> list[Change]:
    """Each resource the run changed, once, newest change first; its first change (what it was to the run) kept,
    so that a resource created then updated is still one the run created."""
    first: dict[str, Change] = {}
    last: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if isinstance(entry, Change) and entry.resource_id.startswith("/subscriptions/"):
            key = entry.resource_id.lower()
            first.setdefault(key, entry)
            last[key] = index
    return [first[key] for key in sorted(last, key=lambda key: last[key], reverse=True)]


def plan_row(
    clients: AzureClients,
    change: Change,
    before: Any,
    after: Any,
    now: Any,
    replaced: dict[str, Any] | None,
    fields: list[str] | None = None,
) -> UndoRow:
    """The undo of the run's changes to one resource: ``before``/``after`` the run's snapshots of it, ``now`` what
    is there, ``replaced`` its line in replaced-records.json, ``fields`` what the run's writes to it sent."""
    rid = change.resource_id
    existed = _existed(before)
    if change.action == "delete":
        return UndoRow(rid, UndoAction.NONE, _text(now), _text(now), "the run deleted it: undo does not make it again")
    if not existed:
        if now is None:
            return UndoRow(rid, UndoAction.NONE, None, None, "made by the run; already gone")
        if _unreadable(now):
            return UndoRow(rid, UndoAction.CONFLICT, None, None, f"cannot be read now: {now['unreadable']}")
        if _unreadable(after):  # an older run could not read it when it ended: the journal alone says it made it
            return UndoRow(
                rid,
                UndoAction.DELETE,
                "made by the run",
                None,
                f"made by the run ({change.step or 'a step'}); its state after the run was not recorded",
                undo_writes.delete_by_id(clients, rid, api_version(rid)),
            )
        if not same(now, after):
            return UndoRow(
                rid,
                UndoAction.CONFLICT,
                "changed since the run",
                _text(now),
                f"made by the run and changed since ({', '.join(differences(after, now)) or 'its body'}); "
                "not deleted: check it, then delete it yourself or leave it",
            )
        return UndoRow(
            rid,
            UndoAction.DELETE,
            "as the run left it",
            None,
            f"made by the run ({change.step or 'a step'})",
            undo_writes.delete_by_id(clients, rid, api_version(rid)),
        )
    body = before.get("before") if isinstance(before, dict) and before.get("from_journal") else before
    if "/A/" in rid and replaced is not None:
        return _restore_record(clients, rid, body, after, now)
    return update_row(clients, rid, body, after, now, fields)


def _restore_record(clients: AzureClients, rid: str, before: Any, after: Any, now: Any) -> UndoRow:
    if not isinstance(before, dict):
        return UndoRow(
            rid,
            UndoAction.CONFLICT,
            _text(now),
            None,
            "what it held before the run is not in "
            "snapshots/before.json; put it back by hand from replaced-records.json",
        )
    if now is not None and same(now, before):
        return UndoRow(rid, UndoAction.NONE, _ips(now), _ips(now), "already as before the run")
    if now is None or not same(now, after):
        return UndoRow(rid, UndoAction.CONFLICT, _ips(now), _ips(before), "changed since the run; not put back")
    return UndoRow(
        rid,
        UndoAction.RESTORE,
        _ips(now),
        _ips(before),
        "replaced by the run: put back as it was",
        undo_writes.put_a_record(clients, rid, before),
    )


def _existed(before: Any) -> bool:
    if isinstance(before, dict) and before.get("from_journal"):
        return before.get("before") is not None
    return before is not None


def _ips(body: Any) -> str:
    if not isinstance(body, dict):
        return "absent"
    records = body.get("a_records") or (body.get("properties") or {}).get("aRecords") or []
    return ", ".join(r.get("ipv4_address") or r.get("ipv4Address") or "" for r in records) or "no address"


def _unreadable(body: Any) -> bool:
    return isinstance(body, dict) and "unreadable" in body


def _get(snapshot_: dict[str, Any], rid: str) -> Any:
    if rid in snapshot_:
        return snapshot_[rid]
    return next((v for k, v in snapshot_.items() if k.lower() == rid.lower()), None)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot be read as JSON ({error})") from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "unreadable" in value:
        return f"unreadable: {value['unreadable']}"
    return "present"
