"""Long-running operations in realistic mode, as the SDK's pollers see them."""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ResponseNotReadError
from azure.mgmt.network.models import AddressSpace, VirtualNetwork

from runbook_lib.azure import get_clients
from runbook_lib.sandbox import FaultRule


@pytest.fixture
def seen(sandbox, target):
    """Clients whose every HTTP answer (initial, polls, final GET) is recorded as (method, status, body)."""
    answers: list[tuple[str, int, str]] = []

    def record(response):
        http = response.http_response
        try:
            body = http.text()
        except ResponseNotReadError:  # a poller's initial answer is streamed; its body is read later
            body = ""
        answers.append((http.request.method, http.status_code, body))

    sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)
    # Retry-After 0 reads as "absent" to azure-core, which then waits polling_interval: make that 0 too
    clients = get_clients(target, raw_response_hook=record, polling_interval=0)
    clients.resources.resource_groups.create_or_update("rg-lro", {"location": "westus3"})
    answers.clear()
    return clients, answers


def vnet() -> VirtualNetwork:
    return VirtualNetwork(location="westus3", address_space=AddressSpace(address_prefixes=["10.0.0.0/16"]))


def test_create_is_asynchronous_and_polled_to_success(sandbox, seen):
    clients, answers = seen
    sandbox.configure(lro_seconds=0.3)
    poller = clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet(), polling_interval=0.05)
    assert answers[0][:2] == ("PUT", 201)
    # a Microsoft.Network resource shows Updating while it is created ("Troubleshoot Azure Microsoft.Network failed
    # provisioning state")
    assert clients.network.virtual_networks.get("rg-lro", "vnet1").provisioning_state == "Updating"
    result = poller.result()
    assert result.provisioning_state == "Succeeded"
    polls = [body for method, status, body in answers if method == "GET" and '"status"' in body]
    assert '"InProgress"' in polls[0] and '"Succeeded"' in polls[-1]


def test_storage_create_answers_202_with_location(seen):
    clients, answers = seen
    account = clients.storage.storage_accounts.begin_create(
        "rg-lro", "stlro", {"location": "westus3", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    ).result()
    assert answers[0][:2] == ("PUT", 202)
    assert account.provisioning_state == "Succeeded"


def test_delete_is_asynchronous_too(sandbox, seen):
    clients, answers = seen
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet()).result()
    answers.clear()
    sandbox.configure(lro_seconds=0.3)
    poller = clients.network.virtual_networks.begin_delete("rg-lro", "vnet1", polling_interval=0.05)
    assert answers[0][:2] == ("DELETE", 202)
    assert clients.network.virtual_networks.get("rg-lro", "vnet1").provisioning_state == "Deleting"
    poller.result()
    assert list(clients.network.virtual_networks.list("rg-lro")) == []


def test_simulated_duration_keeps_the_operation_in_progress(sandbox, seen):
    clients, answers = seen
    sandbox.configure(lro_seconds=0.3)
    poller = clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet(), polling_interval=0.05)
    assert poller.result().provisioning_state == "Succeeded"
    in_progress = [body for method, status, body in answers if '"InProgress"' in body]
    assert len(in_progress) >= 3  # polled every ~50 ms for 300 ms


# --- an operation finishes on its own clock, polled or not ------------------------------------------------------


def test_an_operation_nobody_polls_still_finishes_on_its_own_clock(sandbox, seen, target):
    """A client killed after its PUT: once the operation's time has passed, any read sees the resource finished."""
    clients, _ = seen
    sandbox.configure(lro_seconds=0.3)
    # polling=False: the SDK never polls, as when the process that started the operation was killed
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet(), polling=False)
    assert clients.network.virtual_networks.get("rg-lro", "vnet1").provisioning_state == "Updating"
    time.sleep(0.35)
    other = get_clients(target)  # another process, with no poller of its own
    assert other.network.virtual_networks.get("rg-lro", "vnet1").provisioning_state == "Succeeded"


def test_a_listing_sees_what_finished_too(sandbox, seen):
    clients, _ = seen
    sandbox.configure(lro_seconds=0.2)
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet(), polling=False)
    time.sleep(0.25)
    assert [v.provisioning_state for v in clients.network.virtual_networks.list("rg-lro")] == ["Succeeded"]


def test_an_injected_failure_ends_failed_without_a_poll(sandbox, seen, target):
    clients, _ = seen
    sandbox.configure(lro_seconds=0.2)
    sandbox.add_fault(FaultRule(answer="lro-failed", method="PUT", path="virtualNetworks/vnet-bad"))
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet-bad", vnet(), polling=False)
    time.sleep(0.25)
    assert get_clients(target).network.virtual_networks.get("rg-lro", "vnet-bad").provisioning_state == "Failed"


