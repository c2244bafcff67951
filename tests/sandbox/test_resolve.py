"""Name resolution from a VNet, as Azure DNS answers it, over an estate built with the real Azure SDK clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from runbook_lib.errors import InputError
from tests.builders import (
    attach_zones,
    link_zone,
    make_endpoint,
    make_storage,
    make_vault,
    make_vnet,
    make_zone,
    member_ips,
)

BACKUP_ZONE = "privatelink.wus3.backup.windowsazure.com"
ASR_ZONE = "privatelink.siterecovery.windowsazure.com"
BLOB_ZONE = "privatelink.blob.core.windows.net"
PE_SUBNET = {"pe": "10.0.1.0/27"}  # vnet-hub (10.0.0.0/16) keeps its endpoints here


@dataclass
class BackupEstate:
    rg: str
    vnet_id: str
    zone_id: str
    members: dict[str, str]  # FQDN -> the endpoint's private IP

    @property
    def fqdn(self) -> str:
        return next(f for f in self.members if "-ab-pod01-fc1." in f)


def make_backup_estate(clients, rg: str) -> BackupEstate:
    """A vault with an approved Backup endpoint in vnet-hub, and the Backup zone: not linked, no zone group yet."""
    hub = make_vnet(clients, rg, "vnet-hub", "10.0.0.0/16", PE_SUBNET)
    endpoint = make_endpoint(clients, rg, "pe-backup", hub["pe"], make_vault(clients, rg, "rsv").id, "AzureBackup")
    return BackupEstate(rg, hub[""], make_zone(clients, rg, BACKUP_ZONE), member_ips(endpoint))


@pytest.fixture
def backup(clients, rg) -> BackupEstate:
    return make_backup_estate(clients, rg)


def backup_alias(fqdn: str) -> str:
    """Public DNS's CNAME for a Backup member: '{host}.wus3.backup...' -> '{host}.privatelink.wus3.backup...'."""
    return f"{fqdn.split('.')[0]}.{BACKUP_ZONE}"


# --- the tests ---------------------------------------------------------------------------------------------------


def test_before_the_zone_is_linked_the_vnet_gets_the_public_answer(sandbox, backup):
    answer = sandbox.resolve(backup.fqdn, backup.vnet_id)
    assert backup.fqdn.endswith(".wus3.backup.windowsazure.com")
    assert answer.chain == (backup_alias(backup.fqdn),)  # approved endpoint: public DNS gives the alias
    assert len(answer.addresses) == 1 and answer.addresses[0].startswith("20.")
    assert answer.answered_by == "public DNS" and answer.found


def test_a_zone_group_without_a_link_changes_nothing_for_the_vnet(clients, sandbox, backup):
    before = sandbox.resolve(backup.fqdn, backup.vnet_id)
    attach_zones(clients, backup.rg, "pe-backup", [backup.zone_id])
    assert sandbox.resolve(backup.fqdn, backup.vnet_id) == before


def test_a_linked_zone_without_the_record_answers_nxdomain(clients, sandbox, backup):
    link_zone(clients, backup.rg, BACKUP_ZONE, backup.vnet_id)
    answer = sandbox.resolve(backup.fqdn, backup.vnet_id)
    assert answer.chain == (backup_alias(backup.fqdn),)
    assert answer.addresses == () and not answer.found  # the linked zone is authoritative: NXDOMAIN
    assert answer.answered_by == f"private zone {BACKUP_ZONE}"


def test_after_the_zone_group_every_member_resolves_to_its_private_ip(clients, sandbox, backup):
    link_zone(clients, backup.rg, BACKUP_ZONE, backup.vnet_id)
    attach_zones(clients, backup.rg, "pe-backup", [backup.zone_id])
    assert len(backup.members) == 8
    for fqdn, ip in backup.members.items():
        answer = sandbox.resolve(fqdn.upper() + ".", backup.vnet_id)  # DNS names are case-insensitive
        assert answer.name == fqdn
        assert answer.chain == (backup_alias(fqdn),)
        assert answer.addresses == (ip,) and ip.startswith("10.0.1.")
        assert answer.answered_by == f"private zone {BACKUP_ZONE}"


def test_deleting_the_endpoint_takes_its_records_and_the_alias_away(clients, sandbox, backup):
    link_zone(clients, backup.rg, BACKUP_ZONE, backup.vnet_id)
    attach_zones(clients, backup.rg, "pe-backup", [backup.zone_id])
    clients.network.private_endpoints.begin_delete(backup.rg, "pe-backup").result()
    answer = sandbox.resolve(backup.fqdn, backup.vnet_id)
    assert answer.chain == () and answer.answered_by == "public DNS" and answer.found


def test_a_peered_vnet_that_is_not_linked_gets_the_public_answer(clients, sandbox, backup):
    link_zone(clients, backup.rg, BACKUP_ZONE, backup.vnet_id)
    attach_zones(clients, backup.rg, "pe-backup", [backup.zone_id])
    spoke_id = make_vnet(clients, backup.rg, "vnet-spoke", "10.1.0.0/16", {"pe": "10.1.1.0/27"})[""]
    peerings = clients.network.virtual_network_peerings
    peerings.begin_create_or_update(
        backup.rg, "vnet-hub", "hub-to-spoke", {"properties": {"remoteVirtualNetwork": {"id": spoke_id}}}
    ).result()
    peered = peerings.begin_create_or_update(
        backup.rg, "vnet-spoke", "spoke-to-hub", {"properties": {"remoteVirtualNetwork": {"id": backup.vnet_id}}}
    ).result()
    assert peered.peering_state == "Connected"

    hub, spoke = sandbox.resolve(backup.fqdn, backup.vnet_id), sandbox.resolve(backup.fqdn, spoke_id)
    assert hub.addresses == (backup.members[backup.fqdn],)
    assert spoke.chain == hub.chain and spoke.answered_by == "public DNS"  # peering does not carry zone links
    assert spoke.addresses[0].startswith("20.")

    link_zone(clients, backup.rg, BACKUP_ZONE, spoke_id)
    assert sandbox.resolve(backup.fqdn, spoke_id).addresses == hub.addresses


