"""Azure clouds by short name: the table in runbook_lib.clouds, with the SDK's setting for each."""

from __future__ import annotations

from dataclasses import dataclass

from azure.core import AzureClouds

from ..clouds import cloud_names, find_cloud

CLOUD_NAMES = cloud_names()  # for module-level vocabularies; parsers call cloud_names() to see the table as it is


@dataclass(frozen=True)
class Cloud:
    name: str
    setting: AzureClouds
    resource_manager: str  # ARM endpoint, e.g. https://management.azure.com/
    credential_scopes: tuple[str, ...]
    authority_host: str  # Microsoft Entra ID host, e.g. login.microsoftonline.com


def get_cloud(name: str) -> Cloud:
    """The cloud named ``name`` (any case); an InputError naming the choices otherwise."""
    cloud = find_cloud(name, option="cloud")
    return Cloud(
        cloud.name, AzureClouds[cloud.sdk_cloud], cloud.resource_manager, cloud.credential_scopes, cloud.authority_host
    )
