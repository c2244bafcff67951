"""What Azure Backup's vault identity may do, and no more, as "Create and use private endpoints (v1 experience) for
Azure Backup" documents it: rights on the three resource groups of "Grant permissions to the vault to create
required private endpoints" (the endpoint's, the VNet's, the private DNS zones'), either Contributor as the article
recommends or, for "Managing permissions on Resource Groups", the custom roles of "Create roles and permissions
manually" (those VaultMsiPrereqScript.ps1 makes) and Private DNS Zone Contributor on the zones.
"""

from __future__ import annotations

from typing import Literal

from ..ops.roles import CustomRole

IdentityRoles = Literal["contributor", "granular"]

# the article's PrivateEndpointContributorRoleDef.json, NetworkInterfaceReaderRoleDef.json and
# PrivateEndpointSubnetContributorRoleDef.json
PRIVATE_ENDPOINT_CONTRIBUTOR = CustomRole(
    "PrivateEndpointContributor", "Allows management of Private Endpoint", ("Microsoft.Network/privateEndpoints/*",)
)
NETWORK_INTERFACE_READER = CustomRole(
    "NetworkInterfaceReader", "Allows read on networkInterfaces", ("Microsoft.Network/networkInterfaces/read",)
)
PRIVATE_ENDPOINT_SUBNET_CONTRIBUTOR = CustomRole(
    "PrivateEndpointSubnetContributor",
    "Allows adding of Private Endpoint connection to Virtual Networks",
    ("Microsoft.Network/virtualNetworks/subnets/join/action",),
)
CUSTOM_ROLES = (PRIVATE_ENDPOINT_CONTRIBUTOR, NETWORK_INTERFACE_READER, PRIVATE_ENDPOINT_SUBNET_CONTRIBUTOR)
ZONES_ROLE = "Private DNS Zone Contributor"  # "This role already exists" (the article)


def backup_grants(
    endpoint_group: str, vnet_group: str, zones_group: str | None, mode: IdentityRoles
) -> list[tuple[str, str]]:
    """(resource group, role) for the vault's identity; ``zones_group`` None when Backup writes no zone records
    (custom DNS)."""
    if mode == "contributor":
        groups = [endpoint_group, vnet_group] + ([zones_group] if zones_group else [])
        return [(group, "Contributor") for group in dict.fromkeys(groups)]
    wanted = [
        (endpoint_group, PRIVATE_ENDPOINT_CONTRIBUTOR.name),
        (endpoint_group, NETWORK_INTERFACE_READER.name),
        (vnet_group, PRIVATE_ENDPOINT_SUBNET_CONTRIBUTOR.name),
    ]
    if zones_group:
        wanted.append((zones_group, ZONES_ROLE))
    return wanted
