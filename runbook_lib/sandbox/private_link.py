"""Private-link names as Azure publishes them: each service's public DNS suffix and privatelink zone, per cloud.

A member of a private-link resource has an FQDN under its service's public suffix. Azure's public DNS answers
that FQDN with a CNAME to ``{record}.{zone}``, its privatelink alias, and the private DNS zone ``zone`` answers
the alias with the endpoint's IP. ``alias(fqdn)`` gives that (zone, record) pair; the targets' services use
``member_fqdn`` to name their members.
"""

from __future__ import annotations

from dataclasses import dataclass

CLOUDS = ("public", "usgov", "china")

# service -> (public suffix per cloud, zone per cloud without the 'privatelink.' prefix)
_SUFFIXES: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "backup": (
        ("backup.windowsazure.com", "backup.windowsazure.us", "backup.windowsazure.cn"),
        ("{geo}.backup.windowsazure.com", "{geo}.backup.windowsazure.us", "{geo}.backup.windowsazure.cn"),
    ),
    "siterecovery": (
        ("siterecovery.windowsazure.com", "siterecovery.windowsazure.us", "siterecovery.windowsazure.cn"),
        ("siterecovery.windowsazure.com", "siterecovery.windowsazure.us", "siterecovery.windowsazure.cn"),
    ),
    "migration": (
        ("prod.migration.windowsazure.com", "prod.migration.windowsazure.us", "prod.migration.windowsazure.cn"),
        ("prod.migration.windowsazure.com", "prod.migration.windowsazure.us", "prod.migration.windowsazure.cn"),
    ),
    "vault": (
        ("vault.azure.net", "vault.usgovcloudapi.net", "vault.azure.cn"),
        ("vaultcore.azure.net", "vaultcore.usgovcloudapi.net", "vaultcore.azure.cn"),
    ),
    **{
        storage: (
            (f"{storage}.core.windows.net", f"{storage}.core.usgovcloudapi.net", f"{storage}.core.chinacloudapi.cn"),
            (f"{storage}.core.windows.net", f"{storage}.core.usgovcloudapi.net", f"{storage}.core.chinacloudapi.cn"),
        )
        for storage in ("blob", "queue", "table", "file")
    },
}
STORAGE_SERVICES = ("blob", "queue", "table", "file")
# Accounts with Azure DNS zone endpoints (Azure Backup's among them) are named {account}.zNN.{service}.storage.
# azure.net; their records still go in the service's privatelink zone, named by the account (public cloud only).
PARTITIONED = {f"{service}.storage.azure.net": service for service in STORAGE_SERVICES}


@dataclass(frozen=True)
class Member:
    """One required member of a private-link group, as a private endpoint's NIC carries it."""

    group_id: str
    name: str  # requiredMemberName
    fqdn: str

    @property
    def zone(self) -> str:
        return alias(self.fqdn)[0]

    @property
    def record(self) -> str:
        return alias(self.fqdn)[1]


def suffix(service: str, cloud: str) -> str:
    """The public DNS suffix of a service in a cloud, e.g. ('blob', 'usgov') -> 'blob.core.usgovcloudapi.net'."""
    return _SUFFIXES[service][0][CLOUDS.index(cloud)]


def zone_name(service: str, cloud: str, geo: str = "") -> str:
    return "privatelink." + _SUFFIXES[service][1][CLOUDS.index(cloud)].format(geo=geo)


def member_fqdn(service: str, cloud: str, host: str, geo: str = "") -> str:
    """A member's FQDN: '{host}.{geo}.{suffix}' for services whose names carry the geo, else '{host}.{suffix}'."""
    return ".".join(part for part in (host, geo, suffix(service, cloud)) if part)


def alias(fqdn: str) -> tuple[str, str] | None:
    """(privatelink zone, record name) answering a private-link FQDN; None when the name is not one."""
    name = fqdn.lower().rstrip(".")
    if ".privatelink." in f".{name}":
        return None  # already an alias
    for partitioned, service in PARTITIONED.items():
        host = _strip(name, partitioned)
        if host:
            return zone_name(service, "public"), host.split(".")[0]
    for service, (suffixes, zones) in _SUFFIXES.items():
        for cloud, public in zip(CLOUDS, suffixes):
            host = _strip(name, public)
            if not host:
                continue
            if "{geo}" in zones[0]:  # the geo label belongs to the zone: x.{geo}.backup... -> privatelink.{geo}.backup...
                record, _, geo = host.rpartition(".")
                return (zone_name(service, cloud, geo), record) if record else None
            return zone_name(service, cloud), host
    return None


def _strip(name: str, public_suffix: str) -> str:
    return name[: -len(public_suffix) - 1] if name.endswith("." + public_suffix) else ""
