"""Service lifecycle events: the seven steps of "Create and use private endpoints (v1 experience) for Azure Backup",
and Azure Migrate's "generate key"."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from runbook_lib.errors import InputError
from tests.builders import (
    a_records,
    add_a_record,
    attach_zones,
    grant,
    make_endpoint,
    make_vault,
    make_vnet,
    make_zone,
    rg_scope,
)

ZONES = (
    "privatelink.wus3.backup.windowsazure.com",
    "privatelink.blob.core.windows.net",
    "privatelink.queue.core.windows.net",
)


@pytest.fixture
def estate(clients, rg):
    """The Backup article's layout: the vault, its endpoint (rg-test) and the private DNS zones (rg-dns) apart."""
    clients.resources.resource_groups.create_or_update("rg-dns", {"location": "westus3"})
    clients.resources.resource_groups.create_or_update("rg-vault", {"location": "westus3"})
    net = make_vnet(clients, rg, "vnet", "10.0.0.0/16", {"pe": "10.0.1.0/26"})
    vault = make_vault(clients, "rg-vault")
    zones = [make_zone(clients, "rg-dns", zone, link_to=net[""]) for zone in ZONES]
    make_endpoint(clients, rg, "pe-bk", net["pe"], vault.id, "AzureBackup")
    attach_zones(clients, rg, "pe-bk", zones)
    return vault


def endpoint_names(clients, rg) -> list[str]:
    return sorted(e.name for e in clients.network.private_endpoints.list(rg))


def usages(clients, vault) -> dict[str, int]:
    return {
        u.name.value: u.current_value for u in clients.recoveryservices.usages.list_by_vaults("rg-vault", vault.name)
    }


def add_records_for(clients, rg, endpoint_prefix: str) -> None:
    """What the toolkit does for a customer whose zones the vault identity may not write (CreateDNSEntries.ps1)."""
    for endpoint in clients.network.private_endpoints.list(rg):
        if endpoint.name.startswith(endpoint_prefix):
            for config in endpoint.custom_dns_configs:
                account, service = config.fqdn.split(".")[0], config.fqdn.split(".")[-4]
                add_a_record(
                    clients, "rg-dns", f"privatelink.{service}.core.windows.net", account, config.ip_addresses[0]
                )


def test_the_seven_steps_with_zones_the_vault_identity_may_not_write(sandbox, clients, rg, estate):
    vault = estate
    refused = sandbox.event("register-container", vault.id)
    assert (refused.succeeded, refused.code) == (False, "UserErrorPrivateEndpointCreationFailed")
    assert "subnets/join/action" in refused.message
    assert endpoint_names(clients, rg) == ["pe-bk"] and usages(clients, vault)["MABContainersCount"] == 0

    grant(
        clients, rg_scope(clients, rg), "Contributor", vault.identity.principal_id
    )  # the Backup article: PE and VNet groups
    first = sandbox.event("register-container", vault.id)  # step 2: discovery fails
    assert (first.succeeded, first.code) == (False, "UserErrorVMInternetConnectivityIssue")
    assert endpoint_names(clients, rg) == ["pe-bk", "pe-bk_ecs114_blob", "pe-bk_ecs114_queue"]
    assert sorted(n.split(".", 1)[1] for n in first.unresolved) == ["blob.core.windows.net", "queue.core.windows.net"]
    assert a_records(clients, "rg-dns", "privatelink.blob.core.windows.net") == {}
    assert usages(clients, vault)["MABContainersCount"] == 0

    add_records_for(clients, rg, "pe-bk_ecs")  # step 3
    second = sandbox.event("register-container", vault.id)  # step 4
    assert second.succeeded and second.created == ()
    assert usages(clients, vault)["MABContainersCount"] == 1

    backup = sandbox.event("first-backup", vault.id)  # step 5: backup fails
    assert backup.code == "UserErrorVMInternetConnectivityIssue"
    assert [n.rsplit("_", 2)[-2:] for n in endpoint_names(clients, rg) if "_prot" in n] == [
        ["prot110", "blob"],
        ["prot120", "blob"],
        ["prot121", "blob"],
    ]
    assert sum(".blob.storage.azure.net" in n for n in backup.unresolved) == 2  # partitioned names
    add_records_for(clients, rg, "pe-bk_prot")  # step 6
    assert sandbox.event("first-backup", vault.id).succeeded  # step 7
    assert usages(clients, vault)["ProtectedItemCount"] == 1


def test_records_are_written_where_the_identity_may_write_them(sandbox, clients, rg, estate):
    vault = estate
    grant(clients, rg_scope(clients, rg), "Contributor", vault.identity.principal_id)
    grant(clients, rg_scope(clients, "rg-dns"), "Private DNS Zone Contributor", vault.identity.principal_id)
    assert sandbox.event("register-container", vault.id).succeeded  # no custom DNS work needed
    records = a_records(clients, "rg-dns", "privatelink.queue.core.windows.net")
    assert len(records) == 1 and next(iter(records)).endswith("pod01ecs114")


