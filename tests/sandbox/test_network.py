"""Virtual networks, subnets, peerings and network interfaces via the SDK (endpoints: test_endpoints.py)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.network.models import (
    NetworkInterface,
    NetworkInterfaceIPConfiguration,
    Subnet,
    VirtualNetworkPeering,
)

from tests.builders import put_vnet


def test_vnet_lists_its_subnets_and_each_subnet_is_a_resource(clients, rg):
    vnet = put_vnet(clients, rg, "vnet-spoke", "10.1.0.0/16", {"snet-pe": "10.1.1.0/24"})
    assert [s.name for s in vnet.subnets] == ["snet-pe"]
    assert vnet.provisioning_state == "Succeeded" and vnet.etag

    clients.network.subnets.begin_create_or_update(
        rg, "vnet-spoke", "snet-app", Subnet(address_prefix="10.1.2.0/24")
    ).result()
    subnet = clients.network.subnets.get(rg, "vnet-spoke", "snet-app")
    assert subnet.id == f"{vnet.id}/subnets/snet-app"
    assert subnet.address_prefix == "10.1.2.0/24"
    assert {s.name for s in clients.network.virtual_networks.get(rg, "vnet-spoke").subnets} == {"snet-pe", "snet-app"}
    assert {s.name for s in clients.network.subnets.list(rg, "vnet-spoke")} == {"snet-pe", "snet-app"}

    clients.network.subnets.begin_delete(rg, "vnet-spoke", "snet-app").result()
    with pytest.raises(ResourceNotFoundError):
        clients.network.subnets.get(rg, "vnet-spoke", "snet-app")
    assert [s.name for s in clients.network.virtual_networks.get(rg, "vnet-spoke").subnets] == ["snet-pe"]


def test_vnet_put_without_a_subnet_removes_it_as_in_azure(clients, rg):
    put_vnet(clients, rg, "vnet1", "10.2.0.0/16", {"a": "10.2.1.0/24", "b": "10.2.2.0/24"})
    put_vnet(clients, rg, "vnet1", "10.2.0.0/16", {"a": "10.2.1.0/24"})
    assert [s.name for s in clients.network.subnets.list(rg, "vnet1")] == ["a"]


def test_peering_is_initiated_until_the_remote_side_peers_back(clients, rg):
    hub = put_vnet(clients, rg, "vnet-hub", "10.0.0.0/16")
    spoke = put_vnet(clients, rg, "vnet-spoke", "10.1.0.0/16")
    peerings = clients.network.virtual_network_peerings

    first = peerings.begin_create_or_update(
        rg, "vnet-hub", "hub-to-spoke", VirtualNetworkPeering(remote_virtual_network={"id": spoke.id})
    ).result()
    assert first.peering_state == "Initiated"
    second = peerings.begin_create_or_update(
        rg, "vnet-spoke", "spoke-to-hub", VirtualNetworkPeering(remote_virtual_network={"id": hub.id})
    ).result()
    assert second.peering_state == "Connected"
    assert peerings.get(rg, "vnet-hub", "hub-to-spoke").peering_state == "Connected"
    assert [p.name for p in clients.network.virtual_networks.get(rg, "vnet-hub").virtual_network_peerings] == [
        "hub-to-spoke"
    ]

    peerings.begin_delete(rg, "vnet-spoke", "spoke-to-hub").result()
    assert peerings.get(rg, "vnet-hub", "hub-to-spoke").peering_state == "Disconnected"


def test_network_interface_ip_configurations(clients, rg):
    vnet = put_vnet(clients, rg, "vnet1", "10.3.0.0/16", {"s": "10.3.0.0/24"})
    nic = clients.network.network_interfaces.begin_create_or_update(
        rg,
        "nic1",
        NetworkInterface(
            location="westus3",
            ip_configurations=[
                NetworkInterfaceIPConfiguration(
                    name="ipconfig1",
                    subnet={"id": vnet.subnets[0].id},
                    private_ip_address="10.3.0.4",
                    private_ip_allocation_method="Static",
                )
            ],
        ),
    ).result()
    assert nic.ip_configurations[0].id == f"{nic.id}/ipConfigurations/ipconfig1"
    got = clients.network.network_interfaces.get(rg, "nic1")
    assert got.ip_configurations[0].private_ip_address == "10.3.0.4"
    assert [n.name for n in clients.network.network_interfaces.list(rg)] == ["nic1"]
    clients.network.network_interfaces.begin_delete(rg, "nic1").result()
    assert list(clients.network.network_interfaces.list(rg)) == []


def test_a_subnet_shows_azures_defaults_for_policies_and_delegations(clients, rg):
    """Network policies for private endpoints are off unless asked for (Microsoft Learn, "Manage network policies
    for private endpoints": disabled by default), for Private Link services on; no delegations."""
    put_vnet(clients, rg, "vnet-d", "10.3.0.0/16", {"snet-pe": "10.3.1.0/24"})
    subnet = clients.network.subnets.get(rg, "vnet-d", "snet-pe")
    assert subnet.private_endpoint_network_policies == "Disabled"
    assert subnet.private_link_service_network_policies == "Enabled"
    assert subnet.delegations == []
    # Azure-provided DNS: an empty list of servers (test_PutLink_LinkExistsIfNoneMatchFailure_ExpectError)
    assert clients.network.virtual_networks.get(rg, "vnet-d").dhcp_options.dns_servers == []
    clients.network.subnets.begin_create_or_update(
        rg,
        "vnet-d",
        "snet-nsg",
        Subnet(address_prefix="10.3.2.0/24", private_endpoint_network_policies="NetworkSecurityGroupEnabled"),
    ).result()
    assert (
        clients.network.subnets.get(rg, "vnet-d", "snet-nsg").private_endpoint_network_policies
        == "NetworkSecurityGroupEnabled"
    )
