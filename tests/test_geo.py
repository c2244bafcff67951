"""Geo codes come from the published table, never from the region's name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from runbook_lib.errors import InputError
from runbook_lib.geo import geo_code, geo_codes

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.parametrize("region, code", [
    ("westus3", "wus3"), ("eastus", "eus"), ("uksouth", "uks"), ("West US 3", "wus3"),
    ("usgovvirginia", "ugv"), ("chinanorth2", "bjb2"),
])
def test_published_codes(region, code):
    assert geo_code(region) == code


def test_unknown_region_names_close_matches():
    with pytest.raises(InputError) as error:
        geo_code("westus4")
    assert "westus4" in str(error.value) and "westus3" in str(error.value)


def test_package_data_matches_the_shared_table():
    for name in ("geo_codes.csv", "required_zones.csv"):
        shipped = (Path(__file__).resolve().parents[1] / "runbook_lib" / "data" / name).read_text()
        assert shipped == (SHARED_DATA / name).read_text(), f"runbook_lib/data/{name} differs from ../shared/data"
    with (SHARED_DATA / "geo_codes.csv").open() as handle:
        assert len(geo_codes()) == sum(1 for _ in csv.DictReader(handle))
