"""Snapshots of what a run looked at and touched: the resources its parameters name, its endpoints with their NICs
and zone groups, the private DNS zones they need with their A records and links, and every resource its journal
changed, each as ARM's JSON (a GET by id), taken before the run and after it.

A resource the run touched that the first snapshot could not foresee (a role assignment, say) gets its "before"
from the journal, which recorded it just before the change. Every read is a GET or a list (no write).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ..azure import AzureClients
from ..azure.errors import describe_arm_error
from ..azure.ids import RESOURCE_GROUP, parse_id
from ..dns.checks import inspect_endpoints
from ..errors import InputError
from ..journal import Change, Entry, open_intents

# API versions for a GET by id, by resource type (lower case): types the runbooks read or write
API_VERSIONS = {
    "microsoft.recoveryservices/vaults": "2024-04-01",
    "microsoft.recoveryservices/vaults/privateendpointconnections": "2024-04-01",
    "microsoft.network/privateendpoints": "2024-05-01",
    "microsoft.network/privateendpoints/privatednszonegroups": "2024-05-01",
    "microsoft.network/networkinterfaces": "2024-05-01",
    "microsoft.network/virtualnetworks": "2024-05-01",
    "microsoft.network/virtualnetworks/subnets": "2024-05-01",
    "microsoft.network/privatednszones": "2020-06-01",
    "microsoft.network/privatednszones/a": "2020-06-01",
    "microsoft.network/privatednszones/virtualnetworklinks": "2020-06-01",
    "microsoft.authorization/roleassignments": "2022-04-01",
    "microsoft.authorization/roledefinitions": "2022-04-01",  # a custom role (Backup's granular identity roles)
    "microsoft.storage/storageaccounts": "2023-05-01",
    "microsoft.storage/storageaccounts/privateendpointconnections": "2023-05-01",
    "microsoft.migrate/migrateprojects": "2020-05-01",
    "microsoft.keyvault/vaults": "2023-07-01",
}
ZONE = "Microsoft.Network/privateDnsZones"


def resource_ids_in(values: Mapping[str, Any]) -> list[str]:
    """The resource ids among parameter values (lists too); resource groups are left out (too wide to snapshot)."""
    found = []
    for value in values.values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, str) and item.startswith("/subscriptions/"):
                try:
                    if parse_id(item).type != RESOURCE_GROUP:
                        found.append(item)
                except InputError:
                    pass
    return found


def observed_ids(
    clients: AzureClients,
    values: Mapping[str, Any],
    endpoint_ids: Iterable[str],
    zone_groups: Iterable[str] = (),
    zone_ids: Iterable[str] = (),
) -> list[str]:
    """What a run is about: its parameters' resources, its endpoints (those that exist: their NICs, zone groups,
    and the zones they need), and ``zone_ids``; each zone with every A record set and link."""
    endpoint_ids = list(endpoint_ids)
    ids = [*resource_ids_in(values), *endpoint_ids]
    zones = [z for z in zone_ids if _exists(clients, z)]
    existing = [e for e in endpoint_ids if _exists(clients, e)]
    if existing:
        inspection = inspect_endpoints(clients, existing, zone_groups=list(zone_groups))
        for endpoint in inspection.endpoints:
            body = read_resource(clients, endpoint.id) or {}
            ids += [nic["id"] for nic in body.get("properties", {}).get("networkInterfaces", [])]
            ids += _zone_groups(clients, endpoint.id)
        zones += [z.id for found in inspection.zones.values() for z in found if z.id]
    for zone_id in dict.fromkeys(zones):
        ids += [zone_id, *_zone_children(clients, zone_id)]  # its record sets' and links' ids
    return list(dict.fromkeys(ids))


def snapshot(clients: AzureClients, ids: Iterable[str]) -> dict[str, Any]:
    """Each id -> ARM's JSON for it now; None when it does not exist; {'unreadable': why} when it cannot be read.

    A zone's A record sets and links are listed, a zone at a time (a zone may hold hundreds of records: one GET
    each would cost as many requests), everything else read by id."""
    ids = list(dict.fromkeys(ids))
    listed: dict[str, Any] = {}
    for zone_id in dict.fromkeys(z for z in map(_zone_of, ids) if z):
        listed.update({child.lower(): body for child, body in _zone_children(clients, zone_id).items()})
    return {i: listed.get(i.lower()) if _zone_of(i) else read_resource(clients, i) for i in ids}


def before_from_journal(entries: Iterable[Entry], taken: Mapping[str, Any]) -> dict[str, Any]:
    """For resources changed but not in the first snapshot: the 'before' the journal recorded at its first change."""
    found: dict[str, Any] = {}
    for entry in entries:
        if (
            isinstance(entry, Change)
            and entry.resource_id.startswith("/subscriptions/")
            and entry.resource_id not in taken
            and entry.resource_id not in found
        ):
            found[entry.resource_id] = {"from_journal": True, "before": entry.before}
    return found


def changed_ids(entries: Iterable[Entry]) -> list[str]:
    """The resources the journal changed (changes a later run found made by an interrupted one too) and those an
    open intent was about to write (its outcome unknown: the snapshot after the run shows what is there)."""
    entries = list(entries)
    written = [e.resource_id for e in entries if isinstance(e, Change)]
    intended = [
        urlsplit(i.request["url"]).path if i.request and i.request.get("url") else i.resource_id
        for i in open_intents(entries)
    ]
    return list(dict.fromkeys(i for i in [*written, *intended] if i.startswith("/subscriptions/")))


def replaced_records(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    """The DNS records a run replaced (an A record set updated or overwritten): what they held before."""
    return [
        {"record": e.resource_id, "before": e.before, "after": e.after, "time": e.time, "step": e.step}
        for e in entries
        if isinstance(e, Change) and "/A/" in e.resource_id and e.action != "create"
    ]


def read_resource(clients: AzureClients, resource_id: str) -> dict | None:
    """ARM's JSON for one resource (a GET by id), None when it does not exist."""
    subscription, kind = _subscription_and_type(resource_id)
    version = API_VERSIONS.get(kind.lower())
    if "/providers/microsoft.authorization/roleassignments/" in resource_id.lower():  # at a resource's scope too
        version = API_VERSIONS["microsoft.authorization/roleassignments"]
    if version is None:
        return {"unreadable": f"no API version known for {kind}"}
    try:
        # the SDK types get_by_id as a GenericResource whatever ``cls`` answers: here, ARM's JSON (a dict)
        return cast(
            "dict | None",
            clients.for_subscription(subscription).resources.resources.get_by_id(
                resource_id, api_version=version, cls=lambda response, _, __: response.http_response.json()
            ),
        )
    except ResourceNotFoundError:
        return None
    except HttpResponseError as error:
        return {"unreadable": describe_arm_error(error)}


