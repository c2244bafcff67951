"""The reverse of exactly what a sealed run changed, planned from its folder: its journal's changes, newest first,
each compared with the run's snapshots and with what is there now.

Created by the run and as the run left it: deleted. Created and changed since (a tag added, say): a conflict,
shown and left. A DNS A record set the run replaced: put back as it was before (snapshots/replaced-records.json).
A vault the run updated: its public network access put back; its identity kept (Backup's article: once enabled, the
managed identity must not be disabled). Nothing that existed before the run and that the run did not change is
touched. A row carries its write, as the engine's rows do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from ..azure import AzureClients
from ..azure.requests import Write
from ..engine.source import Article
from ..errors import FolderNotVerified, InputError
from ..evidence.manifest import check_folder, describe_problems, read_manifest
from ..evidence.snapshots import API_VERSIONS, snapshot
from ..journal import Change, Entry, Journal
from ..ops import undo_writes, vaults
from ..secrets import redact_value

BACKUP = Article(
    "Create and use private endpoints (v1 experience) for Azure Backup",
    "https://learn.microsoft.com/azure/backup/private-endpoints",
)
IDENTITY_KEPT = (
    f"identity kept on: once enabled, the vault's managed identity must not be disabled "
    f"({BACKUP.section('Enable Managed Identity for your vault').url})"
)
NEEDED = ("journal.jsonl", "snapshots/before.json", "snapshots/after.json", "snapshots/replaced-records.json")
# types a run makes that the snapshots' table does not read (a custom role definition)
MORE_VERSIONS = {"microsoft.authorization/roledefinitions": "2022-04-01"}
VAULT = "microsoft.recoveryservices/vaults"
_VOLATILE = {"etag", "systemdata", "system_data", "provisioningstate", "provisioning_state"}


class UndoAction(StrEnum):
    """What an undo row does, as its table shows it."""

    DELETE = "delete"  # made by the run, as the run left it
    RESTORE = "restore"  # replaced by the run: put back as it was
    UPDATE = "update"  # a property the run changed, put back
    NONE = "none"  # nothing to do (already undone, or kept on purpose: the reason says which)
    CONFLICT = "conflict"  # changed since the run: shown, left as is

    @property
    def changes(self) -> bool:
        return self in (UndoAction.DELETE, UndoAction.RESTORE, UndoAction.UPDATE)


@dataclass(frozen=True)
class UndoRow:
    resource: str
    action: UndoAction
    before: Any = None  # what is there now
    after: Any = None  # what the undo leaves
    reason: str = ""
    write: Write | None = field(default=None, compare=False, repr=False)

    @property
    def changes(self) -> bool:
        return UndoAction(self.action).changes


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
    now = {
        rid.lower(): redact_value(body) for rid, body in snapshot_of(clients, [c.resource_id for c in touched]).items()
    }
    rows = [
        plan_row(
            clients,
            change,
            _get(before, change.resource_id),
            _get(after, change.resource_id),
            now.get(change.resource_id.lower()),
            replaced.get(change.resource_id.lower()),
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
    clients: AzureClients, change: Change, before: Any, after: Any, now: Any, replaced: dict[str, Any] | None
) -> UndoRow:
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
    if _type_of(rid) == VAULT:
        return _vault_row(clients, rid, body, now)
    return UndoRow(
        rid,
        UndoAction.NONE,
        _text(now),
        _text(now),
        f"updated by the run ({change.action}); undo puts back only DNS records and a vault's public "
        "access: set it by hand from snapshots/before.json if needed",
    )


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


def _vault_row(clients: AzureClients, rid: str, before: Any, now: Any) -> UndoRow:
    if not isinstance(before, dict) or not isinstance(now, dict):
        return UndoRow(rid, UndoAction.NONE, _text(now), _text(now), "its state before the run is not known")
    was = (before.get("properties") or {}).get("publicNetworkAccess")
    is_now = (now.get("properties") or {}).get("publicNetworkAccess")
    identity = IDENTITY_KEPT if _identity(now) != _identity(before) else ""
    if was and was != is_now:
        reason = "; ".join(filter(None, ["public network access put back", identity]))
        return UndoRow(
            rid,
            UndoAction.UPDATE,
            f"publicNetworkAccess {is_now}",
            f"publicNetworkAccess {was}",
            reason,
            vaults.update_vault(clients, rid, {"properties": {"publicNetworkAccess": was}}),
        )
    return UndoRow(
        rid,
        UndoAction.NONE,
        f"identity {_identity(now)}",
        f"identity {_identity(now)}",
        identity or "as before the run",
    )


def snapshot_of(clients: AzureClients, ids: list[str]) -> dict[str, Any]:
    """What is there now, in the snapshots' shape; a custom role definition (no resource group) read by id."""
    plain = [i for i in ids if _type_of(i) not in MORE_VERSIONS]
    found = snapshot(clients, plain)
    for rid in ids:
        if rid not in found:
            found[rid] = undo_writes.read_by_id(clients, rid, api_version(rid))
    return found


def api_version(resource_id: str) -> str:
    return {**API_VERSIONS, **MORE_VERSIONS}[_type_of(resource_id)]


def same(a: Any, b: Any) -> bool:
    return _clean(a) == _clean(b)


def differences(a: Any, b: Any) -> list[str]:
    """The top-level fields (and properties) that differ, by name."""
    a, b = _clean(a) or {}, _clean(b) or {}
    names = [k for k in sorted({*a, *b}) if k != "properties" and a.get(k) != b.get(k)]
    pa, pb = a.get("properties") or {}, b.get("properties") or {}
    return names + [f"properties.{k}" for k in sorted({*pa, *pb}) if pa.get(k) != pb.get(k)]


def _clean(value: Any) -> Any:
    """``value`` without what ARM changes by itself (etag, systemData, provisioningState)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k.lower() not in _VOLATILE}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _existed(before: Any) -> bool:
    if isinstance(before, dict) and before.get("from_journal"):
        return before.get("before") is not None
    return before is not None


def _identity(body: dict) -> str:
    return str((body.get("identity") or {}).get("type") or "None")


def _ips(body: Any) -> str:
    if not isinstance(body, dict):
        return "absent"
    records = body.get("a_records") or (body.get("properties") or {}).get("aRecords") or []
    return ", ".join(r.get("ipv4_address") or r.get("ipv4Address") or "" for r in records) or "no address"


def _unreadable(body: Any) -> bool:
    return isinstance(body, dict) and "unreadable" in body


def _type_of(resource_id: str) -> str:
    """The id's resource type, lower case (parents' types joined: microsoft.network/privatednszones/a)."""
    parts = resource_id.strip("/").split("/")
    at = max(i for i, part in enumerate(parts) if part.lower() == "providers")
    rest = parts[at + 1 :]
    return "/".join([rest[0], *rest[1::2]]).lower()


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
