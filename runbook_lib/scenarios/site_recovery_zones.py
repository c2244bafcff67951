"""Site Recovery's zones: a new zone per endpoint (the article's advice: a zone group writing into a zone that
already holds another endpoint's records for the same vault overwrites them), or, in a hub-and-spoke network, the
hub's shared zone for the one endpoint of the whole setup; either way no zone group overwrites another endpoint's
live records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import Row, Run, Step, blocked, unchanged
from ..ops import privatedns, vaults
from . import steps

if TYPE_CHECKING:
    from .site_recovery import SiteRecoveryParameters


class ZoneChoice(Step):
    """Which zones the endpoints' zone groups write into, and whether that overwrites another endpoint's records."""

    id, title = "zone-choice", "Choose the zones: a new zone per endpoint, or the hub's shared zone"

    def plan(self, run: Run) -> list[Row]:
        p: SiteRecoveryParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone group writes records")]
        vault = vaults.get_vault(run.clients, p.vault)
        zone_ids = [p.zone_id(z) for z in p.zone_names(vault.location if vault else p.location)]
        pairs = [(p.vault, p.endpoint_id)]
        if cache_ids := p.cache_ids:
            pairs.append((cache_ids.account, cache_ids.endpoint))
        others = [r for target, own in pairs for r in steps.live_records_of_others(run, target, own, zone_ids)]
        if others:
            return [
                self._refusal(p, zone_id, [r for r in others if r["zone"] == zone_id])
                for zone_id in dict.fromkeys(r["zone"] for r in others)
            ]
        existing = privatedns.zone_names_in_group(run.clients, p.zones_resource_group)
        rows = []
        for zone_id in zone_ids:
            found = zone_id.rsplit("/", 1)[-1].lower() in existing
            if p.hub_and_spoke:
                rows.append(
                    unchanged(
                        zone_id,
                        "shared" if found else "shared, created by step 'zones'",
                        "warning: a zone group writing into a shared zone overwrites records of the "
                        "same name; no other endpoint of the vault or the cache account answers from "
                        "it now, so nothing is overwritten",
                    )
                )
            else:
                rows.append(
                    unchanged(
                        zone_id,
                        "exists" if found else "new, created by step 'zones'",
                        "this endpoint's zone: no other endpoint of the vault or the cache account answers from it",
                    )
                )
        return rows

    @staticmethod
    def _refusal(p: SiteRecoveryParameters, zone_id: str, records: list[dict]) -> Row:
        names = ", ".join(sorted({r["endpoint"] for r in records}))
        held = f"{len(records)} records of endpoint {names} (e.g. {records[0]['record']} = {records[0]['ip']})"
        if p.hub_and_spoke:
            advice = (
                f"in a hub-and-spoke network one endpoint serves the whole setup: use {names} from the "
                "peered networks, or remove it first"
            )
        else:
            advice = (
                "give this endpoint a new zone of its own (a zones_resource_group without them), as the "
                "article advises for every endpoint to the same vault"
            )
        return blocked(zone_id, f"holds {held}: this endpoint's zone group would overwrite them; {advice}")
