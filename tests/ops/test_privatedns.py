"""ops.privatedns through the real SDK against the sandbox: zones, links, the one A-record reader, zone groups and
the writes it builds (each a Write: nothing happens until it runs)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from runbook_lib.ops import privatedns
from tests.builders import add_a_record, attach_zones, make_endpoint, make_vault, make_vnet, make_zone, rg_scope

BACKUP_ZONE = "privatelink.wus3.backup.windowsazure.com"
BLOB_ZONE = "privatelink.blob.core.windows.net"


@pytest.fixture
def group(clients, rg) -> str:
    return rg_scope(clients, rg)


def test_a_records_are_read_by_name_with_their_addresses_and_etag(clients, rg, group):
    zone_id = make_zone(clients, rg, BACKUP_ZONE)
    add_a_record(clients, rg, BACKUP_ZONE, "123-ab-Fab1-WUS3", "10.0.0.4")
    clients.privatedns.record_sets.create_or_update(
        rg,
        BACKUP_ZONE,
        "A",
        "two",
        {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.0.0.5"}, {"ipv4Address": "10.0.0.6"}]}},
    )
    clients.privatedns.record_sets.create_or_update(
        rg,
        BACKUP_ZONE,
        "CNAME",
        "alias",
        {"properties": {"ttl": 10, "cnameRecord": {"cname": "elsewhere.contoso.com"}}},
    )

    records = privatedns.a_records(clients, zone_id)
    assert set(records) == {"123-ab-fab1-wus3", "two"}  # A sets only, names in lower case
    assert records["two"].ips == ("10.0.0.5", "10.0.0.6")
    held = clients.privatedns.record_sets.get(rg, BACKUP_ZONE, "A", "two")
    assert records["two"].etag == held.etag and held.etag
    assert privatedns.a_record(clients, zone_id, "two") == records["two"]
    assert privatedns.a_record(clients, zone_id, "missing") is None


def test_a_zone_that_is_not_there_has_no_records_and_does_not_exist(clients, group):
    missing = privatedns.zone_id(group, BLOB_ZONE)
    assert privatedns.a_records(clients, missing) == {}
    assert privatedns.a_record(clients, missing, "any") is None
    assert not privatedns.zone_exists(clients, missing) and privatedns.get_zone(clients, missing) is None


def test_zones_of_a_group_and_of_a_subscription(clients, rg, group):
    zone_id = make_zone(clients, rg, BACKUP_ZONE)
    assert privatedns.zone_id(group, BACKUP_ZONE).lower() == zone_id.lower()
    assert privatedns.zone_names_in_group(clients, group) == {BACKUP_ZONE}
    assert [z.id for z in privatedns.zones_in_subscription(clients, clients.subscription_id)] == [zone_id]
    assert privatedns.zone_exists(clients, zone_id) and privatedns.get_zone(clients, zone_id).name == BACKUP_ZONE


def test_listing_the_zones_of_a_group_that_does_not_exist_is_azures_not_found(clients):
    # ARM answers 404 ResourceGroupNotFound for a list under a missing resource group
    with pytest.raises(ResourceNotFoundError) as raised:
        privatedns.zones_in_group(clients, f"/subscriptions/{clients.subscription_id}/resourceGroups/rg-none")
    assert raised.value.error.code == "ResourceGroupNotFound"


def test_links_are_read_by_vnet_and_a_link_is_put_again_as_read(clients, rg, group):
    vnet = make_vnet(clients, rg, "vnet-a", "10.10.0.0/16")[""]
    zone_id = make_zone(clients, rg, BLOB_ZONE, link_to=vnet)
    assert privatedns.linked_vnets(clients, zone_id) == {vnet.lower(): "link-vnet-a"}
    link_id = f"{zone_id}/virtualNetworkLinks/link-vnet-a"
    link = privatedns.get_link(clients, link_id)
    assert link.virtual_network.id.lower() == vnet.lower()
    assert privatedns.get_link(clients, f"{zone_id}/virtualNetworkLinks/link-other") is None

    again, request_id = privatedns.put_link_again(clients, link_id, link)()
    assert again.virtual_network.id.lower() == vnet.lower() and again.registration_enabled is False
    assert request_id  # the journal keeps ARM's request id of every write
    with pytest.raises(ResourceNotFoundError):
        privatedns.linked_vnets(clients, privatedns.zone_id(group, "privatelink.queue.core.windows.net"))


def test_a_zone_put_again_keeps_its_records(clients, rg):
    zone_id = make_zone(clients, rg, BACKUP_ZONE)
    add_a_record(clients, rg, BACKUP_ZONE, "rec", "10.0.0.9")
    zone, _ = privatedns.put_zone_again(clients, zone_id, privatedns.get_zone(clients, zone_id))()
    assert zone.name == BACKUP_ZONE and privatedns.a_records(clients, zone_id)["rec"].ips == ("10.0.0.9",)


@pytest.fixture
def endpoint(clients, rg) -> str:
    subnet = make_vnet(clients, rg, "vnet-pe", "10.20.0.0/16", {"snet": "10.20.1.0/24"})["snet"]
    vault = make_vault(clients, rg)
    return make_endpoint(clients, rg, "pe-bkp", subnet, vault.id, "AzureBackup").id


def test_a_zone_group_write_keeps_the_zones_it_names_and_adds_the_missing_ones(clients, rg, endpoint):
    backup = make_zone(clients, rg, BACKUP_ZONE)
    blob = make_zone(clients, rg, BLOB_ZONE)
    assert privatedns.zone_group(clients, endpoint) is None and privatedns.zone_configs(None) == {}
    attach_zones(clients, rg, "pe-bkp", [backup], group="portal-group")  # another tool's name for it

    group = privatedns.zone_group(clients, endpoint)
    assert group.name == "portal-group"
    kept = privatedns.zone_configs(group)
    body = privatedns.zone_group_body([backup, blob], kept)
    assert [c["properties"]["privateDnsZoneId"] for c in body["properties"]["privateDnsZoneConfigs"]] == [backup, blob]

    write = privatedns.put_zone_group(clients, endpoint, group.name, body)
    assert privatedns.zone_configs(privatedns.zone_group(clients, endpoint)) == kept  # nothing ran yet
    written, request_id = write()
    assert request_id and [c.private_dns_zone_id for c in written.private_dns_zone_configs] == [backup, blob]
    assert [g.name for g in privatedns.zone_groups_of(clients, endpoint)] == ["portal-group"]
    # Azure wrote the endpoint's records into the added zone: the one reader sees them
    assert privatedns.a_records(clients, backup)


def test_a_config_name_another_config_holds_gets_a_suffix():
    taken = {
        "privatelink-blob-core-windows-net": "/subscriptions/s/resourceGroups/other/providers/"
        "Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
    }
    mine = (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/"
        "privatelink.blob.core.windows.net"
    )
    configs = privatedns.zone_group_body([mine], taken)["properties"]["privateDnsZoneConfigs"]
    assert [c["name"] for c in configs] == ["privatelink-blob-core-windows-net", "privatelink-blob-core-windows-net-2"]


def test_azure_refuses_a_sixth_zone_in_a_zone_group(clients, rg, endpoint):
    # "Azure Private Endpoint DNS configuration", "Private DNS zone group": up to five zones per group
    zones = [make_zone(clients, rg, f"privatelink.zone{n}.contoso.com") for n in range(6)]
    body = privatedns.zone_group_body(zones)
    assert len(zones) > privatedns.MAX_ZONE_CONFIGS
    with pytest.raises(HttpResponseError) as raised:
        privatedns.put_zone_group(clients, endpoint, privatedns.DEFAULT_ZONE_GROUP, body)()
    assert raised.value.status_code == 400
    assert privatedns.zone_group(clients, endpoint) is None