def test_first_backup_needs_a_registered_container(sandbox, estate):
    result = sandbox.event("first-backup", estate.id)
    assert (result.succeeded, result.code) == (False, "BMSUserErrorContainerNotRegistered")


def test_a_private_vault_without_an_endpoint_cannot_be_reached(sandbox, clients, rg):
    vault = make_vault(clients, rg, "rsv-private", public="Disabled")
    result = sandbox.event("register-container", vault.id)
    assert (result.succeeded, result.code) == (False, "UserErrorVMInternetConnectivityIssue")
    assert {u.name.value: u.current_value for u in clients.recoveryservices.usages.list_by_vaults(rg, "rsv-private")}[
        "MABContainersCount"
    ] == 0


def test_an_unknown_vault_or_event_is_a_clear_error(sandbox, rg):
    with pytest.raises(InputError, match="--vault"):
        sandbox.event(
            "register-container", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/none"
        )
    with pytest.raises(ValueError, match="register-container"):
        sandbox.event("reboot", "/subscriptions/x")


PROJECT_API = "2020-05-01"


def make_project(clients, rg, name):
    project_id = f"{rg_scope(clients, rg)}/providers/Microsoft.Migrate/migrateProjects/{name}"
    return clients.resources.resources.begin_create_or_update_by_id(
        project_id, {"location": "westus3", "properties": {}}, api_version=PROJECT_API
    ).result()


def test_generate_key_gives_each_migrate_resource_an_endpoint_and_zone(sandbox, clients, rg):
    net = make_vnet(clients, rg, "vnet-migrate", "10.5.0.0/16", {"pe": "10.5.0.0/27"})
    project = make_project(clients, rg, "migrate-private")
    make_endpoint(clients, rg, "pe-migrate", net["pe"], project.id, "Default")
    result = sandbox.event("generate-key", project.id)
    assert result.succeeded
    kinds = sorted(r.split("/providers/")[1].split("/")[1] for r in result.created if "privateEndpoints" not in r)
    assert kinds == ["assessmentProjects", "storageAccounts", "vaults", "vaults"]  # key vault and Recovery Services
    used = [c for n in clients.network.network_interfaces.list(rg) for c in n.ip_configurations]
    assert len(used) == 9  # project 1 + key vault 1 + storage 1 + vault (Site Recovery) 5 + assessment 1
    for endpoint in clients.network.private_endpoints.list(rg):
        for config in endpoint.private_link_service_connections[0:1]:
            assert config.private_link_service_connection_state.status == "Approved"
        for name, address in [
            (c.private_link_connection_properties.fqdns[0], c.private_ip_address)
            for c in clients.network.network_interfaces.get(
                rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1]
            ).ip_configurations
        ]:
            if endpoint.name != "pe-migrate":  # Migrate made and linked the other zones in the endpoint's group
                assert sandbox.resolve(name, net[""]).addresses == (address,)
    assert sandbox.event("generate-key", project.id).created == ()  # a second key reuses what is there


def test_a_project_used_over_public_endpoints_cannot_go_private(sandbox, clients, rg):
    net = make_vnet(clients, rg, "vnet-migrate", "10.5.0.0/16", {"pe": "10.5.0.0/27"})
    project = make_project(clients, rg, "migrate-public")
    assert sandbox.event("generate-key", project.id).succeeded
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(clients, rg, "pe-migrate", net["pe"], project.id, "Default")
    assert error.value.error.code == "PrivateEndpointConnectivityCannotBeEnabled"


def test_a_customer_dns_server_is_what_the_client_asks(sandbox, clients, rg, estate):
    """With --dns-server the client resolves through that real DNS server, not Azure DNS."""
    from runbook_lib.sandbox.dns_server import DnsServer

    vault = estate
    grant(clients, rg_scope(clients, rg), "Contributor", vault.identity.principal_id)
    vnet_id = clients.network.virtual_networks.get(rg, "vnet").id
    with DnsServer(sandbox, vnet_id) as server:
        failed = sandbox.event("register-container", vault.id, dns_server=f"127.0.0.1:{server.port}")
        assert failed.code == "UserErrorVMInternetConnectivityIssue" and len(failed.unresolved) == 2
        add_records_for(clients, rg, "pe-bk_ecs")
        assert sandbox.event("register-container", vault.id, dns_server=f"127.0.0.1:{server.port}").succeeded
    with pytest.raises(InputError, match="--dns-server"):
        sandbox.event("first-backup", vault.id, dns_server=f"127.0.0.1:{server.port}")  # nobody answers any more
    with pytest.raises(InputError, match="HOST:PORT"):
        sandbox.event("first-backup", vault.id, dns_server="127.0.0.1:dns")
