"""Azure Backup behind a private endpoint, in either of Microsoft Learn's experiences; a table of contents of its
article, each step citing the section it implements, in the order the article demands:

- v2 (the default, "Create and use private endpoints (v2 experience) for Azure Backup"; backup_v2): a vault that
  never had items, public access denied, the AzureBackup endpoint (no identity needed: Azure Backup makes no
  endpoints beside it, the vault's one carries its storage's names), its approval, the private DNS zones linked and
  filled, the first registration and backup (observed in the vault's usages), the checks, and with cross-region
  restore on, the secondary endpoint in the paired region (backup_crr).
- v1 ("Create and use private endpoints (v1 experience) for Azure Backup"): the same, plus the vault's identity and
  its rights, and the DNS rounds for the _ecs/_prot endpoints Azure Backup adds at the first registration and
  backup.

Both experiences run the same step ids in the same order (one notebook runs either): a step of the other experience
plans nothing and says why. An existing vault's experience is read from its endpoints (ops.backup_experience).
"""

from __future__ import annotations

from typing import Literal

from ..azure.ids import parse_id
from ..dns.zones import ZoneNeed
from ..engine import ManualStep, Runbook, Step
from ..engine.fields import EndpointName, SubnetId
from ..engine.source import Article
from ..geo import geo_code, region_cloud
from ..ops.roles import CustomRole
from ..private_link import zone_name
from . import steps
from .backup_crr import CRR, secondary_steps
from .backup_identity import CUSTOM_ROLES, IdentityRoles, backup_grants
from .backup_v2 import (
    ARTICLE_V2,
    NO_IDENTITY,
    V2_MEMBERS,
    V2_MEMBERS_WHY,
    V2_RECOMMENDED,
    V2_RECOMMENDED_WHY,
    BackupPrerequisites,
    Skipped,
    v2_endpoint_steps,
    v2_manual_steps,
)
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


ZONES_TITLE = "Private DNS zones for Backup, blob and queue, and the endpoint's zone group"
DNS_AFTER_REGISTRATION = "DNS records for blobs and queues after the first registration"
DNS_AFTER_BACKUP = "DNS records for blobs after the first backup"


class BackupParameters(steps.VaultEndpointParameters):
    # v2: the current experience (a new vault's); v1: the classic one, for a vault whose endpoints use it
    experience: Literal["v2", "v1"] = "v2"
    public_access: Literal["deny", "keep"] = "deny"  # keep: public network access stays on (cross-region restore)
    # v1 only: the vault identity's rights on the endpoint's, the VNet's and the zones' resource groups: contributor
    # (the article's recommendation) or granular (its custom roles, created where missing, and Private DNS Zone
    # Contributor on the zones)
    identity_roles: IdentityRoles = "contributor"
    # v2, a vault with cross-region restore on: the subnet, in the paired region, of its AzureBackup_secondary endpoint
    secondary_subnet: SubnetId | None = None
    secondary_endpoint_name: EndpointName | None = None  # default: {endpoint_name}-secondary

    @property
    def secondary_endpoint_id(self) -> str | None:
        if self.secondary_subnet is None:
            return None
        group = parse_id(self.secondary_subnet).resource_group_id
        name = self.secondary_endpoint_name or f"{self.endpoint_name}-secondary"
        return f"{group}/providers/Microsoft.Network/privateEndpoints/{name}"

    def zone_names(self, vault_location: str) -> list[str]:
        return backup_zone_names(vault_location)


def backup_zone_names(vault_location: str) -> list[str]:
    """Backup's, blob's and queue's private DNS zones for a vault in ``vault_location`` (both experiences)."""
    cloud = region_cloud(vault_location)
    return [zone_name("backup", cloud, geo_code(vault_location)), zone_name("blob", cloud), zone_name("queue", cloud)]


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
    return Runbook("backup", v1_steps(params) if params.experience == "v1" else v2_steps(params))


