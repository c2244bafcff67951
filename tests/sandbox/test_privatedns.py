"""Private DNS zones, virtual network links and A record sets via the SDK."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet, SubResource, VirtualNetworkLink

ZONE = "privatelink.wus3.backup.windowsazure.com"


@pytest.fixture
def zone(clients, rg):
    clients.privatedns.private_zones.begin_create_or_update(rg, ZONE, PrivateZone(location="Global")).result()
    return ZONE


def a_record(*ips: str, ttl: int = 10) -> RecordSet:
    return RecordSet(ttl=ttl, a_records=[ARecord(ipv4_address=ip) for ip in ips])


def test_zone_is_global_and_counts_its_record_sets_and_links(clients, rg, zone):
    got = clients.privatedns.private_zones.get(rg, zone)
    assert got.location == "global"
    assert got.number_of_record_sets == 0
    clients.privatedns.record_sets.create_or_update(rg, zone, "A", "12345-ab-pod01-fc1", a_record("10.0.0.4"))
    assert clients.privatedns.private_zones.get(rg, zone).number_of_record_sets == 1
    assert [z.name for z in clients.privatedns.private_zones.list_by_resource_group(rg)] == [zone]


def test_a_record_set_lifecycle_with_lower_case_names(clients, rg, zone):
    records = clients.privatedns.record_sets
    created = records.create_or_update(rg, zone, "A", "Vault-AB-Pod01-FC1", a_record("10.0.0.4"))
    assert created.name == "vault-ab-pod01-fc1"
    assert created.fqdn == f"vault-ab-pod01-fc1.{zone}."
    assert created.ttl == 10 and [a.ipv4_address for a in created.a_records] == ["10.0.0.4"]

    got = records.get(rg, zone, "A", "VAULT-ab-pod01-fc1")  # names are case-insensitive
    assert got.id == created.id

    updated = records.update(rg, zone, "A", "vault-ab-pod01-fc1", RecordSet(ttl=300))
    assert updated.ttl == 300 and [a.ipv4_address for a in updated.a_records] == ["10.0.0.4"]

    records.create_or_update(rg, zone, "A", "other", a_record("10.0.0.5"))
    assert {r.name for r in records.list_by_type(rg, zone, "A")} == {"vault-ab-pod01-fc1", "other"}
    assert {r.name for r in records.list(rg, zone)} == {"vault-ab-pod01-fc1", "other"}

    records.delete(rg, zone, "A", "other")
    assert [r.name for r in records.list(rg, zone)] == ["vault-ab-pod01-fc1"]


def test_if_none_match_refuses_to_overwrite_an_existing_record(clients, rg, zone):
    records = clients.privatedns.record_sets
    first = records.create_or_update(rg, zone, "A", "rec", a_record("10.0.0.4"))
    with pytest.raises(HttpResponseError) as error:  # If-None-Match: *
        records.create_or_update(rg, zone, "A", "rec", a_record("10.9.9.9"), match_condition=MatchConditions.IfMissing)
    assert error.value.status_code == 412 and error.value.error.code == "PreconditionFailed"
    with pytest.raises(HttpResponseError) as error:  # If-Match: a stale etag
        records.create_or_update(rg, zone, "A", "rec", a_record("10.9.9.9"), etag='W/"stale"',
                                 match_condition=MatchConditions.IfNotModified)
    assert error.value.status_code == 412
    assert [a.ipv4_address for a in records.get(rg, zone, "A", "rec").a_records] == ["10.0.0.4"]

    replaced = records.create_or_update(rg, zone, "A", "rec", a_record("10.0.0.6"), etag=first.etag,
                                        match_condition=MatchConditions.IfNotModified)
    assert [a.ipv4_address for a in replaced.a_records] == ["10.0.0.6"]


def test_virtual_network_link_completes_and_a_vnet_links_once_per_zone(clients, rg, zone):
    from tests.builders import put_vnet

    vnet = put_vnet(clients, rg, "vnet-hub", "10.0.0.0/16")
    links = clients.privatedns.virtual_network_links
    link = links.begin_create_or_update(
        rg, zone, "link-hub",
        VirtualNetworkLink(location="global", virtual_network=SubResource(id=vnet.id), registration_enabled=False),
    ).result()
    assert link.virtual_network_link_state == "Completed" and link.provisioning_state == "Succeeded"
    assert [x.name for x in links.list(rg, zone)] == ["link-hub"]
    assert clients.privatedns.private_zones.get(rg, zone).number_of_virtual_network_links == 1

    with pytest.raises(ResourceExistsError) as error:
        links.begin_create_or_update(
            rg, zone, "link-hub-again", VirtualNetworkLink(location="global", virtual_network=SubResource(id=vnet.id))
        ).result()
    assert "more than once" in error.value.message
    links.begin_delete(rg, zone, "link-hub").result()
    assert list(links.list(rg, zone)) == []


OVERLAP = ("A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to link "
           "virtual network with 'privatelink.blob.core.windows.net' and 'privatelink.blob.core.windows.net' zones.")


def test_a_vnet_cannot_be_linked_to_two_zones_of_the_same_name(clients, rg):
    """Azure accepts the PUT (202) and its operation fails: status Failed, BadRequest (what Azure's operation status
    answers, e.g. Terraform's "polling after CreateOrUpdate" error); no link is left behind."""
    from tests.builders import make_vnet, make_zone

    vnet = make_vnet(clients, rg, "vnet", "10.0.0.0/16", {})[""]
    make_zone(clients, rg, "privatelink.blob.core.windows.net", link_to=vnet)
    clients.resources.resource_groups.create_or_update("rg-other", {"location": "westus3"})
    make_zone(clients, "rg-other", "privatelink.blob.core.windows.net")
    links = clients.privatedns.virtual_network_links
    poller = links.begin_create_or_update("rg-other", "privatelink.blob.core.windows.net", "link-vnet", {
        "location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}})
    assert poller.polling_method()._initial_response.http_response.status_code == 202  # accepted first
    with pytest.raises(HttpResponseError) as error:
        poller.result()
    assert (error.value.error.code, error.value.error.message) == ("BadRequest", OVERLAP)
    assert list(links.list("rg-other", "privatelink.blob.core.windows.net")) == []
    # another name, or the same zone's own link again, is fine
    make_zone(clients, "rg-other", "privatelink.queue.core.windows.net", link_to=vnet)


def test_the_same_name_in_another_subscription_is_refused_too(contoso, hub):
    from tests.builders import link_zone, make_zone
    from tests.contoso import HUB_VNET, SPOKE_VNET

    assert HUB_VNET in {link.virtual_network.id for link in hub.privatedns.virtual_network_links.list(
        "rg-dns", "privatelink.blob.core.windows.net")}
    workload = hub.for_subscription(SPOKE_VNET.split("/")[2])
    workload.resources.resource_groups.create_or_update("rg-dns-spoke", {"location": "westus3"})
    make_zone(workload, "rg-dns-spoke", "privatelink.blob.core.windows.net", link_to=SPOKE_VNET)
    with pytest.raises(HttpResponseError) as error:
        link_zone(workload, "rg-dns-spoke", "privatelink.blob.core.windows.net", HUB_VNET)
    assert error.value.error.code == "BadRequest" and "overlapping namespaces" in error.value.message


def test_a_zone_or_link_put_with_if_none_match_on_one_that_exists_fails_in_its_operation(clients, rg, zone):
    """As Azure answers (Azure CLI's recorded tests test_PutZone_ZoneExistsIfNoneMatchFailure_ExpectError and
    test_PutLink_LinkExistsIfNoneMatchFailure_ExpectError): accepted, then the operation fails PreconditionFailed."""
    dns = clients.privatedns
    poller = dns.private_zones.begin_create_or_update(rg, zone, PrivateZone(location="global"),
                                                      match_condition=MatchConditions.IfMissing)
    with pytest.raises(HttpResponseError) as error:
        poller.result()
    assert error.value.error.code == "PreconditionFailed"
    assert error.value.error.message == f"The Zone {zone} exists already and hence cannot be created again."
    vnet = clients.network.virtual_networks.begin_create_or_update(
        rg, "vnet-a", {"location": "westus3", "properties": {"addressSpace": {"addressPrefixes": ["10.7.0.0/16"]}}}
    ).result()
    link = VirtualNetworkLink(location="global", virtual_network=SubResource(id=vnet.id), registration_enabled=False)
    dns.virtual_network_links.begin_create_or_update(rg, zone, "link-a", link).result()
    with pytest.raises(HttpResponseError) as error:
        dns.virtual_network_links.begin_create_or_update(rg, zone, "link-a", link,
                                                         match_condition=MatchConditions.IfMissing).result()
    assert (error.value.error.code, error.value.error.message) == (
        "PreconditionFailed", f"The Virtual Network link link-a for the Private DNS zone {zone} exists already and "
                              "hence cannot be created again.")
    assert [x.name for x in dns.virtual_network_links.list(rg, zone)] == ["link-a"]
