"""The ARM envelope around a resource body: id, name, type, location, etag, provisioningState."""

from __future__ import annotations

import copy
import uuid

from .paths import ArmPath

READ_ONLY = ("id", "name", "type", "etag")


def new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def normalise_location(location: str) -> str:
    """'West Europe' -> 'westeurope', as ARM stores it."""
    return location.replace(" ", "").lower()


def build_record(path: ArmPath, body: dict, existing: dict | None) -> dict:
    """Wrap a request body as the stored resource; read-only fields in the request are ignored."""
    record = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}
    record["id"] = existing["id"] if existing else path.id
    record["name"] = record["id"].rsplit("/", 1)[-1]
    record["type"] = existing["type"] if existing else path.type
    if isinstance(record.get("location"), str):
        record["location"] = normalise_location(record["location"])
    properties = record.get("properties")
    if not isinstance(properties, dict):
        properties = record["properties"] = {}
    properties["provisioningState"] = "Succeeded"  # long-running answers set their own state
    record["etag"] = new_etag()
    return record


def merge_patch(target: dict, patch: dict) -> dict:
    """JSON merge patch (RFC 7386): objects merge, anything else replaces, null removes."""
    result = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result
