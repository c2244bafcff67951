"""Recovery Services vaults: identity, public network access, usages (connections: test_endpoints.py)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.recoveryservices.models import PatchVault, VaultProperties

from tests.builders import ROLES, make_vault, rg_scope, role_id


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
            scope, str(uuid.uuid4()),
            RoleAssignmentCreateParameters(role_definition_id=role, principal_id=vault.identity.principal_id,
                                           principal_type=principal_type),
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
