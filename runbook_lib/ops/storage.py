"""Storage accounts a vault's identity writes to (Site Recovery's cache, Migrate's replication storage).

The identity's roles depend on the account's type (Site Recovery's and Azure Migrate's private-link articles): Standard
needs Contributor and Storage Blob Data Contributor; Premium, Contributor and Storage Blob Data Owner; a classic
account, Classic Storage Account Contributor and Classic Storage Account Key Operator Service Role. Private endpoints
exist only for general-purpose v2 accounts, and the account must let trusted Microsoft services through its firewall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import parse_id
from ..azure.requests import Write, deferred
from ..errors import RunbookError
from .arm import arm_set, get_or_none
from .endpoints import no_connection

if TYPE_CHECKING:
    from azure.mgmt.storage.types import PrivateEndpointConnection

CLASSIC = "Microsoft.ClassicStorage/storageAccounts"
CLASSIC_API = "2016-11-01"
ROLES = {
    "standard": ("Contributor", "Storage Blob Data Contributor"),
    "premium": ("Contributor", "Storage Blob Data Owner"),
    "classic": ("Classic Storage Account Contributor", "Classic Storage Account Key Operator Service Role"),
}


@dataclass(frozen=True)
class StorageAccount:
    id: str
    name: str
    kind: str  # StorageV2, Storage, BlobStorage, ...; 'classic' for a classic account
    tier: str  # standard | premium | classic
    trusted_services: bool  # its firewall lets trusted Microsoft services through

    @property
    def general_purpose_v2(self) -> bool:
        return self.kind == "StorageV2"

    @property
    def identity_roles(self) -> tuple[str, str]:
        return ROLES[self.tier]


def get_storage_account(clients: AzureClients, account_id: str) -> StorageAccount | None:
    """A Microsoft.Storage or a classic (Microsoft.ClassicStorage) account; None when it does not exist."""
    rid = parse_id(account_id)
    sub = clients.for_subscription(rid.subscription)
    if rid.is_a(CLASSIC):
        found = get_or_none(sub.resources.resources.get_by_id, account_id, api_version=CLASSIC_API)
        return (
            None
            if found is None
            else StorageAccount(arm_set(found.id), arm_set(found.name), "classic", "classic", True)
        )
    account = get_or_none(sub.storage.storage_accounts.get_properties, rid.resource_group, rid.name)
    if account is None:
        return None
    tier = "premium" if text_of(account.sku.name if account.sku else None).lower().startswith("premium") else "standard"
    return StorageAccount(
        arm_set(account.id), arm_set(account.name), text_of(account.kind), tier, "AzureServices" in _bypass(account)
    )


def allow_trusted_services_body(clients: AzureClients, account_id: str) -> dict:
    """The PATCH body that adds AzureServices to the account's firewall bypass, keeping what it had."""
    rid = parse_id(account_id)
    account = clients.for_subscription(rid.subscription).storage.storage_accounts.get_properties(
        rid.resource_group, rid.name
    )
    bypass = [b.strip() for b in _bypass(account).split(",") if b.strip() and b.strip() != "None"]
    default = text_of(getattr(account.network_rule_set, "default_action", None), "Allow")
    return {
        "properties": {
            "networkAcls": {"bypass": ", ".join(sorted({*bypass, "AzureServices"})), "defaultAction": default}
        }
    }


def _bypass(account) -> str:
    return text_of(getattr(account.network_rule_set, "bypass", None))


def approve_connection(clients: AzureClients, account_id: str, endpoint_id: str, **kwargs):
    """Approve the account's connection from ``endpoint_id`` (what the account's owner does)."""
    from .vaults import APPROVED

    rid = parse_id(account_id)
    connections = clients.for_subscription(rid.subscription).storage.private_endpoint_connections
    connection = next(
        (
            c
            for c in connections.list(rid.resource_group, rid.name)
            if c.private_endpoint and c.private_endpoint.id.lower() == endpoint_id.lower()
        ),
        None,
    )
    if connection is None:
        raise RunbookError(no_connection(account_id, endpoint_id))
    state = APPROVED["properties"]["privateLinkServiceConnectionState"]
    body: PrivateEndpointConnection = {  # APPROVED, as the SDK's TypedDict for this body
        "properties": {
            "privateLinkServiceConnectionState": {"status": state["status"], "description": state["description"]}
        }
    }
    return connections.put(rid.resource_group, rid.name, arm_set(connection.name), body, **kwargs)


def update_account(clients: AzureClients, account_id: str, body: dict) -> Write:
    """The PATCH of the account (body: allow_trusted_services_body, say)."""
    rid = parse_id(account_id)
    return deferred(
        clients.for_subscription(rid.subscription).storage.storage_accounts.update, rid.resource_group, rid.name, body
    )


def approval(clients: AzureClients, account_id: str, endpoint_id: str) -> Write:
    """The write that approves the account's connection from ``endpoint_id``."""
    return deferred(approve_connection, clients, account_id, endpoint_id)


def connected_endpoints(clients: AzureClients, account_id: str) -> list[str]:
    """The ids of the private endpoints connected to the account (in any state)."""
    rid = parse_id(account_id)
    connections = clients.for_subscription(rid.subscription).storage.private_endpoint_connections.list(
        rid.resource_group, rid.name
    )
    return [c.private_endpoint.id for c in connections if c.private_endpoint]
