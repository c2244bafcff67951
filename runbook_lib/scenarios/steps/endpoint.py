"""The vault's private endpoint, its approval, and an endpoint's zone group; the check that an endpoint found by
name is the one the run wants (it touches no other)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ...azure.ids import name_of, parse_id
from ...azure.requests import Write
from ...engine import Row, Run, Step, blocked, create, unchanged, update
from ...ops import arm, endpoints, network, privatedns, vaults
from .leftovers import leftover_row
from .parameters import VaultEndpointParameters, vault_of
from .races import after_another_run

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateEndpoint

RENAME = "give this runbook its own endpoint name (endpoint_name)"


def ownership_row(
    run: Run,
    endpoint: PrivateEndpoint,
    target_id: str,
    group_id: str,
    subnet_id: str | None,
    rename: str = RENAME,
    subnet_field: str = "subnet",
) -> Row | None:
    """None when the endpoint found by name connects ``group_id`` of ``target_id`` (and sits in ``subnet_id``, when
    given); else a blocked row saying what it serves: this run may not reuse, approve or re-zone it. ``rename``: how
    the person gives the run an endpoint of its own."""
    found = endpoints.serves(endpoint)
    if not found.targets(target_id, group_id):
        return blocked(
            found.endpoint_id, f"{found.words()}, not {_a(group_id)} endpoint of {name_of(target_id)}: {rename}"
        )
    if subnet_id and not found.in_subnet(subnet_id):
        return blocked(
            found.endpoint_id,
            f"{found.name} sits in subnet {_subnet_words(found.subnet_id)}, not "
            f"{_subnet_words(subnet_id)} ({subnet_field}); an endpoint never moves: set "
            f"{subnet_field} to its subnet, or {rename}",
        )
    return None


def _a(group_id: str) -> str:
    return f"{'an' if group_id[:1].lower() in 'aeiou' else 'a'} {group_id}"


def _subnet_words(subnet_id: str) -> str:
    vnet = subnet_id.rsplit("/subnets/", 1)[0]
    return f"{name_of(subnet_id)} of {name_of(vnet)}" if "/subnets/" in subnet_id else subnet_id or "(none)"


class CreateEndpoint(Step):
    """The vault's endpoint to its ``group_id`` (AzureBackup, AzureSiteRecovery) in the parameters' subnet."""

    id, title = "endpoint", "Create the vault's private endpoint"

    def __init__(self, source=None, *, group_id: str, needs_identity: bool = True, **names):
        """``needs_identity``: the vault's identity must be on first (Backup's v2 experience needs none)."""
        super().__init__(source, **names)
        self.group_id, self.needs_identity = group_id, needs_identity

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None:
            refusal = ownership_row(run, existing, p.vault, self.group_id, p.subnet) or leftover_row(
                p.endpoint_id, existing, endpoints.put_endpoint_again(run.clients, existing)
            )
            return [refusal or unchanged(p.endpoint_id, endpoints.connection_state(existing))]
        vault = vault_of(run)
        identity_off = vault is not None and not vaults.identity_on(vault) and not run.will_change("identity")
        if self.needs_identity and identity_off:
            return [blocked(p.endpoint_id, "the vault's identity is off: turn it on before creating endpoints")]
        location = free_location(run, p.subnet)
        body = endpoints.endpoint_body(location, p.subnet, p.vault, self.group_id, p.approval == "manual")
        write = endpoints.put_endpoint(run.clients, p.endpoint_id, body)
        write = after_another_run(write, lambda: self.plan(run)[0])  # another run creating it at the same time
        return [
            create(
                p.endpoint_id,
                f"{self.group_id} endpoint in {p.subnet.rsplit('/', 3)[-3]}",
                write,
                "a request for the vault's owner to approve" if p.approval == "manual" else "",
            )
        ]


def free_location(run: Run, subnet_id: str) -> str:
    """The region of the subnet's VNet: an endpoint lives where its VNet does."""
    return network.vnet_location(run.clients, subnet_id)


