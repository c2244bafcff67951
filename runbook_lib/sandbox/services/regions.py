"""A located resource's cloud and geo code, as an ARM error when the region is unknown."""

from __future__ import annotations

from ...errors import InputError
from ...geo import geo_code, region_cloud
from ..errors import ArmError


def cloud_of(record: dict, default: str | None = None) -> str:
    """The record's cloud; ``default`` (when given) for a region the geo list does not know."""
    try:
        return _ask(region_cloud, record)
    except ArmError:
        if default is None:
            raise
        return default


def geo_of(record: dict) -> str:
    return _ask(geo_code, record)


def _ask(lookup, record: dict) -> str:
    try:
        return lookup(record.get("location") or "")
    except InputError as error:
        raise ArmError(400, "LocationNotSupported", f"'{record['name']}': {error}") from None
