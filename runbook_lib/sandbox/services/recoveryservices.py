"""Microsoft.RecoveryServices vaults: managed identity, public network access, private endpoint connections."""

from __future__ import annotations

import uuid

from ..paths import ArmPath
from ..store import Principal
from .base import Context, Rules, Service

VAULT_TYPE = "Microsoft.RecoveryServices/vaults"


class VaultService(Service):
    types = (VAULT_TYPE,)
    # create is long-running (200/201), update is long-running (200/202), delete answers 202 or 204
    rules = Rules(lro_patch=True, deleted=204)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        properties.setdefault("publicNetworkAccess", "Enabled")
        properties.setdefault("privateEndpointStateForBackup", "None")
        properties.setdefault("privateEndpointStateForSiteRecovery", "None")
        record["identity"] = _identity(ctx, record, existing)
        return record


def _identity(ctx: Context, record: dict, existing: dict | None) -> dict:
    """A system-assigned identity keeps its principal for the vault's life; a new one gets a service principal."""
    wanted = dict(record.get("identity") or {"type": "None"})
    kind = wanted.get("type", "None")
    before = (existing or {}).get("identity") or {}
    if "systemassigned" not in kind.lower():
        wanted.pop("principalId", None)
        wanted.pop("tenantId", None)
        return wanted
    if before.get("principalId"):
        return {**wanted, "principalId": before["principalId"], "tenantId": before["tenantId"]}
    tenant = ctx.tx.setting("tenant_id", "")
    object_id = str(uuid.uuid4())
    ctx.tx.add_principal(
        Principal(object_id, record["name"], "ServicePrincipal", tenant, ctx.now + ctx.settings.principal_delay)
    )
    return {**wanted, "principalId": object_id, "tenantId": tenant}