def _subscription_and_type(resource_id: str) -> tuple[str, str]:
    """An id's subscription and type; a subscription-level id's too (a custom role definition names no group)."""
    if "/resourcegroups/" in resource_id.lower():
        rid = parse_id(resource_id)
        return rid.subscription, rid.type
    parts = resource_id.strip("/").split("/")  # subscriptions/SUB/providers/NAMESPACE/TYPE/NAME
    return parts[1], "/".join(parts[3:5])


def _exists(clients: AzureClients, resource_id: str) -> bool:
    body = read_resource(clients, resource_id)
    return body is not None and "unreadable" not in body


def _zone_groups(clients: AzureClients, endpoint_id: str) -> list[str]:
    rid = parse_id(endpoint_id)
    network = clients.for_subscription(rid.subscription).network
    return [
        cast(str, g.id)  # the SDK's models type every field optional; a resource ARM lists always has its id
        for g in network.private_dns_zone_groups.list(
            private_endpoint_name=rid.name, resource_group_name=rid.resource_group
        )
    ]


def _zone_children(clients: AzureClients, zone_id: str) -> dict[str, dict]:
    """The zone's A record sets and virtual network links, by id, as ARM's JSON; empty when the zone is gone."""
    rid = parse_id(zone_id)
    dns = clients.for_subscription(rid.subscription).privatedns
    try:
        children = [
            *dns.record_sets.list_by_type(rid.resource_group, rid.name, "A"),
            *dns.virtual_network_links.list(rid.resource_group, rid.name),
        ]
    except ResourceNotFoundError:
        return {}
    # these models hold ARM's JSON as it came; their ids are typed optional, but a listed resource always has one
    return {cast(str, child.id): child.as_dict() for child in children}


def _zone_of(resource_id: str) -> str | None:
    """The zone of an A record set or virtual network link id; None for anything else."""
    if "/privatednszones/" not in resource_id.lower():
        return None
    rid = parse_id(resource_id)
    if rid.type.lower() not in (f"{ZONE}/A".lower(), f"{ZONE}/virtualNetworkLinks".lower()):
        return None
    return resource_id[: resource_id.lower().index(f"/{rid.type.rsplit('/', 1)[1].lower()}/")]
