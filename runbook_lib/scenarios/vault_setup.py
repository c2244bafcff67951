"""The vault itself: created with what it needs from the start, or used when it never had items; public network
access denied."""

from __future__ import annotations

from ..azure.ids import parse_id
from ..azure.requests import deferred
from ..engine import Row, Run, Step, blocked, create, unchanged, update
from ..ops import endpoints, vaults
from .vault_params import VaultEndpointParameters, vault_of


class CreateVault(Step):
    id, title, section = "vault", "Create a new vault, or use one that never had items", \
        "Create a Recovery Services vault"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        vault = vault_of(run)
        if vault is None:
            rid = parse_id(p.vault)
            write = deferred(run.clients.for_subscription(rid.subscription).recoveryservices.vaults.
                             begin_create_or_update, rid.resource_group, rid.name, vaults.new_vault(p.location))
            return [create(p.vault, f"a vault in {p.location}, identity on, public access denied", write)]
        items = vaults.items(run.clients, p.vault, p.GROUP_ID)
        if items and endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            held = ", ".join(f"{count} ({name})" for name, count in items.items())
            return [blocked(p.vault, f"the vault has items: {held}; private endpoints can only be created for "
                                     "vaults that never had one: create a new vault")]
        return [unchanged(p.vault, vault.location, "exists")]


class DenyPublicAccess(Step):
    id, title, section = "deny-public-access", "Deny public network access", "Deny public network access"

    def plan(self, run: Run) -> list[Row]:
        vault = vault_of(run)
        if vault is None:
            return [unchanged(run.params.vault, "Disabled", "the new vault denies it from the start")]
        now = vaults.text(vault.properties.public_network_access)
        if now == "Disabled":
            return [unchanged(vault.id, now)]
        rid = parse_id(vault.id)
        write = deferred(run.clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_update,
                         rid.resource_group, rid.name, {"properties": {"publicNetworkAccess": "Disabled"}})
        return [update(vault.id, now, "Disabled", write, "clients reach the vault only through its endpoints")]
