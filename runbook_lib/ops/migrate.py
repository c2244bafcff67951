"""Azure Migrate: projects (read as ARM's generic resources: no SDK client of its own), their private endpoint
connections, the assessment projects beside them, and what "Generate key" makes with an endpoint each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..azure import AzureClients
from ..azure.ids import parse_id
from ..azure.requests import Write, deferred
from ..errors import RunbookError
from .arm import arm_set, get_or_none
from .endpoints import connection_state, endpoints_in_group, no_connection
from .vaults import APPROVED

PROJECTS = "Microsoft.Migrate/migrateProjects"
ASSESSMENT_PROJECTS = "Microsoft.Migrate/assessmentProjects"
MIGRATE_API = "2020-05-01"
# what "Generate key" makes beside the project, each with an endpoint in the project endpoint's VNet ("Use Azure
# Migrate with private endpoints", "Set up the Azure Migrate appliance")
KEY_RESOURCES = {
    "Microsoft.KeyVault/vaults": "key vault",
    "Microsoft.Storage/storageAccounts": "storage account",
    "Microsoft.RecoveryServices/vaults": "Recovery Services vault",
    ASSESSMENT_PROJECTS: "assessment project",
}


@dataclass(frozen=True)
class KeyResource:
    """A resource key generation made, and its endpoint."""

    id: str
    kind: str  # KEY_RESOURCES' words
    endpoint_id: str
    endpoint_name: str
    state: str  # the endpoint's connection state


def _resources(clients: AzureClients, resource_id: str):
    return clients.for_subscription(parse_id(resource_id).subscription).resources.resources


def get_project(clients: AzureClients, project_id: str) -> Any | None:
    """The project as ARM's generic resource (properties a dict); None when it does not exist."""
    return get_or_none(_resources(clients, project_id).get_by_id, parse_id(project_id).id, api_version=MIGRATE_API)


def project_connections(project: Any | None) -> list[dict]:
    """The project's private endpoint connections, as ARM shows them (dicts)."""
    return list((project.properties or {}).get("privateEndpointConnections") or []) if project is not None else []


def public_network_access(project: Any) -> str:
    """Enabled | Disabled (Enabled when the project does not say)."""
    return (project.properties or {}).get("publicNetworkAccess") or "Enabled"


def assessment_projects(clients: AzureClients, resource_group_id: str) -> list[Any]:
    """The assessment projects of a resource group, each read in full (the listing leaves properties out)."""
    rid = parse_id(resource_group_id)
    resources = _resources(clients, resource_group_id)
    return [
        resources.get_by_id(listed.id, api_version=MIGRATE_API)
        for listed in resources.list_by_resource_group(
            rid.resource_group, filter=f"resourceType eq '{ASSESSMENT_PROJECTS}'"
        )
    ]


def create_project(clients: AzureClients, project_id: str, location: str, public_access: str) -> Write:
    """The PUT that creates the project, public network access ``public_access`` (Enabled | Disabled)."""
    return deferred(
        _resources(clients, project_id).begin_create_or_update_by_id,
        project_id,
        {"location": location, "properties": {"publicNetworkAccess": public_access}},
        api_version=MIGRATE_API,
    )


def set_public_access(clients: AzureClients, project_id: str, public_access: str) -> Write:
    """The PATCH of the project's public network access."""
    return deferred(
        _resources(clients, project_id).begin_update_by_id,
        project_id,
        {"properties": {"publicNetworkAccess": public_access}},
        api_version=MIGRATE_API,
    )


def approval(clients: AzureClients, project_id: str, endpoint_id: str) -> Write:
    """The write that approves the project's connection from ``endpoint_id`` (found when it runs: the connection
    exists only once the endpoint does)."""

    def write():
        connection = next(
            (
                c
                for c in project_connections(get_project(clients, project_id))
                if c["properties"]["privateEndpoint"]["id"].lower() == endpoint_id.lower()
            ),
            None,
        )
        if connection is None:
            raise RunbookError(no_connection(project_id, endpoint_id))
        return deferred(
            _resources(clients, project_id).begin_create_or_update_by_id,
            connection["id"],
            APPROVED,
            api_version=MIGRATE_API,
        )()

    return write


def key_resources(clients: AzureClients, project_id: str, endpoint_group_id: str, vnet_id: str) -> list[KeyResource]:
    """The resources in the project's resource group with an endpoint in ``vnet_id`` and in resource group
    ``endpoint_group_id``: what key generation made (listed, not named: Azure Migrate picks the names)."""
    project_group = parse_id(project_id).resource_group_id.lower()
    found = []
    for endpoint in endpoints_in_group(clients, endpoint_group_id):
        connections = endpoint.manual_private_link_service_connections or endpoint.private_link_service_connections
        target = parse_id(connections[0].private_link_service_id) if connections else None
        kind = next((words for type_, words in KEY_RESOURCES.items() if target and target.is_a(type_)), None)
        vnet = (endpoint.subnet.id if endpoint.subnet else "").rsplit("/subnets/", 1)[0]
        if kind and target and target.resource_group_id.lower() == project_group and vnet.lower() == vnet_id.lower():
            found.append(
                KeyResource(target.id, kind, arm_set(endpoint.id), arm_set(endpoint.name), connection_state(endpoint))
            )
    return sorted(found, key=lambda r: list(KEY_RESOURCES.values()).index(r.kind))
