"""Private endpoints and zone groups as Azure makes them: NICs, members, IPs, approval, DNS records."""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicesbackup.models import (
    PrivateEndpointConnection,
    PrivateEndpointConnectionResource,
    PrivateLinkServiceConnectionState,
)

from runbook_lib.azure import Target, get_clients
from tests.builders import (
    a_records,
    add_a_record,
    attach_zones,
    grant,
    make_endpoint,
    make_storage,
    make_vault,
    make_vnet,
    make_zone,
    rg_scope,
)

BACKUP_SERVICES = ["fc1", "fab1", "prot1", "rec2", "ecs1", "id1", "tel1", "wbcm1"]


@pytest.fixture
def net(clients, rg):
    return make_vnet(
        clients, rg, "vnet", "10.0.0.0/16", {"pe": "10.0.1.0/28", "tiny": "10.0.2.0/29", "wide": "10.0.3.0/24"}
    )


def nic_of(clients, rg, endpoint):
    return clients.network.network_interfaces.get(rg, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])


def members(clients, rg, endpoint) -> list[tuple[str, str, str]]:
    return [
        (
            c.private_link_connection_properties.required_member_name,
            c.private_link_connection_properties.fqdns[0],
            c.private_ip_address,
        )
        for c in nic_of(clients, rg, endpoint).ip_configurations
    ]


def test_backup_endpoint_has_a_nic_with_eight_members_named_by_vault_id_and_geo_code(clients, rg, net):
    vault = make_vault(clients, rg)
    endpoint = make_endpoint(clients, rg, "pe-backup", net["pe"], vault.id, "AzureBackup")

    nic = nic_of(clients, rg, endpoint)
    assert re.fullmatch(r"pe-backup\.nic\.[0-9a-f-]{36}", nic.name)
    assert nic.private_endpoint.id == endpoint.id
    found = members(clients, rg, endpoint)
    vault_id = found[0][1].split("-", 1)[0]
    assert re.fullmatch(r"\d{19}", vault_id)  # the service's numeric id, not the vault's name
    assert found == [
        (f"backup-{svc}", f"{vault_id}-ab-pod01-{svc}.wus3.backup.windowsazure.com", f"10.0.1.{4 + i}")
        for i, svc in enumerate(BACKUP_SERVICES)
    ]
    assert [(c.fqdn, c.ip_addresses) for c in endpoint.custom_dns_configs] == [(f, [ip]) for _, f, ip in found]
    connection = endpoint.private_link_service_connections[0]
    assert connection.private_link_service_connection_state.status == "Approved"

    got = clients.recoveryservices.vaults.get(rg, vault.name)
    assert got.properties.private_endpoint_state_for_backup == "Enabled"
    assert got.properties.private_endpoint_state_for_site_recovery == "None"
    (vault_side,) = got.properties.private_endpoint_connections
    assert re.fullmatch(rf"pe-backup\.{vault_id}\.backup\.[0-9a-f-]{{36}}", vault_side.id.rsplit("/", 1)[-1])


def test_site_recovery_records_keep_the_geo_in_the_record_name(clients, rg, net):
    vault = make_vault(clients, rg)
    endpoint = make_endpoint(clients, rg, "pe-asr", net["wide"], vault.id, "AzureSiteRecovery")
    fqdns = [f for _, f, _ in members(clients, rg, endpoint)]
    vault_id = fqdns[0].split("-", 1)[0]
    assert fqdns == [
        f"{vault_id}-asr-pod01-{s}.wus3.siterecovery.windowsazure.com" for s in ("id1", "prot2", "rcm1", "srs1", "tel1")
    ]
    zone = make_zone(clients, rg, "privatelink.siterecovery.windowsazure.com")
    group = attach_zones(clients, rg, "pe-asr", [zone])
    names = [r.record_set_name for r in group.private_dns_zone_configs[0].record_sets]
    assert f"{vault_id}-asr-pod01-rcm1.wus3" in names  # not split at the first dot
    assert sorted(a_records(clients, rg, "privatelink.siterecovery.windowsazure.com")) == sorted(names)
    assert clients.network.private_endpoints.get(rg, "pe-asr").custom_dns_configs == []


