"""Private endpoint connections as their target's owner sees them (a Recovery Services vault, a storage account, an
Azure Migrate project): read them, and the writes that approve, reject or disconnect one.

"Manage a Private Endpoint connection" (Azure Private Link): the owner approves (Approved), rejects (Rejected) or
removes (the endpoint then shows Disconnected) a connection. Backup's v1 article ("Manual approval of private
endpoints using the Azure Resource Manager Client") PUTs a vault's connection with Approved, Rejected or
Disconnected; storage accounts and Migrate projects offer Pending, Approved and Rejected only (storage.json's
PrivateEndpointServiceConnectionStatus), so there disconnecting is removing the connection (a DELETE).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from azure.core.exceptions import ResourceNotFoundError

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import name_of, parse_id
from ..azure.requests import Write, deferred
from ..errors import InputError
from .arm import arm_set
from .migrate import MIGRATE_API, get_project, project_connections
from .vaults import get_vault

VAULTS = "Microsoft.RecoveryServices/vaults"
STORAGE_ACCOUNTS = "Microsoft.Storage/storageAccounts"
MIGRATE_PROJECTS = "Microsoft.Migrate/migrateProjects"
ASSESSMENT_PROJECTS = "Microsoft.Migrate/assessmentProjects"
TARGET_TYPES = (VAULTS, STORAGE_ACCOUNTS, MIGRATE_PROJECTS, ASSESSMENT_PROJECTS)
SEGMENT = "privateEndpointConnections"


class Status(StrEnum):
    """A connection's state, as ARM spells it."""

    APPROVED = "Approved"
    PENDING = "Pending"
    REJECTED = "Rejected"
    DISCONNECTED = "Disconnected"


class Verb(StrEnum):
    """What the target's owner does to a connection (the CLI's subcommands)."""

    APPROVE = "approve"
    REJECT = "reject"
    DISCONNECT = "disconnect"

    @property
    def status(self) -> Status:
        return {Verb.APPROVE: Status.APPROVED, Verb.REJECT: Status.REJECTED, Verb.DISCONNECT: Status.DISCONNECTED}[self]


@dataclass(frozen=True)
class Connection:
    """One connection on its target: its id there, the endpoint it comes from, its state."""

    id: str
    target_id: str
    endpoint_id: str
    status: str
    description: str = ""
    group_ids: tuple[str, ...] = ()  # a vault's connection says which (AzureBackup, AzureSiteRecovery)

    @property
    def name(self) -> str:
        return name_of(self.id)

    @property
    def endpoint_name(self) -> str:
        return name_of(self.endpoint_id)

    @property
    def target_type(self) -> str:
        return target_type(self.target_id)

    def words(self) -> str:
        """'pe-bkp's connection to rsv-x (Approved)'."""
        return f"{self.endpoint_name}'s connection to {name_of(self.target_id)} ({self.status})"


def target_type(target_id: str) -> str:
    """The target's type as TARGET_TYPES spells it; an InputError naming the types this toolkit manages."""
    found = parse_id(target_id, "--resource")
    for known in TARGET_TYPES:
        if found.is_a(known):
            return known
    raise InputError(
        f"--resource: '{target_id}' is a {found.type}; connections are managed here on {', '.join(TARGET_TYPES)}"
    )


