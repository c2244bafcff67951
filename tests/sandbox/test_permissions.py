"""Permissions - List For Resource Group / List For Resource via the SDK: what the caller's roles allow at a scope."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from runbook_lib.azure import Target, get_clients
from tests.builders import grant, make_storage, make_vnet, rg_scope, role_id

USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"  # not in builders.ROLES
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR_NOT_ACTIONS = [
    "Microsoft.Authorization/*/Delete",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/elevateAccess/Action",
]


def blocks(permissions) -> list[tuple]:
    """The SDK's Permission models as (actions, notActions, dataActions, notDataActions) tuples, sorted."""
    return sorted((p.actions, p.not_actions, p.data_actions, p.not_data_actions) for p in permissions)


def as_principal(sandbox, name: str):
    """A new service principal and the SDK clients that call as it."""
    principal = sandbox.add_principal(name, kind="ServicePrincipal")
    return principal, get_clients(Target(state=str(sandbox.path), principal=name))


def test_owner_sees_everything_at_a_resource_group(clients, rg):
    assert blocks(clients.authorization.permissions.list_for_resource_group(rg)) == [(["*"], [], [], [])]


def test_contributor_at_a_group_sees_its_actions_there_and_nothing_elsewhere(clients, rg, sandbox):
    clients.resources.resource_groups.create_or_update("rg-other", {"location": "westus3"})
    builder, as_builder = as_principal(sandbox, "builder")
    grant(clients, rg_scope(clients, rg), "Contributor", builder.object_id)

    assert blocks(as_builder.authorization.permissions.list_for_resource_group(rg)) == [
        (["*"], CONTRIBUTOR_NOT_ACTIONS, [], [])
    ]
    assert list(as_builder.authorization.permissions.list_for_resource_group("rg-other")) == []  # 200, empty