@pytest.mark.parametrize(
    "region, suffix, zone_geo",
    [
        ("westus3", "backup.windowsazure.com", "wus3"),
        ("usgovvirginia", "backup.windowsazure.us", "ugv"),
        ("chinaeast2", "backup.windowsazure.cn", "sha2"),
    ],
)
def test_member_fqdns_use_each_clouds_suffix_and_the_published_geo_code(clients, rg, region, suffix, zone_geo):
    vault = make_vault(clients, rg, location=region)
    resources = {
        r.properties.group_id: r.properties
        for r in clients.recoveryservices.private_link_resources.list(rg, vault.name)
    }
    backup = resources["AzureBackup"]
    assert backup.required_members == [f"backup-{s}" for s in BACKUP_SERVICES]
    assert backup.required_zone_names[0] == f"privatelink.{zone_geo}.{suffix}"
    assert resources["AzureSiteRecovery"].required_zone_names == [f"privatelink.siterecovery.{suffix.split('.', 1)[1]}"]
    one = clients.recoveryservices.private_link_resources.get(rg, vault.name, "backupResource")
    assert one.properties.group_id == "AzureBackup"


def test_storage_endpoint_names_the_account_in_each_clouds_suffix(clients, rg, net):
    account = make_storage(clients, rg, "stcache01")
    endpoint = make_endpoint(clients, rg, "pe-blob", net["pe"], account.id, "blob")
    assert members(clients, rg, endpoint) == [("blob", "stcache01.blob.core.windows.net", "10.0.1.4")]


def test_addresses_run_out_and_come_back(clients, rg, net):
    vault = make_vault(clients, rg)
    with pytest.raises(HttpResponseError) as error:  # a /29 keeps 3 of its 8 addresses usable
        make_endpoint(clients, rg, "pe-asr", net["tiny"], vault.id, "AzureSiteRecovery")
    assert error.value.error.code == "SubnetIsFull"
    assert [e.name for e in clients.network.private_endpoints.list(rg)] == []  # nothing half made

    make_endpoint(clients, rg, "pe-backup", net["pe"], vault.id, "AzureBackup")  # /28: 11 usable, 8 taken
    make_endpoint(clients, rg, "pe-asr-too-big", net["wide"], vault.id, "AzureSiteRecovery")
    account = make_storage(clients, rg, "stcache01")
    for group, address in (("blob", "10.0.1.12"), ("queue", "10.0.1.13"), ("table", "10.0.1.14")):
        assert (
            members(clients, rg, make_endpoint(clients, rg, f"pe-{group}", net["pe"], account.id, group))[0][2]
            == address
        )
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(clients, rg, "pe-file", net["pe"], account.id, "file")
    assert error.value.error.code == "SubnetIsFull"
    clients.network.private_endpoints.begin_delete(rg, "pe-queue").result()
    assert (
        members(clients, rg, make_endpoint(clients, rg, "pe-file", net["pe"], account.id, "file"))[0][2] == "10.0.1.13"
    )
    assert clients.network.network_interfaces.list(rg) and all(
        not n.name.startswith("pe-queue.") for n in clients.network.network_interfaces.list(rg)
    )


def test_a_static_address_must_be_usable_and_free(clients, rg, net):
    account = make_storage(clients, rg, "stcache01")

    def body(ip):
        return {
            "location": "westus3",
            "properties": {
                "subnet": {"id": net["pe"]},
                "privateLinkServiceConnections": [
                    {"name": "c", "properties": {"privateLinkServiceId": account.id, "groupIds": ["blob"]}}
                ],
                "ipConfigurations": [
                    {"name": "static", "properties": {"groupId": "blob", "memberName": "blob", "privateIPAddress": ip}}
                ],
            },
        }

    with pytest.raises(HttpResponseError) as error:
        clients.network.private_endpoints.begin_create_or_update(rg, "pe-static", body("10.0.1.1")).result()
    assert error.value.error.code == "PrivateIPAddressInReservedRange"
    endpoint = clients.network.private_endpoints.begin_create_or_update(rg, "pe-static", body("10.0.1.10")).result()
    assert members(clients, rg, endpoint)[0][2] == "10.0.1.10"
    with pytest.raises(HttpResponseError) as error:
        clients.network.private_endpoints.begin_create_or_update(rg, "pe-static-2", body("10.0.1.10")).result()
    assert error.value.error.code == "PrivateIPAddressInUse"


