"""Before anything changes: the caller's rights where the run writes, and the subnet's free addresses (again
before each manual step after which Azure Backup adds endpoints to the subnet); after such a step, the endpoints
Azure Backup added."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, cast

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ...azure.errors import arm_error
from ...azure.ids import parse_id
from ...dns.endpoints import backup_siblings_pattern
from ...engine import Row, Run, Step, blocked, unchanged
from ...engine.step import Reason
from ...ops import endpoints, roles
from ...ops.network import free_addresses
from ...ops.roles import CustomRole
from .endpoint import ownership_row
from .identity import Grant, definition_scopes
from .parameters import VaultEndpointParameters, vault_of, vault_principal


class Prerequisites(Step):
    """The caller's rights for what the run still has to make (the vault, the identity's ``grants`` and the
    ``custom_roles`` among them, the endpoint), an endpoint found by name that serves another ``group_id``, and the
    subnet's free addresses: fewer than ``members`` blocks (``members_why`` says who takes them), fewer than
    ``recommended`` warns (``recommended_why`` says why)."""

    id, title = "prerequisites", "Check the caller's rights and the subnet's free addresses"

    def __init__(
        self,
        source=None,
        *,
        group_id: str,
        members: int,
        members_why: str,
        recommended: int | None = None,
        recommended_why: str = "",
        grants: Sequence[Grant] = (),
        custom_roles: Sequence[CustomRole] = (),
        **names,
    ):
        super().__init__(source, **names)
        self.group_id, self.members, self.members_why = group_id, members, members_why
        self.recommended, self.recommended_why = recommended, recommended_why
        self.grants, self.custom_roles = tuple(grants), tuple(custom_roles)

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        try:
            needs = self.needs(run)
        except HttpResponseError as error:
            if error.status_code != 403:
                raise
            return [
                blocked(
                    p.vault,
                    f"the caller may not even read what this runbook works on "
                    f"({arm_error(error)[0]}): it needs Owner, or Contributor and "
                    "User Access Administrator, on the vault's, the endpoint's and the zones' "
                    "resource groups",
                )
            ]
        rows = [rights_row(run, scope, actions) for scope, actions in needs.items()]
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None and (refusal := ownership_row(run, existing, p.vault, self.group_id, p.subnet)):
            rows.append(refusal)  # before the first write: the run would otherwise set up the vault for nothing
        if existing is None:
            rows.append(
                addresses_row(
                    run,
                    p.subnet,
                    self.members,
                    f"{self.group_id} needs {self.members} ({self.members_why})",
                    self.recommended,
                    self.recommended_why,
                )
            )
        return rows

    def needs(self, run: Run) -> dict[str, list[str]]:
        """Scope -> the actions this run will need there: only for what is not in place yet (an operator may
        create the endpoint once the vault's owner has prepared the vault)."""
        p: VaultEndpointParameters = run.params
        needs: dict[str, list[str]] = {}
        if vault_of(run) is None:
            needs[parse_id(p.vault).resource_group_id] = ["Microsoft.RecoveryServices/vaults/write"]
        principal = vault_principal(run)
        for scope, role in self.grants:
            if not principal or role not in roles.roles_held(run.clients, scope, principal):
                needs.setdefault(scope, []).append("Microsoft.Authorization/roleAssignments/write")
        # custom roles to create (Backup's identity_roles: granular)
        for scope in definition_scopes(run, self.grants, self.custom_roles):
            needs.setdefault(scope, []).append("Microsoft.Authorization/roleDefinitions/write")
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            needs.setdefault(parse_id(p.endpoint_id).resource_group_id, []).append(
                "Microsoft.Network/privateEndpoints/write"
            )
        return needs


def rights_row(run: Run, scope: str, actions: list[str]) -> Row:
    """Blocked when the caller may not do all of ``actions`` at ``scope`` (ARM's permissions API)."""
    try:
        missing = roles.caller_may(run.clients, scope, actions)
    except ResourceNotFoundError:
        return blocked(scope, "no such resource group: create it, or name another")
    if missing:
        return blocked(
            scope,
            f"the caller may not {', '.join(missing)} here: it needs Owner, or Contributor and "
            "User Access Administrator (ask the owner, or let them run these steps)",
        )
    return unchanged(scope, reason="the caller's rights suffice")


def addresses_row(
    run: Run, subnet_id: str, needed: int, why: str, recommended: int | None = None, recommended_why: str = ""
) -> Row:
    """Blocked when the subnet has fewer than ``needed`` free addresses (``why`` says who needs them); below
    ``recommended`` it passes with a reason starting 'warning:' (``recommended_why`` says why more may be needed)."""
    free = free_addresses(run.clients, subnet_id)
    if free < needed:
        return blocked(subnet_id, f"{free} free addresses, and {why}: choose a larger subnet")
    if recommended is not None and free < recommended:
        return unchanged(
            subnet_id,
            free,
            f"warning: {free} free addresses, {needed} needed, but {recommended_why}: "
            f"a subnet with {recommended} or more free is safer",
        )
    return unchanged(subnet_id, free, f"{free} free addresses, {needed} needed")


Stage = Literal["ecs", "prot"]


def room_for_storage_endpoints(stage: Stage, count: int, event: str) -> Callable[[Run], str | None]:
    """A manual step's check: before the ``event`` (first registration, first backup) after which Azure Backup adds
    ``count`` ``{endpoint}_{stage}…`` endpoints in the vault endpoint's subnet, that subnet must have room for those
    not made yet. None while the vault's endpoint is still to be made: the prerequisites counted them with it."""

    def check(run: Run) -> str | None:
        endpoint = endpoints.get_endpoint(run.clients, run.params.endpoint_id)
        if endpoint is None:
            return None
        # the SDK types every model field optional; an endpoint ARM returns always has its id
        missing = count - len(storage_endpoints(run, cast(str, endpoint.id), stage))
        if missing <= 0:
            return None
        subnet_id = endpoint.subnet.id
        free = free_addresses(run.clients, subnet_id)
        if free >= missing:
            return None
        return (
            f"{subnet_id.rsplit('/', 1)[-1]} has {free} free addresses, and Azure Backup adds {missing} "
            f"_{stage} endpoint(s) there at the {event} (the {event} fails without them): free addresses in "
            f"that subnet first, then do it and confirm it"
        )

    return check


def storage_endpoints_made(stage: Stage, groups: tuple[str, ...], event: str) -> Reason:
    """A manual step's observation: after the ``event``, Azure Backup has made an ``{endpoint}_{stage}…_{group}``
    endpoint beside the vault's for each of ``groups``, and each is Approved ("Create and use private endpoints
    (v1 experience) for Azure Backup", "DNS records for blobs and queues ... after the first registration" and
    "... after the first backup": 'you'll see two more private endpoints being created')."""

    def observe(run: Run) -> str | None:
        endpoint = endpoints.get_endpoint(run.clients, run.params.endpoint_id)
        if endpoint is None:
            return (
                f"the vault's endpoint {run.params.endpoint_name} does not exist, so Azure Backup made no "
                f"_{stage} endpoints: run the steps before this one first"
            )
        made = _storage_endpoints(run, cast(str, endpoint.id), stage)  # read from ARM: it has its id
        missing = [group for group in groups if not any(e.name.lower().endswith(f"_{group}") for e in made)]
        if missing:
            return (
                f"Azure Backup has not created the _{stage} {' and '.join(missing)} endpoint(s) beside "
                f"{endpoint.name} yet: the {event} may still be running, or failed (see Backup jobs in the "
                "vault); confirm again once it has succeeded"
            )
        pending = [f"{e.name} is {state}" for e in made if (state := endpoints.connection_state(e)) != "Approved"]
        if pending:
            return (
                f"{'; '.join(pending)}, not Approved: approve it (storage account > Networking > Private "
                f"endpoint connections), or the {event} cannot reach the storage"
            )
        return None

    return observe


def storage_endpoints(run: Run, endpoint_id: str, stage: Stage) -> list[str]:
    """The ids of the ``{endpoint}_{stage}…_blob|_queue`` endpoints Azure Backup made beside ``endpoint_id``."""
    return [e.id for e in _storage_endpoints(run, endpoint_id, stage)]


def _storage_endpoints(run: Run, endpoint_id: str, stage: Stage) -> list:
    rid = parse_id(endpoint_id)
    pattern = backup_siblings_pattern(rid.name)
    listed = endpoints.endpoints_in_group(run.clients, rid.resource_group_id)
    return [e for e in listed if (found := pattern.fullmatch(e.name or "")) and found.group(1).lower() == stage]
