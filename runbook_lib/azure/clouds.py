"""Azure clouds by short name, with endpoints taken from azure-core, azure-mgmt-core and azure-identity."""

from __future__ import annotations

from dataclasses import dataclass

from azure.core import AzureClouds
from azure.identity import AzureAuthorityHosts
from azure.mgmt.core.tools import get_arm_endpoints

from ..errors import InputError

_SETTINGS = {
    "public": (AzureClouds.AZURE_PUBLIC_CLOUD, AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
    "usgov": (AzureClouds.AZURE_US_GOVERNMENT, AzureAuthorityHosts.AZURE_GOVERNMENT),
    "china": (AzureClouds.AZURE_CHINA_CLOUD, AzureAuthorityHosts.AZURE_CHINA),
}
CLOUD_NAMES = tuple(_SETTINGS)


@dataclass(frozen=True)
class Cloud:
    name: str
    setting: AzureClouds
    resource_manager: str  # ARM endpoint, e.g. https://management.azure.com/
    credential_scopes: tuple[str, ...]
    authority_host: str  # Microsoft Entra ID host, e.g. login.microsoftonline.com


def get_cloud(name: str) -> Cloud:
    try:
        setting, authority = _SETTINGS[name.lower()]
    except KeyError:
        raise InputError(f"unknown cloud '{name}': use one of {', '.join(CLOUD_NAMES)}") from None
    endpoints = get_arm_endpoints(setting)
    return Cloud(name.lower(), setting, endpoints["resource_manager"], tuple(endpoints["credential_scopes"]), authority)