def test_refusals_name_what_is_wrong(clients, rg, net):
    vault = make_vault(clients, rg)
    no_identity = make_vault(clients, rg, "rsv-no-identity", identity="None")
    v1 = make_storage(clients, rg, "stgpv1", kind="Storage")
    cases = [
        (vault.id, "AzureBakup", "PrivateEndpointBadRequest"),
        (no_identity.id, "AzureSiteRecovery", "UserErrorManagedIdentityNotEnabled"),  # Backup v2 needs none
        (v1.id, "blob", "PrivateEndpointNotSupportedForStorageKind"),
        (vault.id.replace("rsv-demo", "rsv-missing"), "AzureBackup", "InvalidResourceReference"),
    ]
    for target, group, code in cases:
        with pytest.raises(HttpResponseError) as error:
            make_endpoint(clients, rg, "pe-x", net["pe"], target, group)
        assert error.value.error.code == code
    assert "AzureBackup, AzureSiteRecovery" in str(make_endpoint_error(clients, rg, net, vault.id, "nope"))


def make_endpoint_error(clients, rg, net, target, group) -> str:
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(clients, rg, "pe-x", net["pe"], target, group)
    return error.value.error.message


def test_a_vault_that_ever_had_items_refuses_backup_endpoints(sandbox, clients, rg, net):
    vault = make_vault(clients, rg, public="Enabled")
    result = sandbox.event("register-container", vault.id)  # registered over public endpoints, before any endpoint
    assert result.succeeded
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(clients, rg, "pe-backup", net["pe"], vault.id, "AzureBackup")
    assert error.value.error.code == "UserErrorPrivateEndpointNotAllowedForVaultWithItems"
    assert "Create a new vault" in error.value.error.message
    usages = {u.name.value: u.current_value for u in clients.recoveryservices.usages.list_by_vaults(rg, vault.name)}
    assert usages["MABContainersCount"] == 1


@pytest.fixture
def operator(sandbox, target, clients, rg):
    """A principal with Contributor on the endpoints' resource group only (not on the vault's)."""
    principal = sandbox.add_principal("operator")
    grant(clients, rg_scope(clients, rg), "Contributor", principal.object_id, "User")
    return get_clients(Target(state=target.state, principal="operator"))


@pytest.fixture
def vault_elsewhere(clients):
    clients.resources.resource_groups.create_or_update("rg-vaults", {"location": "westus3"})
    return make_vault(clients, "rg-vaults", "rsv-central")


def test_only_who_may_approve_gets_an_automatic_connection(clients, operator, rg, net, vault_elsewhere):
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(operator, rg, "pe-op", net["pe"], vault_elsewhere.id, "AzureBackup")
    assert error.value.error.code == "LinkedAuthorizationFailed"
    assert "privateEndpointConnectionsApproval/action" in error.value.error.message

    pending = make_endpoint(operator, rg, "pe-op", net["pe"], vault_elsewhere.id, "AzureBackup", manual=True)
    state = pending.manual_private_link_service_connections[0].private_link_service_connection_state
    assert (state.status, state.description) == ("Pending", "Please approve: Backup for the spoke")
    assert (
        clients.recoveryservices.vaults.get("rg-vaults", "rsv-central").properties.private_endpoint_state_for_backup
        == "None"
    )


def approve(clients, vault_rg: str, vault_name: str, status: str) -> None:
    (connection,) = clients.recoveryservices.vaults.get(vault_rg, vault_name).properties.private_endpoint_connections
    name = connection.id.rsplit("/", 1)[-1]
    clients.backup.private_endpoint_connection.begin_put(
        vault_name,
        vault_rg,
        name,
        PrivateEndpointConnectionResource(
            properties=PrivateEndpointConnection(
                private_link_service_connection_state=PrivateLinkServiceConnectionState(
                    status=status, description=f"{status} by the vault owner"
                )
            )
        ),
    ).result()


