"""Recovery Services vaults: read one, count what it holds, and the bodies the steps write."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import parse_id
from ..azure.requests import Write, deferred
from ..errors import RunbookError
from .arm import arm_set, get_settled, put_as_read
from .endpoints import no_connection

if TYPE_CHECKING:
    from azure.mgmt.recoveryservices.models import Vault
    from azure.mgmt.recoveryservicesbackup.types import PrivateEndpointConnectionResource

APPROVED = {
    "properties": {
        "privateLinkServiceConnectionState": {"status": "Approved", "description": "Approved by runbook_lib"}
    }
}
# usages that mean the vault has (had) Backup items: a first Backup endpoint is refused for good ("Create and use
# private endpoints (v1 experience) for Azure Backup", "Create a Recovery Services vault")
ITEM_USAGES = ("ProtectedItemCount", "MABContainersCount")
# what each count is, in words, and the name Azure shows it by (Backup usages; Site Recovery's replicationUsages)
ITEM_WORDS = {
    "ProtectedItemCount": ("protected item", "ProtectedItemCount"),
    "MABContainersCount": ("registered container", "MABContainersCount"),
    "protected_item_count": ("replicated item", "protectedItemCount"),
    "registered_servers_count": ("registered server", "registeredServersCount"),
}


def get_vault(clients: AzureClients, vault_id: str) -> Vault | None:
    """The vault, once no operation runs on it (waited for, bounded: ops.arm.get_settled); None when missing."""
    rid = parse_id(vault_id)
    return get_settled(
        clients.for_subscription(rid.subscription).recoveryservices.vaults.get, rid.resource_group, rid.name
    )


def backup_items(clients: AzureClients, vault_id: str) -> dict[str, int]:
    """Usage name -> count, for the usages that mean Backup items (ITEM_USAGES), where not zero."""
    rid = parse_id(vault_id)
    usages = clients.for_subscription(rid.subscription).recoveryservices.usages.list_by_vaults(
        rid.resource_group, rid.name
    )
    return {
        u.name.value: int(u.current_value) for u in usages if u.name and u.name.value in ITEM_USAGES and u.current_value
    }


def replication_items(clients: AzureClients, vault_id: str) -> dict[str, int]:
    """Site Recovery's counts that mean items (replicated machines, registered servers), where not zero."""
    rid = parse_id(vault_id)
    usages = clients.for_subscription(rid.subscription).recoveryservices.replication_usages.list(
        rid.resource_group, rid.name
    )
    counts: dict[str, int] = {}
    for usage in usages:
        for name in ("protected_item_count", "registered_servers_count"):
            counts[name] = counts.get(name, 0) + int(getattr(usage, name) or 0)
    return {name: count for name, count in counts.items() if count}


def items(clients: AzureClients, vault_id: str, group_id: str) -> dict[str, int]:
    """What the vault holds for the endpoint's group: Backup items, or Site Recovery's."""
    if group_id.lower() == "azuresiterecovery":
        return replication_items(clients, vault_id)
    return backup_items(clients, vault_id)


def items_in_words(items: dict[str, int]) -> str:
    """'3 protected items (ProtectedItemCount), 1 registered container (MABContainersCount)'."""
    order = list(ITEM_WORDS)
    said = []
    for name, count in sorted(items.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99):
        word, shown = ITEM_WORDS.get(name, (name, name))
        said.append(f"{count} {word}{'' if count == 1 else 's'} ({shown})")
    return ", ".join(said)


def has_approved_endpoint(vault: Vault, group_id: str) -> bool:
    """The vault has an Approved private endpoint connection for ``group_id`` (e.g. AzureBackup)."""
    for connection in (vault.properties.private_endpoint_connections or []) if vault.properties else []:
        properties = connection.properties
        state = properties.private_link_service_connection_state if properties else None
        groups = [text_of(g).lower() for g in (properties.group_ids or [])] if properties else []
        if group_id.lower() in groups and state is not None and text_of(state.status) == "Approved":
            return True
    return False


def cross_region_restore(vault: Vault) -> bool:
    """Cross-region restore is on (the vault's redundancySettings.crossRegionRestore)."""
    settings = vault.properties.redundancy_settings if vault.properties else None
    return text_of(getattr(settings, "cross_region_restore", None)) == "Enabled"


def new_vault(location: str, public_network_access: str = "Disabled", *, identity: bool = True) -> dict:
    """A vault as the Backup article wants it from the start: system identity on (``identity``; Backup's v2
    experience needs none), public network access denied (unless the parameters keep it)."""
    return {
        "location": location,
        "sku": {"name": "Standard"},
        "identity": {"type": "SystemAssigned" if identity else "None"},
        "properties": {"publicNetworkAccess": public_network_access},
    }


def identity_on(vault: Vault) -> bool:
    """The system-assigned identity is on (alone, or beside user-assigned ones)."""
    return "systemassigned" in text_of(getattr(vault.identity, "type", None)).lower().replace(",", "")


def approve_connection(clients: AzureClients, vault_id: str, endpoint_id: str, **kwargs):
    """Approve the vault's connection from ``endpoint_id`` (what the vault's owner does); kwargs go to the SDK."""
    rid = parse_id(vault_id)
    vault = get_vault(clients, vault_id)
    if vault is None:
        raise RunbookError(f"{rid.name}: the vault does not exist (vault {vault_id})")
    connection = next(
        (
            c
            for c in ((vault.properties.private_endpoint_connections or []) if vault.properties else [])
            if c.properties
            and c.properties.private_endpoint
            and (c.properties.private_endpoint.id or "").lower() == endpoint_id.lower()
        ),
        None,
    )
    if connection is None:
        raise RunbookError(no_connection(vault_id, endpoint_id))
    # cast: the SDK's TypedDict for this body marks tags, location and eTag required; a connection's PUT needs none
    body = cast("PrivateEndpointConnectionResource", APPROVED)
    return clients.for_subscription(rid.subscription).backup.private_endpoint_connection.begin_put(
        rid.name, rid.resource_group, arm_set(connection.name), body, **kwargs
    )


def approval(clients: AzureClients, vault_id: str, endpoint_id: str) -> Write:
    """The write that approves the vault's connection from ``endpoint_id``."""
    return deferred(approve_connection, clients, vault_id, endpoint_id)


def create_vault(clients: AzureClients, vault_id: str, body: dict) -> Write:
    """The PUT that creates the vault (body: new_vault)."""
    rid = parse_id(vault_id)
    return deferred(
        clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_create_or_update,
        rid.resource_group,
        rid.name,
        body,
    )


def put_vault_again(clients: AzureClients, vault: Vault) -> Write:
    """The vault put again as read (a Failed vault back to Succeeded)."""
    vault_id = arm_set(vault.id)
    rid = parse_id(vault_id)
    return put_as_read(
        clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_create_or_update, vault_id, vault
    )


def update_vault(clients: AzureClients, vault_id: str, patch: dict) -> Write:
    """The PATCH of the vault (its identity, its public network access)."""
    rid = parse_id(vault_id)
    return deferred(
        clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_update,
        rid.resource_group,
        rid.name,
        patch,
    )


def connected_endpoints(clients: AzureClients, vault_id: str) -> list[str]:
    """The ids of the private endpoints connected to the vault (in any state); none when it does not exist."""
    vault = get_vault(clients, vault_id)
    connections = (vault.properties.private_endpoint_connections or []) if vault and vault.properties else []
    return [
        arm_set(c.properties.private_endpoint.id) for c in connections if c.properties and c.properties.private_endpoint
    ]
