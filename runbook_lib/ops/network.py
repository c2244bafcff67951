"""Subnets: how many addresses are free for private endpoints (Azure keeps five of every subnet)."""

from __future__ import annotations

import ipaddress

from ..azure import AzureClients
from ..azure.ids import parse_id

AZURE_RESERVED = 5  # the network, the gateway, two for Azure DNS, and the broadcast address


def free_addresses(clients: AzureClients, subnet_id: str) -> int:
    vnet = parse_id(subnet_id.rsplit("/subnets/", 1)[0])
    subnet = clients.for_subscription(vnet.subscription).network.subnets.get(
        vnet.resource_group, vnet.name, subnet_id.rsplit("/", 1)[-1])
    prefixes = subnet.address_prefixes or [subnet.address_prefix]
    size = sum(ipaddress.ip_network(p).num_addresses - AZURE_RESERVED for p in prefixes if p)
    return size - len(subnet.ip_configurations or [])
