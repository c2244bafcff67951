"""Azure Backup behind a private endpoint: a table of contents of Microsoft Learn's "Create and use private endpoints
(v1 experience) for Azure Backup", each step citing the section it implements, in the order the article demands:

- Before you start: the caller's rights, room in the subnet
- Create a Recovery Services vault (one that never had items)
- Deny public network access to the vault
- Enable Managed Identity for your vault
- Grant permissions to the vault to create required private endpoints
- Create Private Endpoints for Azure Backup, Approve Private Endpoints
- Manage DNS records: the private DNS zones, their links, the records (zones in another subscription)
- Use Private Endpoints for Backup: the first registration and the first backup (manual), the DNS records Azure
  Backup's storage endpoints then need, and Check VM connectivity
"""

from __future__ import annotations

from typing import Literal

from ..azure.ids import parse_id
from ..dns.zones import ZoneNeed
from ..engine import ManualStep, Runbook
from ..engine.source import Article
from ..geo import geo_code, region_cloud
from ..ops.roles import CustomRole
from ..private_link import zone_name
from . import steps
from .backup_identity import CUSTOM_ROLES, IdentityRoles, backup_grants
from .registry import Scenario, endpoints_and_zones
from .steps.prerequisites import room_for_storage_endpoints, storage_endpoints_made

ARTICLE = Article(
    "Create and use private endpoints (v1 experience) for Azure Backup",
    "https://learn.microsoft.com/azure/backup/private-endpoints",
    headings=(
        "Before you start",
        "Create a Recovery Services vault",
        "Deny public network access to the vault",
        "Enable Managed Identity for your vault",
        "Grant permissions to the vault to create required private endpoints",
        "Create Private Endpoints for Azure Backup",
        "Approve Private Endpoints",
        "When integrating private endpoints with Azure private DNS zones",
        "Validate virtual network links in private DNS zones",
        "Create DNS entries when the DNS server/DNS zone is present in another subscription",
        "Configure backup",
        "DNS records for blobs and queues (only for custom DNS servers/host files) after the first registration",
        "Backup and restore of workloads in Azure VM (SQL and SAP HANA)",
        "DNS records for blobs (only for custom DNS servers/host files) after the first backup",
        "Check VM connectivity",
    ),
)
section = ARTICLE.section
VAULT_MEMBERS = 8  # the AzureBackup group's required members
ECS_ENDPOINTS = 2  # _ecs blob and queue, made at the first registration
PROT_ENDPOINTS = 1  # _prot blob, made at the first backup (the article's "fourth private endpoint"; some regions: more)
GROUP_ID = "AzureBackup"
# "Overview and concepts of private endpoints (v1 experience) for Azure Backup", "Before you start": 11 private
# IPs with the storage endpoints, up to 25 in some regions, a /26 advised. 8: fc1 fab1 prot1 rec2 ecs1 id1 tel1
# wbcm1; then the _ecs blob and queue endpoints (first registration) and a _prot blob one (first backup)
MEMBERS = VAULT_MEMBERS + ECS_ENDPOINTS + PROT_ENDPOINTS
MEMBERS_WHY = (
    f"{VAULT_MEMBERS} for the vault's endpoint, {ECS_ENDPOINTS} for the _ecs blob and queue endpoints "
    f"Azure Backup adds at the first registration, {PROT_ENDPOINTS} for the _prot blob endpoint it adds "
    "at the first backup"
)
MEMBERS_RECOMMENDED = 25
MEMBERS_RECOMMENDED_WHY = (
    "Azure Backup uses up to 25 in some regions, and Microsoft advises a /26 "
    "('Overview and concepts of private endpoints (v1 experience) for Azure Backup', "
    "'Before you start')"
)


class BackupParameters(steps.VaultEndpointParameters):
    public_access: Literal["deny", "keep"] = "deny"  # keep: public network access stays on (cross-region restore)
    # the vault identity's rights on the endpoint's, the VNet's and the zones' resource groups: contributor (the
    # article's recommendation) or granular (its custom roles, created where missing, and Private DNS Zone
    # Contributor on the zones)
    identity_roles: IdentityRoles = "contributor"

    def zone_names(self, vault_location: str) -> list[str]:
        cloud = region_cloud(vault_location)
        return [
            zone_name("backup", cloud, geo_code(vault_location)),
            zone_name("blob", cloud),
            zone_name("queue", cloud),
        ]


def identity_grants(params: BackupParameters) -> list[tuple[str, str]]:
    """(resource group, role) for the vault's identity, as the parameters' identity_roles chooses."""
    return backup_grants(
        parse_id(params.endpoint_id).resource_group_id,
        parse_id(params.vnet_id).resource_group_id,
        params.zones_resource_group if params.dns == "zone-group" else None,
        params.identity_roles,
    )


