"""Private endpoints for the scenarios: read one, list a resource group's, what one serves, its connection state,
and the writes that create one or put it again (its zone group: ops.privatedns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import name_of, parse_id
from ..azure.requests import Write, deferred
from ..errors import RunbookError
from .arm import arm_set, get_or_none, get_settled, put_as_read

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateEndpoint


@dataclass(frozen=True)
class Serves:
    """What an endpoint serves: its connection's target and group ids, and the subnet its NIC sits in."""

    endpoint_id: str
    target_id: str
    group_ids: tuple[str, ...]
    subnet_id: str

    @property
    def name(self) -> str:
        return name_of(self.endpoint_id)

    def words(self) -> str:
        """'pe-bkp is an AzureBackup endpoint of rsv-x'."""
        groups = ", ".join(self.group_ids) or "no group"
        article = "an" if groups[:1].lower() in "aeiou" else "a"
        return f"{self.name} is {article} {groups} endpoint of {name_of(self.target_id) or 'nothing'}"

    def targets(self, target_id: str, group_id: str) -> bool:
        """Its connection is to ``group_id`` of ``target_id`` (ids and group ids compared case-insensitively)."""
        return self.target_id.lower() == target_id.lower() and [g.lower() for g in self.group_ids] == [group_id.lower()]

    def in_subnet(self, subnet_id: str) -> bool:
        return self.subnet_id.lower() == subnet_id.lower()


def get_endpoint(clients: AzureClients, endpoint_id: str) -> PrivateEndpoint | None:
    """The endpoint, once no operation runs on it (waited for, bounded: ops.arm.get_settled); None when missing."""
    rid = parse_id(endpoint_id)
    return get_settled(
        clients.for_subscription(rid.subscription).network.private_endpoints.get, rid.resource_group, rid.name
    )


def serves(endpoint: PrivateEndpoint) -> Serves:
    connections = endpoint.manual_private_link_service_connections or endpoint.private_link_service_connections or []
    connection = connections[0] if connections else None
    return Serves(
        arm_set(endpoint.id),
        (connection.private_link_service_id or "") if connection else "",
        tuple(connection.group_ids or ()) if connection else (),
        endpoint.subnet.id if endpoint.subnet else "",
    )


def connection_state(endpoint: PrivateEndpoint) -> str:
    """Approved | Pending | Rejected | Disconnected, of the endpoint's one connection."""
    connection = (endpoint.manual_private_link_service_connections or endpoint.private_link_service_connections)[0]
    state = connection.private_link_service_connection_state
    return text_of(state.status if state else None, "Unknown")


def endpoint_body(
    location: str, subnet_id: str, target_id: str, group_id: str, manual: bool, message: str = ""
) -> dict:
    """An endpoint to ``group_id`` of ``target_id``; ``manual``: a request the target's owner approves."""
    kind = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    connection = {"privateLinkServiceId": target_id, "groupIds": [group_id]}
    if manual:
        connection["requestMessage"] = message or "Requested by runbook_lib"
    name = f"{target_id.rsplit('/', 1)[-1]}-{group_id}".lower()
    return {
        "location": location,
        "properties": {"subnet": {"id": subnet_id}, kind: [{"name": name, "properties": connection}]},
    }


def put_endpoint(clients: AzureClients, endpoint_id: str, body: dict) -> Write:
    """The PUT that creates the endpoint (body: endpoint_body)."""
    rid = parse_id(endpoint_id)
    return deferred(
        clients.for_subscription(rid.subscription).network.private_endpoints.begin_create_or_update,
        rid.resource_group,
        rid.name,
        body,
    )


def put_endpoint_again(clients: AzureClients, endpoint: PrivateEndpoint) -> Write:
    """The endpoint put again as read (a Failed endpoint back to Succeeded)."""
    endpoint_id = arm_set(endpoint.id)
    rid = parse_id(endpoint_id)
    return put_as_read(
        clients.for_subscription(rid.subscription).network.private_endpoints.begin_create_or_update,
        endpoint_id,
        endpoint,
    )


def endpoints_in_group(clients: AzureClients, resource_group_id: str) -> list[PrivateEndpoint]:
    """The private endpoints of a resource group, as listed (not waited for)."""
    rid = parse_id(resource_group_id)
    return list(clients.for_subscription(rid.subscription).network.private_endpoints.list(rid.resource_group))


def no_connection(target_id: str, endpoint_id: str) -> str:
    """Why a connection from ``endpoint_id`` cannot be approved on ``target_id``: it has none (in words)."""
    return (
        f"{name_of(target_id)}: no private endpoint connection from {name_of(endpoint_id)}: create the endpoint "
        "first, then run the step again (an endpoint removed or made again meanwhile needs a new plan)"
    )


def delete_endpoint(clients: AzureClients, endpoint_id: str) -> Write:
    """The DELETE of the endpoint: Azure deletes its NIC with it, and its zone group's records."""
    rid = parse_id(endpoint_id)
    return deferred(
        clients.for_subscription(rid.subscription).network.private_endpoints.begin_delete, rid.resource_group, rid.name
    )


def delete_zone_group(clients: AzureClients, endpoint_id: str, name: str) -> Write:
    """The DELETE of the endpoint's zone group ``name``: Azure removes the records it wrote."""
    rid = parse_id(endpoint_id)
    return deferred(
        clients.for_subscription(rid.subscription).network.private_dns_zone_groups.begin_delete,
        rid.resource_group,
        rid.name,
        name,
    )


def nic_removed(clients: AzureClients, nic_id: str) -> Write:
    """A check made as a write, after the endpoint's DELETE: Azure removed the endpoint's NIC with it (a NIC Azure
    made for an endpoint cannot be deleted on its own); a RunbookError when it is still there."""

    def check() -> tuple[None, None]:
        rid = parse_id(nic_id)
        nics = clients.for_subscription(rid.subscription).network.network_interfaces
        if get_or_none(nics.get, rid.resource_group, rid.name) is not None:
            raise RunbookError(f"{rid.name}: the endpoint's NIC is still there after the endpoint was deleted")
        return None, None

    return check


def endpoints_by_ip(clients: AzureClients, subscription: str) -> dict[str, list[str]]:
    """Private IP -> the ids of the endpoints whose NICs hold it, in ``subscription`` (one listing of its NICs)."""
    found: dict[str, list[str]] = {}
    for nic in clients.for_subscription(subscription).network.network_interfaces.list_all():
        if nic.private_endpoint is None:
            continue
        for config in nic.ip_configurations or []:
            if config.private_ip_address:
                found.setdefault(config.private_ip_address, []).append(arm_set(nic.private_endpoint.id))
    return found