def test_a_pending_manual_endpoint_gets_no_privatelink_alias(clients, sandbox, rg):
    net = make_vnet(clients, rg, "vnet-hub", "10.0.0.0/16", PE_SUBNET)
    vnet_id = net[""]
    make_zone(clients, rg, BACKUP_ZONE, link_to=vnet_id)
    members = member_ips(
        make_endpoint(
            clients, rg, "pe-manual", net["pe"], make_vault(clients, rg, "rsv").id, "AzureBackup", manual=True
        )
    )
    endpoint = clients.network.private_endpoints.get(rg, "pe-manual")
    assert endpoint.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Pending"
    for fqdn in members:
        answer = sandbox.resolve(fqdn, vnet_id)
        assert answer.chain == () and answer.answered_by == "public DNS"
        assert answer.addresses[0].startswith("20.")


def test_site_recovery_names_carry_the_geo_label_into_the_record(clients, sandbox, rg):
    net = make_vnet(clients, rg, "vnet-hub", "10.0.0.0/16", PE_SUBNET)
    vnet_id = net[""]
    members = member_ips(
        make_endpoint(clients, rg, "pe-asr", net["pe"], make_vault(clients, rg, "rsv").id, "AzureSiteRecovery")
    )
    attach_zones(clients, rg, "pe-asr", [make_zone(clients, rg, ASR_ZONE, link_to=vnet_id)])

    records = {r.name for r in clients.privatedns.record_sets.list_by_type(rg, ASR_ZONE, "A")}
    assert len(records) == len(members) == 5
    assert all(r.endswith(".wus3") for r in records)  # the zone has no geo label: the record keeps it
    for fqdn, ip in members.items():
        assert fqdn.endswith(".wus3.siterecovery.windowsazure.com")
        answer = sandbox.resolve(fqdn, vnet_id)
        record = fqdn.removesuffix(".siterecovery.windowsazure.com")  # '{vault id}-asr-pod01-srs1.wus3'
        assert record in records
        assert answer.chain == (f"{record}.{ASR_ZONE}",)
        assert answer.addresses == (ip,) and answer.answered_by == f"private zone {ASR_ZONE}"


def test_a_storage_account_blob_name(clients, sandbox, rg):
    net = make_vnet(clients, rg, "vnet-hub", "10.0.0.0/16", PE_SUBNET)
    vnet_id = net[""]
    members = member_ips(
        make_endpoint(clients, rg, "pe-blob", net["pe"], make_storage(clients, rg, "stbackupcache").id, "blob")
    )
    assert list(members) == ["stbackupcache.blob.core.windows.net"]
    name = "stbackupcache.blob.core.windows.net"
    assert sandbox.resolve(name, vnet_id).chain == (f"stbackupcache.{BLOB_ZONE}",)

    attach_zones(clients, rg, "pe-blob", [make_zone(clients, rg, BLOB_ZONE, link_to=vnet_id)])
    answer = sandbox.resolve(name, vnet_id)
    assert answer.chain == (f"stbackupcache.{BLOB_ZONE}",)
    assert answer.addresses == (members[name],) and answer.answered_by == f"private zone {BLOB_ZONE}"
    other = sandbox.resolve("someoneelse.blob.core.windows.net", vnet_id)  # no endpoint: public, no alias
    assert other.chain == () and other.answered_by == "public DNS" and other.found


def test_names_the_sandbox_does_not_know_get_nxdomain(clients, sandbox, rg):
    vnet_id = make_vnet(clients, rg, "vnet-hub", "10.0.0.0/16", PE_SUBNET)[""]
    answer = sandbox.resolve("intranet.contoso.example", vnet_id)
    assert not answer.found and answer.chain == () and answer.answered_by == "public DNS"
    assert answer.to_dict() == {
        "name": "intranet.contoso.example",
        "chain": [],
        "addresses": [],
        "answered_by": "public DNS",
    }


def test_an_unknown_vnet_is_an_input_error_naming_the_option(clients, sandbox, rg):
    vnet_id = make_vnet(clients, rg, "vnet-hub", "10.0.0.0/16", PE_SUBNET)[""]
    for wrong in (vnet_id.replace("vnet-hub", "vnet-nowhere"), f"{vnet_id}/subnets/pe", "vnet-hub"):
        with pytest.raises(InputError, match="--vnet"):
            sandbox.resolve("x.blob.core.windows.net", wrong)
    assert sandbox.resolve("x.blob.core.windows.net", vnet_id.upper()).found  # resource ids are case-insensitive


def test_an_alias_asked_for_directly_gets_the_public_answer_where_no_zone_is_linked(clients, sandbox, backup):
    alias_name = backup_alias(backup.fqdn)
    unlinked = sandbox.resolve(alias_name, backup.vnet_id)
    assert unlinked.found and unlinked.answered_by == "public DNS"
    assert unlinked.addresses == sandbox.resolve(backup.fqdn, backup.vnet_id).addresses  # the service's public address
    link_zone(clients, backup.rg, BACKUP_ZONE, backup.vnet_id)
    attach_zones(clients, backup.rg, "pe-backup", [backup.zone_id])
    assert sandbox.resolve(alias_name, backup.vnet_id).addresses == (backup.members[backup.fqdn],)