def test_a_failed_resource_is_put_again_to_succeed(sandbox, seen):
    """ "Troubleshoot Azure Microsoft.Network failed provisioning state": a new PUT of the resource restores
    Succeeded."""
    clients, _ = seen
    sandbox.add_fault(FaultRule(answer="lro-failed", method="PUT", path="virtualNetworks/vnet-bad", times=1))
    with pytest.raises(HttpResponseError):
        clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet-bad", vnet()).result()
    failed = clients.network.virtual_networks.get("rg-lro", "vnet-bad")
    assert failed.provisioning_state == "Failed"
    again = clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet-bad", failed).result()
    assert again.provisioning_state == "Succeeded"


def test_a_delete_nobody_polls_removes_the_resource_on_time(sandbox, seen):
    clients, _ = seen
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet()).result()
    sandbox.configure(lro_seconds=0.2)
    clients.network.virtual_networks.begin_delete("rg-lro", "vnet1", polling=False)
    assert clients.network.virtual_networks.get("rg-lro", "vnet1").provisioning_state == "Deleting"
    time.sleep(0.25)
    with pytest.raises(ResourceNotFoundError):
        clients.network.virtual_networks.get("rg-lro", "vnet1")


def test_each_type_shows_its_providers_state_while_it_is_made(contoso, hub, clients):
    """Endpoints and zone groups (Microsoft.Network) show Updating; private DNS zones and links, Creating; the
    vault is made at once, as Azure makes it (201, Succeeded: the Azure CLI's recorded ``backup vault create``).
    Once the time has passed, each is Succeeded."""
    from tests.contoso import HUB_VNET, RECOVERY_RG, SPOKE_ENDPOINTS

    contoso.configure(lro="realistic", lro_seconds=0.5)
    rg = RECOVERY_RG.rsplit("/", 1)[-1]
    hub.recoveryservices.vaults.begin_create_or_update(
        rg,
        "rsv-lro",
        {"location": "westus3", "sku": {"name": "Standard"}, "identity": {"type": "SystemAssigned"}},
        polling=False,
    )
    hub.privatedns.private_zones.begin_create_or_update(rg, "lro.example", {"location": "global"}, polling=False)
    vault_id = f"{RECOVERY_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-lro"
    assert hub.recoveryservices.vaults.get(rg, "rsv-lro").properties.provisioning_state == "Succeeded"
    assert hub.privatedns.private_zones.get(rg, "lro.example").provisioning_state == "Creating"
    time.sleep(0.55)
    spoke_rg = SPOKE_ENDPOINTS.split("/")[4]
    clients.network.private_endpoints.begin_create_or_update(
        spoke_rg,
        "pe-lro",
        {
            "location": "westus3",
            "properties": {
                "subnet": {"id": SPOKE_ENDPOINTS},
                "privateLinkServiceConnections": [
                    {"name": "c", "properties": {"privateLinkServiceId": vault_id, "groupIds": ["AzureBackup"]}}
                ],
            },
        },
        polling=False,
    )
    hub.privatedns.virtual_network_links.begin_create_or_update(
        rg,
        "lro.example",
        "link-hub",
        {"location": "global", "properties": {"virtualNetwork": {"id": HUB_VNET}, "registrationEnabled": False}},
        polling=False,
    )
    zone_id = f"{RECOVERY_RG}/providers/Microsoft.Network/privateDnsZones/lro.example"
    assert clients.network.private_endpoints.get(spoke_rg, "pe-lro").provisioning_state == "Updating"
    assert hub.privatedns.virtual_network_links.get(rg, "lro.example", "link-hub").provisioning_state == "Creating"
    time.sleep(0.55)
    clients.network.private_dns_zone_groups.begin_create_or_update(
        spoke_rg,
        "pe-lro",
        "default",
        {"properties": {"privateDnsZoneConfigs": [{"name": "z", "properties": {"privateDnsZoneId": zone_id}}]}},
        polling=False,
    )
    assert clients.network.private_dns_zone_groups.get(spoke_rg, "pe-lro", "default").provisioning_state == "Updating"
    time.sleep(0.55)
    assert hub.recoveryservices.vaults.get(rg, "rsv-lro").properties.provisioning_state == "Succeeded"
    assert clients.network.private_endpoints.get(spoke_rg, "pe-lro").provisioning_state == "Succeeded"
    assert clients.network.private_dns_zone_groups.get(spoke_rg, "pe-lro", "default").provisioning_state == "Succeeded"
    assert hub.privatedns.virtual_network_links.get(rg, "lro.example", "link-hub").provisioning_state == "Succeeded"


def test_a_network_resource_refuses_a_write_while_its_operation_runs(sandbox, seen):
    """Microsoft.Network answers 409 AnotherOperationInProgress, with the running operation's status URL."""
    clients, _ = seen
    sandbox.configure(lro_seconds=0.3)
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet(), polling=False)
    with pytest.raises(HttpResponseError) as error:
        clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet(), polling=False)
    assert error.value.status_code == 409 and error.value.error.code == "AnotherOperationInProgress"
    assert "/providers/Microsoft.Network/locations/westus3/operations/" in error.value.error.message
    time.sleep(0.35)  # once it has finished, the same write goes through
    assert (
        clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet()).result().provisioning_state
        == "Succeeded"
    )
