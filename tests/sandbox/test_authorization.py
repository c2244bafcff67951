"""Role definitions and assignments via the SDK, and what the caller's roles allow (RBAC)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.authorization.models import Permission, RoleAssignmentCreateParameters, RoleDefinition
from azure.mgmt.network.models import AddressSpace, VirtualNetwork

from runbook_lib.azure import Target, get_clients
from runbook_lib.sandbox import DEFAULT_CALLER
from tests.builders import make_storage, role_id

# the built-in roles' ids, spelled out: the tests below check the sandbox against them
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def assign(
    clients, scope: str, guid: str, principal_id: str, name: str | None = None, principal_type: str | None = None
):
    """A role assignment; without principal_type the body has none (the SDK model would send "User")."""
    return clients.authorization.role_assignments.create(
        scope,
        name or str(uuid.uuid4()),
        RoleAssignmentCreateParameters(
            role_definition_id=role_id(clients, guid), principal_id=principal_id, principal_type=principal_type
        ),
    )


def test_builtin_roles_by_id_and_by_name(clients):
    scope = f"/subscriptions/{clients.subscription_id}"
    owner = clients.authorization.role_definitions.get(scope, OWNER)
    assert owner.role_name == "Owner" and owner.role_type == "BuiltInRole"
    assert owner.id == role_id(clients, OWNER)
    found = list(clients.authorization.role_definitions.list(scope, filter="roleName eq 'Contributor'"))
    assert [r.name for r in found] == [CONTRIBUTOR]
    names = {r.role_name for r in clients.authorization.role_definitions.list(scope)}
    assert {
        "Private DNS Zone Contributor",
        "Storage Blob Data Owner",
        "Classic Storage Account Key Operator Service Role",
    } <= names


def test_custom_role_definition_is_created_and_updated_with_201(clients):
    scope = f"/subscriptions/{clients.subscription_id}"
    guid = str(uuid.uuid4())
    definition = RoleDefinition(
        role_name="Vault identity DNS writer",
        description="writes A records",
        role_type="CustomRole",
        permissions=[Permission(actions=["Microsoft.Network/privateDnsZones/A/write"])],
        assignable_scopes=[scope],
    )
    created = clients.authorization.role_definitions.create_or_update(scope, guid, definition)  # SDK accepts 201 only
    assert created.role_type == "CustomRole"
    definition.description = "writes and reads A records"
    assert clients.authorization.role_definitions.create_or_update(scope, guid, definition).description.startswith(
        "writes and"
    )
    assert [r.name for r in clients.authorization.role_definitions.list(scope, filter="type eq 'CustomRole'")] == [guid]


def test_role_assignments_at_subscription_group_and_resource_scope(clients, rg, sandbox):
    operator = sandbox.add_principal("operator")
    sub = f"/subscriptions/{clients.subscription_id}"
    group = f"{sub}/resourceGroups/{rg}"
    account = make_storage(clients, rg, "stcache")

    at_group = assign(clients, group, READER, operator.object_id)
    at_resource = assign(clients, account.id, CONTRIBUTOR, operator.object_id)
    assert at_group.scope == group and at_resource.scope == account.id
    assert at_group.principal_type == "User"

    def names(scope, **kwargs):
        return {a.name for a in clients.authorization.role_assignments.list_for_scope(scope, **kwargs)}

    assert {at_group.name, at_resource.name} <= names(sub)  # below the subscription
    assert at_group.name in names(account.id)  # inherited from above
    assert at_resource.name not in names(group, filter="atScope()")
    only_operator = names(sub, filter=f"principalId eq '{operator.object_id}'")
    assert only_operator == {at_group.name, at_resource.name}

    with pytest.raises(ResourceExistsError) as error:
        assign(clients, group, READER, operator.object_id)
    assert error.value.error.code == "RoleAssignmentExists"
    deleted = clients.authorization.role_assignments.delete(group, at_group.name)
    assert at_group.name not in names(sub)
    # 200 with the assignment it deleted, then 204 (RoleAssignments_Delete.json, 2022-04-01)
    assert (deleted.id, deleted.principal_id, deleted.scope) == (at_group.id, operator.object_id, group)
    assert clients.authorization.role_assignments.delete(group, at_group.name) is None


def test_deleting_an_assignment_answers_200_with_its_body_and_204_when_gone(clients, sandbox):
    operator = sandbox.add_principal("operator")
    sub = f"/subscriptions/{clients.subscription_id}"
    made = assign(clients, sub, READER, operator.object_id)
    statuses = []
    recorded = get_clients(
        Target(state=str(sandbox.path)), raw_response_hook=lambda r: statuses.append(r.http_response.status_code)
    )
    deleted = recorded.authorization.role_assignments.delete(sub, made.name)
    assert deleted.as_dict() == made.as_dict()
    assert recorded.authorization.role_assignments.delete(sub, made.name) is None
    assert statuses == [200, 204]


def test_assignment_to_an_unknown_principal_or_role_is_refused(clients):
    sub = f"/subscriptions/{clients.subscription_id}"
    with pytest.raises(HttpResponseError) as error:
        assign(clients, sub, READER, str(uuid.uuid4()))
    assert error.value.error.code == "PrincipalNotFound"
    with pytest.raises(HttpResponseError) as error:
        assign(clients, sub, str(uuid.uuid4()), DEFAULT_CALLER.object_id)
    assert error.value.error.code == "RoleDefinitionDoesNotExist"


def test_new_principal_is_invisible_to_role_assignments_for_a_while(clients, sandbox):
    principal = sandbox.add_principal("late-arrival", visible_in=60)
    with pytest.raises(HttpResponseError) as error:
        assign(clients, f"/subscriptions/{clients.subscription_id}", READER, principal.object_id)
    assert error.value.status_code == 400 and error.value.error.code == "PrincipalNotFound"
    # as ARM words it: the id without dashes, the directory, and what to do about it
    assert (
        f"Principal {principal.object_id.replace('-', '')} does not exist in the directory" in error.value.error.message
    )
    assert "set the role assignment principalType property" in error.value.error.message


def test_a_principal_type_skips_the_wait_for_a_new_managed_identity(clients, rg, sandbox):
    """A user-assigned identity made just now is not in the directory yet: an assignment naming principalType is
    accepted at once (ARM skips the lookup), one without it answers PrincipalNotFound until the directory shows it."""
    sandbox.configure(principal_delay=60)
    identity = clients.resources.resources.begin_create_or_update_by_id(
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/id-new",
        {"location": "westus3"},
        api_version="2023-01-31",
    ).result()
    principal_id = identity.properties["principalId"]
    group = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"

    with pytest.raises(HttpResponseError) as error:
        assign(clients, group, READER, principal_id)
    assert error.value.error.code == "PrincipalNotFound"
    made = assign(clients, group, READER, principal_id, principal_type="ServicePrincipal")
    assert (made.principal_id, made.principal_type) == (principal_id, "ServicePrincipal")
    assert [
        a.name
        for a in clients.authorization.role_assignments.list_for_scope(group, filter=f"principalId eq '{principal_id}'")
    ] == [made.name]


def test_a_principal_type_does_not_make_up_a_principal_nobody_created(clients):
    """An id no one created (a typo, an application id for an object id) is refused even with principalType: the
    sandbox keeps that check, where ARM would skip the lookup (a deliberate choice: see _principal)."""
    with pytest.raises(HttpResponseError) as error:
        assign(
            clients,
            f"/subscriptions/{clients.subscription_id}",
            READER,
            str(uuid.uuid4()),
            principal_type="ServicePrincipal",
        )
    assert error.value.error.code == "PrincipalNotFound"


def test_a_principal_type_that_does_not_match_a_visible_principal_is_refused(clients, sandbox):
    user = sandbox.add_principal("consultant", kind="User")
    with pytest.raises(HttpResponseError) as error:
        assign(
            clients,
            f"/subscriptions/{clients.subscription_id}",
            READER,
            user.object_id,
            principal_type="ServicePrincipal",
        )
    assert error.value.error.code == "UnmatchedPrincipalType"
    assert (
        assign(
            clients, f"/subscriptions/{clients.subscription_id}", READER, user.object_id, principal_type="User"
        ).principal_type
        == "User"
    )


def test_contributor_may_build_but_not_assign_roles_and_reader_may_only_read(clients, rg, sandbox, target):
    sub = f"/subscriptions/{clients.subscription_id}"
    contributor = sandbox.add_principal("operator")
    reader = sandbox.add_principal("auditor")
    assign(clients, sub, CONTRIBUTOR, contributor.object_id)
    assign(clients, sub, READER, reader.object_id)
    as_operator = get_clients(Target(state=target.state, principal="operator"))
    as_auditor = get_clients(Target(state=target.state, principal=reader.object_id))  # by object id too
    vnet = VirtualNetwork(location="westus3", address_space=AddressSpace(address_prefixes=["10.9.0.0/16"]))

    assert as_operator.network.virtual_networks.begin_create_or_update(rg, "vnet-op", vnet).result().name == "vnet-op"
    with pytest.raises(HttpResponseError) as error:
        assign(as_operator, sub, READER, reader.object_id)
    assert error.value.status_code == 403 and error.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Authorization/roleAssignments/write" in error.value.error.message

    assert as_auditor.network.virtual_networks.get(rg, "vnet-op").name == "vnet-op"
    with pytest.raises(HttpResponseError) as error:
        as_auditor.network.virtual_networks.begin_create_or_update(rg, "vnet-aud", vnet).result()
    assert error.value.status_code == 403
    assert [v.name for v in clients.network.virtual_networks.list(rg)] == ["vnet-op"]


# --- custom roles: unique names in the directory, assignable only where they say, their actions decide -----------


def custom_role(name: str, actions: list[str], scopes: list[str]) -> RoleDefinition:
    return RoleDefinition(
        role_name=name,
        description=name,
        role_type="CustomRole",
        permissions=[Permission(actions=actions)],
        assignable_scopes=scopes,
    )


def test_a_custom_role_name_is_unique_in_the_directory(clients):
    sub = f"/subscriptions/{clients.subscription_id}"
    reader = custom_role("NetworkInterfaceReader", ["Microsoft.Network/networkInterfaces/read"], [sub])
    created = clients.authorization.role_definitions.create_or_update(sub, str(uuid.uuid4()), reader)
    found = list(clients.authorization.role_definitions.list(sub, filter="roleName eq 'NetworkInterfaceReader'"))
    assert [r.id for r in found] == [created.id]
    with pytest.raises(HttpResponseError) as error:  # the same name under another GUID
        clients.authorization.role_definitions.create_or_update(sub, str(uuid.uuid4()), reader)
    assert error.value.status_code == 409 and error.value.error.code == "RoleDefinitionWithSameNameExists"
    assert "already exists in this directory" in error.value.error.message


def test_a_custom_role_is_assignable_only_within_its_assignable_scopes(clients, rg, sandbox):
    sub = f"/subscriptions/{clients.subscription_id}"
    group = f"{sub}/resourceGroups/{rg}"
    operator = sandbox.add_principal("operator")
    only_here = clients.authorization.role_definitions.create_or_update(
        group, str(uuid.uuid4()), custom_role("Group reader", ["*/read"], [group])
    )
    assert only_here.id == f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{only_here.name}"
    assert clients.authorization.role_definitions.get(group, only_here.name).role_name == "Group reader"
    body = RoleAssignmentCreateParameters(role_definition_id=only_here.id, principal_id=operator.object_id)
    assert clients.authorization.role_assignments.create(group, str(uuid.uuid4()), body).scope == group
    with pytest.raises(HttpResponseError) as error:
        clients.authorization.role_assignments.create(sub, str(uuid.uuid4()), body)
    assert error.value.error.code == "RoleDefinitionDoesNotExist"


def test_an_assignable_scope_the_caller_may_not_write_definitions_at_is_refused(clients, rg, sandbox, target):
    sub = f"/subscriptions/{clients.subscription_id}"
    group = f"{sub}/resourceGroups/{rg}"
    delegate = sandbox.add_principal("delegate")
    writer = clients.authorization.role_definitions.create_or_update(
        group, str(uuid.uuid4()), custom_role("Role writer", ["Microsoft.Authorization/roleDefinitions/*"], [group])
    )
    clients.authorization.role_assignments.create(
        group,
        str(uuid.uuid4()),
        RoleAssignmentCreateParameters(role_definition_id=writer.id, principal_id=delegate.object_id),
    )
    as_delegate = get_clients(Target(state=target.state, principal="delegate"))
    here = as_delegate.authorization.role_definitions.create_or_update(
        group, str(uuid.uuid4()), custom_role("Reader here", ["*/read"], [group])
    )
    assert here.assignable_scopes == [group]
    with pytest.raises(HttpResponseError) as error:  # assignable in the whole subscription: not its to give
        as_delegate.authorization.role_definitions.create_or_update(
            group, str(uuid.uuid4()), custom_role("Reader everywhere", ["*/read"], [sub])
        )
    assert error.value.status_code == 403 and error.value.error.code == "AuthorizationFailed"
    assert f"over scope '{sub}'" in error.value.error.message


def test_a_custom_roles_actions_decide_what_its_holder_may_do(clients, rg, sandbox, target):
    sub = f"/subscriptions/{clients.subscription_id}"
    group = f"{sub}/resourceGroups/{rg}"
    joiner = sandbox.add_principal("joiner")
    role = clients.authorization.role_definitions.create_or_update(
        sub,
        str(uuid.uuid4()),
        custom_role(
            "VNet reader",
            ["Microsoft.Network/virtualNetworks/read", "Microsoft.Network/virtualNetworks/subnets/*"],
            [sub],
        ),
    )
    clients.authorization.role_assignments.create(
        group,
        str(uuid.uuid4()),
        RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=joiner.object_id),
    )
    vnet = VirtualNetwork(location="westus3", address_space=AddressSpace(address_prefixes=["10.9.0.0/16"]))
    clients.network.virtual_networks.begin_create_or_update(rg, "vnet-app", vnet).result()
    as_joiner = get_clients(Target(state=target.state, principal="joiner"))

    permissions = list(as_joiner.authorization.permissions.list_for_resource_group(rg))
    assert [p.actions for p in permissions] == [
        ["Microsoft.Network/virtualNetworks/read", "Microsoft.Network/virtualNetworks/subnets/*"]
    ]
    assert as_joiner.network.virtual_networks.get(rg, "vnet-app").name == "vnet-app"
    with pytest.raises(HttpResponseError) as error:
        as_joiner.network.virtual_networks.begin_create_or_update(rg, "vnet-app", vnet).result()
    assert error.value.status_code == 403 and "Microsoft.Network/virtualNetworks/write" in error.value.error.message