def test_approve_reject_and_remove_change_the_endpoint_and_its_records(clients, operator, rg, net, vault_elsewhere):
    make_endpoint(operator, rg, "pe-op", net["pe"], vault_elsewhere.id, "AzureBackup", manual=True)
    zone = make_zone(clients, rg, "privatelink.wus3.backup.windowsazure.com")
    attach_zones(operator, rg, "pe-op", [zone])
    assert a_records(clients, rg, "privatelink.wus3.backup.windowsazure.com") == {}  # Pending: no records

    def status() -> str:
        endpoint = clients.network.private_endpoints.get(rg, "pe-op")
        return endpoint.manual_private_link_service_connections[0].private_link_service_connection_state.status

    approve(clients, "rg-vaults", "rsv-central", "Approved")
    assert status() == "Approved"
    assert len(a_records(clients, rg, "privatelink.wus3.backup.windowsazure.com")) == 8
    assert (
        clients.recoveryservices.vaults.get("rg-vaults", "rsv-central").properties.private_endpoint_state_for_backup
        == "Enabled"
    )

    approve(clients, "rg-vaults", "rsv-central", "Rejected")
    assert status() == "Rejected"
    assert a_records(clients, rg, "privatelink.wus3.backup.windowsazure.com") == {}
    assert (
        clients.recoveryservices.vaults.get("rg-vaults", "rsv-central").properties.private_endpoint_state_for_backup
        == "None"
    )

    (connection,) = clients.recoveryservices.vaults.get(
        "rg-vaults", "rsv-central"
    ).properties.private_endpoint_connections
    clients.backup.private_endpoint_connection.begin_delete(
        "rsv-central", "rg-vaults", connection.id.rsplit("/", 1)[-1]
    ).result()
    assert status() == "Disconnected"


