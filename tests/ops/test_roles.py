"""ops.roles assigns with principalType: a managed identity made seconds ago gets its roles at once, a user's
assignment says User, and a wrong type is refused as ARM refuses it."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError

from runbook_lib.azure import Target, get_clients
from runbook_lib.ops import roles
from runbook_lib.ops.roles import PrincipalType, assign_role, role_assignment_write


@pytest.fixture
def recorded(sandbox):
    """The sandbox's clients, and the bodies of the role assignment PUTs they send."""
    bodies: list[dict] = []

    def keep(request) -> None:
        http = request.http_request
        if http.method == "PUT" and "/roleAssignments/" in http.url:
            bodies.append(json.loads(http.body))

    return get_clients(Target(state=str(sandbox.path)), raw_request_hook=keep), bodies


def new_identity(clients, rg: str, name: str) -> str:
    """A user-assigned managed identity: its principal id."""
    identity = clients.resources.resources.begin_create_or_update_by_id(
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/"
        f"userAssignedIdentities/{name}",
        {"location": "westus3"},
        api_version="2023-01-31",
    ).result()
    return identity.properties["principalId"]


def test_a_new_managed_identity_gets_its_role_at_once_without_waiting(sandbox, recorded, rg):
    """The directory shows the identity only in a minute; with principalType ServicePrincipal ARM does not look."""
    clients, bodies = recorded
    sandbox.configure(principal_delay=60)
    principal = new_identity(clients, rg, "id-dns-writer")
    scope = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"

    made = assign_role(clients, scope, "Private DNS Zone Contributor", principal, wait_seconds=0)
    assert (made.principal_id, made.principal_type, made.scope) == (principal, "ServicePrincipal", scope)
    assert [b["properties"]["principalType"] for b in bodies] == ["ServicePrincipal"]  # one PUT, not retried
    assert roles.roles_held(clients, scope, principal) == {"Private DNS Zone Contributor"}


def test_the_deferred_write_carries_the_principal_type(sandbox, recorded, rg):
    clients, bodies = recorded
    consultant = sandbox.add_principal("consultant", kind="User")
    scope = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"

    made, request_id = role_assignment_write(
        clients, scope, "Contributor", lambda: consultant.object_id, PrincipalType.USER
    )()
    assert made.principal_type == "User" and request_id
    assert bodies[-1]["properties"] == {
        "roleDefinitionId": roles.role_definition_id(clients, scope, "Contributor"),
        "principalId": consultant.object_id,
        "principalType": "User",
    }


def test_a_principal_type_that_does_not_match_the_directory_is_refused(sandbox, clients, rg):
    """A user named as a service principal: ARM finds the user and answers UnmatchedPrincipalType (not retried)."""
    consultant = sandbox.add_principal("consultant", kind="User")
    scope = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"
    with pytest.raises(HttpResponseError) as error:
        assign_role(clients, scope, "Contributor", consultant.object_id, wait_seconds=0)
    assert error.value.status_code == 400 and error.value.error.code == "UnmatchedPrincipalType"
