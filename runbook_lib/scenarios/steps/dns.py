"""The private DNS zones, their links to the VNets, and the A records the zones lack, as step rows."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from ...azure.ids import parse_id
from ...azure.requests import ALREADY_MADE, AlreadyMade
from ...dns.choices import DEFAULT_TTL
from ...dns.entries import entries_for, ready_entries
from ...dns.records import COLUMNS, CONFLICT, RecordPlan, apply_plan, plan_links, plan_records
from ...engine import Row, Run, Step, blocked, create, unchanged
from ...errors import ConcurrentChange
from ...journal import CheckResult, Journal
from ...ops import arm, endpoints
from .endpoint import zone_group_row
from .leftovers import leftover_row, put_again
from .parameters import VaultEndpointParameters, vault_of


def zone_rows(run: Run, zones_group: str, zone_names: list[str], reason: str = "") -> list[Row]:
    """The private DNS zones ``zone_names`` in resource group ``zones_group``: unchanged, or created."""
    group = parse_id(zones_group)
    dns = run.clients.for_subscription(group.subscription).privatedns
    existing = {z.name.lower() for z in dns.private_zones.list_by_resource_group(group.resource_group)}
    rows = []
    for zone in zone_names:
        zone_id = f"{zones_group}/providers/Microsoft.Network/privateDnsZones/{zone}"
        # written as `dns apply` writes zones: If-None-Match, and a zone another run made meanwhile is already made
        plan = RecordPlan(zones_group, DEFAULT_TTL, pd.DataFrame([dict.fromkeys(COLUMNS, "") | {
            "Kind": "zone", "Zone": zone.lower(), "Name": zone.lower(), "Action": "create"}], columns=COLUMNS))
        rows.append(_settled_zone_row(run, zone_id) if zone.lower() in existing else
                    create(zone_id, "global", _apply_row(run, plan, plan.table.index[0], zone_id), reason))
    return rows


def _settled_zone_row(run: Run, zone_id: str) -> Row:
    """A zone that exists, once no operation runs on it: in place, or Failed (put again), or still in progress."""
    rid = parse_id(zone_id)
    zones = run.clients.for_subscription(rid.subscription).privatedns.private_zones
    zone = arm.get_settled(zones.get, rid.resource_group, rid.name)
    if zone is None:  # deleted meanwhile: the next plan creates it
        return unchanged(zone_id)
    return leftover_row(zone_id, zone, put_again(zones.begin_create_or_update, zone_id, zone)) or unchanged(zone_id)


def _settled_link_row(run: Run, row: Row) -> Row:
    """A zone's link that exists, once no operation runs on it: in place, or Failed (put again), or in progress."""
    rid = parse_id(row.resource)
    zone, name = row.resource.split("/privateDnsZones/", 1)[1].split("/virtualNetworkLinks/", 1)
    links = run.clients.for_subscription(rid.subscription).privatedns.virtual_network_links
    link = arm.get_settled(links.get, rid.resource_group, zone, name)
    if link is None:
        return row
    return leftover_row(row.resource, link, put_again(links.begin_create_or_update, row.resource, link, zone, name)) \
        or row


class IntegrateZones(Step):
    id, title, section = "zones", "The private DNS zones and the endpoint's zone group", \
        "When integrating private endpoints with Azure private DNS zones"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no private DNS zones")]
        vault = vault_of(run)
        zones = p.zone_names(vault.location if vault else p.location)
        return zone_rows(run, p.zones_resource_group, zones) + [
            zone_group_row(run, p.endpoint_id, [p.zone_id(z) for z in zones],
                           "Azure writes the endpoint's records into these zones")]


class LinkZones(Step):
    id, title, section = "links", "Link the zones to the endpoint's VNet and the clients' VNets", \
        "Validate virtual network links in private DNS zones"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone links")]
        vault = vault_of(run)
        if vault is None:
            return [unchanged(p.zones_resource_group, reason="after the vault exists")]
        plan = plan_links(run.clients, p.zone_names(vault.location), p.zones_resource_group,
                          [p.vnet_id, *p.link_vnets])
        rows = record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")
        return [_settled_link_row(run, row) if row.action == "none" else row for row in rows]


class DnsRecords(Step):
    """The A records of the vault's endpoint (and of the storage endpoints Backup adds beside it) in the zones,
    for zones the vault's identity may not write (another subscription) and a second look after each stage."""

    id, title = "dns-records", "Create the DNS records the zones lack"
    section = "Create DNS entries when the DNS server/DNS zone is present in another subscription"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: `runbook dns export` gives your DNS server's "
                                                    "records")]
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            return [unchanged(p.endpoint_id, reason="after the endpoint exists")]
        entries = ready_entries(entries_for(run.clients, [p.endpoint_id]))
        plan = plan_records(run.clients, entries, p.zones_resource_group, ttl=p.ttl)
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/A/{row['Name']}")


def record_plan_rows(run: Run, plan: RecordPlan, resource) -> list[Row]:
    """A dns.records plan as step rows. A conflict blocks: a record is never overwritten by a runbook."""
    rows = []
    for index, row in plan.table.iterrows():
        if row["Action"] == "unchanged":
            rows.append(unchanged(resource(row), row["Current"]))
        elif row["Action"] == "create":
            rows.append(create(resource(row), row["Desired"], _apply_row(run, plan, index, resource(row))))
        elif row["Action"] == "conflict" and row["Kind"] == "link":
            rows.append(blocked(resource(row), row["Reason"]))  # Azure refuses the link: the fix is in the reason
        elif row["Action"] == "conflict":
            rows.append(blocked(resource(row), f"holds {row['Current']}, not {row['Desired']}: another endpoint's "
                                               "or a stale record; check it, then `runbook dns apply "
                                               "--overwrite-conflicts`"))
        elif run.will_change("zones"):
            rows.append(unchanged(resource(row), reason=f"once step 'zones' has created {row['Zone']}"))
        else:
            rows.append(blocked(resource(row), f"zone {row['Zone']} is missing in {plan.zones}"))
    return rows


def _apply_row(run: Run, plan: RecordPlan, index, resource: str):
    """The write of one row of ``plan`` (through dns.records, which converges with runs at the same time): (what
    it made, its request id); AlreadyMade when another run made it meanwhile; ConcurrentChange when another run
    made something else there (the engine journals each)."""
    def write():
        journal = Journal()
        # the step 'prerequisites' checked the caller's rights up front
        done = apply_plan(run.clients, RecordPlan(plan.zones, plan.ttl, plan.table.loc[[index]]), journal=journal,
                          check_rights=False)
        result = done["Result"].iloc[0]
        if result == ALREADY_MADE:
            check = next(e for e in journal.entries if isinstance(e, CheckResult))
            return AlreadyMade(check.resource, f"{ALREADY_MADE}: {check.detail}"), None
        if result.startswith(f"{CONFLICT}:"):
            raise ConcurrentChange(f"{resource.rsplit('/', 1)[-1]}: {result.removeprefix(f'{CONFLICT}: ')}")
        change = journal.changes[0]
        return SimpleNamespace(id=change.resource_id), change.request_id
    return write
