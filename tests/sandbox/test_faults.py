"""Injected faults: throttling and server errors retried by azure-core's policy, failed long-running operations."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network.models import AddressSpace, VirtualNetwork

from runbook_lib.azure import get_clients
from runbook_lib.sandbox import FaultRule


@pytest.fixture
def statuses(target):
    """(clients with a status recorder, the list of statuses seen), retries as azure-core configures them."""
    seen: list[int] = []
    clients = get_clients(
        target,
        raw_response_hook=lambda r: seen.append(r.http_response.status_code),
        retry_backoff_factor=0,
        polling_interval=0,
    )  # retry and poll without sleeping
    clients.resources.resource_groups.create_or_update("rg-f", {"location": "westus3"})
    seen.clear()
    return clients, seen


def vnet() -> VirtualNetwork:
    return VirtualNetwork(location="westus3", address_space=AddressSpace(address_prefixes=["10.0.0.0/16"]))


def test_throttling_is_retried_after_retry_after(sandbox, statuses):
    clients, seen = statuses
    sandbox.add_fault(FaultRule(answer=429, method="GET", path="resourcegroups/rg-f$", times=2, retry_after=0))
    assert clients.resources.resource_groups.get("rg-f").name == "rg-f"
    assert seen == [429, 429, 200]
    assert sandbox.faults()[0].hits == 2


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(sandbox, statuses, status):
    clients, seen = statuses
    sandbox.add_fault(FaultRule(answer=status, times=1))
    assert clients.resources.resource_groups.get("rg-f").name == "rg-f"
    assert seen == [status, 200]


def test_without_retries_the_arm_error_surfaces(sandbox, target):
    clients = get_clients(target, retry_total=0)
    sandbox.add_fault(FaultRule(answer=429, retry_after=7))
    with pytest.raises(HttpResponseError) as error:
        clients.resources.resource_groups.get("anything")
    assert error.value.status_code == 429 and error.value.error.code == "TooManyRequests"
    assert error.value.response.headers["Retry-After"] == "7"


def test_faults_match_method_and_path(sandbox, statuses):
    clients, seen = statuses
    sandbox.add_fault(FaultRule(answer=503, method="PUT", path="virtualNetworks"))
    assert clients.resources.resource_groups.get("rg-f")  # a GET elsewhere is untouched
    assert seen == [200]
    assert sandbox.faults()[0].seen == 0


def test_a_share_drawn_from_a_stream_hits_the_same_requests_every_run(sandbox, target):
    def pattern() -> list[bool]:
        sandbox.clear_faults()
        sandbox.add_fault(FaultRule(answer=500, share=0.5, stream=42))
        clients = get_clients(target, retry_total=0)
        hits = []
        for _ in range(20):
            try:
                clients.resources.resource_groups.check_existence("rg-x")
                hits.append(False)
            except HttpResponseError:
                hits.append(True)
        return hits

    first = pattern()
    assert 3 < sum(first) < 17
    assert pattern() == first


def test_failed_long_running_operation_surfaces_and_leaves_the_resource_failed(sandbox, statuses):
    clients, _ = statuses
    sandbox.configure(retry_after=0)
    sandbox.add_fault(FaultRule(answer="lro-failed", method="PUT", path="virtualNetworks/vnet-bad"))
    with pytest.raises(HttpResponseError) as error:
        clients.network.virtual_networks.begin_create_or_update("rg-f", "vnet-bad", vnet()).result()
    assert "fault injected" in str(error.value)
    assert clients.network.virtual_networks.get("rg-f", "vnet-bad").provisioning_state == "Failed"