def custom_roles(params: BackupParameters) -> tuple[CustomRole, ...]:
    return CUSTOM_ROLES if params.identity_roles == "granular" else ()


def runbook(params: BackupParameters) -> Runbook:
    grants, roles = identity_grants(params), custom_roles(params)
    return Runbook(
        "backup",
        [
            steps.Prerequisites(
                section("Before you start"),
                group_id=GROUP_ID,
                members=MEMBERS,
                members_why=MEMBERS_WHY,
                recommended=MEMBERS_RECOMMENDED,
                recommended_why=MEMBERS_RECOMMENDED_WHY,
                grants=grants,
                custom_roles=roles,
            ),
            steps.CreateVault(section("Create a Recovery Services vault"), group_id=GROUP_ID),
            steps.DenyPublicAccess(section("Deny public network access to the vault")),
            steps.EnableIdentity(section("Enable Managed Identity for your vault")),
            steps.GrantIdentity(
                section("Grant permissions to the vault to create required private endpoints"),
                grants=grants,
                custom_roles=roles,
            ),
            steps.CreateEndpoint(
                section("Create Private Endpoints for Azure Backup"),
                group_id=GROUP_ID,
                title="Create the private endpoint for Azure Backup",
            ),
            steps.ApproveEndpoint(section("Approve Private Endpoints"), group_id=GROUP_ID),
            steps.IntegrateZones(
                section("When integrating private endpoints with Azure private DNS zones"),
                zones=params.zone_names,
                title="Private DNS zones for Backup, blob and queue, and the endpoint's zone group",
            ),
            steps.LinkZones(section("Validate virtual network links in private DNS zones"), zones=params.zone_names),
            steps.DnsRecords(
                section("Create DNS entries when the DNS server/DNS zone is present in another subscription")
            ),
            ManualStep(
                "first-registration",
                "Register the first server or VM with the vault",
                section("Configure backup"),
                "Configure backup of the first workload (discovery / container registration) through the "
                "endpoint. Azure Backup then adds the <endpoint>_ecs blob and queue endpoints.",
                check=room_for_storage_endpoints("ecs", ECS_ENDPOINTS, "first registration"),
                observe=storage_endpoints_made("ecs", ("blob", "queue"), "first registration"),
                observes="the <endpoint>_ecs blob and queue endpoints exist and are Approved",
            ),
            steps.DnsRecords(
                section(
                    "DNS records for blobs and queues (only for custom DNS servers/host files) after "
                    "the first registration"
                ),
                id="dns-after-registration",
                title="DNS records for blobs and queues after the first registration",
            ),
            ManualStep(
                "first-backup",
                "Run the first backup",
                section("Backup and restore of workloads in Azure VM (SQL and SAP HANA)"),
                "Run the first backup. Azure Backup then adds the <endpoint>_prot blob endpoints.",
                check=room_for_storage_endpoints("prot", PROT_ENDPOINTS, "first backup"),
                observe=storage_endpoints_made("prot", ("blob",), "first backup"),
                observes="the <endpoint>_prot blob endpoints exist and are Approved",
            ),
            steps.DnsRecords(
                section("DNS records for blobs (only for custom DNS servers/host files) after the first backup"),
                id="dns-after-backup",
                title="DNS records for blobs after the first backup",
            ),
            steps.Validate(section("Check VM connectivity")),
        ],
    )


SCENARIO = Scenario(
    name="backup",
    title="Azure Backup behind a private endpoint",
    article=ARTICLE,
    summary="A Recovery Services vault that never held items, its identity and rights, the AzureBackup endpoint, its "
    "approval, the private DNS zones (Backup, blob, queue) linked and filled, again after the first "
    "registration and the first backup, and the checks.",
    risks=(
        "A vault that ever held an item can never get a Backup private endpoint: the runbook refuses it.",
        "Records in shared zones are never overwritten: a conflict blocks.",
    ),
    parameters=BackupParameters,
    build=runbook,
    # the article's "Manage DNS records": Backup's own zone, and blob and queue for the storage endpoints Azure
    # Backup adds at the first registration and the first backup
    zones=(
        ZoneNeed("backup", "Azure Backup", "AzureBackup"),
        ZoneNeed("blob", "Azure Backup storage (blob)", "blob"),
        ZoneNeed("queue", "Azure Backup storage (queue)", "queue"),
    ),
    scope=endpoints_and_zones(runbook),
)
