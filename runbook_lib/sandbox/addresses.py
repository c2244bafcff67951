"""Private IP addresses in a subnet, allocated the way Azure does.

Azure keeps five addresses of every subnet: the network address, the next three (gateway and Azure DNS
mapping) and the broadcast address. A dynamic address is the lowest free one; a static one must be free and
usable.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from .errors import ArmError

IP_CONFIGURATIONS = "Microsoft.Network/networkInterfaces/ipConfigurations"
RESERVED_AT_START = 4


def subnet_prefixes(subnet: dict) -> list[str]:
    properties = subnet.get("properties") or {}
    if properties.get("addressPrefixes"):
        return list(properties["addressPrefixes"])
    return [properties["addressPrefix"]] if properties.get("addressPrefix") else []


def usable(prefix: str) -> range:
    """The usable addresses of a prefix as numbers, lowest first (a /16 holds 65,531 of them)."""
    network = ipaddress.ip_network(prefix, strict=False)  # a /29 has 8 addresses, 3 usable
    return range(int(network.network_address) + RESERVED_AT_START, int(network.broadcast_address))


def _is_usable(address: str, prefixes: list[str]) -> bool:
    ip = ipaddress.ip_address(address)
    for prefix in prefixes:
        network = ipaddress.ip_network(prefix, strict=False)
        if ip in network:
            return int(network.network_address) + RESERVED_AT_START <= int(ip) < int(network.broadcast_address)
    return False


def allocate(tx, subnet: dict, wanted: Iterable[str | None]) -> list[str]:
    """One address per item of ``wanted``: the given static address, or the lowest free one for None."""
    wanted = list(wanted)
    prefixes = subnet_prefixes(subnet)
    taken = tx.addresses_in(subnet["id"])
    held = len(taken)
    for address in filter(None, wanted):
        if not _is_usable(address, prefixes):
            raise ArmError(
                400,
                "PrivateIPAddressNotInSubnet" if not _inside(address, prefixes) else "PrivateIPAddressInReservedRange",
                f"The static address {address} is not usable in subnet '{subnet['id']}' ({', '.join(prefixes)}): "
                "Azure reserves the first four and the last address of each subnet.",
            )
        if int(ipaddress.ip_address(address)) in taken:
            raise ArmError(
                400,
                "PrivateIPAddressInUse",
                f"The static address {address} is already in use in subnet '{subnet['id']}'.",
            )
        taken.add(int(ipaddress.ip_address(address)))
    free = (str(ipaddress.ip_address(n)) for prefix in prefixes for n in usable(prefix) if n not in taken)
    chosen = [address or next(free, None) for address in wanted]
    if None in chosen:
        size = sum(
            max(ipaddress.ip_network(p, strict=False).num_addresses - RESERVED_AT_START - 1, 0) for p in prefixes
        )
        available = size - held
        raise ArmError(
            400,
            "SubnetIsFull",
            f"Subnet '{subnet['name']}' ({', '.join(prefixes)}) does not have enough free addresses: {len(wanted)} "
            f"needed, {available} free (Azure reserves five addresses of every subnet).",
        )
    return [address for address in chosen if address is not None]  # none is None past the check above


def _inside(address: str, prefixes: list[str]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(p, strict=False) for p in prefixes)
