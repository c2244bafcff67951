"""The parameters every endpoint scenario shares, and the reads of the vault its steps share."""

from __future__ import annotations

from typing import ClassVar, Literal

from ..azure.ids import parse_id
from ..dns.choices import DEFAULT_TTL
from ..engine import Run, ScenarioParameters
from ..engine.fields import EndpointName, Region, ResourceGroupId, SubnetId, VaultId, VnetId
from ..ops import vaults


class EndpointParameters(ScenarioParameters):
    """What every scenario that makes a private endpoint asks for."""

    location: Region = "westus3"  # the region of what the runbook creates (the endpoint's VNet may be elsewhere)
    subnet: SubnetId  # where the endpoint's NIC goes
    endpoint_name: EndpointName
    endpoint_resource_group: ResourceGroupId | None = None  # default: the subnet's resource group
    zones_resource_group: ResourceGroupId | None = None  # where the private DNS zones are (any subscription)
    approval: Literal["auto", "manual"] = "auto"  # manual: a request the target's owner approves
    approve: bool = False  # approve a Pending connection in this run (the caller must own the target)
    link_vnets: tuple[VnetId, ...] = ()  # the clients' VNets (the endpoint's own VNet always)
    nameserver: str | None = None  # validate resolution through this DNS server (HOST[:PORT])
    ttl: int = DEFAULT_TTL  # of the records this runbook writes

    @property
    def endpoint_id(self) -> str:
        group = self.endpoint_resource_group or parse_id(self.subnet).resource_group_id
        return f"{group}/providers/Microsoft.Network/privateEndpoints/{self.endpoint_name}"

    @property
    def vnet_id(self) -> str:
        return self.subnet.rsplit("/subnets/", 1)[0]

    @property
    def zones_group(self) -> str:
        """Where the zones are: the parameter, else the endpoint's resource group."""
        return self.zones_resource_group or parse_id(self.endpoint_id).resource_group_id

    def zone_id(self, zone: str) -> str:
        return f"{self.zones_group}/providers/Microsoft.Network/privateDnsZones/{zone}"


class VaultEndpointParameters(EndpointParameters):
    """A Recovery Services vault's endpoint. A scenario sets GROUP_ID and MEMBERS and names its zones."""

    GROUP_ID: ClassVar[str]
    MEMBERS: ClassVar[int]  # addresses the endpoint (and what the service adds beside it) takes in the subnet
    MEMBERS_WHY: ClassVar[str]  # ...in words

    vault: VaultId  # the Recovery Services vault; created when it does not exist
    zones_resource_group: ResourceGroupId  # where the private DNS zones are (any subscription)
    dns: Literal["zone-group", "custom"] = "zone-group"  # integrate with private DNS zones, or a custom DNS server

    def zone_names(self, vault_location: str) -> list[str]:
        raise NotImplementedError

    def identity_grants(self) -> list[tuple[str, str]]:
        """(scope, built-in role) the vault's identity needs: Contributor on the endpoint's and the VNet's resource
        groups and, with zone integration, Private DNS Zone Contributor on the zones' (seeds 000, 002)."""
        scopes = dict.fromkeys([parse_id(self.endpoint_id).resource_group_id, parse_id(self.vnet_id).resource_group_id])
        wanted = [(scope, "Contributor") for scope in scopes]
        if self.dns == "zone-group":
            wanted.append((self.zones_resource_group, "Private DNS Zone Contributor"))
        return wanted


def vault_principal(run: Run) -> str | None:
    """The object id of the vault's system-assigned identity; None while there is no vault or identity."""
    vault = vault_of(run)
    return vault.identity.principal_id if vault is not None and vault.identity else None


def vault_of(run: Run):
    return vaults.get_vault(run.clients, run.params.vault)
