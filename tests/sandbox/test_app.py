"""Generic ARM behaviour of the sandbox app: ids, casing, paging, locations, and ARM-shaped errors that change nothing.

Bad requests the SDK would never send (no api-version, broken JSON) go through a raw requests session on the
same in-process transport the SDK uses.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.clients import SANDBOX_HOST
from runbook_lib.azure.inprocess import wsgi_session
from runbook_lib.sandbox import Sandbox
from runbook_lib.sandbox.store import Workload, measure
from tests.builders import grant, make_endpoint, make_storage, make_vnet

ZONE = "privatelink.blob.core.windows.net"


@pytest.fixture
def http(sandbox):
    """Raw HTTP to the sandbox: (method, path, query='api-version=...', body=None, token='sandbox') -> response."""
    session = wsgi_session(sandbox.app, SANDBOX_HOST)

    def send(
        method: str,
        path: str,
        query: str = "api-version=2024-06-01",
        body=None,
        token: str | None = "sandbox",
        **headers,
    ):
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = body.encode() if isinstance(body, str) else None
        return session.request(
            method, f"https://{SANDBOX_HOST}{path}?{query}", data=data, json=None if data else body, headers=headers
        )

    return send


def estate_rows(sandbox) -> list[dict]:
    return sandbox.resources()


def assert_arm_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_bad_requests_get_arm_errors_and_change_nothing(sandbox, clients, rg, http):
    sub = f"/subscriptions/{clients.subscription_id}"
    zone_path = f"{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    before = estate_rows(sandbox)

    assert_arm_error(http("PUT", zone_path, query="", body={"location": "global"}), 400, "MissingApiVersionParameter")
    assert_arm_error(http("PUT", zone_path, body='{"location": "global",'), 400, "InvalidRequestContent")
    assert_arm_error(http("PUT", zone_path, body="[1, 2]"), 400, "InvalidRequestContent")
    assert_arm_error(http("PUT", f"{sub}/resourceGroups//providers/x", body={}), 400, "InvalidResourceId")
    assert_arm_error(
        http("PUT", f"{sub}/resourceGroups/{rg}/providers/Microsoft.Network", body={}), 400, "InvalidResourceType"
    )
    assert_arm_error(http("PUT", zone_path, body={"location": "global"}, token=None), 401, "AuthenticationFailed")
    assert_arm_error(
        http("PUT", zone_path.replace(rg, "rg-missing"), body={"location": "global"}), 404, "ResourceGroupNotFound"
    )
    assert_arm_error(
        http("PUT", zone_path.replace(clients.subscription_id, "0000"), body={"location": "global"}),
        404,
        "SubscriptionNotFound",
    )
    assert_arm_error(http("PUT", f"{zone_path}/A/rec", body={"properties": {"ttl": 5}}), 404, "ParentResourceNotFound")
    assert_arm_error(http("PUT", zone_path, body={"properties": {}}), 400, "LocationRequired")
    assert estate_rows(sandbox) == before


def test_sdk_sees_missing_group_and_missing_resource(clients, rg):
    with pytest.raises(ResourceNotFoundError) as error:
        clients.privatedns.private_zones.begin_create_or_update(
            "rg-missing", ZONE, PrivateZone(location="global")
        ).result()
    assert error.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as error:
        clients.privatedns.private_zones.get(rg, ZONE)
    assert error.value.error.code == "ResourceNotFound"


def test_ids_are_case_insensitive_and_keep_the_creators_casing(clients, rg, http):
    clients.privatedns.private_zones.begin_create_or_update(
        rg, "Privatelink.Example.Com", PrivateZone(location="Global")
    ).result()
    got = clients.privatedns.private_zones.get(rg.upper(), "PRIVATELINK.EXAMPLE.COM")
    assert got.name == "Privatelink.Example.Com"
    assert got.id.endswith(
        "/resourceGroups/rg-test/providers/Microsoft.Network/privateDnsZones/Privatelink.Example.Com"
    )
    assert clients.resources.resource_groups.get("RG-TEST").name == "rg-test"


def test_location_is_normalised(clients):
    group = clients.resources.resource_groups.create_or_update("rg-weu", {"location": "West Europe"})
    assert group.location == "westeurope"


def test_collections_page_at_100_with_next_link(clients, rg, sandbox, http):
    clients.privatedns.private_zones.begin_create_or_update(rg, ZONE, PrivateZone(location="global")).result()
    for n in range(130):
        clients.privatedns.record_sets.create_or_update(
            rg,
            ZONE,
            "A",
            f"st{n:03d}",
            RecordSet(ttl=10, a_records=[ARecord(ipv4_address=f"10.0.{n // 250}.{n % 250 + 4}")]),
        )
    first = http(
        "GET",
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}/A",
    ).json()
    assert len(first["value"]) == 100 and "$skiptoken=100" in first["nextLink"]
    names = [r.name for r in clients.privatedns.record_sets.list_by_type(rg, ZONE, "A")]  # the SDK follows nextLink
    assert names == [f"st{n:03d}" for n in range(130)]


def test_delete_of_a_missing_resource_is_204_but_a_missing_group_is_404(clients, rg, http):
    path = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/none.example"
    assert http("DELETE", path).status_code == 204
    assert_arm_error(http("DELETE", path.replace(rg, "rg-missing")), 404, "ResourceGroupNotFound")
    with pytest.raises(HttpResponseError) as error:
        clients.resources.resource_groups.begin_delete("rg-missing").result()
    assert error.value.status_code == 404


def test_deleting_a_group_deletes_what_is_in_it(clients, rg):
    clients.privatedns.private_zones.begin_create_or_update(rg, ZONE, PrivateZone(location="global")).result()
    clients.resources.resource_groups.begin_delete(rg).result()
    assert not clients.resources.resource_groups.check_existence(rg)
    assert list(clients.privatedns.private_zones.list()) == []


def test_every_resource_carries_an_etag_and_put_changes_it(clients, rg):
    zones = clients.privatedns.private_zones
    first = zones.begin_create_or_update(rg, ZONE, PrivateZone(location="global")).result()
    second = zones.begin_create_or_update(rg, ZONE, PrivateZone(location="global", tags={"env": "demo"})).result()
    assert first.etag and second.etag and first.etag != second.etag


# --- a request's cost does not grow with the estate ------------------------------------------------------------


def grow_estate(sandbox, clients, rg: str, endpoints: int) -> tuple[str, str]:
    """``endpoints`` private endpoints to one storage account in one subnet, each with a principal holding a role on
    it: (their subnet's id, the account's id). Counted, not timed: SQL statements, SQLite VM steps, bodies."""
    subnets = make_vnet(clients, rg, "vnet", "10.0.0.0/16", {"busy": "10.0.0.0/20"})
    account = make_storage(clients, rg, "stgrowth")
    for i in range(endpoints):
        endpoint = make_endpoint(clients, rg, f"pe-{i}", subnets["busy"], account.id, "blob")
        holder = sandbox.add_principal(f"holder-{i}", kind="ServicePrincipal")
        grant(clients, endpoint.id, "Reader", holder.object_id)
    return subnets["busy"], account.id


def workload_of(call) -> Workload:
    with measure() as work:
        call()
    return work


@pytest.mark.parametrize("endpoints", [60])
def test_a_get_and_an_endpoint_create_cost_the_same_in_a_small_and_a_large_estate(tmp_path, endpoints):
    """A private endpoint GET reads the same rows with the same statements whether the estate holds 3 endpoints
    (and 3 role assignments on them) or 60: the RBAC check seeks the caller's assignments by scope instead of
    reading every assignment, and a new endpoint's address in the same busy subnet comes from the store's table of
    what each subnet holds, without decoding a body per address; the subnet's GET lists its NICs the same way."""
    figures = []
    for size in (3, endpoints):
        sandbox = Sandbox(tmp_path / f"estate-{size}.db")
        sandbox.reset()
        clients = get_clients(Target(state=str(sandbox.path)))
        clients.resources.resource_groups.create_or_update("rg-test", {"location": "westus3"})
        busy, account = grow_estate(sandbox, clients, "rg-test", size)
        get = workload_of(lambda c=clients: c.network.private_endpoints.get("rg-test", "pe-0"))
        create = workload_of(lambda c=clients, s=busy, a=account: make_endpoint(c, "rg-test", "pe-new", s, a, "blob"))
        subnet = workload_of(lambda c=clients: c.network.subnets.get("rg-test", "vnet", "busy"))
        figures.append((get, create, subnet))
    (small_get, small_create, small_subnet), (large_get, large_create, large_subnet) = figures
    assert (large_subnet.statements, large_subnet.rows) == (small_subnet.statements, small_subnet.rows)
    assert (large_get.statements, large_get.rows) == (small_get.statements, small_get.rows)
    assert large_get.vm_steps <= small_get.vm_steps + 2  # a scan of 60 endpoints' rows would add dozens
    assert large_create.statements == small_create.statements
    assert large_create.rows <= small_create.rows + 2  # the account's connections are rendered back: one more row
    assert large_create.vm_steps <= small_create.vm_steps + 5
