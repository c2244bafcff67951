"""Private endpoints for the scenarios: read one, its connection state, and the bodies the steps write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..azure import AzureClients
from ..azure.ids import parse_id
from .arm import get_or_none

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateEndpoint


def get_endpoint(clients: AzureClients, endpoint_id: str) -> PrivateEndpoint | None:
    rid = parse_id(endpoint_id)
    return get_or_none(clients.for_subscription(rid.subscription).network.private_endpoints.get,
                       rid.resource_group, rid.name)


def connection_state(endpoint: PrivateEndpoint) -> str:
    """Approved | Pending | Rejected | Disconnected, of the endpoint's one connection."""
    connection = (endpoint.manual_private_link_service_connections or endpoint.private_link_service_connections)[0]
    state = connection.private_link_service_connection_state
    return str(getattr(state.status, "value", state.status)) if state and state.status else "Unknown"


def endpoint_body(location: str, subnet_id: str, target_id: str, group_id: str, manual: bool,
                  message: str = "") -> dict:
    """An endpoint to ``group_id`` of ``target_id``; ``manual``: a request the target's owner approves."""
    kind = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    connection = {"privateLinkServiceId": target_id, "groupIds": [group_id]}
    if manual:
        connection["requestMessage"] = message or "Requested by runbook_lib"
    name = f"{target_id.rsplit('/', 1)[-1]}-{group_id}".lower()
    return {"location": location, "properties": {"subnet": {"id": subnet_id},
                                                 kind: [{"name": name, "properties": connection}]}}


def zone_group_body(zone_ids: list[str]) -> dict:
    return {"properties": {"privateDnsZoneConfigs": [
        {"name": zone_id.rsplit("/", 1)[-1].replace(".", "-"), "properties": {"privateDnsZoneId": zone_id}}
        for zone_id in zone_ids]}}


def zone_group_zones(clients: AzureClients, endpoint_id: str) -> set[str]:
    """The ids (lower case) of the zones the endpoint's zone groups name."""
    rid = parse_id(endpoint_id)
    groups = clients.for_subscription(rid.subscription).network.private_dns_zone_groups.list(
        private_endpoint_name=rid.name, resource_group_name=rid.resource_group)
    return {c.private_dns_zone_id.lower() for g in groups for c in g.private_dns_zone_configs or []}
