"""The parameters every endpoint scenario shares, and the reads of the vault its steps share."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ...azure.ids import name_of, parse_id
from ...dns.choices import DEFAULT_TTL
from ...dns.links import link_name
from ...engine import Run, ScenarioParameters
from ...engine.fields import (
    DerivedName,
    EndpointName,
    Nameserver,
    Region,
    ResourceGroupId,
    SubnetId,
    Ttl,
    VaultId,
    VnetId,
    refuse_bad_derived_names,
)
from ...names import NameKind
from ...ops import vaults


class EndpointParameters(ScenarioParameters):
    """What every scenario that makes a private endpoint asks for."""

    location: Region = "westus3"  # the region of what the runbook creates (the endpoint's VNet may be elsewhere)
    subnet: SubnetId  # where the endpoint's NIC goes
    endpoint_name: EndpointName  # the private endpoint's name (its NIC is named after it)
    endpoint_resource_group: ResourceGroupId | None = None  # default: the subnet's resource group
    zones_resource_group: ResourceGroupId | None = None  # where the private DNS zones are (any subscription)
    approval: Literal["auto", "manual"] = "auto"  # manual: a request the target's owner approves
    approve: bool = False  # approve a Pending connection in this run (the caller must own the target)
    link_vnets: tuple[VnetId, ...] = ()  # the clients' VNets (the endpoint's own VNet always)
    nameserver: Nameserver | None = None  # validate resolution through this DNS server (HOST[:PORT])
    ttl: Ttl = DEFAULT_TTL  # of the records this runbook writes

    def derived_names(self) -> list[DerivedName]:
        """The names this run derives from its parameters besides the ones they give (Azure's rules apply): the
        zone links named after the VNets (with a hash when another VNet of that name holds the plain name)."""
        vnets = [("subnet", self.vnet_id), *(("link_vnets", vnet) for vnet in self.link_vnets)]
        return [
            DerivedName(parameter, f"the zones' link to {name_of(vnet)}", NameKind.VIRTUAL_NETWORK_LINK, name)
            for parameter, vnet in vnets
            for name in dict.fromkeys((link_name(vnet, ()), link_name(vnet, {link_name(vnet, ())})))
        ]

    @model_validator(mode="after")
    def _derived_names_keep_azure_rules(self):
        refuse_bad_derived_names(type(self).__name__, self.derived_names())
        return self

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
    """A Recovery Services vault's endpoint. A scenario names its zones; what else varies (the group id, the
    addresses, the identity's roles) its runbook gives the steps."""

    vault: VaultId  # the Recovery Services vault; created when it does not exist
    zones_resource_group: ResourceGroupId  # where the private DNS zones are (any subscription)
    dns: Literal["zone-group", "custom"] = "zone-group"  # integrate with private DNS zones, or a custom DNS server

    def zone_names(self, vault_location: str) -> list[str]:
        """The private DNS zones the endpoint needs in the vault's region (the steps get it as ``zones``)."""
        raise NotImplementedError


def vault_principal(run: Run) -> str | None:
    """The object id of the vault's system-assigned identity; None while there is no vault or identity."""
    vault = vault_of(run)
    return vault.identity.principal_id if vault is not None and vault.identity else None


def vault_of(run: Run):
    return vaults.get_vault(run.clients, run.params.vault)
