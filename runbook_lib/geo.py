"""Azure Backup geo codes by region, from Microsoft's published list (package data: data/geo_codes.csv).

A geo code is never derived from a region's name (westus3 -> wus3, uksouth -> uks, eastus -> eus): it is looked
up. An unknown region is an error that names the closest known regions.
"""

from __future__ import annotations

import csv
import difflib
from functools import cache
from importlib import resources

from .errors import InputError


@cache
def geo_codes() -> dict[str, str]:
    """Region (lower case, no spaces) -> geo code, for every cloud in the list."""
    text = resources.files("runbook_lib").joinpath("data/geo_codes.csv").read_text(encoding="utf-8")
    return {row["region"].lower(): row["geo_code"] for row in csv.DictReader(text.splitlines())}


def geo_code(region: str) -> str:
    """The Backup geo code of an Azure region ('West US 3' and 'westus3' both give 'wus3')."""
    key = region.replace(" ", "").lower()
    try:
        return geo_codes()[key]
    except KeyError:
        close = difflib.get_close_matches(key, geo_codes(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; use a region name such as westus3"
        raise InputError(f"region: unknown Azure region '{region}'{hint}") from None
