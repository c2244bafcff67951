"""What a run updated on a resource that existed before it, put back where that is safe, and why not where it is not.

The fields a run updated are those its writes sent (each change's intent keeps its request body) and that differ
between the run's "before" and "after" snapshots; for a change whose request is not known (an older run, a write
made on another resource's path such as a connection's approval), the fields this module knows for the resource's
type that differ. Each field is then one of:

- put back (a PATCH of the fields, or the whole zone group): a vault's or a Migrate project's public network access,
  a storage account's firewall (network rules) and public network access, a zone group's zones;
- kept on purpose, with why: a vault's managed identity (Backup's article: once enabled it must not be disabled), an
  endpoint's approved connection (a connection is never set back to Pending: its owner approves, rejects or
  removes it);
- not put back by undo: anything else, named, for a person to set from snapshots/before.json.

A field changed since the run (now neither what the run left nor what it found) is a conflict: nothing is written.
"""

from __future__ import annotations

from typing import Any

from ..azure import AzureClients
from ..azure.requests import Write
from ..engine.source import Article
from ..journal import Change, Entry, Intent
from ..ops import privatedns, undo_writes
from .resources import api_version, clean, type_of
from .rows import UndoAction, UndoRow

BACKUP = Article(
    "Create and use private endpoints (v1 experience) for Azure Backup",
    "https://learn.microsoft.com/azure/backup/private-endpoints",
)
PRIVATE_LINK = Article(
    "Manage Azure private endpoints", "https://learn.microsoft.com/azure/private-link/manage-private-endpoint"
)
IDENTITY_KEPT = (
    f"identity kept on: once enabled, the vault's managed identity must not be disabled "
    f"({BACKUP.section('Enable Managed Identity for your vault').url})"
)
APPROVAL_KEPT = (
    "connection kept Approved: a connection is never set back to Pending (its owner approves, rejects or removes "
    f"it: {PRIVATE_LINK.url}); reject it with `runbook endpoint reject` if it must not be used"
)
VAULT = "microsoft.recoveryservices/vaults"
STORAGE = "microsoft.storage/storageaccounts"
PROJECT = "microsoft.migrate/migrateprojects"
ENDPOINT = "microsoft.network/privateendpoints"
ZONE_GROUP = "microsoft.network/privateendpoints/privatednszonegroups"
PUBLIC_ACCESS, NETWORK_RULES = "properties.publicNetworkAccess", "properties.networkAcls"
ZONE_CONFIGS = "properties.privateDnsZoneConfigs"
CONNECTIONS = ("properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections")
# the fields undo puts back, by type (a PATCH of them; a zone group's PUT: the whole group)
RESTORED: dict[str, tuple[str, ...]] = {
    VAULT: (PUBLIC_ACCESS,),
    STORAGE: (NETWORK_RULES, PUBLIC_ACCESS),
    PROJECT: (PUBLIC_ACCESS,),
    ZONE_GROUP: (ZONE_CONFIGS,),
}
KEPT: dict[str, dict[str, str]] = {
    VAULT: {"identity": IDENTITY_KEPT},
    ENDPOINT: dict.fromkeys(CONNECTIONS, APPROVAL_KEPT),
}
BY_HAND = "set by hand from snapshots/before.json if needed"


def written_fields(entries: list[Entry], resource_id: str) -> list[str] | None:
    """The fields the run's writes to ``resource_id`` itself sent ('identity', 'properties.publicNetworkAccess');
    None when a change's request is not known, or was made on another path (a connection approved on its owner)."""
    intents = {e.id: e for e in entries if isinstance(e, Intent)}
    fields: list[str] = []
    for change in (e for e in entries if isinstance(e, Change) and e.resource_id.lower() == resource_id.lower()):
        intent = intents.get(change.intent or "")
        request = intent.request if intent is not None else None
        path = str((request or {}).get("url") or "").split("?", 1)[0]
        if not request or path.lower() != resource_id.lower() or not isinstance(request.get("body"), dict):
            return None
        fields += paths_of(request["body"])
    return list(dict.fromkeys(fields))


def paths_of(body: dict[str, Any]) -> list[str]:
    """A request body's fields: its top-level names, and each of its properties as 'properties.NAME'."""
    top = [k for k in body if k != "properties"]
    return top + [f"properties.{k}" for k in body.get("properties") or {}]


