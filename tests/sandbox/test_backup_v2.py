"""Backup's v2 private-endpoint experience as the sandbox answers it: the vault's one endpoint carries Backup's and
its storage's FQDNs (10 addresses), no identity needed, at most 12 endpoints a vault, no _ecs/_prot endpoints from
the registration and backup events; v1 while a vault has v1 endpoints, v2 once they were all deleted."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.builders import a_records, attach_zones, make_endpoint, make_storage, make_vault, make_vnet, make_zone

ZONES = (
    "privatelink.wus3.backup.windowsazure.com",
    "privatelink.blob.core.windows.net",
    "privatelink.queue.core.windows.net",
)


@pytest.fixture
def net(clients, rg):
    return make_vnet(clients, rg, "vnet", "10.0.0.0/16", {"pe": "10.0.1.0/26", "wide": "10.0.2.0/24"})


def fqdns(endpoint) -> list[str]:
    return [c.fqdn for c in endpoint.custom_dns_configs]


def names(clients, rg) -> list[str]:
    return sorted(e.name for e in clients.network.private_endpoints.list(rg))


def test_a_vault_without_identity_gets_a_v2_endpoint_of_ten_addresses(clients, rg, net):
    vault = make_vault(clients, rg, identity="None")
    endpoint = make_endpoint(clients, rg, "pe-v2", net["pe"], vault.id, "AzureBackup")
    served = fqdns(endpoint)
    assert len(served) == 10 and len({c.ip_addresses[0] for c in endpoint.custom_dns_configs}) == 10
    assert sum(".backup.windowsazure.com" in f for f in served) == 8
    storage = sorted(f.split(".", 1)[1] for f in served if ".backup." not in f)
    assert storage == ["blob.core.windows.net", "queue.core.windows.net"]
    nic = clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    assert len(nic.ip_configurations) == 10


def test_a_vault_with_identity_gets_v1_until_its_endpoints_are_all_deleted(clients, rg, net):
    vault = make_vault(clients, rg)  # identity on: the v1 article's order
    first = make_endpoint(clients, rg, "pe-v1", net["wide"], vault.id, "AzureBackup")
    second = make_endpoint(clients, rg, "pe-v1b", net["wide"], vault.id, "AzureBackup")  # no upgrade beside v1
    assert [len(fqdns(first)), len(fqdns(second))] == [8, 8]
    for name in ("pe-v1", "pe-v1b"):
        clients.network.private_endpoints.begin_delete(rg, name).result()
    again = make_endpoint(clients, rg, "pe-again", net["wide"], vault.id, "AzureBackup")
    assert len(fqdns(again)) == 10  # "delete all existing private endpoints, then create new ones with v2"


def test_the_thirteenth_backup_endpoint_is_refused(clients, rg, net):
    vault = make_vault(clients, rg, identity="None")
    for n in range(12):
        make_endpoint(clients, rg, f"pe-{n}", net["wide"], vault.id, "AzureBackup")
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(clients, rg, "pe-12", net["wide"], vault.id, "AzureBackup")
    assert error.value.status_code == 400 and error.value.error.code == "QuotaExceeded"
    assert "12" in error.value.error.message and "pe-12" not in names(clients, rg)


def test_registration_and_backup_make_no_storage_endpoints_on_a_v2_vault(sandbox, clients, rg, net):
    clients.resources.resource_groups.create_or_update("rg-dns", {"location": "westus3"})
    vault = make_vault(clients, rg, identity="None")
    zones = [make_zone(clients, "rg-dns", zone, link_to=net[""]) for zone in ZONES]
    make_endpoint(clients, rg, "pe-v2", net["pe"], vault.id, "AzureBackup")
    attach_zones(clients, rg, "pe-v2", zones)
    assert len(a_records(clients, "rg-dns", "privatelink.queue.core.windows.net")) == 1  # the zone group wrote it
    registered = sandbox.event("register-container", vault.id)
    assert registered.succeeded and registered.created == ()
    backup = sandbox.event("first-backup", vault.id)
    assert backup.succeeded and backup.created == ()
    assert names(clients, rg) == ["pe-v2"]
    # 'the count might increase over time': the endpoint gained the backup data's blob, its record written
    endpoint = clients.network.private_endpoints.get(rg, "pe-v2")
    nic = clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    grown = [
        c
        for c in nic.ip_configurations
        if c.private_link_connection_properties.required_member_name == "backup-prot-blob"
    ]
    assert len(nic.ip_configurations) == 11 and len(grown) == 1
    blobs = a_records(clients, "rg-dns", "privatelink.blob.core.windows.net")
    assert any(name.endswith("pod01prot110") for name in blobs) and [grown[0].private_ip_address] in blobs.values()
    assert sandbox.event("first-backup", vault.id).succeeded  # once only
    nic = clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    assert len(nic.ip_configurations) == 11


def test_a_full_subnet_fails_the_first_backup_of_a_v2_vault(sandbox, clients, rg):
    """No room to grow: the v2 endpoint cannot gain the backup data's address, and the backup fails."""
    clients.resources.resource_groups.create_or_update("rg-dns", {"location": "westus3"})
    tight = make_vnet(clients, rg, "vnet-tight", "10.9.0.0/16", {"pe": "10.9.1.0/28"})  # 11 usable addresses
    vault = make_vault(clients, rg, identity="None")
    zones = [make_zone(clients, "rg-dns", zone, link_to=tight[""]) for zone in ZONES]
    make_endpoint(clients, rg, "pe-v2", tight["pe"], vault.id, "AzureBackup")  # 10 of them
    attach_zones(clients, rg, "pe-v2", zones)
    assert sandbox.event("register-container", vault.id).succeeded
    make_endpoint(clients, rg, "pe-blob", tight["pe"], make_storage(clients, rg, "stgtight").id, "blob")  # the 11th
    failed = sandbox.event("first-backup", vault.id)
    assert (failed.succeeded, failed.code) == (False, "SubnetIsFull")
    usages = {u.name.value: u.current_value for u in clients.recoveryservices.usages.list_by_vaults(rg, vault.name)}
    assert usages["ProtectedItemCount"] == 0


def test_a_v2_endpoint_without_records_fails_registration_naming_the_storage(sandbox, clients, rg, net):
    vault = make_vault(clients, rg, identity="None")
    make_endpoint(clients, rg, "pe-v2", net["pe"], vault.id, "AzureBackup")
    refused = sandbox.event("register-container", vault.id)
    assert (refused.succeeded, refused.code) == (False, "UserErrorVMInternetConnectivityIssue")
    assert any(".queue.core.windows.net" in n for n in refused.unresolved) and refused.created == ()
