"""The vault's system-assigned identity: turned on (never off), and the roles it needs, on resource groups and on
storage accounts by type; trusted Microsoft services through the accounts' firewalls."""

from __future__ import annotations

from ..azure.ids import parse_id
from ..azure.requests import deferred
from ..engine import Row, Run, Step, create, unchanged, update
from ..ops import roles, storage, vaults
from .vault_params import vault_of, vault_principal


class EnableIdentity(Step):
    id, title, section = "identity", "Turn the vault's system-assigned identity on", \
        "Enable the managed identity for your vault"

    def plan(self, run: Run) -> list[Row]:
        vault = vault_of(run)
        if vault is None:
            return [unchanged(run.params.vault, "SystemAssigned", "the new vault has it from the start")]
        if vaults.identity_on(vault):
            return [unchanged(vault.id, "SystemAssigned")]
        rid = parse_id(vault.id)
        write = deferred(run.clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_update,
                         rid.resource_group, rid.name, {"identity": {"type": "SystemAssigned"}})
        return [update(vault.id, vaults.text(vault.identity.type if vault.identity else None) or "None",
                       "SystemAssigned", write, "before any endpoint; never switched off again")]


class GrantIdentity(Step):
    id, title, section = "identity-roles", "Let the vault's identity create endpoints and DNS records", \
        "Grant permissions to the vault to create required private endpoints"

    def plan(self, run: Run) -> list[Row]:
        principal = vault_principal(run)
        rows = []
        for scope, role in run.params.identity_grants():
            if principal and role in roles.roles_held(run.clients, scope, principal):
                rows.append(unchanged(scope, role))
                continue
            rows.append(create(scope, f"{role} for the vault's identity", self._assign(run, scope, role),
                               "" if principal else "once the vault and its identity exist"))
        return rows

    def _assign(self, run: Run, scope: str, role: str):
        def write():
            principal = vault_of(run).identity.principal_id
            return deferred(roles.assign_role, run.clients, scope, role, principal)()
        return write


class GrantStorageRoles(GrantIdentity):
    """The vault identity's roles on storage accounts, by each account's type (ops.storage.ROLES): only a read of
    the account tells Standard from Premium. A scenario says which accounts (``accounts``)."""

    id, title, section = "storage-roles", "Give the vault's identity its roles on the storage accounts (by type)", \
        "Grant required permissions to the vault"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        raise NotImplementedError

    def plan(self, run: Run) -> list[Row]:
        principal = vault_principal(run)
        rows = []
        for account in self.accounts(run):
            held = roles.roles_held(run.clients, account.id, principal) if principal else set()
            rows += [unchanged(account.id, role, f"{account.tier} account") if role in held else
                     create(account.id, f"{role} for the vault's identity", self._assign(run, account.id, role),
                            f"{account.tier} account" + ("" if principal else "; once the vault's identity exists"))
                     for role in account.identity_roles]
        return rows or [unchanged(run.params.vault, reason="no storage account given")]


class AllowTrustedServices(Step):
    """Trusted Microsoft services through each storage account's firewall (the vault writes as one)."""

    id, title, section = "trusted-services", "Let trusted Microsoft services through the storage accounts' firewall", \
        "Grant required permissions to the vault"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        raise NotImplementedError

    def plan(self, run: Run) -> list[Row]:
        rows = []
        for account in self.accounts(run):
            if account.trusted_services:
                rows.append(unchanged(account.id, "AzureServices in the firewall's exceptions"))
                continue
            rid = parse_id(account.id)
            body = storage.allow_trusted_services_body(run.clients, account.id)
            write = deferred(run.clients.for_subscription(rid.subscription).storage.storage_accounts.update,
                             rid.resource_group, rid.name, body)
            rows.append(update(account.id, "trusted Microsoft services blocked",
                               body["properties"]["networkAcls"]["bypass"], write,
                               "the vault writes to the account as a trusted Microsoft service"))
        return rows or [unchanged(run.params.vault, reason="no storage account given")]