def v1_steps(params: BackupParameters) -> list[Step]:
    grants, roles = identity_grants(params), custom_roles(params)
    return [
        BackupPrerequisites(
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
            title=ZONES_TITLE,
        ),
        steps.LinkZones(section("Validate virtual network links in private DNS zones"), zones=params.zone_names),
        steps.DnsRecords(section("Create DNS entries when the DNS server/DNS zone is present in another subscription")),
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
                "DNS records for blobs and queues (only for custom DNS servers/host files) after the first registration"
            ),
            id="dns-after-registration",
            title=DNS_AFTER_REGISTRATION,
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
            title=DNS_AFTER_BACKUP,
        ),
        steps.Validate(section("Check VM connectivity")),
        *(
            Skipped(
                step,
                CRR,
                "the v1 article has no secondary endpoint: cross-region restore over private "
                "endpoints is the v2 experience's (experience: v2)",
            )
            for step in secondary_steps()
        ),
    ]


def v2_steps(params: BackupParameters) -> list[Step]:
    v2 = ARTICLE_V2.section
    no_identity = "the v2 experience makes endpoints without the vault's managed identity: no identity, no roles"
    no_storage = (
        "the v2 experience makes no blob or queue endpoints: the vault's endpoint carries its storage's names, "
        "whose records step 'dns-records' made"
    )
    return [
        BackupPrerequisites(
            v2("Create a Recovery Services vault"),
            group_id=GROUP_ID,
            members=V2_MEMBERS,
            members_why=V2_MEMBERS_WHY,
            recommended=V2_RECOMMENDED,
            recommended_why=V2_RECOMMENDED_WHY,
        ),
        steps.CreateVault(v2("Create a Recovery Services vault"), group_id=GROUP_ID, identity=False),
        steps.DenyPublicAccess(v2("Deny public network access to the vault")),
        Skipped(steps.EnableIdentity(), NO_IDENTITY, no_identity),
        Skipped(steps.GrantIdentity(), NO_IDENTITY, no_identity),
        *v2_endpoint_steps(
            GROUP_ID,
            params.zone_names,
            endpoint_title="Create the private endpoint for Azure Backup",
            zones_title=ZONES_TITLE,
        ),
        *v2_manual_steps()[:1],
        Skipped(steps.DnsRecords(id="dns-after-registration", title=DNS_AFTER_REGISTRATION), NO_IDENTITY, no_storage),
        *v2_manual_steps()[1:],
        # v2's endpoint itself gains the backup data's blob name at the first backup: its record, again
        steps.DnsRecords(
            v2("DNS records for blobs (only for custom DNS servers/host files) after the first backup"),
            id="dns-after-backup",
            title=DNS_AFTER_BACKUP,
        ),
        # the section's note: 'At this point, you should be able to run nslookup from the VM and resolve to private
        # IP addresses ... on the vault's Backup and Storage URLs'
        steps.Validate(v2("DNS records for blobs (only for custom DNS servers/host files) after the first backup")),
        *secondary_steps(),
    ]


SCENARIO = Scenario(
    name="backup",
    title="Azure Backup behind a private endpoint",
    article=ARTICLE_V2,
    summary="A Recovery Services vault that never held items, the AzureBackup endpoint, its approval, the private "
    "DNS zones (Backup, blob, queue) linked and filled, the first registration and backup, the checks, and with "
    "cross-region restore on, the secondary endpoint in the paired region (experience v2, the default); with "
    "experience v1, also the vault's identity and rights and the DNS rounds for the _ecs/_prot endpoints Azure "
    "Backup adds. An existing vault's experience is read from its endpoints; a mismatch blocks.",
    risks=(
        "A vault that ever held an item can never get a Backup private endpoint: the runbook refuses it.",
        "A vault whose endpoints use v1 cannot be upgraded: moving it to v2 (backup_move_to_v2) deletes every "
        "endpoint first, and its registered servers must register again.",
        "Records in shared zones are never overwritten: a conflict blocks.",
    ),
    parameters=BackupParameters,
    build=runbook,
    # "Manage DNS records": Backup's own zone, and blob and queue (v2: the vault endpoint's storage names; v1: the
    # storage endpoints Azure Backup adds at the first registration and the first backup)
    zones=(
        ZoneNeed("backup", "Azure Backup", "AzureBackup"),
        ZoneNeed("blob", "Azure Backup storage (blob)", "blob"),
        ZoneNeed("queue", "Azure Backup storage (queue)", "queue"),
    ),
    scope=endpoints_and_zones(runbook),
)
