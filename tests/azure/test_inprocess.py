"""The in-process transport: real SDK clients reach the sandbox's WSGI app with no socket and no requests session,
and azure-core's retry, LRO polling and error handling behave as they do over the network."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ServiceRequestError
from azure.core.rest import HttpRequest
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.clients import SANDBOX_HOST
from runbook_lib.azure.inprocess import WsgiTransport
from runbook_lib.sandbox import DEFAULT_SUBSCRIPTION
from runbook_lib.sandbox.faults import FaultRule

VNET = {"location": "westus3", "properties": {"addressSpace": {"addressPrefixes": ["10.4.0.0/16"]}}}


class Exchanges:
    """(method, status, Retry-After) of every request the pipeline sends, retries and polls included."""

    def __init__(self):
        self.seen: list[tuple[str, int, str | None]] = []
        self.responses = []

    def on_response(self, pipeline_response) -> None:
        response = pipeline_response.http_response
        self.seen.append(
            (pipeline_response.http_request.method, response.status_code, response.headers.get("retry-after"))
        )  # headers are case-insensitive, as on the wire
        self.responses.append(response)


@pytest.fixture
def exchanges() -> Exchanges:
    return Exchanges()


@pytest.fixture
def watched(target, exchanges):
    return get_clients(target, raw_response_hook=exchanges.on_response)


def test_clients_use_the_wsgi_transport(clients):
    assert isinstance(clients.network._client._pipeline._transport, WsgiTransport)


def test_get_answers_a_model_and_a_readable_response(watched, rg, exchanges):
    watched.network.virtual_networks.begin_create_or_update(rg, "vnet-get", VNET).result()
    vnet = watched.network.virtual_networks.get(rg, "vnet-get")
    assert vnet.address_space.address_prefixes == ["10.4.0.0/16"]
    answer = exchanges.responses[-1]
    assert exchanges.seen[-1] == ("GET", 200, None)
    assert answer.headers["content-type"].startswith("application/json")
    assert json.loads(answer.text())["name"] == "vnet-get"


def test_put_sends_its_body(watched, rg):
    zones = watched.privatedns
    zones.private_zones.begin_create_or_update(
        rg, "privatelink.blob.core.windows.net", PrivateZone(location="global")
    ).result()
    made = zones.record_sets.create_or_update(
        rg,
        "privatelink.blob.core.windows.net",
        "A",
        "st1",
        RecordSet(ttl=300, a_records=[ARecord(ipv4_address="10.4.0.5")]),
    )
    assert made.a_records[0].ipv4_address == "10.4.0.5"
    again = zones.record_sets.get(rg, "privatelink.blob.core.windows.net", "A", "st1")
    assert (again.ttl, again.a_records[0].ipv4_address) == (300, "10.4.0.5")


def test_throttled_request_is_retried_by_azure_core(sandbox, watched, rg, exchanges):
    sandbox.add_fault(FaultRule(answer=429, method="GET", path="resourcegroups/rg-test$", times=1, retry_after=0))
    assert watched.resources.resource_groups.get(rg).name == rg
    assert exchanges.seen[-2:] == [("GET", 429, "0"), ("GET", 200, None)]


def test_throttling_that_never_ends_surfaces_arms_code(sandbox, target, exchanges):
    clients = get_clients(target, raw_response_hook=exchanges.on_response, retry_total=1, retry_backoff_factor=0)
    clients.resources.resource_groups.create_or_update("rg-hot", {"location": "eastus"})
    sandbox.add_fault(FaultRule(answer=429, method="GET", path="resourcegroups/rg-hot$", retry_after=0))
    with pytest.raises(Exception) as error:
        clients.resources.resource_groups.get("rg-hot")
    assert error.value.status_code == 429 and error.value.error.code == "TooManyRequests"
    assert [s for _, s, _ in exchanges.seen[-2:]] == [429, 429]


def test_long_running_operation_is_polled_to_the_end(sandbox, watched, rg, exchanges):
    sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)
    poller = watched.network.virtual_networks.begin_create_or_update(rg, "vnet-lro", VNET, polling_interval=0)
    assert poller.result().provisioning_state == "Succeeded"
    put, *polls = [e for e in exchanges.seen if e[0] in ("PUT", "GET")][-3:]
    assert put[:2] == ("PUT", 201) and all(status == 200 for _, status, _ in polls) and polls


def test_response_body_can_be_streamed(watched, rg):
    url = f"https://{SANDBOX_HOST}/subscriptions/{DEFAULT_SUBSCRIPTION}/resourcegroups/{rg}?api-version=2022-09-01"
    response = watched.resources._client.send_request(HttpRequest("GET", url), stream=True)
    assert response.status_code == 200
    assert json.loads(b"".join(response.iter_bytes()))["name"] == rg


def test_a_legacy_request_gets_a_legacy_response(watched, rg):
    from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest

    url = f"https://{SANDBOX_HOST}/subscriptions/{DEFAULT_SUBSCRIPTION}/resourcegroups/{rg}?api-version=2022-09-01"
    response = watched.resources._client._pipeline.run(LegacyHttpRequest("GET", url)).http_response
    assert response.status_code == 200 and json.loads(response.body())["name"] == rg
    assert json.loads(response.text())["location"] == "westus3"


class StaticCredential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("sandbox", 2_000_000_000)


def test_other_hosts_are_refused_as_a_connection_that_cannot_be_made(sandbox):
    transport = WsgiTransport(sandbox.app, SANDBOX_HOST)
    clients = get_clients(
        Target("azure", subscription_id=DEFAULT_SUBSCRIPTION),
        credential=StaticCredential(),
        transport=transport,
        retry_total=0,
    )
    with pytest.raises(ServiceRequestError, match=r"management\.azure\.com"):
        clients.resources.resource_groups.get("rg-anywhere")


def test_two_threads_share_one_transport(clients, rg):
    def make_and_read(index: int) -> str:
        name = f"rg-thread-{index}"
        clients.resources.resource_groups.create_or_update(name, {"location": "eastus"})
        return clients.resources.resource_groups.get(name).name

    with ThreadPoolExecutor(max_workers=2) as pool:
        names = list(pool.map(make_and_read, range(12)))
    assert names == [f"rg-thread-{i}" for i in range(12)]
    listed = {g.name for g in clients.resources.resource_groups.list()}
    assert set(names) <= listed
