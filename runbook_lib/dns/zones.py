"""The private DNS zones a scenario needs in a region, named from the published facts.

Zone names come from ``private_link.zone_name`` (the one place that knows each service's suffix per cloud) and the
Backup geo code from ``geo.geo_code`` (looked up, never derived from the region's name).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

import pandas as pd

from ..errors import InputError
from ..geo import geo_code, geo_codes, region_cloud
from ..private_link import CLOUDS, GEO_IN_ZONE, zone_name
from .choices import SCENARIOS

COLUMNS = ["Zone", "Service", "GroupId", "When"]
ALWAYS = "always"


class _Need(NamedTuple):
    service: str  # a private_link service key
    label: str
    group_id: str
    when: str


_BACKUP = (
    _Need("backup", "Azure Backup", "AzureBackup", ALWAYS),
    _Need("blob", "Azure Backup storage (blob)", "blob", ALWAYS),
    _Need("queue", "Azure Backup storage (queue)", "queue", ALWAYS),
)
_SITE_RECOVERY = (
    _Need("siterecovery", "Azure Site Recovery", "AzureSiteRecovery", ALWAYS),
    _Need("migration", "Azure Site Recovery discovery", "AzureSiteRecovery", "modernized VMware/physical experience"),
    _Need("blob", "Site Recovery cache storage", "blob", "cache storage endpoint (optional)"),
)
_MIGRATE = (
    _Need("migration", "Azure Migrate project, assessment and discovery", "Default", ALWAYS),
    _Need("vault", "Azure Migrate key vault", "vault", ALWAYS),
    _Need("blob", "Azure Migrate storage", "blob", ALWAYS),
)
_REPLICATION = _Need("siterecovery", "Azure Migrate replication vault", "AzureSiteRecovery",
                     "replication (Hyper-V and agent-based)")
_NEEDS: dict[str, tuple[_Need, ...]] = {
    "backup": _BACKUP,
    "site_recovery": _SITE_RECOVERY,
    "migrate_project": _MIGRATE,
    "migrate_agent_based": (*_MIGRATE, _REPLICATION),
    "migrate_hyperv": (*_MIGRATE, _REPLICATION),
}


def required_zones(scenario: str, region: str, cloud: str | None = None) -> pd.DataFrame:
    """The zones ``scenario`` needs for resources in ``region``: one row per zone, with why and when.

    ``cloud`` defaults to the region's; one that disagrees with the region is an InputError, as are an unknown
    scenario and an unknown region (the latter naming the closest known regions).
    """
    if scenario not in _NEEDS:
        raise InputError(f"scenario: unknown scenario '{scenario}'; use one of {', '.join(SCENARIOS)}")
    region_in = region_cloud(region)
    if cloud is not None and cloud not in CLOUDS:
        raise InputError(f"--cloud: unknown cloud '{cloud}'; use one of {', '.join(CLOUDS)}")
    if cloud is not None and cloud != region_in:
        raise InputError(f"--cloud: {cloud} does not match the region: {region} is a {region_in} region")
    geo = geo_code(region)
    rows = [{"Zone": zone_name(n.service, region_in, geo), "Service": n.label, "GroupId": n.group_id, "When": n.when}
            for n in _NEEDS[scenario]]
    return pd.DataFrame(rows, columns=COLUMNS)


@cache
def known_zones() -> frozenset[str]:
    """Every private-link zone a scenario may need, in every cloud, with every published Backup geo code."""
    services = {need.service for needs in _NEEDS.values() for need in needs}
    geos = set(geo_codes().values())
    return frozenset(zone_name(service, cloud, geo) for service in services for cloud in CLOUDS
                     for geo in (geos if service in GEO_IN_ZONE else [""]))


def check_zones_to_create(zones: Iterable[str], allowed: Iterable[str] = ()) -> None:
    """An InputError naming the first of ``zones`` that is no private-link zone a scenario needs (nor in
    ``allowed``), with the closest known names: --create-missing-zones never makes a mistyped zone."""
    allowed = {zone.lower().rstrip(".") for zone in allowed}
    for zone in zones:
        if zone in known_zones() or zone in allowed:
            continue
        close = difflib.get_close_matches(zone, known_zones(), n=3, cutoff=0.8)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError(f"--create-missing-zones: {zone} is not a private-link zone the runbooks use; {hint}"
                         f"to create it anyway, add --allow-zone {zone}")
