"""Name resolution as a client in a virtual network sees it through Azure DNS (168.63.129.16).

Azure DNS answers from the private DNS zones linked to the client's VNet first: a name inside a linked zone gets
that zone's A record, or NXDOMAIN when the zone has none (the zone is authoritative). Otherwise the public answer:
a private-link FQDN whose resource has an approved private endpoint is a CNAME to its privatelink alias, which is
looked up the same way (linked zone first), else it gets the service's public address. Links are per VNet:
peering does not carry them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..private_link import alias
from .services.endpoints import endpoint_status
from .store import Transaction

LINKS = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
IP_CONFIGURATIONS = "Microsoft.Network/networkInterfaces/ipConfigurations"


@dataclass(frozen=True)
class Resolution:
    name: str
    chain: tuple[str, ...]  # the CNAME targets followed, in order
    addresses: tuple[str, ...]  # empty: NXDOMAIN
    answered_by: str  # 'private zone {name}' or 'public DNS'

    @property
    def found(self) -> bool:
        return bool(self.addresses)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "chain": list(self.chain),
            "addresses": list(self.addresses),
            "answered_by": self.answered_by,
        }


def linked_zones(tx: Transaction, vnet_id: str) -> dict[str, str]:
    """Zone name -> zone id, for every private DNS zone linked to the VNet."""
    zones = {}
    for link in tx.of_type(LINKS):
        if ((link["properties"].get("virtualNetwork") or {}).get("id") or "").lower() == vnet_id.lower():
            zone_id = link["id"].rsplit("/virtualNetworkLinks/", 1)[0]
            zones[zone_id.rsplit("/", 1)[-1].lower()] = zone_id
    return zones


def resolve(tx: Transaction, fqdn: str, vnet_id: str) -> Resolution:
    name = fqdn.lower().rstrip(".")
    zones = linked_zones(tx, vnet_id)
    private = _from_private_zone(tx, name, zones)
    if private is not None:
        return Resolution(name, (), *private)
    target = _privatelink_target(tx, name)
    if target is not None:
        private = _from_private_zone(tx, target, zones)
        if private is not None:
            return Resolution(name, (target,), *private)
        return Resolution(name, (target,), (public_address(name),), "public DNS")
    public_name = name.replace(".privatelink.", ".", 1)  # public DNS answers an alias as its service's name
    if alias(public_name) is not None:  # an Azure service name without private endpoints, or an alias
        return Resolution(name, (), (public_address(public_name),), "public DNS")
    return Resolution(name, (), (), "public DNS")  # the sandbox knows no other public names


def public_address(name: str) -> str:
    """A stable stand-in for a service's public address (in 20.0.0.0/8, one of Microsoft's ranges)."""
    digest = hashlib.sha256(name.encode()).digest()
    return f"20.{digest[0]}.{digest[1]}.{max(digest[2], 1)}"


def _from_private_zone(tx: Transaction, name: str, zones: dict[str, str]) -> tuple[tuple[str, ...], str] | None:
    """(addresses, answered_by) from the longest linked zone containing name; None when no linked zone does."""
    matches = [z for z in zones if name == z or name.endswith("." + z)]
    if not matches:
        return None
    zone = max(matches, key=len)
    record = name[: -len(zone) - 1] if name != zone else "@"
    found = tx.get(f"{zones[zone]}/A/{record}")
    addresses = tuple(a["ipv4Address"] for a in (found or {}).get("properties", {}).get("aRecords") or [])
    return addresses, f"private zone {zone}"


def _privatelink_target(tx: Transaction, name: str) -> str | None:
    """The privatelink alias public DNS gives name, when an approved private endpoint serves it."""
    answer = alias(name)
    if answer is None:
        return None
    zone, record = answer
    for config in tx.of_type(IP_CONFIGURATIONS):
        link = config["properties"].get("privateLinkConnectionProperties") or {}
        if not any(alias(f) == answer for f in link.get("fqdns") or []):
            continue
        nic = tx.get(config["id"].rsplit("/ipConfigurations/", 1)[0]) or {}
        endpoint = tx.get(((nic.get("properties") or {}).get("privateEndpoint") or {}).get("id", ""))
        if endpoint is not None and endpoint_status(endpoint) == "Approved":
            return f"{record}.{zone}"
    return None
