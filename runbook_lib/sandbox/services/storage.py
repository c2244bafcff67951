"""Microsoft.Storage accounts and their private endpoint connections."""

from __future__ import annotations

from ..errors import ArmError
from ..paths import ArmPath
from ..private_link import Member, member_fqdn
from .base import Context, PrivateLinkTarget, Rules
from .connections import PrivateEndpointConnectionService
from .regions import cloud_of

STORAGE_GROUPS = ("blob", "queue", "table", "file")


class StorageAccountService(PrivateLinkTarget):
    types = ("Microsoft.Storage/storageAccounts",)
    # begin_create accepts 200 or 202 (+ Location); update (PATCH) and delete are synchronous
    rules = Rules(created=200, async_put=202, lro_delete=False)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        for field in ("kind", "sku"):
            if not body.get(field):
                raise ArmError(400, "MissingRequiredProperty", f"The storage account needs '{field}'.")
        record = super().prepare(ctx, path, body, existing)
        record.pop("etag", None)
        properties = record["properties"]
        acls = properties.setdefault("networkAcls", {})
        acls.setdefault("bypass", "AzureServices")
        acls.setdefault("defaultAction", "Allow")
        acls.setdefault("virtualNetworkRules", [])
        acls.setdefault("ipRules", [])
        name = path.name.lower()
        computed = {
            service: f"https://{name}.{service}.core.windows.net/" for service in ("blob", "queue", "table", "file")
        }
        properties["primaryEndpoints"] = {**computed, **(properties.get("primaryEndpoints") or {})}
        properties.setdefault("primaryLocation", record.get("location"))
        properties.setdefault("statusOfPrimary", "available")
        properties.pop("privateEndpointConnections", None)  # read-only: the connections are the account's children
        return record

    def private_link_groups(self, ctx: Context, record: dict) -> dict[str, tuple[Member, ...]]:
        cloud = cloud_of(record)
        return {g: (Member(g, g, member_fqdn(g, cloud, record["name"].lower())),) for g in STORAGE_GROUPS}

    def check_private_endpoint(self, ctx: Context, record: dict, group_id: str) -> None:
        if record.get("kind") != "StorageV2":
            raise ArmError(400, "PrivateEndpointNotSupportedForStorageKind",
                           f"Storage account '{record['name']}' is of kind {record.get('kind')}: private endpoints can "
                           "be created only on general-purpose v2 (StorageV2) accounts.")


class StoragePrivateEndpointConnectionService(PrivateEndpointConnectionService):
    types = ("Microsoft.Storage/storageAccounts/privateEndpointConnections",)
    rules = Rules(lro_put=False, lro_delete=False, created=200)  # put answers 200 only