def connections_of(clients: AzureClients, target_id: str) -> list[Connection]:
    """The target's connections, in any state; an InputError when the target does not exist."""
    kind = target_type(target_id)
    rid = parse_id(target_id)
    if kind == VAULTS:
        vault = get_vault(clients, target_id)
        if vault is None:
            raise InputError(f"--resource: no Recovery Services vault '{rid.name}' in {rid.resource_group}")
        listed = (vault.properties.private_endpoint_connections or []) if vault.properties else []
        return [
            _connection(arm_set(c.id), target_id, c.properties.private_endpoint, c.properties)
            for c in listed
            if c.properties
        ]
    if kind == STORAGE_ACCOUNTS:
        operations = clients.for_subscription(rid.subscription).storage.private_endpoint_connections
        try:
            found = list(operations.list(rid.resource_group, rid.name))
        except ResourceNotFoundError:
            raise InputError(f"--resource: no storage account '{rid.name}' in {rid.resource_group}") from None
        return [_connection(arm_set(c.id), target_id, c.private_endpoint, c) for c in found]
    project = get_project(clients, target_id)
    if project is None:
        raise InputError(f"--resource: no Azure Migrate project '{rid.name}' in {rid.resource_group}")
    return [
        Connection(
            c["id"],
            target_id,
            ((c.get("properties") or {}).get("privateEndpoint") or {}).get("id", ""),
            ((c.get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("status", "Unknown"),
            ((c.get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("description") or "",
        )
        for c in project_connections(project)
    ]


def _connection(connection_id: str, target_id: str, endpoint: Any, properties: Any) -> Connection:
    state = getattr(properties, "private_link_service_connection_state", None)
    return Connection(
        connection_id,
        target_id,
        (getattr(endpoint, "id", None) or "") if endpoint else "",
        text_of(getattr(state, "status", None), "Unknown"),
        getattr(state, "description", None) or "",
        tuple(text_of(g) for g in getattr(properties, "group_ids", None) or ()),
    )


def find_connection(clients: AzureClients, target_id: str, endpoint: str) -> Connection:
    """The target's connection from the endpoint named ``endpoint`` (its name or id, or the connection's own name);
    an InputError listing the connections there are when none matches."""
    connections = connections_of(clients, target_id)
    wanted = endpoint.rstrip("/").lower()
    for connection in connections:
        if wanted in (connection.endpoint_id.lower(), connection.endpoint_name.lower(), connection.name.lower()):
            return connection
    there = ", ".join(f"{c.endpoint_name} ({c.status})" for c in connections) or "none"
    raise InputError(
        f"--endpoint: {name_of(target_id)} has no private endpoint connection from '{endpoint}'; its connections: "
        f"{there}"
    )


def connection_by_id(clients: AzureClients, connection_id: str) -> Connection:
    """The connection ``connection_id`` ({target}/privateEndpointConnections/{name}), read from its target."""
    marker = f"/{SEGMENT}/"
    if marker.lower() not in connection_id.lower():
        raise InputError(
            f"CONNECTION_ID: '{connection_id}' is not a private endpoint connection id; give "
            f"{{vault, account or project id}}/{SEGMENT}/NAME, or --resource ID --endpoint NAME"
        )
    at = connection_id.lower().index(marker.lower())
    target_id, name = connection_id[:at], connection_id[at + len(marker) :].strip("/")
    connections = connections_of(clients, target_id)
    found = next((c for c in connections if c.name.lower() == name.lower()), None)
    if found is None:
        there = ", ".join(f"{c.name} (from {c.endpoint_name})" for c in connections) or "none"
        raise InputError(f"CONNECTION_ID: {name_of(target_id)} has no connection '{name}'; its connections: {there}")
    return found


def refusal(connection: Connection, verb: Verb) -> str | None:
    """Why ARM would refuse ``verb`` on ``connection``, in words with ARM's code; None when it would not. A rejected
    or removed connection is never approved again: Private Link's design (MicrosoftDocs/azure-docs#115121, the note
    in "Manage a Private Endpoint connection"); a storage account answers 400 InvalidValuesForRequestParameters (the
    Azure CLI's recording test_storage_account_private_endpoint.yaml), which also answers a PUT of an Approved one."""
    code = "InvalidValuesForRequestParameters" if connection.target_type == STORAGE_ACCOUNTS else "BadRequest"
    if connection.status in (Status.REJECTED, Status.DISCONNECTED) and verb != Verb.DISCONNECT:
        return (
            f"{connection.words()}: a {connection.status.lower()} connection cannot be "
            f"{'approved' if verb == Verb.APPROVE else 'changed'} again (Azure answers {code}): delete the endpoint "
            f"{connection.endpoint_name} and create a new one, which asks for approval afresh"
        )
    return None


def state_body(status: Status, description: str) -> dict:
    return {"properties": {"privateLinkServiceConnectionState": {"status": status.value, "description": description}}}


def set_state(clients: AzureClients, connection: Connection, verb: Verb, description: str) -> Write:
    """The write that approves, rejects or disconnects ``connection``: a PUT of its state, or (disconnecting one on a
    storage account or Migrate project, which have no Disconnected state) the DELETE that removes it."""
    rid = parse_id(connection.target_id)
    sub = clients.for_subscription(rid.subscription)
    body = state_body(verb.status, description)
    if connection.target_type == VAULTS:
        return deferred(
            sub.backup.private_endpoint_connection.begin_put,
            rid.name,
            rid.resource_group,
            connection.name,
            cast(Any, body),  # the SDK's TypedDict marks location and eTag required: a connection's PUT needs none
        )
    if connection.target_type == STORAGE_ACCOUNTS:
        operations = sub.storage.private_endpoint_connections
        if verb == Verb.DISCONNECT:
            return deferred(operations.delete, rid.resource_group, rid.name, connection.name)
        return deferred(operations.put, rid.resource_group, rid.name, connection.name, cast(Any, body))
    resources = sub.resources.resources
    if verb == Verb.DISCONNECT:
        return deferred(resources.begin_delete_by_id, connection.id, api_version=MIGRATE_API)
    return deferred(resources.begin_create_or_update_by_id, connection.id, body, api_version=MIGRATE_API)


def removes(connection: Connection, verb: Verb) -> bool:
    """``verb`` removes the connection rather than setting its state (set_state's DELETE)."""
    return verb == Verb.DISCONNECT and connection.target_type != VAULTS
