"""Recovery Services vaults: identity, public network access, usages (connections: test_endpoints.py)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.recoveryservices.models import PatchVault, VaultProperties

from tests.builders import (
    ROLES,
    attach_zones,
    grant,
    make_endpoint,
    make_vault,
    make_vnet,
    make_zone,
    rg_scope,
    role_id,
)


def test_system_assigned_identity_gets_a_principal_that_roles_can_target(clients, rg):
    vault = make_vault(clients, rg, public="Enabled")
    assert vault.identity.type == "SystemAssigned"
    uuid.UUID(vault.identity.principal_id)
    uuid.UUID(vault.identity.tenant_id)
    assert vault.properties.private_endpoint_state_for_backup == "None"

    scope = rg_scope(clients, rg)
    role = role_id(clients, ROLES["Contributor"])

    def assign(principal_type: str):
        return clients.authorization.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            RoleAssignmentCreateParameters(
                role_definition_id=role, principal_id=vault.identity.principal_id, principal_type=principal_type
            ),
        )

    with pytest.raises(HttpResponseError) as error:  # the SDK model defaults to "User": Azure refuses that
        assign("User")
    assert error.value.error.code == "UnmatchedPrincipalType"
    assert assign("ServicePrincipal").principal_type == "ServicePrincipal"

    again = make_vault(clients, rg, public="Enabled")  # a second PUT keeps the same identity
    assert again.identity.principal_id == vault.identity.principal_id


def test_public_network_access_is_patched_off(clients, rg):
    make_vault(clients, rg, public="Enabled")
    patched = clients.recoveryservices.vaults.begin_update(
        rg, "rsv-demo", PatchVault(properties=VaultProperties(public_network_access="Disabled"))
    ).result()
    assert patched.properties.public_network_access == "Disabled"
    got = clients.recoveryservices.vaults.get(rg, "rsv-demo")
    assert got.properties.public_network_access == "Disabled" and got.identity.type == "SystemAssigned"
    assert [v.name for v in clients.recoveryservices.vaults.list_by_resource_group(rg)] == ["rsv-demo"]


def test_vault_delete_answers_what_the_sdk_accepts(clients, rg):
    make_vault(clients, rg, public="Enabled")
    clients.recoveryservices.vaults.begin_delete(rg, "rsv-demo").result()
    with pytest.raises(ResourceNotFoundError):
        clients.recoveryservices.vaults.get(rg, "rsv-demo")


# --- identities: the request's type decides which remain (the Azure CLI's recorded `az backup vault identity
# assign/remove`, test_backup_identity.yaml) ---------------------------------------------------------------------


def make_user_identity(clients, rg: str, name: str):
    """A user-assigned identity, as `az identity create` makes it (201, tenantId/principalId/clientId)."""
    identity_id = (
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/"
        f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
    return clients.resources.resources.begin_create_or_update_by_id(
        identity_id, {"location": "westus3"}, api_version="2023-01-31"
    ).result()


def vault_with_user_identity(clients, rg: str, identity_id: str):
    """Vault rsv-demo made with one user-assigned identity."""
    body = {
        "location": "westus3",
        "sku": {"name": "Standard"},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}},
    }
    return clients.recoveryservices.vaults.begin_create_or_update(rg, "rsv-demo", body).result()


def patch_identity(clients, rg: str, identity: dict):
    return clients.recoveryservices.vaults.begin_update(rg, "rsv-demo", {"identity": identity}).result()


def test_a_user_assigned_identity_shows_its_principal_and_client_ids(clients, rg):
    uai = make_user_identity(clients, rg, "id-cmk")
    uuid.UUID(uai.properties["principalId"]), uuid.UUID(uai.properties["clientId"])
    vault = vault_with_user_identity(clients, rg, uai.id)
    assert vault.identity.type == "UserAssigned" and vault.identity.principal_id is None
    shown = vault.identity.user_assigned_identities[uai.id]
    assert (shown.principal_id, shown.client_id) == (uai.properties["principalId"], uai.properties["clientId"])


def test_system_assigned_beside_user_assigned_keeps_them_and_alone_drops_them(clients, rg):
    uai = make_user_identity(clients, rg, "id-cmk")
    vault_with_user_identity(clients, rg, uai.id)

    both = patch_identity(clients, rg, {"type": "systemassigned,userassigned"})  # as the Azure CLI sends it
    assert both.identity.type == "SystemAssigned, UserAssigned"
    assert list(both.identity.user_assigned_identities) == [uai.id] and both.identity.principal_id

    alone = patch_identity(clients, rg, {"type": "SystemAssigned"})  # what a careless identity step would send
    assert alone.identity.type == "SystemAssigned" and not alone.identity.user_assigned_identities
    assert alone.identity.principal_id == both.identity.principal_id  # the system identity stays the same
    assert not clients.recoveryservices.vaults.get(rg, "rsv-demo").identity.user_assigned_identities

    off = patch_identity(clients, rg, {"type": "None"})
    assert off.identity.type == "None" and off.identity.principal_id is None
    on_again = patch_identity(clients, rg, {"type": "SystemAssigned"})
    assert on_again.identity.principal_id != both.identity.principal_id  # a new service principal


def test_a_patch_merges_user_assigned_identities_and_null_removes_one(clients, rg):
    first, second = make_user_identity(clients, rg, "id-one"), make_user_identity(clients, rg, "id-two")
    vault_with_user_identity(clients, rg, first.id)
    merged = patch_identity(clients, rg, {"type": "UserAssigned", "userAssignedIdentities": {second.id: {}}})
    assert set(merged.identity.user_assigned_identities) == {first.id, second.id}
    removed = patch_identity(clients, rg, {"type": "UserAssigned", "userAssignedIdentities": {first.id: None}})
    assert list(removed.identity.user_assigned_identities) == [second.id]


def test_an_identity_that_does_not_exist_or_none_given_is_refused(clients, rg):
    missing = (
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-typo"
    )
    body = {
        "location": "westus3",
        "sku": {"name": "Standard"},
        "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {missing: {}}},
    }
    with pytest.raises(HttpResponseError) as error:
        clients.recoveryservices.vaults.begin_create_or_update(rg, "rsv-demo", body).result()
    assert error.value.error.code == "FailedIdentityOperation" and "id-typo" in error.value.error.message
    body["identity"] = {"type": "UserAssigned"}
    with pytest.raises(HttpResponseError) as error:
        clients.recoveryservices.vaults.begin_create_or_update(rg, "rsv-demo", body).result()
    assert error.value.error.code == "MissingIdentityIds"


# --- cross-region restore, and a further Backup endpoint on a vault with items --------------------------------


def test_cross_region_restore_is_off_by_default_and_kept_across_patches(clients, rg):
    vault = make_vault(clients, rg, public="Enabled")
    settings = vault.properties.redundancy_settings  # what the SDK's API version (2026-11-01) reads
    assert (settings.standard_tier_storage_redundancy, settings.cross_region_restore) == ("GeoRedundant", "Disabled")
    turned_on = clients.recoveryservices.vaults.begin_update(
        rg, "rsv-demo", {"properties": {"redundancySettings": {"crossRegionRestore": "Enabled"}}}
    ).result()
    assert turned_on.properties.redundancy_settings.cross_region_restore == "Enabled"
    assert turned_on.properties.redundancy_settings.standard_tier_storage_redundancy == "GeoRedundant"
    # Azure documents no refusal here (the Backup article says only that it is not supported): the PATCH goes
    # through, and the runbook's own guard is what stops it
    denied = clients.recoveryservices.vaults.begin_update(
        rg, "rsv-demo", PatchVault(properties=VaultProperties(public_network_access="Disabled"))
    ).result()
    assert denied.properties.public_network_access == "Disabled"
    assert denied.properties.redundancy_settings.cross_region_restore == "Enabled"
    again = make_vault(clients, rg, public="Disabled")  # a PUT without redundancySettings keeps them
    assert again.properties.redundancy_settings.cross_region_restore == "Enabled"


def test_a_vault_with_items_takes_a_further_backup_endpoint_once_it_has_one(sandbox, clients, rg):
    """The Backup article's FAQ: endpoints can be added later to a vault that already uses them, even with items;
    only the first endpoint needs a vault that never had one."""
    net = make_vnet(clients, rg, "vnet", "10.0.0.0/16", {"pe": "10.0.1.0/26", "pe2": "10.0.2.0/26"})
    vault = make_vault(clients, rg)
    zones = [
        make_zone(clients, rg, zone, link_to=net[""])
        for zone in (
            "privatelink.wus3.backup.windowsazure.com",
            "privatelink.blob.core.windows.net",
            "privatelink.queue.core.windows.net",
        )
    ]
    make_endpoint(clients, rg, "pe-first", net["pe"], vault.id, "AzureBackup")
    attach_zones(clients, rg, "pe-first", zones)
    grant(clients, rg_scope(clients, rg), "Contributor", vault.identity.principal_id)
    assert sandbox.event("register-container", vault.id).succeeded
    usages = {u.name.value: u.current_value for u in clients.recoveryservices.usages.list_by_vaults(rg, vault.name)}
    assert usages["MABContainersCount"] == 1
    further = make_endpoint(clients, rg, "pe-further", net["pe2"], vault.id, "AzureBackup")
    assert further.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"

    legacy = make_vault(clients, rg, "rsv-legacy", public="Enabled")  # items over public endpoints, no endpoint
    assert sandbox.event("register-container", legacy.id).succeeded
    with pytest.raises(HttpResponseError) as error:
        make_endpoint(clients, rg, "pe-legacy", net["pe2"], legacy.id, "AzureBackup")
    assert error.value.error.code == "UserErrorPrivateEndpointNotAllowedForVaultWithItems"


def test_naming_a_user_assigned_identity_needs_the_right_to_assign_it(clients, rg, sandbox, target):
    """ARM checks Microsoft.ManagedIdentity/userAssignedIdentities/assign/action on the identity (a linked scope)."""
    from runbook_lib.azure import Target, get_clients

    uai = make_user_identity(clients, rg, "id-cmk")
    builder = sandbox.add_principal("vault-builder")
    scope = rg_scope(clients, rg)
    role = clients.authorization.role_definitions.create_or_update(
        scope,
        str(uuid.uuid4()),
        {
            "properties": {
                "roleName": "Vault builder",
                "description": "vaults only",
                "assignableScopes": [scope],
                "permissions": [{"actions": ["Microsoft.RecoveryServices/*", "Microsoft.ManagedIdentity/*/read"]}],
            }
        },
    )
    clients.authorization.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=builder.object_id),
    )
    as_builder = get_clients(Target(state=target.state, principal="vault-builder"))
    body = {
        "location": "westus3",
        "sku": {"name": "Standard"},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {uai.id: {}}},
    }
    with pytest.raises(HttpResponseError) as error:
        as_builder.recoveryservices.vaults.begin_create_or_update(rg, "rsv-demo", body).result()
    assert error.value.status_code == 403 and error.value.error.code == "LinkedAuthorizationFailed"
    assert "userAssignedIdentities/assign/action" in error.value.error.message
    body["identity"] = {"type": "SystemAssigned"}
    assert (
        as_builder.recoveryservices.vaults.begin_create_or_update(rg, "rsv-demo", body).result().identity.principal_id
    )