def approval_row(
    run: Run, endpoint_id: str, target_id: str, group_id: str, owner: str, where: str, approve: Write
) -> Row:
    """An endpoint's connection to ``group_id`` of ``target_id``: nothing to do once Approved; a Pending one approved
    by this run when the parameters say approve: true (``approve`` does it); else blocked, saying who approves it and
    where. An endpoint of another target is never approved, nor called Approved."""
    p = run.params
    endpoint = endpoints.get_endpoint(run.clients, endpoint_id)
    if endpoint is None:
        return unchanged(
            endpoint_id, "Approved" if p.approval == "auto" else "Pending", "after the endpoint is created"
        )
    if refusal := ownership_row(run, endpoint, target_id, group_id, None):
        return refusal
    state = endpoints.connection_state(endpoint)
    if state == "Approved":
        return unchanged(endpoint_id, state)
    if state == "Pending" and p.approve:
        return update(endpoint_id, state, "Approved", approve, "approved by this run")
    return blocked(
        endpoint_id,
        f"the connection is {state}: {owner} approves it ({where}), or run again with "
        f"approve: true as {owner.removeprefix('the ')}",
    )


class ApproveEndpoint(Step):
    """The vault endpoint's connection to the vault's ``group_id``, approved."""

    id, title = "approval", "Approve the endpoint's connection"

    def __init__(self, source=None, *, group_id: str, **names):
        super().__init__(source, **names)
        self.group_id = group_id

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        approve = vaults.approval(run.clients, p.vault, p.endpoint_id)
        return [
            approval_row(
                run,
                p.endpoint_id,
                p.vault,
                self.group_id,
                "the vault's owner",
                "vault > Networking > Private access",
                approve,
            )
        ]


def zone_group_row(run: Run, endpoint_id: str, zone_ids: list[str], reason: str) -> Row:
    """The endpoint's one zone group naming ``zone_ids`` besides the zones it names already: a PUT replaces the
    group's configs, so the write carries those it has (another tool's or the portal's) and adds the missing ones;
    Azure then writes the endpoint's records into the added zones. The group keeps its name ('default' when new)."""
    group = (
        privatedns.zone_group(run.clients, endpoint_id)
        if endpoints.get_endpoint(run.clients, endpoint_id) is not None
        else None
    )
    # the SDK types every model field optional; a zone group ARM returns always has its name
    name = cast(str, group.name) if group is not None else privatedns.DEFAULT_ZONE_GROUP
    group_id = f"{endpoint_id}/privateDnsZoneGroups/{name}"
    kept = privatedns.zone_configs(group)
    body = privatedns.zone_group_body(zone_ids, kept)
    after = [c["properties"]["privateDnsZoneId"] for c in body["properties"]["privateDnsZoneConfigs"]]
    write = after_another_run(
        privatedns.put_zone_group(run.clients, endpoint_id, name, body),
        lambda: zone_group_row(run, endpoint_id, zone_ids, reason),
    )
    if len(after) == len(kept) or arm.in_progress(group):  # in progress: still, after the read's wait
        return leftover_row(group_id, group, write) or unchanged(group_id, _zone_names(after))
    if refusal := _zone_group_refusal(group_id, kept, zone_ids, len(after)):
        return refusal
    if group is None:
        return create(group_id, _zone_names(after), write, reason)
    return update(
        group_id,
        _zone_names(list(kept.values())),
        _zone_names(after),
        write,
        f"{reason}; the zones it names already stay",
    )


def _zone_group_refusal(group_id: str, kept: dict[str, str], zone_ids: list[str], total: int) -> Row | None:
    """What Azure would refuse in the extended group: a second zone of a name it has, more than five zones."""
    held = {name_of(z).lower(): z for z in kept.values()}
    for zone_id in zone_ids:
        other = held.get(name_of(zone_id).lower())
        if other is not None and other.lower() != zone_id.lower():
            return blocked(
                group_id,
                f"the zone group already names {name_of(other)} in resource group "
                f"{parse_id(other).resource_group}, and a zone group names one zone of a name: "
                "set zones_resource_group to that zone's resource group, or move the endpoint's "
                "records there",
            )
    if total > privatedns.MAX_ZONE_CONFIGS:
        return blocked(
            group_id,
            f"the zone group would name {total} zones, and Azure allows "
            f"{privatedns.MAX_ZONE_CONFIGS} (Azure Private Endpoint DNS configuration, Private "
            "DNS zone group): remove a zone it no longer needs from the group first",
        )
    return None


def _zone_names(zone_ids: list[str]) -> str:
    return ", ".join(name_of(z) for z in zone_ids)
