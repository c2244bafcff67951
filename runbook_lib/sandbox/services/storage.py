"""Microsoft.Storage accounts and their private endpoint connections."""

from __future__ import annotations

from ..errors import ArmError
from ..paths import ArmPath
from .base import Context, Rules, Service
from .connections import PrivateEndpointConnectionService


class StorageAccountService(Service):
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
        return record


class StoragePrivateEndpointConnectionService(PrivateEndpointConnectionService):
    types = ("Microsoft.Storage/storageAccounts/privateEndpointConnections",)
    rules = Rules(lro_put=False, lro_delete=False, created=200)  # put answers 200 only

