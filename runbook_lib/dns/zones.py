"""The private DNS zones a scenario needs in a region, named from the published facts.

Zone names come from ``private_link.zone_name`` (each service's suffix per cloud is in runbook_lib.clouds) and the
Backup geo code from ``geo.geo_code`` (looked up, never derived from the region's name).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

import pandas as pd

from ..clouds import CLOUDS, find_cloud
from ..errors import InputError
from ..geo import geo_code, geo_codes, region_cloud
from ..private_link import GEO_IN_ZONE, SERVICES, zone_name

COLUMNS = ["Zone", "Service", "GroupId", "When"]
ALWAYS = "always"


class ZoneNeed(NamedTuple):
    """A private DNS zone a scenario needs: a scenario lists every zone its article names, those of the resources
    Azure creates later (a registration, a backup) included."""

    service: str  # a private_link service key
    label: str
    group_id: str
    when: str = ALWAYS


def required_zones(needs: Iterable[ZoneNeed], region: str, cloud: str | None = None) -> pd.DataFrame:
    """The zones of ``needs`` for resources in ``region``: one row per zone, with why and when.

    ``cloud`` defaults to the region's; one that disagrees with the region is an InputError, as is an unknown
    region (naming the closest known regions).
    """
    region_in = region_cloud(region)
    cloud = find_cloud(cloud).name if cloud is not None else None
    if cloud is not None and cloud != region_in:
        raise InputError(f"--cloud: {cloud} does not match the region: {region} is a {region_in} region")
    geo = geo_code(region)
    rows = [
        {"Zone": zone_name(n.service, region_in, geo), "Service": n.label, "GroupId": n.group_id, "When": n.when}
        for n in needs
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


@cache
def known_zones() -> frozenset[str]:
    """Every private-link zone of a service the runbooks know, in every cloud, with every published Backup geo
    code."""
    geos = set(geo_codes().values())
    return frozenset(
        zone_name(service, cloud, geo)
        for service in SERVICES
        for cloud in CLOUDS
        for geo in (geos if service in GEO_IN_ZONE else [""])
    )


def check_zones_to_create(zones: Iterable[str], allowed: Iterable[str] = ()) -> None:
    """An InputError naming the first of ``zones`` that is no private-link zone a scenario needs (nor in
    ``allowed``), with the closest known names: --create-missing-zones never makes a mistyped zone."""
    allowed = {zone.lower().rstrip(".") for zone in allowed}
    for zone in zones:
        if zone in known_zones() or zone in allowed:
            continue
        close = difflib.get_close_matches(zone, known_zones(), n=3, cutoff=0.8)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError(
            f"--create-missing-zones: {zone} is not a private-link zone the runbooks use; {hint}"
            f"to create it anyway, add --allow-zone {zone}"
        )
