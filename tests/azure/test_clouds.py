"""One table of clouds (runbook_lib.clouds): its endpoints are the Azure libraries' own, and every module that knows
clouds (private-link names, geo codes, zones, the installer table, the command line) reads it."""

from __future__ import annotations

import argparse
from types import MappingProxyType

import pytest
from azure.core import AzureClouds
from azure.identity import AzureAuthorityHosts
from azure.mgmt.core.tools import get_arm_endpoints

from runbook_lib import clouds, geo, private_link
from runbook_lib.azure import CLOUD_NAMES, get_cloud
from runbook_lib.cli import build_parser
from runbook_lib.dns.zones import check_zones_to_create, known_zones
from runbook_lib.errors import InputError
from runbook_lib.ops.installer import verify_installer


@pytest.mark.parametrize(
    "name, setting, authority",
    [
        ("public", AzureClouds.AZURE_PUBLIC_CLOUD, AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
        ("usgov", AzureClouds.AZURE_US_GOVERNMENT, AzureAuthorityHosts.AZURE_GOVERNMENT),
        ("china", AzureClouds.AZURE_CHINA_CLOUD, AzureAuthorityHosts.AZURE_CHINA),
    ],
)
def test_cloud_settings_come_from_the_azure_libraries(name, setting, authority):
    cloud = get_cloud(name)
    endpoints = get_arm_endpoints(setting)
    assert cloud.resource_manager == endpoints["resource_manager"]
    assert list(cloud.credential_scopes) == endpoints["credential_scopes"]
    assert cloud.authority_host == authority


def test_us_government_uses_its_own_endpoints():
    cloud = get_cloud("USGov")
    assert cloud.resource_manager.startswith("https://management.usgovcloudapi.net")
    assert cloud.authority_host == "login.microsoftonline.us"


def test_unknown_cloud_names_the_choices():
    with pytest.raises(InputError) as error:
        get_cloud("azurestack")
    assert "azurestack" in str(error.value) and all(name in str(error.value) for name in CLOUD_NAMES)


@pytest.mark.parametrize("name", list(clouds.CLOUDS))
def test_the_table_holds_the_azure_libraries_endpoints(name):
    cloud = clouds.CLOUDS[name]
    endpoints = get_arm_endpoints(AzureClouds[cloud.sdk_cloud])
    assert cloud.resource_manager == endpoints["resource_manager"]
    assert list(cloud.credential_scopes) == endpoints["credential_scopes"]
    authority = {"public": "AZURE_PUBLIC_CLOUD", "usgov": "AZURE_GOVERNMENT", "china": "AZURE_CHINA"}[name]
    assert cloud.authority_host == getattr(AzureAuthorityHosts, authority)


def test_every_cloud_names_every_private_link_service():
    for cloud in clouds.CLOUDS.values():
        assert set(cloud.suffixes) == set(clouds.SERVICES), cloud.name
        assert set(cloud.zone_bases) <= set(clouds.SERVICES), cloud.name


def cloud_choices(parser: argparse.ArgumentParser, path: str = "runbook") -> dict[str, tuple[str, ...]]:
    """Every `--cloud` option of the command line: command path -> its choices."""
    found = {}
    for action in parser._actions:
        if "--cloud" in action.option_strings and action.choices is not None:
            found[path] = tuple(action.choices)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= cloud_choices(sub, f"{path} {name}")
    return found


def test_every_module_reads_the_one_table():
    assert private_link.CLOUDS is clouds.CLOUDS
    assert CLOUD_NAMES == tuple(clouds.CLOUDS) == ("public", "usgov", "china")
    choices = cloud_choices(build_parser())
    assert {"runbook dns zones", "runbook allowed-urls", "runbook plan"} <= set(choices)
    assert set(choices.values()) == {tuple(clouds.CLOUDS)}
    assert geo.region_cloud("usgovvirginia") == "usgov" and geo.region_cloud("chinanorth3") == "china"


def test_a_cloud_outside_the_table_is_refused_naming_the_table():
    with pytest.raises(InputError, match=r"'germanycentral' is in AzureGermanCloud, .*\(public, usgov, china\)"):
        geo.region_cloud("germanycentral")


GERMANY = clouds.Cloud(
    "germany",
    "AzureGermanCloud",
    "Azure Germany (fictional here)",
    "AZURE_PUBLIC_CLOUD",
    "https://management.microsoftazure.de/",
    ("https://management.microsoftazure.de/.default",),
    "login.microsoftonline.de",
    "https://portal.microsoftazure.de",
    MappingProxyType(
        {
            **clouds.CLOUDS["public"].suffixes,
            "backup": "backup.windowsazure.de",
            "blob": "blob.core.cloudapi.de",
            "vault": "vault.microsoftazure.de",
        }
    ),
    MappingProxyType({"vault": "vaultcore.microsoftazure.de"}),
)


@pytest.fixture
def germany(monkeypatch):
    """A cloud added to the table and nowhere else (its regions are in the shipped geo list as AzureGermanCloud)."""
    monkeypatch.setitem(clouds.CLOUDS, GERMANY.name, GERMANY)
    known_zones.cache_clear()
    yield GERMANY
    known_zones.cache_clear()


def test_a_cloud_added_to_the_table_reaches_every_module(germany, tmp_path):
    assert set(cloud_choices(build_parser()).values()) == {("public", "usgov", "china", "germany")}
    assert geo.region_cloud("germanycentral") == "germany"
    zone = private_link.zone_name("backup", "germany", geo.geo_code("germanycentral"))
    assert zone == "privatelink.gec.backup.windowsazure.de"
    assert private_link.alias("x-ab-pod01-fc1.gec.backup.windowsazure.de") == (zone, "x-ab-pod01-fc1")
    assert private_link.public_fqdn("kv1", "privatelink.vaultcore.microsoftazure.de") == "kv1.vault.microsoftazure.de"
    assert private_link.cloud_of("st1.blob.core.cloudapi.de") == "germany"
    assert {zone, "privatelink.blob.core.cloudapi.de", "privatelink.vaultcore.microsoftazure.de"} <= known_zones()
    check_zones_to_create([zone])  # a zone of the new cloud is one the runbooks use
    installer = tmp_path / "AzureMigrateInstaller.zip"
    installer.write_bytes(b"zip")
    with pytest.raises(InputError, match="no published vmware installer hash for the germany cloud"):
        verify_installer(installer, "vmware", "germany")


def test_a_cloud_name_is_taken_in_any_case_and_an_unknown_one_names_the_option():
    assert clouds.find_cloud("USGov") is clouds.CLOUDS["usgov"]
    with pytest.raises(InputError, match=r"^--cloud: unknown cloud 'azurecloud'; use one of public, usgov, china$"):
        clouds.find_cloud("azurecloud")
