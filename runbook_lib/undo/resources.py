"""Resources as undo compares them: their type from their id, the api-version to read or write them by id, and their
JSON without what ARM changes by itself."""

from __future__ import annotations

from typing import Any

from ..evidence.snapshots import API_VERSIONS

_VOLATILE = {"etag", "systemdata", "system_data", "provisioningstate", "provisioning_state"}


def type_of(resource_id: str) -> str:
    """The id's resource type, lower case (parents' types joined: microsoft.network/privatednszones/a)."""
    parts = resource_id.strip("/").split("/")
    at = max(i for i, part in enumerate(parts) if part.lower() == "providers")
    rest = parts[at + 1 :]
    return "/".join([rest[0], *rest[1::2]]).lower()


def api_version(resource_id: str) -> str:
    return API_VERSIONS[type_of(resource_id)]


def same(a: Any, b: Any) -> bool:
    return clean(a) == clean(b)


def differences(a: Any, b: Any) -> list[str]:
    """The top-level fields (and properties) that differ, by name."""
    a, b = clean(a) or {}, clean(b) or {}
    names = [k for k in sorted({*a, *b}) if k != "properties" and a.get(k) != b.get(k)]
    pa, pb = a.get("properties") or {}, b.get("properties") or {}
    return names + [f"properties.{k}" for k in sorted({*pa, *pb}) if pa.get(k) != pb.get(k)]


def clean(value: Any) -> Any:
    """``value`` without what ARM changes by itself (etag, systemData, provisioningState)."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k.lower() not in _VOLATILE}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value
