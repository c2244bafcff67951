"""Private DNS zones, virtual network links and A record sets via the SDK."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
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
    assert got.number_of_record_sets == 1  # its SOA
    clients.privatedns.record_sets.create_or_update(rg, zone, "A", "12345-ab-pod01-fc1", a_record("10.0.0.4"))
    assert clients.privatedns.private_zones.get(rg, zone).number_of_record_sets == 2
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
    assert {r.name for r in records.list(rg, zone)} == {"@", "vault-ab-pod01-fc1", "other"}

    records.delete(rg, zone, "A", "other")
    assert {r.name for r in records.list_by_type(rg, zone, "A")} == {"vault-ab-pod01-fc1"}


def test_if_none_match_refuses_to_overwrite_an_existing_record(clients, rg, zone):
    records = clients.privatedns.record_sets
    first = records.create_or_update(rg, zone, "A", "rec", a_record("10.0.0.4"))
    with pytest.raises(HttpResponseError) as error:  # If-None-Match: *
        records.create_or_update(rg, zone, "A", "rec", a_record("10.9.9.9"), match_condition=MatchConditions.IfMissing)
    assert error.value.status_code == 412 and error.value.error.code == "PreconditionFailed"
    with pytest.raises(HttpResponseError) as error:  # If-Match: a stale etag
        records.create_or_update(
            rg, zone, "A", "rec", a_record("10.9.9.9"), etag='W/"stale"', match_condition=MatchConditions.IfNotModified
        )
    assert error.value.status_code == 412
    assert [a.ipv4_address for a in records.get(rg, zone, "A", "rec").a_records] == ["10.0.0.4"]

    replaced = records.create_or_update(
        rg, zone, "A", "rec", a_record("10.0.0.6"), etag=first.etag, match_condition=MatchConditions.IfNotModified
    )
    assert [a.ipv4_address for a in replaced.a_records] == ["10.0.0.6"]


def test_virtual_network_link_completes_and_a_vnet_links_once_per_zone(clients, rg, zone):
    from tests.builders import put_vnet

    vnet = put_vnet(clients, rg, "vnet-hub", "10.0.0.0/16")
    links = clients.privatedns.virtual_network_links
    link = links.begin_create_or_update(
        rg,
        zone,
        "link-hub",
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


OVERLAP = (
    "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to link "
    "virtual network with 'privatelink.blob.core.windows.net' and 'privatelink.blob.core.windows.net' zones."
)


def test_a_vnet_cannot_be_linked_to_two_zones_of_the_same_name(clients, rg):
    """Azure accepts the PUT (202) and its operation fails: status Failed, BadRequest (what Azure's operation status
    answers, e.g. Terraform's "polling after CreateOrUpdate" error); no link is left behind."""
    from tests.builders import make_vnet, make_zone

    vnet = make_vnet(clients, rg, "vnet", "10.0.0.0/16", {})[""]
    make_zone(clients, rg, "privatelink.blob.core.windows.net", link_to=vnet)
    clients.resources.resource_groups.create_or_update("rg-other", {"location": "westus3"})
    make_zone(clients, "rg-other", "privatelink.blob.core.windows.net")
    links = clients.privatedns.virtual_network_links
    poller = links.begin_create_or_update(
        "rg-other",
        "privatelink.blob.core.windows.net",
        "link-vnet",
        {"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}},
    )
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

    assert HUB_VNET in {
        link.virtual_network.id
        for link in hub.privatedns.virtual_network_links.list("rg-dns", "privatelink.blob.core.windows.net")
    }
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
    poller = dns.private_zones.begin_create_or_update(
        rg, zone, PrivateZone(location="global"), match_condition=MatchConditions.IfMissing
    )
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
        dns.virtual_network_links.begin_create_or_update(
            rg, zone, "link-a", link, match_condition=MatchConditions.IfMissing
        ).result()
    assert (error.value.error.code, error.value.error.message) == (
        "PreconditionFailed",
        f"The Virtual Network link link-a for the Private DNS zone {zone} exists already and "
        "hence cannot be created again.",
    )
    assert [x.name for x in dns.virtual_network_links.list(rg, zone)] == ["link-a"]


def test_a_new_zone_holds_its_soa_record_set_and_no_ns(clients, rg, zone):
    """As Azure answers (the Azure CLI's recorded test_ListRecordSetsAcrossType_DefaultRecordSetPresent_
    ExpectDefaultRecordSetRetrieved): a new zone counts one record set, its SOA '@', which the list across types
    returns; a private zone has no NS record set."""
    listed = list(clients.privatedns.record_sets.list(rg, zone))
    assert [(r.type, r.name, r.fqdn) for r in listed] == [("Microsoft.Network/privateDnsZones/SOA", "@", f"{zone}.")]
    soa = clients.privatedns.record_sets.get(rg, zone, "SOA", "@")
    assert soa.ttl == 3600 and soa.soa_record.email == "azureprivatedns-host.microsoft.com"
    assert soa.soa_record.serial_number == 1 and soa.is_auto_registered is False
    assert list(clients.privatedns.record_sets.list_by_type(rg, zone, "A")) == []
    with pytest.raises(ResourceNotFoundError):
        clients.privatedns.record_sets.get(rg, zone, "NS", "@")  # not a private DNS record type at all


def test_an_a_record_set_answers_with_azures_type_whatever_the_path_casing(clients, rg, zone, sandbox):
    """The type is ``Microsoft.Network/privateDnsZones/A`` (the Azure CLI's recorded
    test_CrudRecordSet_ARecord_ExpectCrudSuccessful), also when the request's path says '/a/'."""
    from runbook_lib.azure.clients import SANDBOX_HOST
    from runbook_lib.azure.inprocess import wsgi_session

    made = clients.privatedns.record_sets.create_or_update(rg, zone, "A", "vault1", a_record("10.0.0.4"))
    assert made.type == "Microsoft.Network/privateDnsZones/A" and made.id.endswith(f"/{zone}/A/vault1")
    answer = wsgi_session(sandbox.app, SANDBOX_HOST).put(
        f"https://{SANDBOX_HOST}{made.id.rsplit('/A/', 1)[0]}/a/vault2?api-version=2024-06-01",
        json={"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.0.0.5"}]}},
        headers={"Authorization": "Bearer sandbox"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["type"] == "Microsoft.Network/privateDnsZones/A" and "/A/vault2" in answer.json()["id"]
    # a record set made without records shows an empty list (test_PutRecordSet_IfNoneMatchFailure_ExpectError)
    assert clients.privatedns.record_sets.create_or_update(rg, zone, "A", "empty", RecordSet(ttl=10)).a_records == []


def test_zones_and_links_are_accepted_and_run_as_operations(clients, rg, sandbox):
    """A zone's or link's PUT answers 202 with Azure-AsyncOperation and Location (privateDnsOperationStatuses,
    privateDnsOperationResults under the resource group), as the Azure CLI's recorded ``network private-dns zone
    create`` shows; the poller then reads the operation and the resource."""
    from tests.builders import put_vnet

    zones = clients.privatedns.private_zones
    poller = zones.begin_create_or_update(rg, "contoso.example", PrivateZone(location="global"))
    first = poller.polling_method()._initial_response.http_response
    assert first.status_code == 202
    assert (
        "/resourceGroups/rg-test/providers/Microsoft.Network/privateDnsOperationStatuses/"
        in first.headers["Azure-AsyncOperation"]
    )
    assert "/privateDnsOperationResults/" in first.headers["Location"]
    assert poller.result().provisioning_state == "Succeeded"
    vnet = put_vnet(clients, rg, "vnet-a", "10.8.0.0/16")
    link = clients.privatedns.virtual_network_links.begin_create_or_update(
        rg, "contoso.example", "link-a", VirtualNetworkLink(location="global", virtual_network=SubResource(id=vnet.id))
    )
    assert link.polling_method()._initial_response.http_response.status_code == 202
    assert link.result().virtual_network_link_state == "Completed"
    deleting = clients.privatedns.virtual_network_links.begin_delete(rg, "contoso.example", "link-a")
    assert deleting.polling_method()._initial_response.http_response.status_code == 202
    deleting.result()
    assert list(clients.privatedns.virtual_network_links.list(rg, "contoso.example")) == []


def test_in_realistic_mode_a_zone_is_creating_until_its_operation_is_done(clients, rg, sandbox):
    sandbox.configure(lro="realistic", lro_seconds=60)
    clients.privatedns.private_zones.begin_create_or_update(rg, "slow.example", {"location": "global"}, polling=False)
    assert clients.privatedns.private_zones.get(rg, "slow.example").provisioning_state == "Creating"


def test_missing_parents_are_answered_as_arm_answers_them(clients, rg):
    """ResourceGroupNotFound for a missing resource group, also for what would be under it (the Azure CLI's recorded
    tests answer 404 ResourceGroupNotFound before the provider looks); ParentResourceNotFound for a record set or
    link under a zone that does not exist (test_PutRecordSet_ZoneNotExists_ExpectError, test_GetLink_ZoneNotExists_
    ExpectError)."""
    dns = clients.privatedns
    with pytest.raises(HttpResponseError) as error:
        dns.private_zones.begin_create_or_update("rg-missing", "x.example", PrivateZone(location="global")).result()
    assert (error.value.status_code, error.value.error.code) == (404, "ResourceGroupNotFound")
    with pytest.raises(HttpResponseError) as error:
        dns.record_sets.create_or_update("rg-missing", "x.example", "A", "r", a_record("10.0.0.4"))
    assert error.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(HttpResponseError) as error:
        dns.private_zones.get("rg-missing", "x.example")
    assert error.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(HttpResponseError) as error:
        dns.record_sets.create_or_update(rg, "missing.example", "A", "r", a_record("10.0.0.4"))
    assert (error.value.status_code, error.value.error.code) == (404, "ParentResourceNotFound")
    with pytest.raises(HttpResponseError) as error:
        dns.virtual_network_links.get(rg, "missing.example", "link")
    assert (error.value.status_code, error.value.error.code) == (404, "ParentResourceNotFound")
