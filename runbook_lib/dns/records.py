"""A records for endpoints in private DNS zones that may live in another subscription (CreateDNSEntries.ps1,
done right): a plan first, then exactly the planned changes, never a silent overwrite.

The plan has one row per record (create, unchanged, conflict: the record holds another IP, zone-missing) and, when
asked, rows for zones to create and VNet links to add (a conflict: the VNet is linked to another zone of that name).
Applying checks every row first and writes all of them or none (dns.preflight). It writes zones and links with
If-None-Match and records with ETag conditions, so what appeared or changed after the plan is never overwritten; a
conflict is replaced only when asked, and the value it held goes to the journal. Runs that share the hub's zones
race for the same links and zones: a write refused on its condition is read again, and is "already made by another
change" when what is there is what was planned; else the row is planned once more against what is there (a link
name another VNet took, a record that vanished), written once more, and otherwise reported as a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError

from ..azure import AzureClients
from ..azure.errors import arm_code
from ..azure.ids import RESOURCE_GROUP, parse_typed_id
from ..azure.requests import ALREADY_MADE, call_with_request_id
from ..journal import Change, CheckResult, CheckStatus, Journal
from ..ops import privatedns
from ..progress import Progress, no_progress
from .choices import DEFAULT_TTL, checked_ttl
from .entry_file import check_entries
from .links import LINK, link_rows, mark_linked_elsewhere
from .preflight import refusals, writes
from .zones import check_zones_to_create

COLUMNS = ["Kind", "Zone", "Name", "Action", "Current", "Desired", "Reason", "ETag"]
ZONES_TYPE = "Microsoft.Network/privateDnsZones"
CONFLICT = "conflict"  # a Result: another change made the row otherwise after the plan (never overwritten)


@dataclass
class RecordPlan:
    """What applying would change in the zones of one resource group. ``table`` has COLUMNS."""

    zones: str  # the resource group id holding the zones
    ttl: int
    table: pd.DataFrame = field(repr=False)

    def _repr_html_(self) -> str:
        return self.table.drop(columns="ETag").to_html(index=False)


def plan_records(
    clients: AzureClients,
    entries: pd.DataFrame,
    zones: str,
    *,
    create_missing_zones: bool = False,
    link_vnets: Sequence[str] = (),
    ttl: int = DEFAULT_TTL,
    allowed_zones: Sequence[str] = (),
) -> RecordPlan:
    """The plan for the entries' A records (columns ResourceName, DNS, PrivateIP) in the zones of resource group
    ``zones`` (an id); reads one zone list, plus one record list (and one link list with ``link_vnets``) per zone,
    and, for links to add, the zones of the same names elsewhere (dns.links). ``create_missing_zones`` creates only
    private-link zones the runbooks use, and ``allowed_zones``: another is an InputError."""
    checked_ttl(ttl)
    group = parse_typed_id(zones, RESOURCE_GROUP, "--zones")
    for vnet in link_vnets:
        parse_typed_id(vnet, "Microsoft.Network/virtualNetworks", "--link")
    entries = check_entries(entries)
    existing = privatedns.zone_names_in_group(clients, group.id)
    if create_missing_zones:
        check_zones_to_create([z for z in dict.fromkeys(entries["DNS"]) if z not in existing], allowed_zones)
    rows = []
    for zone, records in entries.groupby("DNS", sort=False):
        found = zone in existing
        if not found and create_missing_zones:
            rows.append(_row("zone", zone, zone, "create", reason="not in the resource group: created"))
        current = privatedns.a_records(clients, privatedns.zone_id(group.id, zone)) if found else {}
        for entry in records.itertuples(index=False):
            rows.append(_record_row(zone, entry.ResourceName, entry.PrivateIP, current, found, create_missing_zones))
        if link_vnets:
            rows += link_rows(clients, group.id, zone, link_vnets, found, create_missing_zones, _row)
    rows = mark_linked_elsewhere(clients, group, rows)
    return RecordPlan(group.id, ttl, pd.DataFrame(rows, columns=COLUMNS))


def plan_links(
    clients: AzureClients,
    zone_names: Sequence[str],
    zones: str,
    vnets: Sequence[str],
    *,
    create_missing_zones: bool = False,
    allowed_zones: Sequence[str] = (),
) -> RecordPlan:
    """The plan for linking the zones ``zone_names`` of resource group ``zones`` to ``vnets`` (a missing zone is
    zone-missing, unless it is to be created; a VNet linked to another zone of the same name is a conflict)."""
    group = parse_typed_id(zones, RESOURCE_GROUP, "--zones")
    for vnet in vnets:
        parse_typed_id(vnet, "Microsoft.Network/virtualNetworks", "--link")
    existing = privatedns.zone_names_in_group(clients, group.id)
    names = list(dict.fromkeys(z.lower() for z in zone_names))
    if create_missing_zones:
        check_zones_to_create([z for z in names if z not in existing], allowed_zones)
    rows = [
        row
        for zone in names
        for row in link_rows(clients, group.id, zone, vnets, zone in existing, create_missing_zones, _row)
    ]
    return RecordPlan(group.id, DEFAULT_TTL, pd.DataFrame(mark_linked_elsewhere(clients, group, rows), columns=COLUMNS))


def apply_plan(
    clients: AzureClients,
    plan: RecordPlan,
    *,
    overwrite_conflicts: bool = False,
    journal: Journal | None = None,
    progress: Progress = no_progress,
    check_rights: bool = True,
) -> pd.DataFrame:
    """Make the plan's changes, zones, then links, then records, or none of them. Returns the plan with a
    ``Result`` column: created, replaced, unchanged; or, when any row is refused (dns.preflight: a conflict not to
    be overwritten, a missing zone, a VNet linked to another zone of the same name, a bad name, no right to write;
    ``check_rights`` asks ARM's permissions API), 'refused: why' on those rows and 'not written' on the others.
    ``progress``: tqdm (or alike) for a bar over the writes.

    A row another change made meanwhile is 'already made by another change' (a 'pass' check in the journal); one it made
    otherwise is 'conflict: what is there' (a 'fail' check), and never overwritten.
    """
    journal = journal if journal is not None else Journal()
    group = parse_typed_id(plan.zones, RESOURCE_GROUP, "--zones")
    dns = clients.for_subscription(group.subscription).privatedns
    table = plan.table.copy()
    writing = writes(table, overwrite_conflicts)
    refused = refusals(
        clients,
        table,
        group.id,
        overwrite_conflicts=overwrite_conflicts,
        check_rights=check_rights and bool(writing.any()),
    )
    if refused:
        table["Result"] = [
            f"refused: {refused[index]}"
            if index in refused
            else "not written: the apply was refused"
            if writing[index]
            else "unchanged"
            for index in table.index
        ]
        return table
    table["Result"] = ["" if writing[index] else "unchanged" for index in table.index]
    order = [
        (index, row)
        for kind in ("zone", "link", "record")
        for index, row in table[(table["Kind"] == kind) & writing].iterrows()
    ]
    for index, row in progress(order, total=len(order), desc="dns records", unit="write", leave=False):
        table.at[index, "Result"] = _apply_row(clients, dns, group.resource_group, plan, row, journal)
    return table


def _row(
    kind: str, zone: str, name: str, action: str, current: str = "", desired: str = "", reason: str = "", etag: str = ""
) -> dict:
    return dict(zip(COLUMNS, (kind, zone, name, action, current, desired, reason, etag)))


def _record_row(zone: str, name: str, ip: str, current: dict, zone_found: bool, create_zones: bool) -> dict:
    if not zone_found:
        if create_zones:
            return _row("record", zone, name, "create", desired=ip, reason="in the new zone")
        return _row(
            "record",
            zone,
            name,
            "zone-missing",
            desired=ip,
            reason="no such zone in the resource group: --create-missing-zones creates it",
        )
    if name not in current:
        return _row("record", zone, name, "create", desired=ip)
    ips, etag = list(current[name].ips), current[name].etag
    if ips == [ip]:
        return _row("record", zone, name, "unchanged", ", ".join(ips), ip, etag=etag)
    reason = (
        f"also holds {', '.join(i for i in ips if i != ip)}"
        if ip in ips
        else "holds another IP: another endpoint's, or a stale one"
    )
    return _row(
        "record",
        zone,
        name,
        "conflict",
        ", ".join(ips),
        ip,
        f"{reason}; --overwrite-conflicts replaces it (the old value goes to the journal)",
        etag,
    )


def _apply_row(
    clients: AzureClients, dns, resource_group: str, plan: RecordPlan, row: pd.Series, journal: Journal
) -> str:
    """Write one row; when ARM refuses it on its condition, read again and converge (once)."""
    try:
        return _write_row(dns, resource_group, plan, row, journal)
    except HttpResponseError as error:
        if not _lost_race(error):
            raise
    again = replan_row(clients, plan.zones, row)
    if again["Action"] == "create" or _same_conflict(row, again):  # the name is free again, or still as planned
        try:
            return _write_row(dns, resource_group, plan, pd.Series(again), journal)
        except HttpResponseError as error:
            if not _lost_race(error):
                raise
        again = replan_row(clients, plan.zones, row)
    resource = _resource_id(plan, again)
    if again["Action"] == "unchanged":
        journal.record(CheckResult(ALREADY_MADE, resource, CheckStatus.PASS, _as_planned(again)))
        return ALREADY_MADE
    what = _what_is_there(row, again)
    journal.record(CheckResult("concurrent change", resource, CheckStatus.FAIL, what))
    return f"{CONFLICT}: {what}"


def _lost_race(error: HttpResponseError) -> bool:
    """ARM refused a write because of what another change made: a record's condition (412), a zone's or link's
    (202, then the operation fails with PreconditionFailed), a link of the VNet under another name, or a zone whose
    creation by another run is still queued (409 Conflict, "Operation group ... already has 1 operations like
    UpsertPrivateDnsZone queued", as reported in Azure-Samples/azure-ml-federated-learning#137)."""
    return error.status_code in (409, 412) or arm_code(error) == "PreconditionFailed"


def replan_row(clients: AzureClients, zones_group: str, row: pd.Series) -> dict:
    """The row planned again against what the zones of resource group ``zones_group`` (an id) hold now (reads one
    zone, one link list or one record)."""
    zone, name = row["Zone"], row["Name"]
    zone_id = privatedns.zone_id(zones_group, zone)
    found = privatedns.zone_exists(clients, zone_id)
    if row["Kind"] == "zone":
        return (
            _row("zone", zone, zone, "unchanged", "exists")
            if found
            else _row("zone", zone, zone, "create", reason="not in the resource group: created")
        )
    if row["Kind"] == LINK:
        return link_rows(clients, zones_group, zone, [row["Desired"]], found, False, _row)[0]
    record = privatedns.a_record(clients, zone_id, name) if found else None
    current = {} if record is None else {name: record}
    return _record_row(zone, name, row["Desired"], current, found, False)


def _same_conflict(planned: pd.Series, again: dict) -> bool:
    """A record to replace (asked for) that still holds what the plan showed: only its ETag moved on."""
    return (
        planned["Action"] == again["Action"] == "conflict"
        and planned["Current"] == again["Current"]
        and planned["Kind"] == "record"
    )


def _as_planned(again: dict) -> str:
    if again["Kind"] == "zone":
        return f"{again['Zone']} exists, as planned"
    if again["Kind"] == LINK:
        return f"{again['Current'].rsplit('/', 1)[-1]} is linked to {again['Zone']} by {again['Name']}, as planned"
    return f"{again['Name']} in {again['Zone']} holds {again['Current']}, as planned"


def _what_is_there(planned: pd.Series, again: dict) -> str:
    if again["Action"] == "zone-missing":
        return f"zone {planned['Zone']} is gone from the resource group: plan again"
    if planned["Kind"] == LINK:
        return f"{again['Reason'] or 'another change made a link here'}; plan again"
    return (
        f"another change made {planned['Name']} in {planned['Zone']} after the plan: it holds "
        f"{again['Current']}, not {planned['Desired']}; check it, then plan again (--overwrite-conflicts "
        "replaces it)"
    )


def _resource_id(plan: RecordPlan, row) -> str:
    zone_id = f"{plan.zones}/providers/{ZONES_TYPE}/{row['Zone']}"
    return {"zone": zone_id, LINK: f"{zone_id}/virtualNetworkLinks/{row['Name']}"}.get(
        row["Kind"], f"{zone_id}/A/{row['Name']}"
    )


def _write_row(dns, resource_group: str, plan: RecordPlan, row: pd.Series, journal: Journal) -> str:
    zone, name = row["Zone"], row["Name"]
    zone_id = f"{plan.zones}/providers/{ZONES_TYPE}/{zone}"
    if row["Kind"] == "zone":
        _, request = call_with_request_id(
            dns.private_zones.begin_create_or_update,
            resource_group,
            zone,
            {"location": "global"},
            match_condition=MatchConditions.IfMissing,
        )
        journal.record(Change(zone_id, "create", None, {"location": "global"}, request))
        return "created"
    if row["Kind"] == "link":
        body = {
            "location": "global",
            "properties": {"virtualNetwork": {"id": row["Desired"]}, "registrationEnabled": False},
        }
        _, request = call_with_request_id(
            dns.virtual_network_links.begin_create_or_update,
            resource_group,
            zone,
            name,
            body,
            match_condition=MatchConditions.IfMissing,
        )
        journal.record(
            Change(f"{zone_id}/virtualNetworkLinks/{name}", "create", None, {"virtualNetwork": row["Desired"]}, request)
        )
        return "created"
    return _write_record(dns, resource_group, plan, row, zone_id, journal)


def _write_record(dns, resource_group: str, plan: RecordPlan, row: pd.Series, zone_id: str, journal: Journal) -> str:
    replacing = row["Action"] == "conflict"
    condition = (
        {"etag": row["ETag"], "match_condition": MatchConditions.IfNotModified}
        if replacing
        else {"match_condition": MatchConditions.IfMissing}
    )
    body = {"properties": {"ttl": plan.ttl, "aRecords": [{"ipv4Address": row["Desired"]}]}}
    _, request = call_with_request_id(
        dns.record_sets.create_or_update, resource_group, row["Zone"], "A", row["Name"], body, **condition
    )
    before = row["Current"].split(", ") if replacing else None
    journal.record(
        Change(f"{zone_id}/A/{row['Name']}", "replace" if replacing else "create", before, [row["Desired"]], request)
    )
    return "replaced" if replacing else "created"
