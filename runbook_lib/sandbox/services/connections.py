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
        refuse_after_rejection(before, properties)
        refuse_unknown_storage_status(path, properties)
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


def refuse_after_rejection(before: dict, properties: dict) -> None:
    """A rejected or removed (Disconnected) connection never becomes Approved or Pending again: Private Link's design
    (MicrosoftDocs/azure-docs#115121, the note in "Manage a Private Endpoint connection"); the endpoint must be made
    anew. Storage answers its own code (refuse_storage_approval); Recovery Services' and Migrate's codes are not
    recorded: 400 BadRequest with the message Azure Cosmos DB answers (MicrosoftDocs/azure-docs#86823)."""
    was = (before.get("privateLinkServiceConnectionState") or {}).get("status")
    now = properties["privateLinkServiceConnectionState"].get("status")
    if was in ("Rejected", "Disconnected") and now in ("Approved", "Pending"):
        raise ArmError(400, "BadRequest", f"Approving {was.lower()} private endpoint connections is not supported.")


def refuse_unknown_storage_status(path: ArmPath, properties: dict) -> None:
    """A storage account's connection is Pending, Approved or Rejected (storage.json's
    PrivateEndpointServiceConnectionStatus): any other status is refused as invalid, as Storage refuses values."""
    if path.type.lower() != "microsoft.storage/storageaccounts/privateendpointconnections":
        return
    if properties["privateLinkServiceConnectionState"].get("status") not in ("Pending", "Approved", "Rejected"):
        raise ArmError(
            400,
            "InvalidValuesForRequestParameters",
            "Values for request parameters are invalid: privateLinkServiceConnectionState.status.",
        )