def test_storage_connections_are_approved_through_the_storage_client(clients, operator, rg, net):
    clients.resources.resource_groups.create_or_update("rg-data", {"location": "westus3"})
    account = make_storage(clients, "rg-data", "stshared01")
    make_endpoint(operator, rg, "pe-blob", net["pe"], account.id, "blob", manual=True)
    (connection,) = clients.storage.private_endpoint_connections.list("rg-data", "stshared01")
    assert connection.private_link_service_connection_state.status == "Pending"
    clients.storage.private_endpoint_connections.put(
        "rg-data",
        "stshared01",
        connection.name,
        {"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}},
    )
    endpoint = clients.network.private_endpoints.get(rg, "pe-blob")
    assert (
        endpoint.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    )


def test_a_zone_group_overwrites_a_record_of_the_same_name(clients, rg, net):
    account = make_storage(clients, rg, "stcache01")
    zone = make_zone(clients, rg, "privatelink.blob.core.windows.net")
    add_a_record(clients, rg, "privatelink.blob.core.windows.net", "stcache01", "10.9.9.9")
    make_endpoint(clients, rg, "pe-one", net["pe"], account.id, "blob")
    attach_zones(clients, rg, "pe-one", [zone])
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {"stcache01": ["10.0.1.4"]}  # silently

    make_endpoint(clients, rg, "pe-two", net["wide"], account.id, "blob")  # reuse of the zone from another subnet
    attach_zones(clients, rg, "pe-two", [zone])
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {"stcache01": ["10.0.3.4"]}
    clients.network.private_endpoints.begin_delete(rg, "pe-one").result()  # its record is no longer its own
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {"stcache01": ["10.0.3.4"]}
    clients.network.private_endpoints.begin_delete(rg, "pe-two").result()
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {}


def test_one_zone_group_per_endpoint_and_zones_need_join_rights(clients, operator, rg, net, vault_elsewhere):
    account = make_storage(clients, rg, "stcache01")
    make_endpoint(clients, rg, "pe-blob", net["pe"], account.id, "blob")
    zone = make_zone(clients, rg, "privatelink.blob.core.windows.net")
    attach_zones(clients, rg, "pe-blob", [zone])
    with pytest.raises(HttpResponseError) as error:
        attach_zones(clients, rg, "pe-blob", [zone], group="second")
    assert error.value.error.code == "PrivateEndpointCannotHaveMoreThanOneDnsZoneGroup"

    hub_zone = make_zone(clients, "rg-vaults", "privatelink.queue.core.windows.net")  # where operator has no rights
    make_endpoint(operator, rg, "pe-queue", net["pe"], account.id, "queue")
    with pytest.raises(HttpResponseError) as error:
        attach_zones(operator, rg, "pe-queue", [hub_zone])
    assert error.value.error.code == "LinkedAuthorizationFailed"


def test_deleting_an_endpoint_removes_its_nic_records_and_connection(clients, rg, net):
    vault = make_vault(clients, rg)
    make_endpoint(clients, rg, "pe-backup", net["pe"], vault.id, "AzureBackup")
    zone = make_zone(clients, rg, "privatelink.wus3.backup.windowsazure.com")
    attach_zones(clients, rg, "pe-backup", [zone])
    clients.network.private_endpoints.begin_delete(rg, "pe-backup").result()
    assert list(clients.network.network_interfaces.list(rg)) == []
    assert a_records(clients, rg, "privatelink.wus3.backup.windowsazure.com") == {}
    got = clients.recoveryservices.vaults.get(rg, vault.name)
    assert (
        got.properties.private_endpoint_connections == [] and got.properties.private_endpoint_state_for_backup == "None"
    )


def test_a_subnet_lists_what_uses_its_addresses(clients, rg, net):
    vault = make_vault(clients, rg)
    endpoint = make_endpoint(clients, rg, "pe-asr", net["wide"], vault.id, "AzureSiteRecovery")
    subnet = clients.network.subnets.get(rg, "vnet", "wide")
    assert len(subnet.ip_configurations) == 5 and [p.id for p in subnet.private_endpoints] == [endpoint.id]
    assert clients.network.subnets.get(rg, "vnet", "pe").ip_configurations is None


# --- a zone-group PUT, as Azure treats it ("Azure Private Endpoint DNS configuration", "Private DNS zone group") --


def test_a_zone_group_put_replaces_its_configs_and_removes_the_records_of_a_dropped_zone(clients, rg, net):
    account = make_storage(clients, rg, "stcache01")
    make_endpoint(clients, rg, "pe-blob", net["pe"], account.id, "blob")
    blob = make_zone(clients, rg, "privatelink.blob.core.windows.net")
    other = make_zone(clients, rg, "privatelink.vaultcore.azure.net")
    attach_zones(clients, rg, "pe-blob", [blob, other])
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {"stcache01": ["10.0.1.4"]}

    group = attach_zones(clients, rg, "pe-blob", [other])  # a PUT without the blob zone: the group no longer names it
    assert [c.private_dns_zone_id for c in group.private_dns_zone_configs] == [other]
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {}  # Azure removes what it wrote there
    groups = clients.network.private_dns_zone_groups.list(private_endpoint_name="pe-blob", resource_group_name=rg)
    assert [g.name for g in groups] == ["default"]

    attach_zones(clients, rg, "pe-blob", [other, blob])  # the whole group again: the record comes back
    assert a_records(clients, rg, "privatelink.blob.core.windows.net") == {"stcache01": ["10.0.1.4"]}


def test_a_zone_group_names_at_most_five_zones_each_once_under_names_of_its_own(clients, rg, net):
    account = make_storage(clients, rg, "stcache01")
    make_endpoint(clients, rg, "pe-blob", net["pe"], account.id, "blob")
    zones = [make_zone(clients, rg, f"privatelink.zone{i}.example") for i in range(6)]
    with pytest.raises(HttpResponseError) as error:
        attach_zones(clients, rg, "pe-blob", zones)
    assert error.value.status_code == 400 and "up to 5 DNS zones; 6 were given" in error.value.error.message
    assert len(attach_zones(clients, rg, "pe-blob", zones[:5]).private_dns_zone_configs) == 5

    clients.resources.resource_groups.create_or_update("rg-dns-2", {"location": "westus3"})
    twin = make_zone(clients, "rg-dns-2", "privatelink.zone0.example")  # a zone of the same name elsewhere
    with pytest.raises(HttpResponseError) as error:
        attach_zones(clients, rg, "pe-blob", [zones[0], twin])  # config names alike: Azure cannot parse it
    assert error.value.error.code == "InvalidRequestFormat"
    assert error.value.error.details[0].code == "DuplicateResourceName"
    assert "two child resources with the same name (privatelink-zone0-example)" in error.value.error.details[0].message
    configs = [
        {"name": "one", "properties": {"privateDnsZoneId": zones[0]}},
        {"name": "two", "properties": {"privateDnsZoneId": twin}},
    ]
    with pytest.raises(HttpResponseError) as error:  # distinct config names, one zone name twice
        clients.network.private_dns_zone_groups.begin_create_or_update(
            rg, "pe-blob", "default", {"properties": {"privateDnsZoneConfigs": configs}}
        ).result()
    assert error.value.error.code == "DuplicatePrivateDnsZoneInGroup"
    with pytest.raises(HttpResponseError) as error:  # a config without a name (azure-rest-api-specs issue 23831)
        clients.network.private_dns_zone_groups.begin_create_or_update(
            rg,
            "pe-blob",
            "default",
            {"properties": {"privateDnsZoneConfigs": [{"properties": {"privateDnsZoneId": zones[0]}}]}},
        ).result()
    assert (error.value.error.code, error.value.error.message) == ("InvalidRequestFormat", "Cannot parse the request.")
    group = clients.network.private_dns_zone_groups.get(rg, "pe-blob", "default")
    assert [c.private_dns_zone_id for c in group.private_dns_zone_configs] == zones[:5]  # refusals changed nothing


def test_a_second_zone_group_is_refused_in_azures_words(clients, rg, net):
    account = make_storage(clients, rg, "stcache01")
    make_endpoint(clients, rg, "pe-blob", net["pe"], account.id, "blob")
    zone = make_zone(clients, rg, "privatelink.blob.core.windows.net")
    attach_zones(clients, rg, "pe-blob", [zone], group="from-the-portal")
    with pytest.raises(HttpResponseError) as error:
        attach_zones(clients, rg, "pe-blob", [zone])
    assert (
        "Cannot create more than one private dns zone groups in the private endpoint pe-blob"
        in error.value.error.message
    )
    assert "'from-the-portal'" in error.value.error.message


def test_zone_group_configs_show_their_id_and_type_and_an_update_answers_200(sandbox, clients, rg, net):
    """Each config shows its id and type, as `az network private-endpoint dns-zone-group list` prints Azure's answer;
    a PUT on the existing group answers 200 (201 only when it is made), with Azure-AsyncOperation while it runs."""
    account = make_storage(clients, rg, "stcache01")
    make_endpoint(clients, rg, "pe-blob", net["pe"], account.id, "blob")
    blob = make_zone(clients, rg, "privatelink.blob.core.windows.net")
    group = attach_zones(clients, rg, "pe-blob", [blob])
    config = group.private_dns_zone_configs[0].as_dict()
    assert config["id"] == f"{group.id}/privateDnsZoneConfigs/{config['name']}"
    assert config["type"] == "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/privateDnsZoneConfigs"

    sandbox.configure(lro="realistic", lro_seconds=0)
    body = {"properties": {"privateDnsZoneConfigs": [{"name": "blob", "properties": {"privateDnsZoneId": blob}}]}}
    poller = clients.network.private_dns_zone_groups.begin_create_or_update(rg, "pe-blob", "default", body)
    first = poller.polling_method()._initial_response.http_response
    assert first.status_code == 200 and "Azure-AsyncOperation" in first.headers
    assert [c.name for c in poller.result().private_dns_zone_configs] == ["blob"]
