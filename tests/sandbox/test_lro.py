"""Long-running operations in realistic mode, as the SDK's pollers see them."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResponseNotReadError
from azure.mgmt.network.models import AddressSpace, VirtualNetwork

from runbook_lib.azure import get_clients


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


def test_create_is_asynchronous_and_polled_to_success(seen):
    clients, answers = seen
    poller = clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet())
    assert answers[0][:2] == ("PUT", 201)
    assert clients.network.virtual_networks.get("rg-lro", "vnet1").provisioning_state == "Creating"
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


def test_delete_is_asynchronous_too(seen):
    clients, answers = seen
    clients.network.virtual_networks.begin_create_or_update("rg-lro", "vnet1", vnet()).result()
    answers.clear()
    poller = clients.network.virtual_networks.begin_delete("rg-lro", "vnet1")
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
