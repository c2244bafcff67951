"""Azure Backup behind a private endpoint (seed 002), in the order the document demands: a vault that never had
items, public access denied, its identity on and allowed to create endpoints, the endpoint, its approval, the
private DNS zones (linked, records in place, again after the first registration and the first backup), validation.
"""

from __future__ import annotations

from typing import Literal

from ..engine import ManualStep, Runbook
from ..geo import geo_code, region_cloud
from ..private_link import zone_name
from ..azure.ids import parse_id
from ..ops.roles import CustomRole
from . import steps
from .backup_identity import CUSTOM_ROLES, IdentityRoles, backup_grants
from .steps.prerequisites import room_for_storage_endpoints, storage_endpoints_made

SEED = "002"
VAULT_MEMBERS = 8  # the AzureBackup group's required members
ECS_ENDPOINTS = 2  # _ecs blob and queue, made at the first registration
PROT_ENDPOINTS = 1  # _prot blob, made at the first backup (the article's "fourth private endpoint"; some regions: more)


class BackupParameters(steps.VaultEndpointParameters):
    GROUP_ID = "AzureBackup"
    # "Overview and concepts of private endpoints (v1 experience) for Azure Backup", "Before you start": 11 private
    # IPs with the storage endpoints, up to 25 in some regions, a /26 advised. 8: fc1 fab1 prot1 rec2 ecs1 id1 tel1
    # wbcm1; then the _ecs blob and queue endpoints (first registration) and a _prot blob one (first backup)
    MEMBERS = VAULT_MEMBERS + ECS_ENDPOINTS + PROT_ENDPOINTS
    MEMBERS_WHY = (f"{VAULT_MEMBERS} for the vault's endpoint, {ECS_ENDPOINTS} for the _ecs blob and queue endpoints "
                   f"Azure Backup adds at the first registration, {PROT_ENDPOINTS} for the _prot blob endpoint it adds "
                   "at the first backup")
    MEMBERS_RECOMMENDED = 25
    MEMBERS_RECOMMENDED_WHY = ("Azure Backup uses up to 25 in some regions, and Microsoft advises a /26 "
                               "('Overview and concepts of private endpoints (v1 experience) for Azure Backup', "
                               "'Before you start')")

    public_access: Literal["deny", "keep"] = "deny"  # keep: public network access stays on (cross-region restore)
    # the vault identity's rights on the endpoint's, the VNet's and the zones' resource groups: contributor (the
    # article's recommendation) or granular (its custom roles, created where missing, and Private DNS Zone
    # Contributor on the zones)
    identity_roles: IdentityRoles = "contributor"

    def identity_grants(self) -> list[tuple[str, str]]:
        return backup_grants(parse_id(self.endpoint_id).resource_group_id, parse_id(self.vnet_id).resource_group_id,
                             self.zones_resource_group if self.dns == "zone-group" else None, self.identity_roles)

    def custom_roles(self) -> tuple[CustomRole, ...]:
        return CUSTOM_ROLES if self.identity_roles == "granular" else ()

    def zone_names(self, vault_location: str) -> list[str]:
        cloud = region_cloud(vault_location)
        return [zone_name("backup", cloud, geo_code(vault_location)), zone_name("blob", cloud),
                zone_name("queue", cloud)]


def runbook(params: BackupParameters) -> Runbook:
    use = f"{SEED} Use Private Endpoints for Backup"
    return Runbook("backup", [
        steps.Prerequisites(f"{SEED} Before you start"),
        steps.CreateVault(f"{SEED} Create a Recovery Services vault"),
        steps.DenyPublicAccess(f"{SEED} Deny public network access"),
        steps.EnableIdentity(f"{SEED} Enable the managed identity for your vault"),
        steps.GrantIdentity(f"{SEED} Grant permissions to the vault to create required private endpoints"),
        steps.CreateEndpoint(f"{SEED} Create private endpoints for Azure Backup",
                             title="Create the private endpoint for Azure Backup"),
        steps.ApproveEndpoint(f"{SEED} Approve private endpoints"),
        steps.IntegrateZones(f"{SEED} When integrating private endpoints with Azure private DNS zones",
                             title="Private DNS zones for Backup, blob and queue, and the endpoint's zone group"),
        steps.LinkZones(f"{SEED} Validate virtual network links in private DNS zones"),
        steps.DnsRecords(f"{SEED} Create DNS entries when the DNS server/DNS zone is present in another "
                         "subscription"),
        ManualStep("first-registration", "Register the first server or VM with the vault", use,
                   "Configure backup of the first workload (discovery / container registration) through the "
                   "endpoint. Azure Backup then adds the <endpoint>_ecs blob and queue endpoints.",
                   check=room_for_storage_endpoints("ecs", ECS_ENDPOINTS, "first registration"),
                   observe=storage_endpoints_made("ecs", ("blob", "queue"), "first registration"),
                   observes="the <endpoint>_ecs blob and queue endpoints exist and are Approved"),
        steps.DnsRecords(f"{SEED} DNS records for blobs and queues after the first registration",
                         id="dns-after-registration", title="DNS records for blobs and queues after the first "
                                                            "registration"),
        ManualStep("first-backup", "Run the first backup", use,
                   "Run the first backup. Azure Backup then adds the <endpoint>_prot blob endpoints.",
                   check=room_for_storage_endpoints("prot", PROT_ENDPOINTS, "first backup"),
                   observe=storage_endpoints_made("prot", ("blob",), "first backup"),
                   observes="the <endpoint>_prot blob endpoints exist and are Approved"),
        steps.DnsRecords(f"{SEED} DNS records for blobs after the first backup", id="dns-after-backup",
                         title="DNS records for blobs after the first backup"),
        steps.Validate(f"{SEED} Check VM connectivity"),
    ])
