"""Microsoft.Storage accounts and their private endpoint connections."""

from __future__ import annotations

import hashlib

from ..errors import ArmError
from ..paths import ArmPath
from ...private_link import STORAGE_SERVICES, Member, member_fqdn
from .base import Context, PrivateLinkTarget, Rules
from .connections import PrivateEndpointConnectionService
from .regions import cloud_of


def service_host(record: dict, service: str) -> str:
    """An account's host name for a storage service; Azure DNS zone accounts get a partitioned name, in a zone
    z00 to z50 that Azure picks at creation (Microsoft Learn, Storage account overview, "Azure DNS zone endpoints")."""
    name = record["name"].lower()
    if (record.get("properties") or {}).get("dnsEndpointType") == "AzureDnsZone":
        partition = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 51
        return f"{name}.z{partition:02d}.{service}.storage.azure.net"
    return member_fqdn(service, cloud_of(record, default="public"), name)


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
        computed = {service: f"https://{service_host(record, service)}/" for service in STORAGE_SERVICES}
        properties["primaryEndpoints"] = {**computed, **(properties.get("primaryEndpoints") or {})}
        properties.setdefault("primaryLocation", record.get("location"))
        properties.setdefault("statusOfPrimary", "available")
        properties.pop("privateEndpointConnections", None)  # read-only: the connections are the account's children
        return record

    def private_link_groups(self, ctx: Context, record: dict) -> dict[str, tuple[Member, ...]]:
        return {g: (Member(g, g, service_host(record, g)),) for g in STORAGE_SERVICES}

    def check_private_endpoint(self, ctx: Context, record: dict, group_id: str) -> None:
        if record.get("kind") != "StorageV2":
            raise ArmError(400, "PrivateEndpointNotSupportedForStorageKind",
                           f"Storage account '{record['name']}' is of kind {record.get('kind')}: private endpoints can "
                           "be created only on general-purpose v2 (StorageV2) accounts.")


class StoragePrivateEndpointConnectionService(PrivateEndpointConnectionService):
    types = ("Microsoft.Storage/storageAccounts/privateEndpointConnections",)
    rules = Rules(lro_put=False, lro_delete=False, created=200)  # put answers 200 only

