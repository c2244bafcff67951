"""Private-link names as Azure publishes them: each service's public DNS suffix and privatelink zone, per cloud.

A member of a private-link resource has an FQDN under its service's public suffix. Azure's public DNS answers
that FQDN with a CNAME to ``{record}.{zone}``, its privatelink alias, and the private DNS zone ``zone`` answers
the alias with the endpoint's IP. ``alias(fqdn)`` gives that (zone, record) pair and ``public_fqdn`` goes back;
the sandbox's services use ``member_fqdn`` to name their members. Facts only: both the sandbox and the DNS tools
read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clouds import CLOUDS, SERVICES, STORAGE_SERVICES  # noqa: F401 (SERVICES: read from here by the DNS tools)

# the privatelink zone is 'privatelink.' + the public suffix, except where a cloud names another base (key vault's
# vaultcore), and Backup's zone carries the geo code (the FQDN's label before the suffix)
GEO_IN_ZONE = {"backup"}
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
        return self._alias()[0]

    @property
    def record(self) -> str:
        return self._alias()[1]

    def _alias(self) -> tuple[str, str]:
        found = alias(self.fqdn)
        if found is None:
            raise ValueError(f"{self.fqdn} is not a private-link FQDN: it has no privatelink zone")
        return found


def suffix(service: str, cloud: str) -> str:
    """The public DNS suffix of a service in a cloud, e.g. ('blob', 'usgov') -> 'blob.core.usgovcloudapi.net'."""
    return CLOUDS[cloud].suffixes[service]


def _zone_base(service: str, cloud: str) -> str:
    return CLOUDS[cloud].zone_bases.get(service) or suffix(service, cloud)


def zone_name(service: str, cloud: str, geo: str = "") -> str:
    base = _zone_base(service, cloud)
    return f"privatelink.{geo}.{base}" if service in GEO_IN_ZONE else f"privatelink.{base}"


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
    for cloud in CLOUDS.values():
        for service, public in cloud.suffixes.items():
            host = _strip(name, public)
            if not host:
                continue
            if (
                service in GEO_IN_ZONE
            ):  # the geo label belongs to the zone: x.{geo}.backup... -> privatelink.{geo}.backup...
                record, _, geo = host.rpartition(".")
                return (zone_name(service, cloud.name, geo), record) if record else None
            return zone_name(service, cloud.name), host
    return None


def _strip(name: str, public_suffix: str) -> str:
    return name[: -len(public_suffix) - 1] if name.endswith("." + public_suffix) else ""


def cloud_of(fqdn: str) -> str | None:
    """The cloud whose public suffix a private-link FQDN carries; None when it carries none of them."""
    name = fqdn.lower().rstrip(".")
    if any(_strip(name, partitioned) for partitioned in PARTITIONED):
        return "public"
    return next(
        (cloud.name for cloud in CLOUDS.values() for public in cloud.suffixes.values() if _strip(name, public)), None
    )


def public_fqdn(record: str, zone: str) -> str | None:
    """The FQDN a client asks for, from a (record, privatelink zone) pair; None when the zone is not one.

    The inverse of ``alias`` except for partitioned storage names (``{account}.zNN.blob.storage.azure.net``),
    whose zone number only the endpoint's NIC knows: they come back as ``{account}.blob.core.windows.net``.
    """
    name = zone.lower().rstrip(".")
    for cloud in CLOUDS:
        for service in CLOUDS[cloud].suffixes:
            base = _zone_base(service, cloud)
            if service in GEO_IN_ZONE:
                geo = _strip(name, base)
                if geo.startswith("privatelink.") and geo.count(".") == 1:
                    return member_fqdn(service, cloud, record, geo.split(".")[1])
            elif name == f"privatelink.{base}":
                return member_fqdn(service, cloud, record)
    return None
