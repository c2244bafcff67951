"""The contoso demo estate's resource ids (runbook_lib/sandbox/data/demo_estates/contoso.json), for tests that
use it."""

from __future__ import annotations

from runbook_lib.sandbox import DEFAULT_SUBSCRIPTION
from runbook_lib.sandbox.tenant import sandbox_id

HUB = sandbox_id("subscription/contoso/hub")
WORKLOAD = DEFAULT_SUBSCRIPTION
ZONES = {
    "privatelink.wus3.backup.windowsazure.com",
    "privatelink.uks.backup.windowsazure.com",
    "privatelink.blob.core.windows.net",
    "privatelink.queue.core.windows.net",
    "privatelink.siterecovery.windowsazure.com",
    "privatelink.vaultcore.azure.net",
    "privatelink.prod.migration.windowsazure.com",
}
DNS_RG = f"/subscriptions/{HUB}/resourceGroups/rg-dns"
RECOVERY_RG = f"/subscriptions/{HUB}/resourceGroups/rg-recovery"
VAULTS = f"{RECOVERY_RG}/providers/Microsoft.RecoveryServices/vaults"
STORAGE = f"{RECOVERY_RG}/providers/Microsoft.Storage/storageAccounts"


def vnet(subscription: str, rg: str, name: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"


def subnet(subscription: str, rg: str, vnet_name: str, name: str) -> str:
    return f"{vnet(subscription, rg, vnet_name)}/subnets/{name}"


SPOKE_VNET = vnet(WORKLOAD, "rg-network-spoke", "vnet-spoke")
SPOKE_ENDPOINTS = f"{SPOKE_VNET}/subnets/snet-endpoints"
BYPASS_VNET = vnet(WORKLOAD, "rg-network-bypass", "vnet-bypass")
HUB_VNET = vnet(HUB, "rg-network-hub", "vnet-hub")
