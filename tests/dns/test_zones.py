"""The zones a scenario needs: named by the published geo code, per cloud, and agreeing with required_zones.csv."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from runbook_lib.dns.zones import COLUMNS
from runbook_lib.dns.zones import required_zones as zones_of
from runbook_lib.errors import InputError
from runbook_lib.geo import geo_code
from runbook_lib.scenarios import get_scenario, scenario_names


def required_zones(scenario: str, region: str, cloud: str | None = None):
    return zones_of(get_scenario(scenario).zones, region, cloud)


def zones(scenario: str, region: str, cloud: str | None = None) -> list[str]:
    return required_zones(scenario, region, cloud)["Zone"].tolist()


def test_backup_in_westus3_uses_the_geo_code_wus3_not_the_region_name():
    frame = required_zones("backup", "westus3")
    assert list(frame.columns) == COLUMNS
    assert frame["Zone"].tolist() == [
        "privatelink.wus3.backup.windowsazure.com",
        "privatelink.blob.core.windows.net",
        "privatelink.queue.core.windows.net",
    ]
    assert frame["GroupId"].tolist() == ["AzureBackup", "blob", "queue"]
    assert set(frame["When"]) == {"always"}


def test_us_gov_zones_end_in_us_and_usgovcloudapi_with_the_tables_geo_code():
    assert geo_code("usgovvirginia") == "ugv"  # runbook_lib/data/geo_codes.csv
    assert zones("backup", "usgovvirginia") == [
        "privatelink.ugv.backup.windowsazure.us",
        "privatelink.blob.core.usgovcloudapi.net",
        "privatelink.queue.core.usgovcloudapi.net",
    ]
    assert zones("migrate_project", "usgovvirginia", "usgov") == [
        "privatelink.prod.migration.windowsazure.us",
        "privatelink.vaultcore.usgovcloudapi.net",
        "privatelink.blob.core.usgovcloudapi.net",
        "privatelink.siterecovery.windowsazure.us",
    ]


def test_china_zones_end_in_cn_and_chinacloudapi():
    assert geo_code("chinaeast2") == "sha2"
    assert zones("backup", "chinaeast2") == [
        "privatelink.sha2.backup.windowsazure.cn",
        "privatelink.blob.core.chinacloudapi.cn",
        "privatelink.queue.core.chinacloudapi.cn",
    ]


def test_site_recovery_says_when_each_zone_is_needed():
    frame = required_zones("site_recovery", "uksouth")
    assert dict(zip(frame["Zone"], frame["When"])) == {
        "privatelink.siterecovery.windowsazure.com": "always",
        "privatelink.prod.migration.windowsazure.com": "modernized VMware/physical experience",
        "privatelink.blob.core.windows.net": "cache storage endpoint (optional)",
    }


def test_a_migrate_project_needs_the_zone_of_the_vault_its_key_generation_makes():
    """ "Using Azure Migrate with private endpoints", "Validate the Private DNS Zone": four zones, Site Recovery's
    for the Recovery Services vault "Generate key" makes."""
    frame = required_zones("migrate_project", "eastus")
    assert frame["Zone"].tolist() == [
        "privatelink.prod.migration.windowsazure.com",
        "privatelink.vaultcore.azure.net",
        "privatelink.blob.core.windows.net",
        "privatelink.siterecovery.windowsazure.com",
    ]
    assert frame["When"].iloc[-1] == "the project key (Generate key makes the vault)"


@pytest.mark.parametrize("scenario", ["migrate_agent_based", "migrate_hyperv"])
def test_migrate_replication_needs_the_projects_zones_and_site_recovery_for_replication(scenario):
    frame = required_zones(scenario, "eastus")
    assert frame["Zone"].tolist() == zones("migrate_project", "eastus")
    assert frame["When"].iloc[-1] == "replication (Hyper-V and agent-based)"


def _published() -> list[dict[str, str]]:
    text = resources.files("runbook_lib").joinpath("data/required_zones.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.mark.parametrize("scenario", scenario_names())
def test_public_and_us_gov_zones_agree_with_required_zones_csv(scenario):
    """Each (public, usgov) pair of zones is one row of the published table, its {geo} the region's code."""
    published = {
        (
            row["private_dns_zone_azurecloud"].replace("{geo}", geo_code("westus3")),
            row["private_dns_zone_azureusgovernment"].replace("{geo}", geo_code("usgovvirginia")),
        )
        for row in _published()
    }
    pairs = set(zip(zones(scenario, "westus3"), zones(scenario, "usgovvirginia")))
    assert pairs <= published


def test_an_unknown_region_suggests_close_matches():
    with pytest.raises(InputError, match=r"westus4.*westus3"):
        required_zones("backup", "westus4")


def test_an_unknown_scenario_lists_the_scenarios():
    with pytest.raises(InputError) as error:
        required_zones("bakcup", "westus3")
    assert str(error.value).startswith("scenario: unknown scenario 'bakcup'; use one of backup, ")
    assert all(s in str(error.value) for s in scenario_names())


def test_a_cloud_that_disagrees_with_the_region_is_refused():
    with pytest.raises(InputError, match=r"--cloud: public .* usgovvirginia is a usgov region"):
        required_zones("backup", "usgovvirginia", "public")
    with pytest.raises(InputError, match="--cloud: unknown cloud 'azure'"):
        required_zones("backup", "westus3", "azure")
    assert zones("backup", "westus3", "public") == zones("backup", "westus3")
