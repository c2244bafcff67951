"""Microsoft.Storage accounts and their private endpoint connections."""

from __future__ import annotations

import hashlib

from ...private_link import STORAGE_SERVICES, Member, member_fqdn, zone_name
from ..errors import ArmError
from ..paths import ArmPath
from .base import Context, PrivateLinkTarget, Rules, Service
from .connections import PrivateEndpointConnectionService
from .regions import cloud_of

# The groups a general-purpose v2 account offers, in Azure's order (the Azure CLI's recorded
# test_storage_account_private_endpoint, a Standard_LRS account); a read-access geo-redundant account offers each
# service's secondary as well (Microsoft Learn, "Use private endpoints for Azure Storage"; azure-rest-api-specs'
# StorageAccountListPrivateLinkResources.json), whose member is '{account}-secondary' in the same zone.
PRIMARY_GROUPS = ("blob", "table", "queue", "file", "web", "dfs")
SECONDARY = "_secondary"
READ_ACCESS_SKUS = ("Standard_RAGRS", "Standard_RAGZRS")


def private_link_groups(record: dict) -> tuple[str, ...]:
    """The group ids the account offers (file has no secondary)."""
    if (record.get("sku") or {}).get("name") not in READ_ACCESS_SKUS:
        return PRIMARY_GROUPS
    return tuple(g for p in PRIMARY_GROUPS for g in ((p,) if p == "file" else (p, f"{p}{SECONDARY}")))


PRIVATE_LINK_RESOURCES = "Microsoft.Storage/storageAccounts/privateLinkResources"


def _partition(name: str) -> str:
    """The zone label z00 to z50 Azure picks for an account at creation (Microsoft Learn, Storage account overview,
    "Azure DNS zone endpoints"; a static website's endpoint carries one too)."""
    return f"z{int(hashlib.sha256(name.encode()).hexdigest(), 16) % 51:02d}"


def service_host(record: dict, service: str) -> str:
    """An account's host name for a storage service ('blob', or 'blob_secondary' for its secondary); Azure DNS zone
    accounts get a partitioned name, and a static website ('web') is '{account}.zNN.web.core.windows.net'."""
    service, secondary = service.removesuffix(SECONDARY), service.endswith(SECONDARY)
    name = record["name"].lower()
    host = f"{name}-secondary" if secondary else name
    if (record.get("properties") or {}).get("dnsEndpointType") == "AzureDnsZone":
        return f"{host}.{_partition(name)}.{service}.storage.azure.net"
    if service == "web":
        host = f"{host}.{_partition(name)}"
    return member_fqdn(service, cloud_of(record, default="public"), host)


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
        return {g: (Member(g, g, service_host(record, g)),) for g in private_link_groups(record)}

    def connection_name(self, record: dict, endpoint_name: str, group_id: str, guid: str) -> str:
        return f"{record['name']}.{guid}"  # Storage names a connection by its account, not by the endpoint

    def check_private_endpoint(self, ctx: Context, record: dict, group_id: str) -> None:
        if record.get("kind") != "StorageV2":
            raise ArmError(
                400,
                "PrivateEndpointNotSupportedForStorageKind",
                f"Storage account '{record['name']}' is of kind {record.get('kind')}: private endpoints can "
                "be created only on general-purpose v2 (StorageV2) accounts.",
            )


class StoragePrivateEndpointConnectionService(PrivateEndpointConnectionService):
    types = ("Microsoft.Storage/storageAccounts/privateEndpointConnections",)
    rules = Rules(lro_put=False, lro_delete=False, created=200)  # put answers 200 only


class StoragePrivateLinkResourceService(Service):
    """``.../storageAccounts/{name}/privateLinkResources``: the groups the account offers (GET only)."""

    types = (PRIVATE_LINK_RESOURCES,)
    read_only = True

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        account = ctx.tx.get(path.parent_id)
        if account is None:
            return []
        cloud = cloud_of(account, default="public")
        return [
            {
                "id": f"{account['id']}/privateLinkResources/{group}",
                "name": group,
                "type": PRIVATE_LINK_RESOURCES,
                "properties": {
                    "groupId": group,
                    "requiredMembers": [group],
                    "requiredZoneNames": [zone_name(group.removesuffix(SECONDARY), cloud)],
                },
            }
            for group in private_link_groups(account)
        ]

    def lookup(self, ctx: Context, path: ArmPath) -> dict | None:
        return next((r for r in self.collection(ctx, path) if r["name"].lower() == path.name.lower()), None)
