"""Geo codes come from the published table, never from the region's name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from runbook_lib.errors import InputError
from runbook_lib.geo import geo_code, geo_codes


@pytest.mark.parametrize(
    "region, code",
    [
        ("westus3", "wus3"),
        ("eastus", "eus"),
        ("uksouth", "uks"),
        ("West US 3", "wus3"),
        ("usgovvirginia", "ugv"),
        ("chinanorth2", "bjb2"),
    ],
)
def test_published_codes(region, code):
    assert geo_code(region) == code


def test_unknown_region_names_close_matches():
    with pytest.raises(InputError) as error:
        geo_code("westus4")
    assert "westus4" in str(error.value) and "westus3" in str(error.value)


def test_the_shipped_table_is_the_one_its_provenance_checked():
    """runbook_lib/data/geo_codes.csv holds exactly the (region, code, cloud) rows of its provenance file, each
    found in at least one published source: Microsoft's geo-code list, Azure Verified Modules' region table, or
    Azure Landing Zones' Backup geo codes."""
    data = Path(__file__).resolve().parents[1] / "runbook_lib" / "data"
    with (data / "geo_codes.csv").open() as handle:
        shipped = [(r["region"], r["geo_code"], r["cloud"]) for r in csv.DictReader(handle)]
    with (data / "geo_codes_provenance.csv").open() as handle:
        provenance = list(csv.DictReader(handle))
    assert sorted(shipped) == sorted((r["region"], r["geo_code"], r["cloud"]) for r in provenance)
    sources = ("in_ms_docs_geo_code_list", "in_avm_utl_regions", "in_alz_bicep_varAzBackupGeoCodes")
    assert all(any(r[source] == "yes" for source in sources) for r in provenance)
    assert len(geo_codes()) == len(shipped)
