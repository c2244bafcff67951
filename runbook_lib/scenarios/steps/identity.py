"""The vault's identities: the system-assigned one turned on (never off) beside any user-assigned ones, the roles
its article documents on resource groups (custom role definitions created where missing) and on storage accounts by
type; trusted Microsoft services through the accounts' firewalls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...azure.enums import text_of
from ...azure.ids import parse_id
from ...azure.requests import Write
from ...engine import Action, Row, Run, Step, blocked, create, unchanged, update
from ...ops import roles, storage, vaults
from ...ops.roles import CustomRole
from .parameters import vault_of, vault_principal

Grant = tuple[str, str]  # (scope, role by name) for the vault's identity


class EnableIdentity(Step):
    """A PATCH whose type is ``SystemAssigned`` alone drops every user-assigned identity (one a customer-managed
    key uses included): on a vault that has some, the type is ``SystemAssigned, UserAssigned`` with their map."""

    id, title = "identity", "Turn the vault's system-assigned identity on"

    def plan(self, run: Run) -> list[Row]:
        vault = vault_of(run)
        if vault is None:
            return [unchanged(run.params.vault, "SystemAssigned", "the new vault has it from the start")]
        user_assigned = list((vault.identity.user_assigned_identities or {}) if vault.identity else {})
        if vaults.identity_on(vault):
            return [unchanged(vault.id, identity_text(text_of(vault.identity.type), user_assigned))]
        identity: dict[str, Any] = {"type": "SystemAssigned"}
        if user_assigned:
            identity = {
                "type": "SystemAssigned, UserAssigned",
                "userAssignedIdentities": {identity_id: {} for identity_id in user_assigned},
            }
        write = vaults.update_vault(run.clients, vault.id, {"identity": identity})
        before = text_of(vault.identity.type if vault.identity else None) or "None"
        kept = "; the user-assigned identities stay" if user_assigned else ""
        return [
            update(
                vault.id,
                identity_text(before, user_assigned),
                identity_text(identity["type"], user_assigned),
                write,
                f"before any endpoint; never switched off again{kept}",
            )
        ]


def identity_text(kind: str, user_assigned: list[str]) -> str:
    """'SystemAssigned, UserAssigned (id-cmk)': the type, and the user-assigned identities by name."""
    names = ", ".join(identity_id.rsplit("/", 1)[-1] for identity_id in user_assigned)
    return f"{kind} ({names})" if names else kind


class GrantIdentity(Step):
    """The roles the service's article documents for the vault's identity on resource groups (``grants``: scope,
    role by name), and the custom role definitions among them (``custom_roles``) where missing, each a row with its
    own write."""

    id, title = "identity-roles", "Let the vault's identity create endpoints and DNS records"

    def __init__(self, source=None, *, grants: Sequence[Grant] = (), custom_roles: Sequence[CustomRole] = (), **names):
        super().__init__(source, **names)
        self.grants, self.custom_roles = tuple(grants), tuple(custom_roles)

    def plan(self, run: Run) -> list[Row]:
        principal = vault_principal(run)
        definitions = {
            (role.name, subscription): row
            for role, subscription, row in definition_rows(run, self.grants, self.custom_roles)
        }
        rows = [row for row in definitions.values()]
        for scope, role in self.grants:
            definition = definitions.get((role, parse_id(scope).subscription))
            state = definition.action if definition is not None else Action.UNCHANGED  # of the role's definition
            if state == Action.BLOCKED:
                rows.append(
                    blocked(
                        scope,
                        f"{role} for the vault's identity: its role definition is not as the "
                        "article documents it (see above)",
                    )
                )
            elif principal and state == Action.UNCHANGED and role in roles.roles_held(run.clients, scope, principal):
                rows.append(unchanged(scope, role))
            else:
                waits = [] if principal else ["once the vault and its identity exist"]
                if state == Action.CREATE:
                    waits.append("once its role definition exists")
                rows.append(
                    create(scope, f"{role} for the vault's identity", self._assign(run, scope, role), "; ".join(waits))
                )
        return rows or [
            unchanged(
                run.params.vault, reason="the service documents no roles on resource groups for the vault's identity"
            )
        ]

    def _assign(self, run: Run, scope: str, role: str) -> Write:
        return roles.role_assignment_write(run.clients, scope, role, lambda: vault_of(run).identity.principal_id)


def definition_rows(
    run: Run, grants: Sequence[Grant], custom_roles: Sequence[CustomRole]
) -> list[tuple[CustomRole, str, Row]]:
    """(role, subscription, row) for each of ``custom_roles`` that ``grants`` names, in each subscription it is
    assigned in: created where missing; one of the same name that differs is never changed (a blocked row)."""
    custom = {role.name: role for role in custom_roles}
    needed = dict.fromkeys((custom[role], parse_id(scope).subscription) for scope, role in grants if role in custom)
    known = dict.fromkeys([parse_id(run.params.vault).subscription] + [parse_id(s).subscription for s, _ in grants])
    return [
        (role, subscription, _definition_row(run, role, subscription, [s for s in known if s != subscription]))
        for role, subscription in needed
    ]


def _definition_row(run: Run, role: CustomRole, subscription: str, others: list[str]) -> Row:
    existing = roles.find_role_definition(run.clients, f"/subscriptions/{subscription}", role.name)
    documented = f"{role.name}: {', '.join(role.actions)}"
    if existing is None:
        # a custom role's name is unique in the directory: one assignable only in another subscription this run
        # knows would make the create fail (RoleDefinitionWithSameNameExists)
        for other in others:
            elsewhere = roles.find_role_definition(run.clients, f"/subscriptions/{other}", role.name)
            if elsewhere is not None:
                return blocked(
                    elsewhere.id,
                    f"a custom role named {role.name} exists in this directory, assignable "
                    f"in {', '.join(elsewhere.assignable_scopes or [])} but not in "
                    f"subscription {subscription}, and a second one of that name cannot be "
                    f"made: have its owner add /subscriptions/{subscription} to its "
                    "assignable scopes, or use identity_roles: contributor",
                )
        return create(
            role.definition_id(subscription),
            documented,
            roles.role_definition_write(run.clients, subscription, role),
            f"assignable in subscription {subscription} (Create roles and permissions manually)",
        )
    if roles.actions_of(existing) == {action.lower() for action in role.actions}:
        return unchanged(existing.id, documented)
    actions = sorted(a for p in existing.permissions or [] for a in p.actions or [])
    return blocked(
        existing.id,
        f"a custom role named {role.name} exists with the actions {', '.join(actions)}, not "
        f"{', '.join(role.actions)}: this runbook never changes it; have its owner make it "
        "as documented, or use identity_roles: contributor",
    )


def definition_scopes(run: Run, grants: Sequence[Grant], custom_roles: Sequence[CustomRole]) -> list[str]:
    """The resource groups where a custom role definition this run creates is assigned (the caller then needs
    Microsoft.Authorization/roleDefinitions/write there, and at their subscription)."""
    creating = {
        (role.name, subscription)
        for role, subscription, row in definition_rows(run, grants, custom_roles)
        if row.action == Action.CREATE
    }
    return list(dict.fromkeys(scope for scope, role in grants if (role, parse_id(scope).subscription) in creating))


class GrantStorageRoles(GrantIdentity):
    """The vault identity's roles on storage accounts, by each account's type (ops.storage.ROLES): only a read of
    the account tells Standard from Premium. A scenario says which accounts (``accounts``)."""

    id, title = "storage-roles", "Give the vault's identity its roles on the storage accounts (by type)"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        raise NotImplementedError

    def plan(self, run: Run) -> list[Row]:
        principal = vault_principal(run)
        rows = []
        for account in self.accounts(run):
            held = roles.roles_held(run.clients, account.id, principal) if principal else set()
            rows += [
                unchanged(account.id, role, f"{account.tier} account")
                if role in held
                else create(
                    account.id,
                    f"{role} for the vault's identity",
                    self._assign(run, account.id, role),
                    f"{account.tier} account" + ("" if principal else "; once the vault's identity exists"),
                )
                for role in account.identity_roles
            ]
        return rows or [unchanged(run.params.vault, reason="no storage account given")]


class AllowTrustedServices(Step):
    """Trusted Microsoft services through each storage account's firewall (the vault writes as one)."""

    id, title = "trusted-services", "Let trusted Microsoft services through the storage accounts' firewall"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        raise NotImplementedError

    def plan(self, run: Run) -> list[Row]:
        rows = []
        for account in self.accounts(run):
            if account.trusted_services:
                rows.append(unchanged(account.id, "AzureServices in the firewall's exceptions"))
                continue
            body = storage.allow_trusted_services_body(run.clients, account.id)
            write = storage.update_account(run.clients, account.id, body)
            rows.append(
                update(
                    account.id,
                    "trusted Microsoft services blocked",
                    body["properties"]["networkAcls"]["bypass"],
                    write,
                    "the vault writes to the account as a trusted Microsoft service",
                )
            )
        return rows or [unchanged(run.params.vault, reason="no storage account given")]
