"""Virtual networks and subnets: how many addresses are free for private endpoints (Azure keeps five of every
subnet), where a VNet is, and whether two are peered."""

from __future__ import annotations

import ipaddress

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import parse_id
from .arm import arm_set, get_or_none

AZURE_RESERVED = 5  # the network, the gateway, two for Azure DNS, and the broadcast address


def free_addresses(clients: AzureClients, subnet_id: str) -> int:
    vnet = parse_id(subnet_id.rsplit("/subnets/", 1)[0])
    subnet = clients.for_subscription(vnet.subscription).network.subnets.get(
        vnet.resource_group, vnet.name, subnet_id.rsplit("/", 1)[-1]
    )
    prefixes = subnet.address_prefixes or [subnet.address_prefix]
    size = sum(ipaddress.ip_network(p).num_addresses - AZURE_RESERVED for p in prefixes if p)
    return size - len(subnet.ip_configurations or [])


def get_vnet(clients: AzureClients, vnet_id: str):
    """The virtual network; None when it does not exist."""
    rid = parse_id(vnet_id)
    return get_or_none(
        clients.for_subscription(rid.subscription).network.virtual_networks.get, rid.resource_group, rid.name
    )


def vnet_location(clients: AzureClients, subnet_id: str) -> str:
    """The region of the subnet's VNet (an endpoint lives where its VNet does)."""
    vnet = parse_id(subnet_id.rsplit("/subnets/", 1)[0])
    return arm_set(
        clients.for_subscription(vnet.subscription)
        .network.virtual_networks.get(vnet.resource_group, vnet.name)
        .location
    )


def peered(clients: AzureClients, vnet_id: str, other_id: str) -> bool:
    """A Connected peering from ``vnet_id`` to ``other_id`` (Connected means both sides peered)."""
    rid = parse_id(vnet_id)
    peerings = clients.for_subscription(rid.subscription).network.virtual_network_peerings.list(
        rid.resource_group, rid.name
    )
    return any(
        p.remote_virtual_network
        and p.remote_virtual_network.id.lower() == other_id.lower()
        and text_of(p.peering_state) == "Connected"
        for p in peerings
    )
