"""What the DNS checks read, each read made once (a zone checked for three endpoints is read once)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from azure.core.exceptions import ResourceNotFoundError

from ..azure import AzureClients
from ..azure.errors import arm_code
from ..azure.ids import ResourceId, name_of, parse_id
from ..errors import InputError
from ..ops import privatedns
from ..ops.arm import arm_set
from .endpoints import Endpoint

if TYPE_CHECKING:
    from azure.mgmt.recoveryservices.models import Vault


class Zone(NamedTuple):
    """A zone an endpoint needs, and where it was found (id None: nowhere)."""

    name: str
    id: str | None
    where: str


class CheckReads:
    """Every read the checks make, each made once (cached by what it reads)."""

    def __init__(self, clients: AzureClients, zone_rgs: Sequence[ResourceId]):
        self._clients, self._zone_rgs = clients, zone_rgs
        self._seen: dict[tuple[str, str], Any] = {}

    def _once(self, kind: str, key: str, read: Callable[[], Any]) -> Any:
        if (kind, key.lower()) not in self._seen:
            self._seen[kind, key.lower()] = read()
        return self._seen[kind, key.lower()]

    def _in(self, subscription: str) -> AzureClients:
        return self._clients.for_subscription(subscription)

    def find_zone(self, endpoint: Endpoint, name: str) -> Zone:
        """The zone in the endpoint's zone group, else in a given zone resource group, else by name in the
        endpoint's subscription; a zone the group names but that no longer exists does not count."""
        subscription = parse_id(endpoint.id).subscription
        places: list[tuple[str, Callable[[], list[str]]]] = [
            ("the endpoint's zone group", lambda: self.group_zones(endpoint)),
            *((f"resource group {rg.id}", lambda rg=rg: self.zones_in_group(rg)) for rg in self._zone_rgs),
            (f"subscription {subscription}", lambda: self.zones_in_subscription(subscription)),
        ]
        for where, zone_ids in places:
            for zone_id in zone_ids():
                if name_of(zone_id).lower() == name and self.links(zone_id) is not None:
                    return Zone(name, zone_id, f"{where}: {zone_id}")
        return Zone(name, None, ", ".join(where for where, _ in places))

    def group_zones(self, endpoint: Endpoint) -> list[str]:
        rid = parse_id(endpoint.id)
        return self._once(
            "groups",
            rid.id,
            lambda: [
                config.private_dns_zone_id
                for group in privatedns.zone_groups_of(self._clients, endpoint.id)
                for config in group.private_dns_zone_configs or []
            ],
        )

    def zones_in_group(self, rg: ResourceId) -> list[str]:
        def read() -> list[str]:
            try:
                return sorted(arm_set(z.id) for z in privatedns.zones_in_group(self._clients, rg.id))
            except ResourceNotFoundError as error:
                raise InputError(
                    f"--zones: {rg.id}: {arm_code(error) or 'not found'}; "
                    "give the resource group holding the private DNS zones"
                ) from None

        return self._once("zones", rg.id, read)

    def zones_in_subscription(self, subscription: str) -> list[str]:
        return self._once(
            "zones",
            subscription,
            lambda: sorted(z.id for z in privatedns.zones_in_subscription(self._clients, subscription)),
        )

    def links(self, zone_id: str) -> set[str] | None:
        """The ids (lower case) of the VNets linked to the zone; None when the zone does not exist."""

        def read() -> set[str] | None:
            try:
                return set(privatedns.linked_vnets(self._clients, zone_id)) - {""}
            except ResourceNotFoundError:
                return None

        return self._once("links", zone_id, read)

    def a_records(self, zone_id: str) -> dict[str, tuple[str, ...]]:
        """Record name (lower case) -> its IPs."""
        return self._once(
            "records",
            zone_id,
            lambda: {name: record.ips for name, record in privatedns.a_records(self._clients, zone_id).items()},
        )

    def subnet(self, subnet_id: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        rid, vnet = parse_id(subnet_id), parse_id(subnet_id.rsplit("/subnets/", 1)[0])

        def read() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
            found = self._in(rid.subscription).network.subnets.get(rid.resource_group, vnet.name, rid.name)
            return [ipaddress.ip_network(p) for p in found.address_prefixes or [found.address_prefix] if p]

        return self._once("subnet", subnet_id, read)

    def vault(self, vault_id: str) -> Vault:
        rid = parse_id(vault_id)
        return self._once(
            "vault",
            vault_id,
            lambda: self._in(rid.subscription).recoveryservices.vaults.get(rid.resource_group, rid.name),
        )
