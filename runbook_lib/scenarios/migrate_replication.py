"""What Azure Migrate's replication scenarios share (Microsoft Learn's "Migrate servers to Azure by using Private
Link", agent-based, and "Migrate Hyper-V servers to Azure by using Private Link"): the Recovery
Services vault Migrate created (never created here), its Site Recovery endpoint, and the storage accounts it
replicates to: the vault identity's roles on them by type, trusted Microsoft services, a blob endpoint in the
vault endpoint's VNet or one peered with it, its approval, zone group, links and records, and the checks.

The vault part is the shared steps (scenarios.steps); the storage part is in migrate_replication_storage, the guards
and the checks in migrate_replication_checks. Every guard (rights, the vault, the storage accounts' kind and type, the
endpoint's network and addresses, no zone group over another endpoint's records) comes before the first write.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..azure.ids import name_of, parse_id
from ..dns.zones import ZoneNeed
from ..engine import Row, Step
from ..engine.fields import DerivedName, StorageAccountId, SubnetId, VaultId
from ..engine.source import Source
from ..geo import region_cloud
from ..names import NameKind
from ..ops.storage import StorageAccount
from ..private_link import zone_name
from . import migrate_project, site_recovery, steps
from .migrate_replication_checks import (
    VAULT_MEMBERS,
    VAULT_MEMBERS_WHY,
    CheckStorage,
    MigrateVault,
    Prerequisites,
    Validate,
    ZoneGuard,
    endpoint_ids,
)
from .migrate_replication_storage import (
    STORAGE_GROUP,
    ApproveStorageEndpoints,
    GrantStorageRoles,
    StorageEndpoints,
    StorageLinks,
    StorageRecords,
    StorageZoneGroups,
    TrustedServices,
)

GROUP_ID = "AzureSiteRecovery"


class ReplicationParameters(steps.VaultEndpointParameters):
    """The vault Azure Migrate created for replication, and the storage account(s) it replicates to."""

    vault: VaultId  # the Recovery Services vault Azure Migrate created (Migration tool > Properties); never created
    replication_storage: StorageAccountId  # created in advance, in the target region
    storage_subnet: SubnetId | None = None  # the storage endpoints' subnet: the vault endpoint's VNet or one peered

    def storage_accounts(self) -> list[str]:
        """The accounts the vault's identity replicates to (each once)."""
        return [self.replication_storage]

    def derived_names(self) -> list[DerivedName]:
        """Besides the links: each account's blob endpoint, named by storage_endpoint_id."""
        field_of = {value.lower(): field for field, value in self if isinstance(value, str)}
        return super().derived_names() + [
            DerivedName(
                field_of.get(account.lower(), "replication_storage"),
                f"{name_of(account)}'s blob endpoint",
                NameKind.PRIVATE_ENDPOINT,
                name_of(self.storage_endpoint_id(account)),
            )
            for account in self.storage_accounts()
        ]

    def storage_rules(self, accounts: dict[str, StorageAccount]) -> list[Row]:
        """Guards of the scenario on the accounts found (id -> account); none by default."""
        return []

    @property
    def storage_subnet_id(self) -> str:
        return self.storage_subnet or self.subnet

    def storage_endpoint_id(self, account_id: str) -> str:
        """``{account}-blob-pe``, in endpoint_resource_group or else the storage subnet's resource group."""
        group = self.endpoint_resource_group or parse_id(self.storage_subnet_id).resource_group_id
        name = f"{parse_id(account_id).name}-{STORAGE_GROUP}-pe"
        return f"{group}/providers/Microsoft.Network/privateEndpoints/{name}"

    def blob_zone(self, vault_location: str) -> str:
        return blob_zone(vault_location)

    def zone_names(self, vault_location: str) -> list[str]:
        return zone_names(vault_location)


def blob_zone(vault_location: str) -> str:
    return zone_name("blob", region_cloud(vault_location))


def zone_names(vault_location: str) -> list[str]:
    """Site Recovery's zone (the geo is in the record names) and the storage endpoints' blob zone: the shared zones
    and links steps create and link both."""
    return [zone_name("siterecovery", region_cloud(vault_location)), blob_zone(vault_location)]


TROUBLESHOOT = migrate_project.ARTICLE.section("Troubleshoot network connectivity")
# every zone of the project's (Azure Migrate makes the vault in the project's setup) and the vault's Site Recovery one
ZONES = (
    *migrate_project.ZONES,
    ZoneNeed(
        "siterecovery", "Azure Migrate replication vault", "AzureSiteRecovery", "replication (Hyper-V and agent-based)"
    ),
)


@dataclass(frozen=True)
class Sections:
    """The article's sections a replication scenario's shared steps implement."""

    resources: Source  # where the article has Azure Migrate create the vault, its endpoint and zone
    replicate: Source
    grant: Source
    storage_endpoint: Source
    validate: Source = TROUBLESHOOT


def automated_steps(s: Sections) -> list[Step]:
    """The guards, the vault's endpoint and the storage accounts' access and endpoints, in order."""
    at = s.resources
    endpoint = s.storage_endpoint
    return [
        Prerequisites(at, group_id=GROUP_ID, members=VAULT_MEMBERS, members_why=VAULT_MEMBERS_WHY),
        MigrateVault(at, group_id=GROUP_ID),
        CheckStorage(endpoint),
        # a zone group overwriting another endpoint's records: Site Recovery's article warns of it
        ZoneGuard(
            site_recovery.ARTICLE.section("Create private endpoints for the Recovery Services vault"), zones=zone_names
        ),
        steps.EnableIdentity(at),
        steps.CreateEndpoint(
            at,
            group_id=GROUP_ID,
            title="The vault's Site Recovery endpoint (Azure Migrate makes it for a private project)",
        ),
        steps.ApproveEndpoint(at, group_id=GROUP_ID),
        steps.IntegrateZones(
            at,
            zones=zone_names,
            title="Private DNS zones for Site Recovery and blob, and the vault endpoint's zone group",
        ),
        steps.LinkZones(at, zones=zone_names),
        steps.DnsRecords(at),
        GrantStorageRoles(s.grant),
        TrustedServices(s.grant),
        StorageEndpoints(endpoint),
        ApproveStorageEndpoints(endpoint),
        StorageZoneGroups(endpoint),
        StorageLinks(endpoint),
        StorageRecords(endpoint),
    ]


def validate_step(s: Sections) -> Step:
    return Validate(s.validate)


def nslookup_instructions(params: ReplicationParameters, where: str) -> str:
    """A manual step's instructions: resolve every private FQDN from ``where`` (on premises)."""
    ids = " ".join(endpoint_ids(params))
    return (
        f"On {where}, run nslookup for each FQDN that `runbook dns entries {ids}` lists: each must answer its "
        "private IP. If one answers a public address, make the on-premises DNS forward "
        "privatelink.siterecovery.windowsazure.com and privatelink.blob.core.windows.net to a resolver in a "
        "VNet linked to the zones, or add the entries to the hosts file (`runbook dns export --format hosts`)."
    )
