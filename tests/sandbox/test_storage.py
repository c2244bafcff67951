"""Storage accounts via the SDK: create (200 or 202), update, list, delete; Azure DNS zone endpoints."""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.storage.models import NetworkRuleSet, Sku, StorageAccountCreateParameters, StorageAccountUpdateParameters

from tests.builders import make_endpoint, make_vnet


def test_storage_account_lifecycle(clients, rg):
    accounts = clients.storage.storage_accounts
    created = accounts.begin_create(
        rg, "stbackupcache", StorageAccountCreateParameters(location="westus3", kind="StorageV2", sku=Sku(name="Standard_LRS"))
    ).result()
    assert created.kind == "StorageV2" and created.sku.name == "Standard_LRS"
    assert created.network_rule_set.bypass == "AzureServices"
    assert created.primary_endpoints.blob == "https://stbackupcache.blob.core.windows.net/"

    updated = accounts.update(
        rg, "stbackupcache",
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
    account = clients.storage.storage_accounts.begin_create(rg, "stpartitioned01", StorageAccountCreateParameters(
        location="westus3", kind="StorageV2", sku=Sku(name="Standard_LRS"), dns_endpoint_type="AzureDnsZone")).result()
    host = re.fullmatch(r"https://(stpartitioned01\.z(?:[0-4]\d|50)\.blob\.storage\.azure\.net)/",
                        account.primary_endpoints.blob)
    assert host, account.primary_endpoints.blob
    assert account.primary_endpoints.queue == host[1].replace(".blob.", ".queue.").join(("https://", "/"))
    assert clients.storage.storage_accounts.get_properties(rg, "stpartitioned01").dns_endpoint_type == "AzureDnsZone"

    subnets = make_vnet(clients, rg, "vnet-pe", "10.50.0.0/16", {"snet-pe": "10.50.1.0/24"})
    endpoint = make_endpoint(clients, rg, "pe-st", subnets["snet-pe"], account.id, "blob")
    nic = clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    fqdns = [f for c in nic.ip_configurations for f in c.private_link_connection_properties.fqdns]
    assert fqdns == [host[1]]  # never stpartitioned01.blob.core.windows.net
