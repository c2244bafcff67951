"""ops.migrate through the real SDK against the contoso estate: Migrate projects read and written as ARM's generic
resources, their endpoint connections and approval, and what "Generate key" makes, found by its endpoints."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from runbook_lib.azure.ids import parse_id
from runbook_lib.errors import RunbookError
from runbook_lib.ops import endpoints, migrate
from tests.contoso import BYPASS_VNET, SPOKE_ENDPOINTS, SPOKE_VNET, WORKLOAD

WORKLOAD_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload"
PROJECT = f"{WORKLOAD_RG}/providers/{migrate.PROJECTS}/migrate-ops"
SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"
ENDPOINT = f"{SPOKE_RG}/providers/Microsoft.Network/privateEndpoints/pe-migrate-ops"


@pytest.fixture
def owner(contoso):
    from runbook_lib.azure import Target, get_clients

    return get_clients(Target(state=str(contoso.path), principal="owner"), retry_backoff_factor=0.01)


def make_project(owner, public_access: str = "Enabled"):
    migrate.create_project(owner, PROJECT, "westus3", public_access)()
    return migrate.get_project(owner, PROJECT)


def connect(owner, manual: bool):
    """The project's endpoint in the spoke, as the runbook's endpoint step writes it."""
    body = endpoints.endpoint_body("westus3", SPOKE_ENDPOINTS, PROJECT, "Default", manual)
    endpoints.put_endpoint(owner, ENDPOINT, body)()


def test_a_project_is_created_only_when_its_write_runs(owner):
    assert migrate.get_project(owner, PROJECT) is None
    write = migrate.create_project(owner, PROJECT, "westus3", "Disabled")
    assert migrate.get_project(owner, PROJECT) is None
    project, request_id = write()
    assert request_id and project.id.lower() == PROJECT.lower()
    read = migrate.get_project(owner, PROJECT)
    assert read.location.replace(" ", "").lower() == "westus3"
    assert migrate.public_network_access(read) == "Disabled" and migrate.project_connections(read) == []


def test_public_network_access_is_patched_and_says_enabled_by_default(owner):
    project = make_project(owner)
    assert migrate.public_network_access(project) == "Enabled"
    migrate.set_public_access(owner, PROJECT, "Disabled")()
    assert migrate.public_network_access(migrate.get_project(owner, PROJECT)) == "Disabled"


def test_a_manual_connection_is_pending_until_the_approval_write_runs(owner):
    make_project(owner)
    connect(owner, manual=True)
    (connection,) = migrate.project_connections(migrate.get_project(owner, PROJECT))
    assert connection["properties"]["privateEndpoint"]["id"].lower() == ENDPOINT.lower()
    assert endpoints.connection_state(endpoints.get_endpoint(owner, ENDPOINT)) == "Pending"

    approve = migrate.approval(owner, PROJECT, ENDPOINT)
    _, request_id = approve()
    assert request_id
    assert endpoints.connection_state(endpoints.get_endpoint(owner, ENDPOINT)) == "Approved"


def test_approving_a_connection_the_project_does_not_have_fails(owner):
    make_project(owner)
    with pytest.raises(RunbookError, match="no private endpoint connection from pe-migrate-ops: create the endpoint"):
        migrate.approval(owner, PROJECT, ENDPOINT)()
    assert migrate.project_connections(migrate.get_project(owner, PROJECT)) == []


def test_key_resources_are_found_by_their_endpoints_in_the_projects_vnet(contoso, owner):
    make_project(owner)
    connect(owner, manual=False)
    assert migrate.key_resources(owner, PROJECT, SPOKE_RG, SPOKE_VNET) == []
    assert migrate.assessment_projects(owner, WORKLOAD_RG) == []

    assert contoso.event("generate-key", PROJECT, caller="owner").succeeded  # the portal's "Generate key"
    found = migrate.key_resources(owner, PROJECT, SPOKE_RG, SPOKE_VNET)
    assert [r.kind for r in found] == [
        "key vault",
        "storage account",
        "Recovery Services vault",
        "assessment project",
    ]  # in KEY_RESOURCES' order
    assert all(parse_id(r.id).resource_group_id.lower() == WORKLOAD_RG.lower() for r in found)
    assert all(r.state == "Approved" and r.endpoint_id.lower().startswith(SPOKE_RG.lower()) for r in found)
    # another VNet holds none of their endpoints
    assert migrate.key_resources(owner, PROJECT, SPOKE_RG, BYPASS_VNET) == []

    (assessment,) = migrate.assessment_projects(owner, WORKLOAD_RG)
    assert migrate.project_connections(assessment)  # made with the project's endpoint: private too


def test_a_project_first_used_publicly_cannot_get_an_endpoint(contoso, owner):
    make_project(owner)
    assert contoso.event("generate-key", PROJECT, caller="owner").succeeded  # before any endpoint
    (assessment,) = migrate.assessment_projects(owner, WORKLOAD_RG)
    assert migrate.project_connections(assessment) == []
    with pytest.raises(HttpResponseError) as raised:
        connect(owner, manual=False)
    assert raised.value.error.code == "PrivateEndpointConnectivityCannotBeEnabled"
