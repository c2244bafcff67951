"""No zone group writes over the records another endpoint of the same vault or storage account answers with."""

from __future__ import annotations

from ...azure.ids import name_of, parse_id
from ...dns.entries import entries_for
from ...engine import Row, Run, Step, blocked, unchanged
from ...ops import connections, migrate, privatedns, storage, vaults
from .dns import ZoneNames
from .parameters import VaultEndpointParameters, vault_of

STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"
VAULT = "Microsoft.RecoveryServices/vaults"


def _connected_endpoints(run: Run, target_id: str) -> list[str]:
    """The ids of the private endpoints connected to a vault or a storage account."""
    rid = parse_id(target_id)
    if rid.is_a(STORAGE_ACCOUNT):
        return storage.connected_endpoints(run.clients, target_id)
    if rid.is_a(VAULT):
        return vaults.connected_endpoints(run.clients, target_id)
    if rid.is_a(migrate.PROJECTS):  # a further project endpoint (add_endpoint)
        return [c.endpoint_id for c in connections.connections_of(run.clients, target_id) if c.endpoint_id]
    return []


def live_records_of_others(run: Run, target_id: str, own_endpoint: str, zone_ids: list[str]) -> list[dict]:
    """The records in ``zone_ids`` that another endpoint of ``target_id`` answers with now: the ones a zone group
    of ``own_endpoint`` would overwrite (same target, so the same names). Each: zone (id), record, ip, endpoint
    (name) and endpoint_id."""
    others = [e for e in _connected_endpoints(run, target_id) if e.lower() != own_endpoint.lower()]
    if not others:
        return []
    ids = {e.rsplit("/", 1)[-1].lower(): e for e in others}
    zones = {z.rsplit("/", 1)[-1].lower(): z for z in zone_ids}
    held: dict[str, dict[str, privatedns.ARecords]] = {}
    found = []
    for entry in entries_for(run.clients, others).itertuples(index=False):
        zone_id = zones.get(str(entry.DNS).lower())
        if zone_id is None:
            continue
        if zone_id not in held:
            held[zone_id] = privatedns.a_records(run.clients, zone_id)
        record = held[zone_id].get(str(entry.ResourceName).lower())
        if record is not None and entry.PrivateIP in record.ips:
            found.append(
                {
                    "zone": zone_id,
                    "record": entry.ResourceName,
                    "ip": entry.PrivateIP,
                    "endpoint": entry.PrivateEndpoint,
                    "endpoint_id": ids.get(str(entry.PrivateEndpoint).lower(), entry.PrivateEndpoint),
                }
            )
    return found


class ZoneOverwriteGuard(Step):
    """Before any zone group is made: none of the runbook's zone groups may write over the records that another endpoint
    of the same vault or storage account answers with now (the same target has the same record names: Site Recovery's
    private endpoints article warns of it). An endpoint's own records (the same endpoint run again) never block. A
    scenario lists the zone groups it makes (``zone_groups``); by default the vault endpoint's, over the zones ``zones``
    names for the vault's region (those of step 'zones')."""

    id, title = "zone-guard", "Check that no zone group overwrites another endpoint's DNS records"

    def __init__(self, source=None, *, zones: ZoneNames, **names):
        super().__init__(source, **names)
        self.zones = zones

    def zone_groups(self, run: Run) -> list[tuple[str, str, list[str]]]:
        """(target id, endpoint id, zone ids) of each zone group the runbook makes."""
        p: VaultEndpointParameters = run.params
        vault = vault_of(run)
        zones = self.zones(vault.location if vault else p.location)
        return [(p.vault, p.endpoint_id, [p.zone_id(z) for z in zones])]

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone group writes records")]
        rows = []
        for target, own, zone_ids in self.zone_groups(run):
            found = live_records_of_others(run, target, own, zone_ids)
            if not found:
                rows.append(
                    unchanged(
                        f"{own}/privateDnsZoneGroups/default",
                        ", ".join(z.rsplit("/", 1)[-1] for z in zone_ids),
                        f"no other endpoint of {name_of(target)} answers from these zones: this zone "
                        "group overwrites nothing",
                    )
                )
                continue
            rows += [
                blocked(zone_id, overwrite_reason(target, own, [r for r in found if r["zone"] == zone_id]))
                for zone_id in dict.fromkeys(r["zone"] for r in found)
            ]
        return rows


def overwrite_reason(target: str, own: str, records: list[dict]) -> str:
    """Why ``own``'s zone group may not write into the zone that holds ``records`` (another endpoint's, live), and
    what to do instead."""
    others = list(dict.fromkeys(r["endpoint_id"] for r in records))
    names = ", ".join(name_of(e) for e in others)
    count = f"{len(records)} record{'s' if len(records) > 1 else ''}"
    example = f"{'e.g. ' if len(records) > 1 else ''}{records[0]['record']} = {records[0]['ip']}"
    held = f"{count} of endpoint{'s' if len(others) > 1 else ''} {names} ({example})"
    them = "them" if len(records) > 1 else "it"
    kind = "storage account" if parse_id(target).is_a(STORAGE_ACCOUNT) else "vault"
    why = (
        f"holds {held}: the zone group of {name_of(own)} would overwrite {them} (the same {kind} "
        f"{name_of(target)}, so the same names)"
    )
    own_zones = f"give {name_of(own)} zones of its own (a zones_resource_group without them)"
    that = "that endpoint" if len(others) == 1 else "one of those endpoints"
    if kind == "vault":
        where = f", in resource group {parse_id(others[0]).resource_group}" if "/providers/" in others[0] else ""
        return f"{why}; reuse {that} (endpoint_name: {name_of(others[0])}{where}), or {own_zones}"
    return (
        f"{why}; the account's clients already reach it through {names}: keep {that} and {own_zones}, or "
        f"remove {names} first if nothing uses it any more"
    )
