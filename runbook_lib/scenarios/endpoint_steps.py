"""The vault's private endpoint, its approval, and an endpoint's zone group."""

from __future__ import annotations

from ..azure.ids import parse_id
from ..azure.requests import Write, deferred
from ..engine import Row, Run, Step, blocked, create, unchanged, update
from ..ops import endpoints, vaults
from .vault_params import VaultEndpointParameters, vault_of


class CreateEndpoint(Step):
    id, title, section = "endpoint", "Create the vault's private endpoint", "Create private endpoints"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None:
            return [unchanged(p.endpoint_id, endpoints.connection_state(existing))]
        vault = vault_of(run)
        if vault is not None and not vaults.identity_on(vault) and not run.will_change("identity"):
            return [blocked(p.endpoint_id, "the vault's identity is off: turn it on before creating endpoints")]
        rid = parse_id(p.endpoint_id)
        location = free_location(run, p.subnet)
        body = endpoints.endpoint_body(location, p.subnet, p.vault, p.GROUP_ID, p.approval == "manual")
        write = deferred(run.clients.for_subscription(rid.subscription).network.private_endpoints.
                         begin_create_or_update, rid.resource_group, rid.name, body)
        return [create(p.endpoint_id, f"{p.GROUP_ID} endpoint in {p.subnet.rsplit('/', 3)[-3]}", write,
                       "a request for the vault's owner to approve" if p.approval == "manual" else "")]


def free_location(run: Run, subnet_id: str) -> str:
    """The region of the subnet's VNet: an endpoint lives where its VNet does."""
    vnet = parse_id(subnet_id.rsplit("/subnets/", 1)[0])
    return run.clients.for_subscription(vnet.subscription).network.virtual_networks.get(
        vnet.resource_group, vnet.name).location


def approval_row(run: Run, endpoint_id: str, owner: str, where: str, approve: Write) -> Row:
    """An endpoint's connection: nothing to do once Approved; a Pending one approved by this run when the
    parameters say approve: true (``approve`` does it); else blocked, saying who approves it and where."""
    p = run.params
    endpoint = endpoints.get_endpoint(run.clients, endpoint_id)
    if endpoint is None:
        return unchanged(endpoint_id, "Approved" if p.approval == "auto" else "Pending", "after the endpoint is created")
    state = endpoints.connection_state(endpoint)
    if state == "Approved":
        return unchanged(endpoint_id, state)
    if state == "Pending" and p.approve:
        return update(endpoint_id, state, "Approved", approve, "approved by this run")
    return blocked(endpoint_id, f"the connection is {state}: {owner} approves it ({where}), or run again with "
                                f"approve: true as {owner.removeprefix('the ')}")


class ApproveEndpoint(Step):
    id, title, section = "approval", "Approve the endpoint's connection", "Approve private endpoints"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        approve = deferred(vaults.approve_connection, run.clients, p.vault, p.endpoint_id)
        return [approval_row(run, p.endpoint_id, "the vault's owner", "vault > Networking > Private access", approve)]


def zone_group_row(run: Run, endpoint_id: str, zone_ids: list[str], reason: str) -> Row:
    """The endpoint's zone group naming ``zone_ids``: unchanged when it does already, else created (Azure then
    writes the endpoint's records into those zones)."""
    group = f"{endpoint_id}/privateDnsZoneGroups/default"
    names = ", ".join(z.rsplit("/", 1)[-1] for z in zone_ids)
    exists = endpoints.get_endpoint(run.clients, endpoint_id) is not None
    if exists and {z.lower() for z in zone_ids} <= endpoints.zone_group_zones(run.clients, endpoint_id):
        return unchanged(group, names)
    rid = parse_id(endpoint_id)
    write = deferred(run.clients.for_subscription(rid.subscription).network.private_dns_zone_groups.
                     begin_create_or_update, rid.resource_group, rid.name, "default",
                     endpoints.zone_group_body(zone_ids))
    return create(group, names, write, reason)
