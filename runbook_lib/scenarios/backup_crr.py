"""Cross-region restore to a private-endpoint vault (v2): the AzureBackup_secondary endpoint in the paired region's
network, its zones and their links ("Create and use private endpoints (v2 experience) for Azure Backup", "Cross
region restore to a private endpoint enabled vault": in the secondary region, target sub-resource
AzureBackup_Secondary, the VNet of the VMs the restore targets; it can be made before or after items are protected).

A consultant's choices, as the README says: cross-region restore on and no ``secondary_subnet`` is a warning, not a
stop (the primary endpoint is what backups need; restores into the paired region need the secondary one, which can
be added later); a ``secondary_subnet`` for a vault with cross-region restore off is refused (10 addresses for
nothing).
"""

from __future__ import annotations

from ..azure.ids import name_of
from ..dns.records import plan_links
from ..engine import Action, Row, Run, Step, blocked, create, unchanged
from ..geo import geo_code
from ..ops import endpoints, network, vaults
from ..ops.backup_experience import group_zones
from .backup_v2 import ARTICLE_V2
from .steps import approval_row, record_plan_rows, zone_group_row, zone_rows
from .steps.endpoint import ownership_row
from .steps.parameters import vault_of

SECONDARY = "AzureBackup_secondary"
CRR = ARTICLE_V2.section("Cross region restore to a private endpoint enabled vault")
CRR_OFF = (
    "turn cross-region restore on first (vault > Properties > Backup configuration; it needs geo-redundant "
    "storage), or remove secondary_subnet"
)


class SecondaryEndpoint(Step):
    id, title = "secondary-endpoint", "The secondary endpoint for cross-region restore, and its zones"

    def plan(self, run: Run) -> list[Row]:
        p = run.params
        vault = vault_of(run)
        crr = vault is not None and vaults.cross_region_restore(vault)
        if p.secondary_subnet is None:
            if crr:
                return [
                    unchanged(
                        p.vault,
                        reason="warning: cross-region restore is on, and restores into the paired region need an "
                        f"{SECONDARY} endpoint there: set secondary_subnet (a subnet of the restore's target "
                        "VNet in the paired region) and run again",
                    )
                ]
            return [unchanged(p.vault, reason="cross-region restore is off: no secondary endpoint")]
        if not crr:
            return [
                blocked(
                    p.secondary_subnet,
                    f"secondary_subnet is set, but the vault's cross-region restore is off: {CRR_OFF}",
                )
            ]
        zones = group_zones(run.clients, p.vault, SECONDARY)
        if not zones:
            return [
                blocked(
                    p.vault, f"the vault offers no {SECONDARY} group (its region has no pair): remove secondary_subnet"
                )
            ]
        place = _placement(run, zones[0])
        if place is not None:
            return [place]
        endpoint_id = p.secondary_endpoint_id
        rows = [_endpoint_row(run, endpoint_id)]
        if rows[0].action == Action.BLOCKED:
            return rows
        rows.append(
            approval_row(
                run,
                endpoint_id,
                p.vault,
                SECONDARY,
                "the vault's owner",
                "vault > Networking > Private access",
                vaults.approval(run.clients, p.vault, endpoint_id),
            )
        )
        if p.dns == "custom":
            return rows + [unchanged(endpoint_id, reason="custom DNS: `runbook dns export` gives its records")]
        return (
            rows
            + zone_rows(run, p.zones_resource_group, zones)
            + [zone_group_row(run, endpoint_id, [p.zone_id(z) for z in zones], "Azure writes its records there")]
        )


def _placement(run: Run, backup_zone: str) -> Row | None:
    """Blocked unless the secondary subnet's VNet is in the paired region (the geo code of the secondary group's
    Backup zone, privatelink.<geo>.backup...)."""
    p = run.params
    vnet_id = p.secondary_subnet.rsplit("/subnets/", 1)[0]
    vnet = network.get_vnet(run.clients, vnet_id)
    if vnet is None:
        return blocked(p.secondary_subnet, f"no virtual network '{name_of(vnet_id)}' (secondary_subnet)")
    paired_geo = backup_zone.split(".")[1]
    region = vnet.location.replace(" ", "").lower()
    if geo_code(region) != paired_geo:
        return blocked(
            p.secondary_subnet,
            f"{name_of(vnet_id)} is in {region}, not in the vault's paired region (geo code {paired_geo}, the "
            f"zone {backup_zone}): choose a subnet of a VNet there (secondary_subnet)",
        )
    return None


def _endpoint_row(run: Run, endpoint_id: str) -> Row:
    p = run.params
    existing = endpoints.get_endpoint(run.clients, endpoint_id)
    if existing is not None:
        refusal = ownership_row(
            run,
            existing,
            p.vault,
            SECONDARY,
            p.secondary_subnet,
            "name it in secondary_endpoint_name",
            "secondary_subnet",
        )
        return refusal or unchanged(endpoint_id, endpoints.connection_state(existing))
    location = network.vnet_location(run.clients, p.secondary_subnet)
    body = endpoints.endpoint_body(location, p.secondary_subnet, p.vault, SECONDARY, p.approval == "manual")
    return create(
        endpoint_id,
        f"{SECONDARY} endpoint in {name_of(p.secondary_subnet)}",
        endpoints.put_endpoint(run.clients, endpoint_id, body),
    )


class SecondaryLinks(Step):
    id, title = "secondary-links", "Link the secondary endpoint's zones to its VNet"

    def plan(self, run: Run) -> list[Row]:
        p = run.params
        if p.secondary_subnet is None or p.dns == "custom":
            return [unchanged(p.vault, reason="no secondary endpoint zones to link")]
        zones = group_zones(run.clients, p.vault, SECONDARY) if vault_of(run) is not None else None
        if not zones:
            return [unchanged(p.vault, reason="after the secondary endpoint")]
        vnet_id = p.secondary_subnet.rsplit("/subnets/", 1)[0]
        plan = plan_links(run.clients, zones, p.zones_resource_group, [vnet_id])
        rows = record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")
        # a zone step 'secondary-endpoint' creates in this run is not missing
        later = run.will_change("secondary-endpoint")
        return [
            unchanged(row.resource, reason="once step 'secondary-endpoint' has made its zone")
            if later and row.action == Action.BLOCKED and "is missing" in row.reason
            else row
            for row in rows
        ]


def secondary_steps() -> list[Step]:
    return [SecondaryEndpoint(CRR), SecondaryLinks(CRR)]
