"""A name Azure refuses is refused on PUT with Azure's status and error code, through the real SDK, and nothing is
created (runbook_lib/sandbox/names.py)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.builders import LOCATION, make_endpoint, make_storage, make_vault, make_vnet, make_zone

ZONE = "privatelink.blob.core.windows.net"


@pytest.fixture
def net(clients, rg):
    return make_vnet(clients, rg, "vnet", "10.0.0.0/16", {"pe": "10.0.1.0/28"})


def refused(call, *args, **kwargs) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as raised:
        result = call(*args, **kwargs)
        if hasattr(result, "result"):
            result.result()
    assert raised.value.status_code == 400
    return raised.value


def test_a_vault_name_azure_refuses(clients, rg):
    error = refused(make_vault, clients, rg, "1rsv")
    assert error.error.code == "InvalidResourceName"
    assert "1rsv" in error.message and "starting with a letter" in error.message
    assert list(clients.recoveryservices.vaults.list_by_resource_group(rg)) == []
    assert make_vault(clients, rg, "r" * 50).name == "r" * 50  # the longest name Azure takes
    assert refused(make_vault, clients, rg, "r" * 51).error.code == "InvalidResourceName"


def test_an_endpoint_name_azure_refuses_leaves_no_endpoint_nor_nic(clients, rg, net):
    vault = make_vault(clients, rg)
    error = refused(make_endpoint, clients, rg, "pe_bkp!", net["pe"], vault.id, "AzureBackup")
    assert error.error.code == "InvalidResourceName"
    assert error.error.message.startswith("Resource name pe_bkp! is invalid (it has '!')")
    assert list(clients.network.private_endpoints.list(rg)) == []
    assert list(clients.network.network_interfaces.list(rg)) == []
    assert list(clients.recoveryservices.private_link_resources.list(rg, vault.name)) != []  # the vault is untouched
    for name in ("p", "p" * 65, "pe-"):
        assert (
            refused(make_endpoint, clients, rg, name, net["pe"], vault.id, "AzureBackup").error.code
            == "InvalidResourceName"
        )
    assert make_endpoint(clients, rg, "p" * 64, net["pe"], vault.id, "AzureBackup").name == "p" * 64


def test_a_storage_account_name_azure_refuses(clients, rg):
    error = refused(make_storage, clients, rg, "Cache_SA")
    assert error.error.code == "AccountNameInvalid"
    assert error.error.message == (
        "Cache_SA is not a valid storage account name. Storage account name must be "
        "between 3 and 24 characters in length and use numbers and lower-case letters only."
    )
    assert list(clients.storage.storage_accounts.list_by_resource_group(rg)) == []
    assert refused(make_storage, clients, rg, "a" * 25).error.code == "AccountNameInvalid"
    assert make_storage(clients, rg, "a" * 24).name == "a" * 24


def test_a_zone_name_azure_refuses(clients, rg):
    zones = clients.privatedns.private_zones
    error = refused(zones.begin_create_or_update, rg, "contoso", {"location": "global"})
    assert error.error.code == "BadRequest"
    assert error.error.message == (
        "The zone name 'contoso' does not have enough labels. Zone names must have two or more labels."
    )
    assert refused(zones.begin_create_or_update, rg, "con toso.com", {"location": "global"}).error.code == "BadRequest"
    assert list(zones.list_by_resource_group(rg)) == []


def test_a_link_and_a_record_set_name_azure_refuses(clients, rg, net):
    make_zone(clients, rg, ZONE)
    zone = ZONE
    links = clients.privatedns.virtual_network_links
    body = {"location": "global", "properties": {"virtualNetwork": {"id": net[""]}, "registrationEnabled": False}}
    error = refused(links.begin_create_or_update, rg, zone, "-link", body)
    assert error.error.code == "BadRequest" and "virtual network link" in error.error.message
    assert list(links.list(rg, zone)) == []

    records = clients.privatedns.record_sets
    a_record = {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.0.1.4"}]}}
    error = refused(records.create_or_update, rg, zone, "A", "vm 1", a_record)
    assert error.error.code == "BadRequest" and "'vm 1'" in error.error.message
    assert refused(records.create_or_update, rg, zone, "A", "r" * 64, a_record).error.code == "BadRequest"
    assert list(records.list_by_type(rg, zone, "A")) == []
    assert records.create_or_update(rg, zone, "A", "r" * 63, a_record).name == "r" * 63


def test_a_zone_group_name_azure_refuses(clients, rg, net):
    vault = make_vault(clients, rg)
    make_endpoint(clients, rg, "pe-bkp", net["pe"], vault.id, "AzureBackup")
    zone_id = make_zone(clients, rg, ZONE)
    groups = clients.network.private_dns_zone_groups
    body = {"properties": {"privateDnsZoneConfigs": [{"name": "blob", "properties": {"privateDnsZoneId": zone_id}}]}}
    assert refused(groups.begin_create_or_update, rg, "pe-bkp", "default.", body).error.code == "InvalidResourceName"
    assert list(groups.list("pe-bkp", rg)) == []


def test_a_resource_group_name_azure_refuses(clients):
    groups = clients.resources.resource_groups
    error = refused(groups.create_or_update, "rg-sales!", {"location": LOCATION})
    assert error.error.code == "InvalidResourceGroup"
    assert error.error.message.startswith(
        "The provided resource group name 'rg-sales!' has these invalid characters: '!'."
    )
    assert refused(groups.create_or_update, "rg-sales.", {"location": LOCATION}).error.code == "InvalidResourceGroup"
    assert not groups.check_existence("rg-sales.") and groups.create_or_update("rg-(sales)_1", {"location": LOCATION})


def test_a_subnet_named_inside_its_vnet_body_keeps_the_rule_too(clients, rg):
    body = {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
            "subnets": [
                {"name": "snet-ok", "properties": {"addressPrefix": "10.1.0.0/24"}},
                {"name": "snet bad", "properties": {"addressPrefix": "10.1.1.0/24"}},
            ],
        },
    }
    error = refused(clients.network.virtual_networks.begin_create_or_update, rg, "vnet-two", body)
    assert error.error.code == "InvalidResourceName" and "snet bad" in error.error.message
    assert list(clients.network.virtual_networks.list(rg)) == []


def test_a_missing_resource_group_is_answered_before_the_name(clients):
    with pytest.raises(HttpResponseError) as raised:
        make_vault(clients, "rg-missing", "1rsv")
    assert raised.value.status_code == 404 and raised.value.error.code == "ResourceGroupNotFound"
