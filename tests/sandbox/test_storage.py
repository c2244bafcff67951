"""Storage accounts via the SDK: create (200 or 202), update, list, delete; Azure DNS zone endpoints."""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.storage.models import (
    NetworkRuleSet,
    Sku,
    StorageAccountCreateParameters,
    StorageAccountUpdateParameters,
)

from tests.builders import make_endpoint, make_vnet


def test_storage_account_lifecycle(clients, rg):
    accounts = clients.storage.storage_accounts
    created = accounts.begin_create(
        rg,
        "stbackupcache",
        StorageAccountCreateParameters(location="westus3", kind="StorageV2", sku=Sku(name="Standard_LRS")),
    ).result()
    assert created.kind == "StorageV2" and created.sku.name == "Standard_LRS"
    assert created.network_rule_set.bypass == "AzureServices"
    assert created.primary_endpoints.blob == "https://stbackupcache.blob.core.windows.net/"

    updated = accounts.update(
        rg,
        "stbackupcache",
        StorageAccountUpdateParameters(network_rule_set=NetworkRuleSet(default_action="Deny", bypass="AzureServices")),
    )
    assert updated.network_rule_set.default_action == "Deny"
    assert accounts.get_properties(rg, "stbackupcache").network_rule_set.default_action == "Deny"
    assert [a.name for a in accounts.list_by_resource_group(rg)] == ["stbackupcache"]

    accounts.delete(rg, "stbackupcache")
    with pytest.raises(ResourceNotFoundError):
        accounts.get_properties(rg, "stbackupcache")


def test_storage_account_without_kind_is_refused(clients, rg):
    with pytest.raises(HttpResponseError) as error:
        clients.storage.storage_accounts.begin_create(
            rg, "stnokind", {"location": "westus3", "sku": {"name": "Standard_LRS"}}
        ).result()
    assert error.value.status_code == 400 and "kind" in error.value.error.message


def test_an_azure_dns_zone_account_is_named_in_its_zone_and_its_endpoint_nic_says_so(clients, rg):
    """Azure DNS zone endpoints (preview): {account}.z[00-50].{service}.storage.azure.net, in primaryEndpoints and
    in the FQDN a private endpoint's NIC carries (Microsoft Learn, Storage account overview)."""
    account = clients.storage.storage_accounts.begin_create(
        rg,
        "stpartitioned01",
        StorageAccountCreateParameters(
            location="westus3", kind="StorageV2", sku=Sku(name="Standard_LRS"), dns_endpoint_type="AzureDnsZone"
        ),
    ).result()
    host = re.fullmatch(
        r"https://(stpartitioned01\.z(?:[0-4]\d|50)\.blob\.storage\.azure\.net)/", account.primary_endpoints.blob
    )
    assert host, account.primary_endpoints.blob
    assert account.primary_endpoints.queue == host[1].replace(".blob.", ".queue.").join(("https://", "/"))
    assert clients.storage.storage_accounts.get_properties(rg, "stpartitioned01").dns_endpoint_type == "AzureDnsZone"

    subnets = make_vnet(clients, rg, "vnet-pe", "10.50.0.0/16", {"snet-pe": "10.50.1.0/24"})
    endpoint = make_endpoint(clients, rg, "pe-st", subnets["snet-pe"], account.id, "blob")
    nic = clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    fqdns = [f for c in nic.ip_configurations for f in c.private_link_connection_properties.fqdns]
    assert fqdns == [host[1]]  # never stpartitioned01.blob.core.windows.net


