"""Before anything changes: the caller's rights where the run writes, and the subnet's free addresses."""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ..azure.ids import parse_id
from ..engine import Row, Run, Step, blocked, unchanged
from ..ops import endpoints, roles
from ..ops.network import free_addresses
from .vault_params import VaultEndpointParameters, vault_of, vault_principal


class Prerequisites(Step):
    id, title, section = "prerequisites", "Check the caller's rights and the subnet's free addresses", \
        "Before you start"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        try:
            needs = self.needs(run)
        except HttpResponseError as error:
            if error.status_code != 403:
                raise
            return [blocked(p.vault, f"the caller may not even read what this runbook works on "
                                     f"({getattr(error.error, 'code', 403)}): it needs Owner, or Contributor and "
                                     "User Access Administrator, on the vault's, the endpoint's and the zones' "
                                     "resource groups")]
        rows = [rights_row(run, scope, actions) for scope, actions in needs.items()]
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            rows.append(addresses_row(run, p.subnet, p.MEMBERS, f"{p.GROUP_ID} needs {p.MEMBERS} ({p.MEMBERS_WHY})"))
        return rows

    @staticmethod
    def needs(run: Run) -> dict[str, list[str]]:
        """Scope -> the actions this run will need there: only for what is not in place yet (an operator may
        create the endpoint once the vault's owner has prepared the vault)."""
        p: VaultEndpointParameters = run.params
        needs: dict[str, list[str]] = {}
        if vault_of(run) is None:
            needs[parse_id(p.vault).resource_group_id] = ["Microsoft.RecoveryServices/vaults/write"]
        principal = vault_principal(run)
        for scope, role in p.identity_grants():
            if not principal or role not in roles.roles_held(run.clients, scope, principal):
                needs.setdefault(scope, []).append("Microsoft.Authorization/roleAssignments/write")
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            needs.setdefault(parse_id(p.endpoint_id).resource_group_id, []).append(
                "Microsoft.Network/privateEndpoints/write")
        return needs


def rights_row(run: Run, scope: str, actions: list[str]) -> Row:
    """Blocked when the caller may not do all of ``actions`` at ``scope`` (ARM's permissions API)."""
    try:
        missing = roles.caller_may(run.clients, scope, actions)
    except ResourceNotFoundError:
        return blocked(scope, "no such resource group: create it, or name another")
    if missing:
        return blocked(scope, f"the caller may not {', '.join(missing)} here: it needs Owner, or Contributor and "
                              "User Access Administrator (ask the owner, or let them run these steps)")
    return unchanged(scope, reason="the caller's rights suffice")


def addresses_row(run: Run, subnet_id: str, needed: int, why: str) -> Row:
    """Blocked when the subnet has fewer than ``needed`` free addresses; ``why`` says who needs them."""
    free = free_addresses(run.clients, subnet_id)
    if free < needed:
        return blocked(subnet_id, f"{free} free addresses, and {why}: choose a larger subnet")
    return unchanged(subnet_id, free, f"{free} free addresses, {needed} needed")
