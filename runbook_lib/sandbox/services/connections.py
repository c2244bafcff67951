"""Private endpoint connections as their target services hold them (storage, key vault)."""

from __future__ import annotations

from ..paths import ArmPath
from .base import Context, Service


class PrivateEndpointConnectionService(Service):
    """A connection is made by its private endpoint; a PUT changes only its state (privateEndpoint is read-only)."""

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        before = (existing or {}).get("properties") or {}
        if before.get("privateEndpoint"):
            properties["privateEndpoint"] = before["privateEndpoint"]
        properties.setdefault("privateLinkServiceConnectionState", {}).setdefault("actionsRequired", "None")
        return record