def test_a_general_purpose_v2_account_offers_its_groups_and_endpoints_on_them_work(clients, rg):
    """privateLinkResources lists the groups as Azure does (the Azure CLI's recorded test_storage_account_private_
    endpoint: blob, table, queue, file, web, dfs for a Standard_LRS account; a read-access geo-redundant one adds
    the secondaries, as azure-rest-api-specs' StorageAccountListPrivateLinkResources.json shows); primaryEndpoints
    names dfs and web; an endpoint on dfs, web or a secondary gets the member's FQDN, the account's side names the
    connection '{account}.{guid}' (the same recording), and a zone group writes the record in the group's zone."""
    from tests.builders import a_records, attach_zones, make_storage, make_zone

    make_storage(clients, rg, "stlocal01")
    listed = clients.storage.private_link_resources.list_by_storage_account(rg, "stlocal01").value
    assert [r.group_id for r in listed] == ["blob", "table", "queue", "file", "web", "dfs"]
    account = make_storage(clients, rg, "stcache01", sku="Standard_RAGRS")
    offered = clients.storage.private_link_resources.list_by_storage_account(rg, "stcache01").value
    groups = {r.group_id: r for r in offered}
    assert {"blob", "blob_secondary", "dfs", "dfs_secondary", "web", "queue", "table", "file"} <= set(groups)
    assert groups["dfs"].required_members == ["dfs"]
    assert groups["dfs"].required_zone_names == ["privatelink.dfs.core.windows.net"]
    assert groups["blob_secondary"].required_zone_names == ["privatelink.blob.core.windows.net"]
    assert account.primary_endpoints.dfs == "https://stcache01.dfs.core.windows.net/"
    assert re.fullmatch(r"https://stcache01\.z(?:[0-4]\d|50)\.web\.core\.windows\.net/", account.primary_endpoints.web)

    subnets = make_vnet(clients, rg, "vnet-pe", "10.60.0.0/16", {"snet-pe": "10.60.1.0/24"})
    fqdns = {}
    for group in ("dfs", "web", "blob_secondary"):
        endpoint = make_endpoint(clients, rg, f"pe-{group.replace('_', '-')}", subnets["snet-pe"], account.id, group)
        nic = clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
        fqdns[group] = nic.ip_configurations[0].private_link_connection_properties.fqdns[0]
    assert fqdns["dfs"] == "stcache01.dfs.core.windows.net"
    assert fqdns["blob_secondary"] == "stcache01-secondary.blob.core.windows.net"
    connections = clients.storage.private_endpoint_connections.list(rg, "stcache01")
    assert all(re.fullmatch(r"stcache01\.[0-9a-f-]{36}", c.name) for c in connections)
    dfs_zone = make_zone(clients, rg, "privatelink.dfs.core.windows.net")
    attach_zones(clients, rg, "pe-dfs", [dfs_zone])
    assert a_records(clients, rg, "privatelink.dfs.core.windows.net") == {"stcache01": ["10.60.1.4"]}


def test_a_storage_connection_already_approved_or_rejected_cannot_be_approved(clients, rg):
    """The Azure CLI's recorded test_storage_account_private_endpoint: approving a connection that is Approved, or
    one that was Rejected, answers 400 InvalidValuesForRequestParameters; rejecting an Approved one is accepted."""
    from azure.mgmt.storage.models import PrivateEndpointConnection, PrivateLinkServiceConnectionState

    from tests.builders import make_storage

    account = make_storage(clients, rg, "stappr01")
    subnets = make_vnet(clients, rg, "vnet-appr", "10.61.0.0/16", {"snet-pe": "10.61.1.0/24"})
    make_endpoint(clients, rg, "pe-appr", subnets["snet-pe"], account.id, "blob")
    name = next(iter(clients.storage.private_endpoint_connections.list(rg, "stappr01"))).name

    def set_status(status: str):
        state = PrivateLinkServiceConnectionState(status=status, action_required="None")
        return clients.storage.private_endpoint_connections.put(
            rg, "stappr01", name, PrivateEndpointConnection(private_link_service_connection_state=state)
        )

    for _ in ("already approved", "rejected"):
        with pytest.raises(HttpResponseError) as refused:
            set_status("Approved")
        assert refused.value.status_code == 400 and refused.value.error.code == "InvalidValuesForRequestParameters"
        assert set_status("Rejected").private_link_service_connection_state.status == "Rejected"
