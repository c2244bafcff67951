"""Virtual network links of private DNS zones: which a plan adds, and which Azure would refuse.

A VNet resolves a name through one zone only: Azure refuses to link a VNet to a zone while it is linked to another
zone of the same name, in any resource group or subscription (Microsoft Learn, "Azure Private Link frequently asked
questions": "Can we link multiple private DNS zones with the same name?"; the link's operation fails with
BadRequest, "A virtual network cannot be linked to multiple zones with overlapping namespaces"). The plan shows
such a link as a conflict, with the fix, instead of a create that apply would fail on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from azure.core.exceptions import HttpResponseError

from ..azure import AzureClients
from ..azure.ids import ResourceId, name_of, parse_id
from ..ops import privatedns
from ..ops.arm import arm_set

LINK = "link"


def link_rows(
    clients: AzureClients, zones_group: str, zone: str, vnets: Sequence[str], zone_found: bool, create_zones: bool, row
) -> list[dict]:
    """The link rows of zone ``zone`` of resource group ``zones_group`` (an id) for ``vnets``: unchanged, create,
    or zone-missing (``row`` makes a plan row). Reads the zone's links when it exists."""
    links = privatedns.linked_vnets(clients, privatedns.zone_id(zones_group, zone)) if zone_found else {}
    rows = []
    for vnet in vnets:
        if vnet.lower() in links:
            rows.append(row(LINK, zone, links[vnet.lower()], "unchanged", vnet, vnet))
        elif zone_found or create_zones:
            rows.append(row(LINK, zone, link_name(vnet, links.values()), "create", desired=vnet))
        else:
            rows.append(row(LINK, zone, "", "zone-missing", desired=vnet, reason="no such zone to link"))
    return rows


def link_name(vnet_id: str, taken) -> str:
    """'link-{vnet}', with a short hash of the id when another VNet of that name holds it already."""
    name = f"link-{name_of(vnet_id)}"
    return name if name not in taken else f"{name}-{hashlib.sha256(vnet_id.lower().encode()).hexdigest()[:8]}"


def mark_linked_elsewhere(clients: AzureClients, group: ResourceId, rows: list[dict]) -> list[dict]:
    """``rows`` with each link to create turned into a conflict when its VNet is already linked to another zone of
    the same name. Reads one zone list per subscription (the zones' and the VNets') and the links of the zones
    whose name matches; a subscription the caller may not read is left out (Azure will say so at apply)."""
    wanted = [r for r in rows if r["Kind"] == LINK and r["Action"] == "create"]
    if not wanted:
        return rows
    names = {r["Zone"] for r in wanted}
    subscriptions = dict.fromkeys(
        s.lower() for s in (group.subscription, *(parse_id(r["Desired"]).subscription for r in wanted))
    )
    elsewhere: dict[tuple[str, str], str] = {}  # (zone name, vnet id lower) -> the other zone's id
    for subscription in subscriptions:
        for zone_id in _zones_named(clients, subscription, names):
            if parse_id(zone_id).resource_group_id.lower() == group.id.lower():
                continue
            for vnet in _linked_vnets(clients, zone_id):
                elsewhere.setdefault((name_of(zone_id).lower(), vnet), zone_id)
    for r in wanted:
        other = elsewhere.get((r["Zone"], r["Desired"].lower()))
        if other:
            r.update(Action="conflict", Current=other, Reason=linked_elsewhere_reason(r["Desired"], other))
    return rows


def linked_elsewhere_reason(vnet_id: str, zone_id: str) -> str:
    zone = parse_id(zone_id)
    return (
        f"{name_of(vnet_id)} is already linked to another {zone.name}, in {zone.resource_group} (subscription "
        f"{zone.subscription}), and a VNet resolves a name through one zone only: use that zone's resource "
        "group as zones_resource_group (or --zones), or unlink it there"
    )


def _zones_named(clients: AzureClients, subscription: str, names: set[str]) -> list[str]:
    try:
        zones = privatedns.zones_in_subscription(clients, subscription)
    except HttpResponseError as error:
        if error.status_code in (401, 403, 404):
            return []
        raise
    return [arm_set(z.id) for z in zones if arm_set(z.name).lower() in names]


def _linked_vnets(clients: AzureClients, zone_id: str) -> set[str]:
    return set(privatedns.linked_vnets(clients, zone_id))
