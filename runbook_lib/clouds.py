"""The Azure clouds the toolkit supports: one table, read by every layer (the sandbox included).

Adding a cloud is one entry here plus its rows in the data files (geo codes, Site Recovery URLs, installer hashes).
The ARM endpoint, credential scopes and authority host are azure-core's, azure-mgmt-core's and azure-identity's
(tests/azure/test_clouds.py holds them to those libraries); this module imports no SDK, so facts and the sandbox
can read it. The private-link suffixes are those of "Azure Private Endpoint private DNS zone values" (Microsoft Learn).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .errors import InputError

STORAGE_SERVICES = ("blob", "queue", "table", "file", "dfs", "web")  # a general-purpose v2 account's services
SERVICES = ("backup", "siterecovery", "migration", "vault", *STORAGE_SERVICES)  # private-link services, by suffix


@dataclass(frozen=True)
class Cloud:
    """One Azure cloud: how to reach its ARM, and how its private-link services are named."""

    name: str  # the product's name for it: --cloud, parameters, the installer and allow-list tables
    list_name: str  # as Microsoft's lists name it (the geo-code list, `az cloud list`): AzureCloud, ...
    title: str  # as a person reads it
    sdk_cloud: str  # the azure.core.AzureClouds member
    resource_manager: str  # ARM endpoint
    credential_scopes: tuple[str, ...]
    authority_host: str  # Microsoft Entra ID
    portal: str
    suffixes: Mapping[str, str]  # private-link service -> its public DNS suffix
    # a service whose privatelink zone is not 'privatelink.' + its public suffix: the zone's base instead
    zone_bases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _storage(domain: str) -> dict[str, str]:
    return {service: f"{service}.core.{domain}" for service in STORAGE_SERVICES}


def _suffixes(top: str, vault: str, storage: str) -> Mapping[str, str]:
    return MappingProxyType(
        {
            "backup": f"backup.windowsazure.{top}",
            "siterecovery": f"siterecovery.windowsazure.{top}",
            "migration": f"prod.migration.windowsazure.{top}",
            "vault": vault,
            **_storage(storage),
        }
    )


CLOUDS: dict[str, Cloud] = {
    cloud.name: cloud
    for cloud in (
        Cloud(
            "public",
            "AzureCloud",
            "Azure (public)",
            "AZURE_PUBLIC_CLOUD",
            "https://management.azure.com/",
            ("https://management.azure.com/.default",),
            "login.microsoftonline.com",
            "https://portal.azure.com",
            _suffixes("com", "vault.azure.net", "windows.net"),
            MappingProxyType({"vault": "vaultcore.azure.net"}),
        ),
        Cloud(
            "usgov",
            "AzureUSGovernment",
            "Azure Government",
            "AZURE_US_GOVERNMENT",
            "https://management.usgovcloudapi.net/",
            ("https://management.core.usgovcloudapi.net/.default",),
            "login.microsoftonline.us",
            "https://portal.azure.us",
            _suffixes("us", "vault.usgovcloudapi.net", "usgovcloudapi.net"),
            MappingProxyType({"vault": "vaultcore.usgovcloudapi.net"}),
        ),
        Cloud(
            "china",
            "AzureChinaCloud",
            "Azure operated by 21Vianet",
            "AZURE_CHINA_CLOUD",
            "https://management.chinacloudapi.cn/",
            ("https://management.chinacloudapi.cn/.default",),
            "login.chinacloudapi.cn",
            "https://portal.azure.cn",
            _suffixes("cn", "vault.azure.cn", "chinacloudapi.cn"),
            MappingProxyType({"vault": "vaultcore.azure.cn"}),
        ),
    )
}


def cloud_names() -> tuple[str, ...]:
    """The clouds' names, in the table's order (public first): the choices of every --cloud."""
    return tuple(CLOUDS)


def find_cloud(name: str, option: str = "--cloud") -> Cloud:
    """The cloud named ``name`` (any case); an InputError naming ``option`` and the choices otherwise."""
    try:
        return CLOUDS[name.lower()]
    except KeyError:
        raise InputError(f"{option}: unknown cloud '{name}'; use one of {', '.join(CLOUDS)}") from None


def cloud_listed_as(list_name: str) -> Cloud | None:
    """The cloud a Microsoft list names ``list_name`` (e.g. 'AzureUSGovernment'); None for one not in the table."""
    return next((cloud for cloud in CLOUDS.values() if cloud.list_name == list_name), None)
