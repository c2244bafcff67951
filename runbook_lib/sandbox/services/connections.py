"""Private endpoint connections as their targets hold them: the target's owner approves, rejects or removes them."""

from __future__ import annotations

from ..errors import ArmError
from ..paths import ArmPath
from .base import Context, Service
from .endpoints import set_endpoint_status, target_changed


class PrivateEndpointConnectionService(Service):
    """A connection is made by its private endpoint; a PUT changes only its state, and the endpoint follows."""

    requires_location = False

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        before = (existing or {}).get("properties") or {}
        for kept in ("privateEndpoint", "groupIds"):
            if before.get(kept):
                properties[kept] = before[kept]
        properties.setdefault("privateLinkServiceConnectionState", {}).setdefault("actionsRequired", "None")
        refuse_storage_approval(path, before, properties)
        return record

    def save(self, ctx: Context, path: ArmPath, record: dict) -> None:
        super().save(ctx, path, record)
        endpoint_id = (record["properties"].get("privateEndpoint") or {}).get("id")
        if endpoint_id:
            set_endpoint_status(ctx, endpoint_id, record["properties"]["privateLinkServiceConnectionState"])
        target_changed(ctx, path.parent_id)

    def remove(self, ctx: Context, path: ArmPath, record: dict) -> None:
        super().remove(ctx, path, record)
        endpoint_id = (record["properties"].get("privateEndpoint") or {}).get("id")
        if endpoint_id:
            set_endpoint_status(
                ctx,
                endpoint_id,
                {"status": "Disconnected", "description": "The connection was removed by the resource owner."},
            )
        target_changed(ctx, path.parent_id)


def refuse_storage_approval(path: ArmPath, before: dict, properties: dict) -> None:
    """A storage account refuses to approve a connection that is already Approved, or was Rejected (a rejection is
    final): 400 InvalidValuesForRequestParameters (the Azure CLI's recording
    test_storage_account_private_endpoint.yaml, interactions 18 and 22)."""
    if path.type.lower() != "microsoft.storage/storageaccounts/privateendpointconnections":
        return
    was = (before.get("privateLinkServiceConnectionState") or {}).get("status")
    if properties["privateLinkServiceConnectionState"].get("status") == "Approved" and was in ("Approved", "Rejected"):
        raise ArmError(
            400,
            "InvalidValuesForRequestParameters",
            "Values for request parameters are invalid: privateLinkServiceConnectionState.status.",
        )
