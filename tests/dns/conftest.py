"""A contoso estate with Backup and Site Recovery endpoints in the spoke, as the DNS tests read it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from runbook_lib.azure import Target, get_clients
from tests.builders import grant, make_endpoint, rg_scope
from tests.contoso import SPOKE_ENDPOINTS, VAULTS, WORKLOAD

SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"
ENDPOINTS = f"{SPOKE_RG}/providers/Microsoft.Network/privateEndpoints"


@dataclass
class Estate:
    """Backup endpoints pe-bkp (rsv-backup-wus3) and pe-bkp2 (rsv-backup-uks), each with the _ecs storage
    endpoints Azure Backup made at the first registration, and pe-asr (rsv-asr-wus3), all in the spoke."""

    sandbox: object
    clients: object  # the workload subscription's, as the default caller
    requests: list  # the URL of every ARM request the clients sent

    def vault(self, name: str) -> str:
        return f"{VAULTS}/{name}"


@pytest.fixture
def estate(contoso, hub) -> Estate:
    requests: list[str] = []
    clients = get_clients(
        Target(state=str(contoso.path)),
        raw_request_hook=lambda r: requests.append(f"{r.http_request.method} {r.http_request.url.split('?')[0]}"),
    )
    for endpoint, vault_name in (("pe-bkp", "rsv-backup-wus3"), ("pe-bkp2", "rsv-backup-uks")):
        vault = hub.recoveryservices.vaults.get("rg-recovery", vault_name)
        make_endpoint(clients, "rg-network-spoke", endpoint, SPOKE_ENDPOINTS, vault.id, "AzureBackup")
        grant(clients, rg_scope(clients, "rg-network-spoke"), "Contributor", vault.identity.principal_id)
        registered = contoso.event("register-container", vault.id)  # fails on DNS, but makes the _ecs endpoints
        assert registered.code == "UserErrorVMInternetConnectivityIssue" and len(registered.created) == 2
    make_endpoint(clients, "rg-network-spoke", "pe-asr", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-asr-wus3", "AzureSiteRecovery")
    requests.clear()
    return Estate(contoso, clients, requests)