def update_row(clients: AzureClients, rid: str, before: Any, after: Any, now: Any, fields: list[str] | None) -> UndoRow:
    """The undo of the run's update of ``rid`` (it existed before the run): ``before``/``after`` the run's
    snapshots of it, ``now`` what is there, ``fields`` what its writes sent (None: not known)."""
    kind = type_of(rid)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return UndoRow(
            rid,
            UndoAction.NONE,
            "",
            "",
            f"updated by the run; its state before or after the run was not recorded: {BY_HAND}",
        )
    if not isinstance(now, dict) or "unreadable" in now:
        why = now["unreadable"] if isinstance(now, dict) else "it no longer exists"
        return UndoRow(rid, UndoAction.CONFLICT, "", "", f"updated by the run, and now {why}: not put back")
    known = (*RESTORED.get(kind, ()), *KEPT.get(kind, {}))
    changed = [f for f in (fields if fields is not None else known) if value_of(before, f) != value_of(after, f)]
    restorable = [f for f in changed if f in RESTORED.get(kind, ())]
    since = [f for f in restorable if value_of(now, f) not in (value_of(after, f), value_of(before, f))]
    back = [f for f in restorable if value_of(now, f) != value_of(before, f)]
    kept = list(dict.fromkeys(KEPT.get(kind, {})[f] for f in changed if f in KEPT.get(kind, {})))
    other = [f for f in changed if f not in restorable and f not in KEPT.get(kind, {})]
    notes = [*kept, *([f"not put back by undo: {', '.join(other)}: {BY_HAND}"] if other else [])]
    if since:
        return UndoRow(
            rid,
            UndoAction.CONFLICT,
            shown(now, since),
            shown(before, since),
            "; ".join([f"changed since the run ({', '.join(since)}): not put back", *notes]),
        )
    if not back:
        back_already = [f"{', '.join(leaf(f) for f in restorable)} as before the run"] if restorable else []
        said = [*back_already, *notes] or ["as before the run"]  # a resource put again as it was (it was Failed)
        return UndoRow(rid, UndoAction.NONE, shown(now, changed), shown(now, changed), "; ".join(said))
    return UndoRow(
        rid,
        UndoAction.UPDATE,
        shown(now, back),
        shown(before, back),
        "; ".join([f"updated by the run: {', '.join(leaf(f) for f in back)} put back", *notes]),
        _write(clients, rid, kind, before, back),
    )


def _write(clients: AzureClients, rid: str, kind: str, before: dict, fields: list[str]) -> Write:
    if kind == ZONE_GROUP:  # a zone group is PUT whole: its configs as they were (Azure then rewrites its records)
        configs = {c["name"]: c["zone"] for c in value_of(before, ZONE_CONFIGS)}
        endpoint, name = rid.rsplit("/privateDnsZoneGroups/", 1)
        return privatedns.put_zone_group(clients, endpoint, name, privatedns.zone_group_body([], configs))
    patch: dict[str, Any] = {}
    for field in fields:
        top, _, inner = field.partition(".")
        if inner:
            patch.setdefault(top, {})[inner] = value_of(before, field, raw=True)
        else:
            patch[top] = value_of(before, field, raw=True)
    return undo_writes.patch_by_id(clients, rid, api_version(rid), patch)


def value_of(body: Any, field: str, raw: bool = False) -> Any:
    """``field`` ('identity', 'properties.networkAcls') of ARM's JSON ``body``; unless ``raw``, without what ARM
    changes by itself (a zone group's configs: their names and zones)."""
    value = body
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if raw:
        return value
    if field == ZONE_CONFIGS:  # a config is its name and zone: the records Azure lists in it follow from those
        return [
            {"name": c.get("name"), "zone": (c.get("properties") or {}).get("privateDnsZoneId")} for c in value or []
        ]
    return clean(value)


def leaf(field: str) -> str:
    return field.rsplit(".", 1)[-1]


def shown(body: Any, fields: list[str]) -> str:
    """The fields' values, as a table cell: 'publicNetworkAccess Enabled; identity SystemAssigned'."""
    return "; ".join(f"{leaf(f)} {_words(value_of(body, f))}" for f in fields)


def _words(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, dict) and "type" in value:  # an identity: its type says it
        return str(value["type"])
    if isinstance(value, dict):
        return ", ".join(f"{k} {_words(v)}" for k, v in value.items() if v not in (None, [], {}))
    if isinstance(value, list):
        return ", ".join(_item(v) for v in value) or "none"
    return str(value)


def _item(value: Any) -> str:
    """A list's item by its name; a connection's with its state ('rsv-asr-wus3-azuresiterecovery Approved')."""
    if not isinstance(value, dict):
        return str(value)
    state = ((value.get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("status")
    return " ".join(filter(None, [str(value.get("name", "")), state]))
