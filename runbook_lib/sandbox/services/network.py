"""Microsoft.Network: virtual networks with their subnets and peerings, network interfaces."""

from __future__ import annotations

import copy
from typing import ClassVar

from ..addresses import IP_CONFIGURATIONS
from ..authz import require_linked
from ..paths import ArmPath
from .base import Context, Service


class VirtualNetworkService(Service):
    types = ("Microsoft.Network/virtualNetworks",)
    embedded: ClassVar[dict[str, str]] = {"subnets": "subnets", "virtualNetworkPeerings": "virtualNetworkPeerings"}

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        """No DNS servers given: Azure-provided DNS, shown as an empty list (the Azure CLI's recorded
        test_PutLink_LinkExistsIfNoneMatchFailure_ExpectError: "dhcpOptions": {"dnsServers": []})."""
        record = super().prepare(ctx, path, body, existing)
        record["properties"].setdefault("dhcpOptions", {}).setdefault("dnsServers", [])
        return record


class SubnetService(Service):
    """A subnet lists the NIC IP configurations and private endpoints in it (Azure leaves empty lists out)."""

    types = ("Microsoft.Network/virtualNetworks/subnets",)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        """Azure's defaults: network policies for private endpoints off ("Manage network policies for private
        endpoints": disabled by default), for Private Link services on, no delegations."""
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        properties.setdefault("privateEndpointNetworkPolicies", "Disabled")
        properties.setdefault("privateLinkServiceNetworkPolicies", "Enabled")
        properties.setdefault("delegations", [])
        return record

    def render(self, ctx: Context, record: dict) -> dict:
        properties = record.setdefault("properties", {})
        for key, found in (
            ("ipConfigurations", _in_subnet(ctx, IP_CONFIGURATIONS, record["id"])),
            ("privateEndpoints", _in_subnet(ctx, "Microsoft.Network/privateEndpoints", record["id"])),
        ):
            if found:
                properties[key] = [{"id": resource_id} for resource_id in found]
            else:
                properties.pop(key, None)
        return record


def _in_subnet(ctx: Context, resource_type: str, subnet_id: str) -> list[str]:
    return ctx.tx.in_subnet(subnet_id, resource_type)


class PeeringService(Service):
    """A peering is Initiated until the remote network peers back; then both sides are Connected."""

    types = ("Microsoft.Network/virtualNetworks/virtualNetworkPeerings",)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        local_vnet = path.parent_id
        remote_id = (record["properties"].get("remoteVirtualNetwork") or {}).get("id", "")
        if remote_id:
            require_linked(ctx, "Microsoft.Network/virtualNetworks/peer/action", remote_id, path)
        back = _peering_towards(ctx, remote_id, local_vnet) if remote_id else None
        record["properties"]["peeringState"] = "Connected" if back else "Initiated"
        record["properties"]["peeringSyncLevel"] = "FullyInSync"
        remote = ctx.tx.get(remote_id) if remote_id else None
        if remote is not None:
            space = (remote.get("properties") or {}).get("addressSpace") or {"addressPrefixes": []}
            record["properties"]["remoteAddressSpace"] = copy.deepcopy(space)
            record["properties"]["remoteVirtualNetworkAddressSpace"] = copy.deepcopy(space)
            if remote["properties"].get("bgpCommunities"):
                record["properties"]["remoteBgpCommunities"] = copy.deepcopy(remote["properties"]["bgpCommunities"])
        if back:
            back["properties"]["peeringState"] = "Connected"
            ctx.tx.update(back)
        return record

    def remove(self, ctx: Context, path: ArmPath, record: dict) -> None:
        remote_id = (record["properties"].get("remoteVirtualNetwork") or {}).get("id", "")
        back = _peering_towards(ctx, remote_id, path.parent_id) if remote_id else None
        if back:
            back["properties"]["peeringState"] = "Disconnected"
            ctx.tx.update(back)
        super().remove(ctx, path, record)


def _peering_towards(ctx: Context, vnet_id: str, target_vnet_id: str) -> dict | None:
    """The peering of vnet_id whose remote network is target_vnet_id, if any."""
    for peering in ctx.tx.children(vnet_id, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"):
        remote = (peering["properties"].get("remoteVirtualNetwork") or {}).get("id", "")
        if remote.lower() == target_vnet_id.lower():
            return peering
    return None


class NetworkInterfaceService(Service):
    types = ("Microsoft.Network/networkInterfaces",)
    embedded: ClassVar[dict[str, str]] = {"ipConfigurations": "ipConfigurations"}


class NetworkInterfaceIpConfigurationService(Service):
    types = ("Microsoft.Network/networkInterfaces/ipConfigurations",)
