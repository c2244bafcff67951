"""Azure Backup geo codes by region, from Microsoft's published list (package data: data/geo_codes.csv).

A geo code is never derived from a region's name (westus3 -> wus3, uksouth -> uks, eastus -> eus): it is looked
up. An unknown region is an error that names the closest known regions.
"""

from __future__ import annotations

import csv
import difflib
from functools import cache
from importlib import resources

from .clouds import cloud_listed_as, cloud_names
from .errors import InputError


@cache
def _rows() -> dict[str, dict[str, str]]:
    text = resources.files("runbook_lib").joinpath("data/geo_codes.csv").read_text(encoding="utf-8")
    return {row["region"].lower(): row for row in csv.DictReader(text.splitlines())}


def geo_codes() -> dict[str, str]:
    """Region (lower case, no spaces) -> geo code, for every cloud in the list."""
    return {region: row["geo_code"] for region, row in _rows().items()}


def geo_code(region: str) -> str:
    """The Backup geo code of an Azure region ('West US 3' and 'westus3' both give 'wus3')."""
    return _row(region)["geo_code"]


def region_cloud(region: str) -> str:
    """The cloud a region belongs to: a name in runbook_lib.clouds (public, usgov, china)."""
    listed = _row(region)["cloud"]
    cloud = cloud_listed_as(listed)
    if cloud is None:
        raise InputError(
            f"region: '{region}' is in {listed}, which the toolkit does not support ({', '.join(cloud_names())})"
        )
    return cloud.name


def _row(region: str) -> dict[str, str]:
    key = region.replace(" ", "").lower()
    try:
        return _rows()[key]
    except KeyError:
        close = difflib.get_close_matches(key, _rows(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; use a region name such as westus3"
        raise InputError(f"region: unknown Azure region '{region}'{hint}") from None
