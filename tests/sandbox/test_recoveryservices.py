"""Recovery Services vaults: identity, public network access, usages (connections: test_endpoints.py)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.recoveryservices.models import IdentityData, PatchVault, Sku, Vault, VaultProperties

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


def make_vault(clients, rg: str, name: str = "rsv-demo", identity: str = "SystemAssigned") -> Vault:
    model = Vault(location="westus3", sku=Sku(name="Standard"), identity=IdentityData(type=identity),
                  properties=VaultProperties(public_network_access="Enabled"))
    return clients.recoveryservices.vaults.begin_create_or_update(rg, name, model).result()


def test_system_assigned_identity_gets_a_principal_that_roles_can_target(clients, rg):
    vault = make_vault(clients, rg)
    assert vault.identity.type == "SystemAssigned"
    uuid.UUID(vault.identity.principal_id)
    uuid.UUID(vault.identity.tenant_id)
    assert vault.properties.private_endpoint_state_for_backup == "None"

    scope = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"
    role = f"/subscriptions/{clients.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"

    def assign(principal_type: str):
        return clients.authorization.role_assignments.create(
            scope, str(uuid.uuid4()),
            RoleAssignmentCreateParameters(role_definition_id=role, principal_id=vault.identity.principal_id,
                                           principal_type=principal_type),
        )

    with pytest.raises(HttpResponseError) as error:  # the SDK model defaults to "User": Azure refuses that
        assign("User")
    assert error.value.error.code == "UnmatchedPrincipalType"
    assert assign("ServicePrincipal").principal_type == "ServicePrincipal"

    again = make_vault(clients, rg)  # a second PUT keeps the same identity
    assert again.identity.principal_id == vault.identity.principal_id


def test_public_network_access_is_patched_off(clients, rg):
    make_vault(clients, rg)
    patched = clients.recoveryservices.vaults.begin_update(
        rg, "rsv-demo", PatchVault(properties=VaultProperties(public_network_access="Disabled"))
    ).result()
    assert patched.properties.public_network_access == "Disabled"
    got = clients.recoveryservices.vaults.get(rg, "rsv-demo")
    assert got.properties.public_network_access == "Disabled" and got.identity.type == "SystemAssigned"
    assert [v.name for v in clients.recoveryservices.vaults.list_by_resource_group(rg)] == ["rsv-demo"]


def test_vault_delete_answers_what_the_sdk_accepts(clients, rg):
    make_vault(clients, rg)
    clients.recoveryservices.vaults.begin_delete(rg, "rsv-demo").result()
    with pytest.raises(ResourceNotFoundError):
        clients.recoveryservices.vaults.get(rg, "rsv-demo")
