"""Storage accounts a vault's identity writes to (Site Recovery's cache, Migrate's replication storage).

The identity's roles depend on the account's type (seeds 000, 001, 003): Standard needs Contributor and Storage
Blob Data Contributor; Premium, Contributor and Storage Blob Data Owner; a classic account, Classic Storage Account
Contributor and Classic Storage Account Key Operator Service Role. Private endpoints exist only for general-purpose
v2 accounts, and the account must let trusted Microsoft services through its firewall.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..azure import AzureClients
from ..azure.ids import parse_id
from .arm import get_or_none

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
        return None if found is None else StorageAccount(found.id, found.name, "classic", "classic", True)
    account = get_or_none(sub.storage.storage_accounts.get_properties, rid.resource_group, rid.name)
    if account is None:
        return None
    tier = "premium" if _text(account.sku.name).lower().startswith("premium") else "standard"
    return StorageAccount(account.id, account.name, _text(account.kind), tier,
                          "AzureServices" in _bypass(account))


def allow_trusted_services_body(clients: AzureClients, account_id: str) -> dict:
    """The PATCH body that adds AzureServices to the account's firewall bypass, keeping what it had."""
    rid = parse_id(account_id)
    account = clients.for_subscription(rid.subscription).storage.storage_accounts.get_properties(
        rid.resource_group, rid.name)
    bypass = [b.strip() for b in _bypass(account).split(",") if b.strip() and b.strip() != "None"]
    rules = account.network_rule_set
    return {"properties": {"networkAcls": {"bypass": ", ".join(sorted({*bypass, "AzureServices"})),
                                           "defaultAction": _text(getattr(rules, "default_action", None)) or "Allow"}}}


def _bypass(account) -> str:
    return _text(getattr(account.network_rule_set, "bypass", None))


def _text(value) -> str:
    """An SDK enum's value or a string; '' for None."""
    return str(getattr(value, "value", value) or "")


def approve_connection(clients: AzureClients, account_id: str, endpoint_id: str, **kwargs):
    """Approve the account's connection from ``endpoint_id`` (what the account's owner does)."""
    from .vaults import APPROVED

    rid = parse_id(account_id)
    connections = clients.for_subscription(rid.subscription).storage.private_endpoint_connections
    connection = next(c for c in connections.list(rid.resource_group, rid.name)
                      if c.private_endpoint and c.private_endpoint.id.lower() == endpoint_id.lower())
    return connections.put(rid.resource_group, rid.name, connection.name, APPROVED, **kwargs)
