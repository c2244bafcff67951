"""Private DNS: zones, their virtual network links and A record sets, and private endpoints' zone groups. The one
place the package reads A records from (dns.records, dns.checks and the zone guard all use ``a_records``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from azure.core.exceptions import ResourceNotFoundError

from ..azure import AzureClients
from ..azure.ids import parse_id
from ..azure.requests import Write, deferred
from .arm import arm_set, get_or_none, get_settled, put_as_read, settle

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateDnsZoneGroup
    from azure.mgmt.privatedns.models import PrivateZone, VirtualNetworkLink

ZONES = "Microsoft.Network/privateDnsZones"
# "Azure Private Endpoint DNS configuration", section "Private DNS zone group": each zone group supports up to five
# DNS zones, and one private endpoint has one zone group at most.
MAX_ZONE_CONFIGS = 5
DEFAULT_ZONE_GROUP = "default"


class ARecords(NamedTuple):
    """An A record set as a plan needs it: its addresses (in the set's order) and its ETag."""

    ips: tuple[str, ...]
    etag: str


def zone_id(resource_group_id: str, zone: str) -> str:
    return f"{resource_group_id}/providers/{ZONES}/{zone}"


def _dns(clients: AzureClients, subscription: str):
    return clients.for_subscription(subscription).privatedns


# --- zones ------------------------------------------------------------------------------------------------------


def zones_in_group(clients: AzureClients, resource_group_id: str) -> list[PrivateZone]:
    """The zones of a resource group (ResourceNotFoundError when the group does not exist)."""
    rid = parse_id(resource_group_id)
    return list(_dns(clients, rid.subscription).private_zones.list_by_resource_group(rid.resource_group))


def zone_names_in_group(clients: AzureClients, resource_group_id: str) -> set[str]:
    """The zones' names, in lower case."""
    return {arm_set(z.name).lower() for z in zones_in_group(clients, resource_group_id)}


def zones_in_subscription(clients: AzureClients, subscription: str) -> list[PrivateZone]:
    return list(_dns(clients, subscription).private_zones.list())


def get_zone(clients: AzureClients, zone_id_: str) -> PrivateZone | None:
    """The zone, once no operation runs on it (ops.arm.get_settled); None when missing."""
    rid = parse_id(zone_id_)
    return get_settled(_dns(clients, rid.subscription).private_zones.get, rid.resource_group, rid.name)


def zone_exists(clients: AzureClients, zone_id_: str) -> bool:
    """A plain read (no wait): the zone is there."""
    rid = parse_id(zone_id_)
    return get_or_none(_dns(clients, rid.subscription).private_zones.get, rid.resource_group, rid.name) is not None


def put_zone_again(clients: AzureClients, zone_id_: str, zone: PrivateZone) -> Write:
    """The zone put again as read (a Failed zone back to Succeeded)."""
    rid = parse_id(zone_id_)
    return put_as_read(_dns(clients, rid.subscription).private_zones.begin_create_or_update, zone_id_, zone)


# --- virtual network links --------------------------------------------------------------------------------------


def _link_parts(link_id: str) -> tuple[str, str, str, str]:
    """(subscription, resource group, zone, link) of a link's id."""
    rid = parse_id(link_id)
    zone, name = link_id.split("/privateDnsZones/", 1)[1].split("/virtualNetworkLinks/", 1)
    return rid.subscription, rid.resource_group, zone, name


def links_of(clients: AzureClients, zone_id_: str) -> list[VirtualNetworkLink]:
    """The zone's links (ResourceNotFoundError when the zone does not exist)."""
    rid = parse_id(zone_id_)
    return list(_dns(clients, rid.subscription).virtual_network_links.list(rid.resource_group, rid.name))


def linked_vnets(clients: AzureClients, zone_id_: str) -> dict[str, str]:
    """VNet id (lower case) -> the name of the link to it, of the zone's links."""
    return {
        (link.virtual_network.id or "").lower(): arm_set(link.name)
        for link in links_of(clients, zone_id_)
        if link.virtual_network
    }


def get_link(clients: AzureClients, link_id: str) -> VirtualNetworkLink | None:
    """The link, once no operation runs on it; None when missing."""
    subscription, group, zone, name = _link_parts(link_id)
    return get_settled(_dns(clients, subscription).virtual_network_links.get, group, zone, name)


def put_link_again(clients: AzureClients, link_id: str, link: VirtualNetworkLink) -> Write:
    """The link put again as read (a Failed link back to Succeeded)."""
    subscription, _, zone, name = _link_parts(link_id)
    return put_as_read(
        _dns(clients, subscription).virtual_network_links.begin_create_or_update, link_id, link, zone, name
    )


# --- A records --------------------------------------------------------------------------------------------------


def a_records(clients: AzureClients, zone_id_: str) -> dict[str, ARecords]:
    """Record name (lower case) -> its A records; empty when the zone does not exist."""
    rid = parse_id(zone_id_)
    try:
        listed = _dns(clients, rid.subscription).record_sets.list_by_type(rid.resource_group, rid.name, "A")
        return {r.name.lower(): _a_records_of(r) for r in listed}
    except ResourceNotFoundError:
        return {}


def a_record(clients: AzureClients, zone_id_: str, name: str) -> ARecords | None:
    """One A record set of the zone; None when it (or the zone) does not exist."""
    rid = parse_id(zone_id_)
    found = get_or_none(_dns(clients, rid.subscription).record_sets.get, rid.resource_group, rid.name, "A", name)
    return None if found is None else _a_records_of(found)


def delete_a_record(clients: AzureClients, zone_id_: str, name: str, etag: str) -> Write:
    """The DELETE of one A record set, only while it holds what was read (its ETag: If-Match)."""
    rid = parse_id(zone_id_)
    return deferred(
        _dns(clients, rid.subscription).record_sets.delete,
        rid.resource_group,
        rid.name,
        "A",
        name,
        if_match=etag or None,
    )


def _a_records_of(record_set) -> ARecords:
    return ARecords(tuple(a.ipv4_address for a in record_set.a_records or []), record_set.etag or "")


# --- private endpoints' zone groups -----------------------------------------------------------------------------


def zone_groups_of(clients: AzureClients, endpoint_id: str) -> list[PrivateDnsZoneGroup]:
    rid = parse_id(endpoint_id)
    groups = clients.for_subscription(rid.subscription).network.private_dns_zone_groups
    return list(groups.list(private_endpoint_name=rid.name, resource_group_name=rid.resource_group))


def zone_group(clients: AzureClients, endpoint_id: str) -> PrivateDnsZoneGroup | None:
    """The endpoint's zone group, whatever its name (the portal's and other tools' are not always 'default'), once no
    operation runs on it."""
    rid = parse_id(endpoint_id)
    zone_groups = clients.for_subscription(rid.subscription).network.private_dns_zone_groups
    group = next(iter(zone_groups_of(clients, endpoint_id)), None)
    if group is None:
        return None
    name = arm_set(group.name)
    return settle(group, lambda: zone_groups.get(rid.resource_group, rid.name, name))


def zone_configs(group: PrivateDnsZoneGroup | None) -> dict[str, str]:
    """Config name -> zone id, of a zone group's configs, in their order."""
    return {c.name: c.private_dns_zone_id for c in (group.private_dns_zone_configs or [])} if group else {}


def zone_group_body(zone_ids: list[str], keep: dict[str, str] | None = None) -> dict:
    """The whole zone group (a PUT replaces its configs): the configs ``keep`` (name -> zone id, what is there now)
    and one for each of ``zone_ids`` they do not name yet."""
    configs = dict(keep or {})
    held = {z.lower() for z in configs.values()}
    for zone in zone_ids:
        if zone.lower() not in held:
            configs[_config_name(zone, configs)] = zone
            held.add(zone.lower())
    return {
        "properties": {
            "privateDnsZoneConfigs": [
                {"name": name, "properties": {"privateDnsZoneId": zone}} for name, zone in configs.items()
            ]
        }
    }


def _config_name(zone: str, taken: dict[str, str]) -> str:
    """A config name: the zone's name with dashes, unless a config has it (Azure refuses two of one name)."""
    base = name = zone.rsplit("/", 1)[-1].replace(".", "-")
    suffix = 2
    while name.lower() in {t.lower() for t in taken}:
        name, suffix = f"{base}-{suffix}", suffix + 1
    return name


def put_zone_group(clients: AzureClients, endpoint_id: str, name: str, body: dict) -> Write:
    """The PUT of the endpoint's zone group ``name`` (the whole group: its configs are replaced)."""
    rid = parse_id(endpoint_id)
    return deferred(
        clients.for_subscription(rid.subscription).network.private_dns_zone_groups.begin_create_or_update,
        rid.resource_group,
        rid.name,
        name,
        body,
    )
