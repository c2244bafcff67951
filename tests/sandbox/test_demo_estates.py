"""The demo estate (`runbook sandbox reset --demo contoso`), checked through the real SDK clients."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.recoveryservicesbackup.models import (
    PrivateEndpointConnection,
    PrivateEndpointConnectionResource,
    PrivateLinkServiceConnectionState,
)

from runbook_lib.azure import Target, get_clients
from runbook_lib.errors import InputError
from runbook_lib.sandbox import Sandbox, demo_estates
from runbook_lib.sandbox.demo_estates import DemoEstateError, demo_names
from runbook_lib.sandbox.tenant import sandbox_id
from tests.builders import grant, make_endpoint
from tests.cli import runbook
from tests.contoso import HUB, HUB_VNET, SPOKE_ENDPOINTS, VAULTS, WORKLOAD, ZONES, subnet


def as_principal(sandbox: Sandbox, name: str):
    return get_clients(Target(state=str(sandbox.path), principal=name))


def test_the_shipped_demo_estates_are_listed():
    assert "contoso" in demo_names()


def test_both_subscriptions_are_listed(contoso, clients):
    # the SDK's SubscriptionClient is a package of its own (azure-mgmt-resource-subscriptions): ask through the
    # resource client's pipeline instead
    answer = clients.resources.send_request(HttpRequest("GET", "/subscriptions", params={"api-version": "2022-12-01"}))
    answer.raise_for_status()
    found = {s["subscriptionId"]: s["displayName"] for s in answer.json()["value"]}
    assert found == {WORKLOAD: "Contoso Workload", HUB: "Contoso Connectivity"}


def test_peerings_are_connected_on_both_sides(contoso, clients, hub):
    def states(client, rg, vnet):
        return {
            p.remote_virtual_network.id.rsplit("/", 1)[-1]: p.peering_state
            for p in client.network.virtual_network_peerings.list(rg, vnet)
        }

    assert states(hub, "rg-network-hub", "vnet-hub") == {"vnet-spoke": "Connected", "vnet-bypass": "Connected"}
    assert states(clients, "rg-network-spoke", "vnet-spoke") == {"vnet-hub": "Connected"}
    assert states(clients, "rg-network-bypass", "vnet-bypass") == {"vnet-hub": "Connected"}


def test_zones_are_linked_to_the_hub_vnet_only(contoso, hub):
    zones = {z.name for z in hub.privatedns.private_zones.list_by_resource_group("rg-dns")}
    assert zones == ZONES
    for zone in zones:
        links = [link.virtual_network.id for link in hub.privatedns.virtual_network_links.list("rg-dns", zone)]
        assert links == [HUB_VNET], zone


def test_owner_gets_an_approved_backup_endpoint_named_by_the_geo_code(contoso):
    owner = as_principal(contoso, "owner")
    endpoint = make_endpoint(
        owner, "rg-network-spoke", "pe-backup", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-backup-wus3", "AzureBackup"
    )
    assert endpoint.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    assert all(c.fqdn.endswith(".wus3.backup.windowsazure.com") for c in endpoint.custom_dns_configs)


def test_operator_waits_for_the_hub_owner_to_approve(contoso):
    operator = as_principal(contoso, "operator")
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(
            operator, "rg-network-spoke", "pe-op", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-backup-wus3", "AzureBackup"
        )
    assert error.value.error.code == "LinkedAuthorizationFailed"
    pending = make_endpoint(
        operator, "rg-network-spoke", "pe-op", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-backup-wus3", "AzureBackup", manual=True
    )
    assert pending.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Pending"

    owner_hub = as_principal(contoso, "owner").for_subscription(HUB)
    (connection,) = owner_hub.recoveryservices.vaults.get(
        "rg-recovery", "rsv-backup-wus3"
    ).properties.private_endpoint_connections
    owner_hub.backup.private_endpoint_connection.begin_put(
        "rsv-backup-wus3",
        "rg-recovery",
        connection.id.rsplit("/", 1)[-1],
        PrivateEndpointConnectionResource(
            properties=PrivateEndpointConnection(
                private_link_service_connection_state=PrivateLinkServiceConnectionState(
                    status="Approved", description="ok"
                )
            )
        ),
    ).result()
    endpoint = operator.network.private_endpoints.get("rg-network-spoke", "pe-op")
    assert (
        endpoint.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    )


def test_operator_cannot_assign_roles(contoso):
    operator = as_principal(contoso, "operator")
    with pytest.raises(HttpResponseError) as error:
        grant(operator, f"/subscriptions/{WORKLOAD}", "Reader", sandbox_id("principal/operator"), "User")
    assert error.value.status_code == 403 and error.value.error.code == "AuthorizationFailed"


def test_the_legacy_vault_has_items_and_refuses_a_backup_endpoint(contoso, hub):
    usages = {
        u.name.value: u.current_value
        for u in hub.recoveryservices.usages.list_by_vaults("rg-recovery", "rsv-legacy-wus3")
    }
    assert (usages["MABContainersCount"], usages["ProtectedItemCount"]) == (1, 1)
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(
            as_principal(contoso, "owner"),
            "rg-network-spoke",
            "pe-legacy",
            SPOKE_ENDPOINTS,
            f"{VAULTS}/rsv-legacy-wus3",
            "AzureBackup",
        )
    assert error.value.error.code == "UserErrorPrivateEndpointNotAllowedForVaultWithItems"


def test_a_site_recovery_endpoint_does_not_fit_in_a_29(contoso, clients):
    asr = f"{VAULTS}/rsv-asr-wus3"
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(
            clients,
            "rg-network-bypass",
            "pe-asr",
            subnet(WORKLOAD, "rg-network-bypass", "vnet-bypass", "snet-tiny"),
            asr,
            "AzureSiteRecovery",
        )
    assert error.value.error.code == "SubnetIsFull"
    endpoint = make_endpoint(
        clients,
        "rg-network-bypass",
        "pe-asr",
        subnet(WORKLOAD, "rg-network-bypass", "vnet-bypass", "snet-endpoints"),
        asr,
        "AzureSiteRecovery",
    )
    assert len(endpoint.custom_dns_configs) == 5


def test_only_the_general_purpose_v2_accounts_take_endpoints(contoso, clients, hub):
    accounts = {a.name: a for a in hub.storage.storage_accounts.list_by_resource_group("rg-recovery")}
    assert {n: (a.kind, a.sku.name) for n, a in accounts.items()} == {
        "stcontosocache7f3k": ("StorageV2", "Standard_LRS"),
        "stcontosoprem7f3k": ("StorageV2", "Premium_LRS"),
        "stcontosov1legacy7f3k": ("Storage", "Standard_LRS"),
        "stcontosoblob7f3k": ("BlobStorage", "Standard_LRS"),
    }
    assert all(
        a.network_rule_set.bypass == "AzureServices" and a.tags == {"demo": "contoso"} for a in accounts.values()
    )
    for name in ("stcontosov1legacy7f3k", "stcontosoblob7f3k"):
        with pytest.raises(HttpResponseError) as error:
            make_endpoint(clients, "rg-network-spoke", f"pe-{name}", SPOKE_ENDPOINTS, accounts[name].id, "blob")
        assert error.value.error.code == "PrivateEndpointNotSupportedForStorageKind"
    endpoint = make_endpoint(
        clients, "rg-network-spoke", "pe-cache", SPOKE_ENDPOINTS, accounts["stcontosocache7f3k"].id, "blob"
    )
    assert endpoint.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    classic = hub.resources.resources.list_by_resource_group(
        "rg-recovery", filter="resourceType eq 'Microsoft.ClassicStorage/storageAccounts'"
    )
    assert [r.name for r in classic] == ["stcontosoclassic7f3k"]


def test_building_again_gives_the_same_estate(contoso):
    def estate():
        users = {(p.name, p.object_id) for p in contoso.principals() if p.kind == "User"}
        return sorted(r["id"] for r in contoso.resources()), users

    first = estate()
    contoso.reset(demo="contoso")
    assert estate() == first
    assert len(first[0]) > 40


def test_building_keeps_the_settings_asked_for(sandbox):
    from runbook_lib.sandbox import SandboxSettings

    sandbox.reset(SandboxSettings(lro="realistic", lro_seconds=2.0), demo="contoso")
    assert (sandbox.settings().lro, sandbox.settings().lro_seconds) == ("realistic", 2.0)


def test_an_unknown_demo_estate_changes_nothing(contoso):
    before = contoso.resources()
    with pytest.raises(InputError) as error:
        contoso.reset(demo="fabrikam")
    assert "--demo" in str(error.value) and "contoso" in str(error.value)
    assert contoso.resources() == before


def test_a_build_that_fails_leaves_an_empty_estate_and_names_its_step(contoso, monkeypatch):
    broken = {
        "subscriptions": {"default": "Broken"},
        "requests": [
            {
                "method": "PUT",
                "path": "/subscriptions/{sub:default}/resourceGroups/rg-ok",
                "body": {"location": "westus3"},
            },
            {
                "method": "PUT",
                "path": "/subscriptions/{sub:default}/resourceGroups/rg-ok/providers/Microsoft.Storage/"
                "storageAccounts/stnokind",
                "body": {"location": "westus3", "sku": {"name": "Standard_LRS"}},
            },
        ],
    }
    monkeypatch.setattr(demo_estates, "demo_names", lambda: ["broken", "contoso"])
    monkeypatch.setattr(demo_estates, "_text", lambda name: json.dumps(broken))
    with pytest.raises(DemoEstateError) as error:
        contoso.reset(demo="broken")
    message = str(error.value)
    assert "demo estate 'broken' step 2 (PUT " in message and "400 MissingRequiredProperty" in message
    rows = contoso.resources()  # the empty estate, as `reset` makes it
    assert (rows[0]["type"], rows[0]["name"]) == ("Microsoft.Resources/subscriptions", "Sandbox subscription")
    assert {r["type"] for r in rows} == {"Microsoft.Resources/subscriptions", "Microsoft.Authorization/roleAssignments"}
    assert [p.name for p in contoso.principals()] == ["sandbox-admin"]


def test_a_request_as_an_unknown_principal_is_refused_not_run_as_the_admin(sandbox, monkeypatch):
    broken = {
        "requests": [
            {
                "method": "PUT",
                "path": "/subscriptions/{sub:default}/resourceGroups/rg-x",
                "body": {"location": "westus3"},
                "as": "nobody",
            }
        ]
    }
    monkeypatch.setattr(demo_estates, "demo_names", lambda: ["broken"])
    monkeypatch.setattr(demo_estates, "_text", lambda name: json.dumps(broken))
    with pytest.raises(DemoEstateError, match="no principal 'nobody'"):
        sandbox.reset(demo="broken")


def test_the_cli_builds_and_refuses_an_unknown_demo_estate_in_one_line(tmp_path):
    state = str(tmp_path / "estate.db")
    done = runbook("sandbox", "reset", "--state", state, "--demo", "contoso")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2 and "demo estate 'contoso'" in done.stdout
    before = Sandbox(state).resources()

    refused = runbook("sandbox", "reset", "--state", state, "--demo", "fabrikam")
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode != 0 and len(lines) == 1
    assert "--demo" in lines[0] and "fabrikam" in lines[0] and "contoso" in lines[0]
    assert Sandbox(state).resources() == before