def test_contributor_and_user_access_administrator_give_two_entries(clients, rg, sandbox):
    deployer, as_deployer = as_principal(sandbox, "deployer")
    grant(clients, rg_scope(clients, rg), "Contributor", deployer.object_id)
    clients.authorization.role_assignments.create(
        rg_scope(clients, rg),
        str(uuid.uuid4()),
        {
            "properties": {
                "roleDefinitionId": role_id(clients, USER_ACCESS_ADMINISTRATOR),
                "principalId": deployer.object_id,
                "principalType": "ServicePrincipal",
            }
        },
    )

    found = blocks(as_deployer.authorization.permissions.list_for_resource_group(rg))
    assert found == [
        (["*"], CONTRIBUTOR_NOT_ACTIONS, [], []),
        (["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], [], [], []),
    ]


def test_a_role_at_the_subscription_shows_at_a_group_below_it(clients, rg, sandbox):
    auditor, as_auditor = as_principal(sandbox, "auditor")
    grant(clients, f"/subscriptions/{clients.subscription_id}", "Reader", auditor.object_id)
    grant(clients, rg_scope(clients, rg), "Private DNS Zone Contributor", auditor.object_id)

    found = as_auditor.authorization.permissions.list_for_resource_group(rg)
    assert sorted(tuple(p.actions) for p in found) == sorted(
        [
            ("*/read",),
            tuple(
                clients.authorization.role_definitions.get(
                    rg_scope(clients, rg), "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
                )
                .permissions[0]
                .actions
            ),
        ]
    )


def test_a_custom_role_lists_its_data_actions(clients, rg, sandbox):
    scope = f"/subscriptions/{clients.subscription_id}"
    guid = str(uuid.uuid4())
    block = {
        "actions": ["Microsoft.Storage/storageAccounts/read"],
        "notActions": [],
        "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
        "notDataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"],
    }
    clients.authorization.role_definitions.create_or_update(
        scope,
        guid,
        {
            "properties": {
                "roleName": "Blob writer",
                "type": "CustomRole",
                "permissions": [block],
                "assignableScopes": [scope],
            }
        },
    )
    writer, as_writer = as_principal(sandbox, "writer")
    clients.authorization.role_assignments.create(
        rg_scope(clients, rg),
        str(uuid.uuid4()),
        {
            "properties": {
                "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                "principalId": writer.object_id,
                "principalType": "ServicePrincipal",
            }
        },
    )

    assert blocks(as_writer.authorization.permissions.list_for_resource_group(rg)) == [
        (block["actions"], block["notActions"], block["dataActions"], block["notDataActions"])
    ]


def test_list_for_resource_below_a_vnet(clients, rg, sandbox):
    """A role on a VNet shows on its subnet, not at the resource group; a group role shows on both."""
    ids = make_vnet(clients, rg, "vnet-spoke", "10.20.0.0/16", {"snet-pe": "10.20.1.0/24"})
    operator, as_operator = as_principal(sandbox, "operator")
    grant(clients, ids[""], "Contributor", operator.object_id)
    grant(clients, rg_scope(clients, rg), "Reader", operator.object_id)

    on_subnet = as_operator.authorization.permissions.list_for_resource(
        rg, "Microsoft.Network", "virtualNetworks/vnet-spoke", "subnets", "snet-pe"
    )
    assert blocks(on_subnet) == [(["*"], CONTRIBUTOR_NOT_ACTIONS, [], []), (["*/read"], [], [], [])]
    assert blocks(as_operator.authorization.permissions.list_for_resource_group(rg)) == [(["*/read"], [], [], [])]


def test_list_for_resource_on_a_vnet(clients, rg, sandbox):
    ids = make_vnet(clients, rg, "vnet-spoke", "10.20.0.0/16")
    operator, as_operator = as_principal(sandbox, "operator")
    grant(clients, ids[""], "Contributor", operator.object_id)

    # the SDK sends '.../providers/Microsoft.Network//virtualNetworks/...' for a top-level resource, as ARM accepts
    found = as_operator.authorization.permissions.list_for_resource(
        rg, "Microsoft.Network", "", "virtualNetworks", "vnet-spoke"
    )
    assert blocks(found) == [(["*"], CONTRIBUTOR_NOT_ACTIONS, [], [])]


def test_unknown_resource_group_is_a_404(clients):
    with pytest.raises(ResourceNotFoundError) as error:
        list(clients.authorization.permissions.list_for_resource_group("rg-missing"))
    assert error.value.status_code == 404 and error.value.error.code == "ResourceGroupNotFound"


def test_permissions_are_read_only(clients, rg):
    url = f"{rg_scope(clients, rg)}/providers/Microsoft.Authorization/permissions"
    answer = clients.resources.send_request(HttpRequest("PUT", url, params={"api-version": "2022-04-01"}, json={}))
    assert answer.status_code == 405


def test_a_role_on_one_account_does_not_reach_an_account_whose_name_begins_the_same(clients, rg, sandbox):
    """Assignments are found by the scopes above the one asked about, segment by segment: 'stlogs' is not above
    'stlogs2', though its id is a prefix of the other's."""
    first = make_storage(clients, rg, "stlogs")
    make_storage(clients, rg, "stlogs2")
    keeper, as_keeper = as_principal(sandbox, "keeper")
    grant(clients, first.id, "Contributor", keeper.object_id)

    def on(account: str):
        return blocks(
            as_keeper.authorization.permissions.list_for_resource(
                rg, "Microsoft.Storage", "", "storageAccounts", account
            )
        )

    assert on("stlogs") == [(["*"], CONTRIBUTOR_NOT_ACTIONS, [], [])]
    assert on("stlogs2") == []
    assert as_keeper.storage.storage_accounts.get_properties(rg, "stlogs").name == "stlogs"
    with pytest.raises(HttpResponseError) as error:
        as_keeper.storage.storage_accounts.get_properties(rg, "stlogs2")
    assert error.value.status_code == 403 and error.value.error.code == "AuthorizationFailed"


def test_a_role_given_by_another_process_counts_at_its_next_request(clients, rg, sandbox):
    """Nothing of the caller's roles is kept between requests: an assignment made through another sandbox on the
    same estate file (a served sandbox, a notebook kernel) decides the very next request, and so does its deletion."""
    auditor, as_auditor = as_principal(sandbox, "auditor")
    with pytest.raises(HttpResponseError):
        as_auditor.resources.resource_groups.get(rg)
    elsewhere = get_clients(Target(state=str(sandbox.path)))  # its own Store and connection on the same file
    made = elsewhere.authorization.role_assignments.create(
        rg_scope(clients, rg),
        str(uuid.uuid4()),
        {
            "properties": {
                "roleDefinitionId": role_id(clients, READER),
                "principalId": auditor.object_id,
                "principalType": "ServicePrincipal",
            }
        },
    )
    assert as_auditor.resources.resource_groups.get(rg).name == rg
    elsewhere.authorization.role_assignments.delete(rg_scope(clients, rg), made.name)
    with pytest.raises(HttpResponseError) as error:
        as_auditor.resources.resource_groups.get(rg)
    assert error.value.status_code == 403
