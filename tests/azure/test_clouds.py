"""Clouds come from azure-core / azure-mgmt-core / azure-identity, never from hand-typed URLs."""

from __future__ import annotations

import pytest
from azure.core import AzureClouds
from azure.identity import AzureAuthorityHosts
from azure.mgmt.core.tools import get_arm_endpoints

from runbook_lib.azure import CLOUD_NAMES, get_cloud
from runbook_lib.errors import InputError


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
