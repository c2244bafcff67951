"""The private DNS zones, their links to the VNets, and the A records the zones lack, as step rows."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pandas as pd

from ...azure.requests import ALREADY_MADE, AlreadyMade
from ...dns.choices import DEFAULT_TTL
from ...dns.entries import entries_for, ready_entries
from ...dns.records import COLUMNS, CONFLICT, RecordPlan, apply_plan, plan_links, plan_records
from ...engine import Action, Row, Run, Step, blocked, create, unchanged
from ...errors import ConcurrentChange
from ...journal import CheckResult, Journal
from ...ops import endpoints, privatedns
from .endpoint import zone_group_row
from .leftovers import leftover_row
from .parameters import VaultEndpointParameters, vault_of

ZoneNames = Callable[[str], list[str]]  # the vault's region -> the zones a scenario's endpoint needs there


def zone_rows(run: Run, zones_group: str, zone_names: list[str], reason: str = "") -> list[Row]:
    """The private DNS zones ``zone_names`` in resource group ``zones_group``: unchanged, or created."""
    existing = privatedns.zone_names_in_group(run.clients, zones_group)
    rows = []
    for zone in zone_names:
        zone_id = f"{zones_group}/providers/Microsoft.Network/privateDnsZones/{zone}"
        # written as `dns apply` writes zones: If-None-Match, and a zone another run made meanwhile is already made
        plan = RecordPlan(
            zones_group,
            DEFAULT_TTL,
            pd.DataFrame(
                [
                    dict.fromkeys(COLUMNS, "")
                    | {"Kind": "zone", "Zone": zone.lower(), "Name": zone.lower(), "Action": "create"}
                ],
                columns=COLUMNS,
            ),
        )
        rows.append(
            _settled_zone_row(run, zone_id)
            if zone.lower() in existing
            else create(zone_id, "global", _apply_row(run, plan, plan.table.index[0], zone_id), reason)
        )
    return rows


def _settled_zone_row(run: Run, zone_id: str) -> Row:
    """A zone that exists, once no operation runs on it: in place, or Failed (put again), or still in progress."""
    zone = privatedns.get_zone(run.clients, zone_id)
    if zone is None:  # deleted meanwhile: the next plan creates it
        return unchanged(zone_id)
    return leftover_row(zone_id, zone, privatedns.put_zone_again(run.clients, zone_id, zone)) or unchanged(zone_id)


def _settled_link_row(run: Run, row: Row) -> Row:
    """A zone's link that exists, once no operation runs on it: in place, or Failed (put again), or in progress."""
    if row.resource.endswith("/"):  # a zone step 'zones' is still to make: no link to read yet
        return row
    link = privatedns.get_link(run.clients, row.resource)
    if link is None:
        return row
    return leftover_row(row.resource, link, privatedns.put_link_again(run.clients, row.resource, link)) or row


class IntegrateZones(Step):
    """The zones ``zones`` names for the vault's region (before the vault exists: the parameters' location), and
    the vault endpoint's zone group naming them."""

    id, title = "zones", "The private DNS zones and the endpoint's zone group"

    def __init__(self, source=None, *, zones: ZoneNames, **names):
        super().__init__(source, **names)
        self.zones = zones

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no private DNS zones")]
        vault = vault_of(run)
        zones = self.zones(vault.location if vault else p.location)
        return zone_rows(run, p.zones_resource_group, zones) + [
            zone_group_row(
                run,
                p.endpoint_id,
                [p.zone_id(z) for z in zones],
                "Azure writes the endpoint's records into these zones",
            )
        ]


class LinkZones(Step):
    """The links of the zones ``zones`` names for the vault's region to the endpoint's VNet and the clients'."""

    id, title = "links", "Link the zones to the endpoint's VNet and the clients' VNets"

    def __init__(self, source=None, *, zones: ZoneNames, **names):
        super().__init__(source, **names)
        self.zones = zones

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone links")]
        vault = vault_of(run)
        if vault is None:
            return [unchanged(p.zones_resource_group, reason="after the vault exists")]
        plan = plan_links(run.clients, self.zones(vault.location), p.zones_resource_group, [p.vnet_id, *p.link_vnets])
        rows = record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")
        return [_settled_link_row(run, row) if row.action == Action.UNCHANGED else row for row in rows]


class DnsRecords(Step):
    """The A records of the vault's endpoint (and of the storage endpoints Backup adds beside it) in the zones,
    for zones the vault's identity may not write (another subscription) and a second look after each stage."""

    id, title = "dns-records", "Create the DNS records the zones lack"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: `runbook dns export` gives your DNS server's records")]
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            return [unchanged(p.endpoint_id, reason="after the endpoint exists")]
        entries = ready_entries(entries_for(run.clients, [p.endpoint_id]))
        plan = plan_records(run.clients, entries, p.zones_resource_group, ttl=p.ttl)
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/A/{row['Name']}")


def record_plan_rows(run: Run, plan: RecordPlan, resource) -> list[Row]:
    """A dns.records plan as step rows. A conflict blocks: a record is never overwritten by a runbook."""
    rows = []
    for index, row in plan.table.iterrows():
        if row["Action"] == Action.UNCHANGED:
            rows.append(unchanged(resource(row), row["Current"]))
        elif row["Action"] == Action.CREATE:
            rows.append(create(resource(row), row["Desired"], _apply_row(run, plan, index, resource(row))))
        elif row["Action"] == "conflict" and row["Kind"] == "link":
            rows.append(blocked(resource(row), row["Reason"]))  # Azure refuses the link: the fix is in the reason
        elif row["Action"] == "conflict":
            rows.append(
                blocked(
                    resource(row),
                    f"holds {row['Current']}, not {row['Desired']}: another endpoint's "
                    "or a stale record; check it, then `runbook dns apply "
                    "--overwrite-conflicts`",
                )
            )
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
        done = apply_plan(
            run.clients, RecordPlan(plan.zones, plan.ttl, plan.table.loc[[index]]), journal=journal, check_rights=False
        )
        result = done["Result"].iloc[0]
        if result == ALREADY_MADE:
            check = next((e for e in journal.entries if isinstance(e, CheckResult)), None)  # what dns.records saw
            return AlreadyMade(
                check.resource if check else resource, f"{ALREADY_MADE}: {check.detail if check else 'in place'}"
            ), None
        if result.startswith(f"{CONFLICT}:"):
            raise ConcurrentChange(f"{resource.rsplit('/', 1)[-1]}: {result.removeprefix(f'{CONFLICT}: ')}")
        change = journal.changes[0]
        return SimpleNamespace(id=change.resource_id), change.request_id

    return write
