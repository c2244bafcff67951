"""The writes that undo a run: a resource deleted by its id, fields put back by a PATCH by id, a private DNS A record
set put back as it was.

A DELETE by id through the generic resources client works for every type a run makes (vaults, endpoints, zone
groups, virtual network links, role assignments and definitions, Migrate projects): ARM routes it to the provider by
the id's type, with that type's api-version ("Resources - Delete By Id", Azure/azure-rest-api-specs resources.json).
"""

from __future__ import annotations

from typing import Any

from ..azure import AzureClients
from ..azure.ids import parse_id
from ..azure.requests import Write, deferred


def delete_by_id(clients: AzureClients, resource_id: str, api_version: str) -> Write:
    """The DELETE of ``resource_id`` (waited for when ARM answers 202)."""
    subscription = resource_id.split("/")[2]  # a custom role definition's id has no resource group
    resources = clients.for_subscription(subscription).resources.resources
    return deferred(resources.begin_delete_by_id, resource_id, api_version=api_version)


def put_a_record(clients: AzureClients, record_id: str, body: dict[str, Any]) -> Write:
    """The PUT of the A record set ``record_id`` holding what ``body`` (ARM's JSON of a record set, as a snapshot
    keeps it) held: its TTL, its addresses, its metadata."""
    rid = parse_id(record_id)
    zone = record_id.split("/privateDnsZones/", 1)[1].split("/", 1)[0]
    held = body.get("properties") or {}
    put = {"properties": {k: held[k] for k in ("ttl", "aRecords", "metadata") if held.get(k) is not None}}
    dns = clients.for_subscription(rid.subscription).privatedns
    return deferred(dns.record_sets.create_or_update, rid.resource_group, zone, "A", rid.name, put)


def patch_by_id(clients: AzureClients, resource_id: str, api_version: str, body: dict[str, Any]) -> Write:
    """The PATCH of ``resource_id`` with ``body`` (the fields a run updated, as they were before it): "Resources -
    Update By Id" routes it to the provider, which merges it into the resource (waited for when ARM answers 202)."""
    resources = clients.for_subscription(resource_id.split("/")[2]).resources.resources
    return deferred(resources.begin_update_by_id, resource_id, api_version=api_version, parameters=body)
