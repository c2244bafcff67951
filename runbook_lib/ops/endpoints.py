"""Private endpoints for the scenarios: read one, what it serves, its connection state and its one zone group, and
the bodies the steps write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..azure import AzureClients
from ..azure.ids import name_of, parse_id
from .arm import get_settled, settle

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateDnsZoneGroup, PrivateEndpoint

# "Azure Private Endpoint DNS configuration", section "Private DNS zone group": each zone group supports up to five
# DNS zones, and one private endpoint has one zone group at most.
MAX_ZONE_CONFIGS = 5
DEFAULT_ZONE_GROUP = "default"


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
    return get_settled(clients.for_subscription(rid.subscription).network.private_endpoints.get,
                       rid.resource_group, rid.name)


def serves(endpoint: PrivateEndpoint) -> Serves:
    connections = endpoint.manual_private_link_service_connections or endpoint.private_link_service_connections or []
    connection = connections[0] if connections else None
    return Serves(endpoint.id, (connection.private_link_service_id or "") if connection else "",
                  tuple(connection.group_ids or ()) if connection else (),
                  endpoint.subnet.id if endpoint.subnet else "")


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


def zone_group(clients: AzureClients, endpoint_id: str) -> PrivateDnsZoneGroup | None:
    """The endpoint's zone group, whatever its name (the portal's and other tools' are not always 'default'), once no
    operation runs on it."""
    rid = parse_id(endpoint_id)
    zone_groups = clients.for_subscription(rid.subscription).network.private_dns_zone_groups
    group = next(iter(zone_groups.list(private_endpoint_name=rid.name, resource_group_name=rid.resource_group)), None)
    return settle(group, lambda: zone_groups.get(rid.resource_group, rid.name, group.name))


def zone_configs(group: PrivateDnsZoneGroup | None) -> dict[str, str]:
    """Config name -> zone id, of a zone group's configs, in their order."""
    return {c.name: c.private_dns_zone_id for c in (group.private_dns_zone_configs or [])} if group else {}


def zone_group_body(zone_ids: list[str], keep: dict[str, str] | None = None) -> dict:
    """The whole zone group (a PUT replaces its configs): the configs ``keep`` (name -> zone id, what is there now)
    and one for each of ``zone_ids`` they do not name yet."""
    configs = dict(keep or {})
    held = {z.lower() for z in configs.values()}
    for zone_id in zone_ids:
        if zone_id.lower() not in held:
            configs[_config_name(zone_id, configs)] = zone_id
            held.add(zone_id.lower())
    return {"properties": {"privateDnsZoneConfigs": [
        {"name": name, "properties": {"privateDnsZoneId": zone_id}} for name, zone_id in configs.items()]}}


def _config_name(zone_id: str, taken: dict[str, str]) -> str:
    """A config name: the zone's name with dashes, unless a config has it (Azure refuses two of one name)."""
    base = name = zone_id.rsplit("/", 1)[-1].replace(".", "-")
    suffix = 2
    while name.lower() in {t.lower() for t in taken}:
        name, suffix = f"{base}-{suffix}", suffix + 1
    return name
