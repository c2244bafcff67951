"""Microsoft.RecoveryServices vaults: identity, private-link groups, connections, usages.

Each vault has a numeric vault id of the service's own (not its name), used in its members' FQDNs. The vault
remembers whether it has ever had a registered or protected item: from then on it refuses its first Backup private
endpoint; once it has an approved one, more are allowed (the Backup article's FAQ). Items come from the sandbox's
lifecycle events (runbook_lib.sandbox.events).
"""

from __future__ import annotations

import hashlib
import time
import uuid

from ...geo import geo_code
from ...private_link import Member, member_fqdn, zone_name
from ..errors import ArmError
from ..paths import ArmPath
from ..store import Principal
from .base import Context, PrivateLinkTarget, Rules, Service, hidden, new_guid
from .connections import PrivateEndpointConnectionService
from .managed_identity import assigned_identities
from .regions import cloud_of, geo_of

VAULT_TYPE = "Microsoft.RecoveryServices/vaults"
BACKUP, BACKUP_SECONDARY, SITE_RECOVERY = "AzureBackup", "AzureBackup_secondary", "AzureSiteRecovery"
BACKUP_SERVICES = ("fc1", "fab1", "prot1", "rec2", "ecs1", "id1", "tel1", "wbcm1")
SITE_RECOVERY_SERVICES = ("id1", "prot2", "rcm1", "srs1", "tel1")
_RESOURCE_NAMES = {
    BACKUP: "backupResource",
    BACKUP_SECONDARY: "backupSecondaryResource",
    SITE_RECOVERY: "siteRecoveryResource",
}
REDUNDANCY_DEFAULTS = {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Disabled"}
# Azure's paired regions, for the cross-region-restore group (AzureBackup_secondary); a vault in a region not
# listed here offers no secondary group.
PAIRED_REGIONS = {
    "eastus": "westus",
    "westus": "eastus",
    "eastus2": "centralus",
    "centralus": "eastus2",
    "westus2": "westcentralus",
    "westcentralus": "westus2",
    "westus3": "eastus",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
    "usgovvirginia": "usgovtexas",
    "usgovtexas": "usgovvirginia",
    "usgovarizona": "usgovtexas",
    "chinaeast2": "chinanorth2",
    "chinanorth2": "chinaeast2",
}


# Backup's private-endpoint experiences. ARM shows none on the vault or in the endpoint request (the vault's
# properties have no such field; backupStorageVersion is the storage's, not the endpoints'), only in what the
# endpoint carries: a v2 endpoint's NIC also holds the blob and queue FQDNs of Backup's storage ("Overview and
# concepts of private endpoints (v2 experience) for Azure Backup", "Difference in network connections for private
# endpoints": 'The private IP mappings for the storage account are listed in the private endpoint created for the
# Recovery Services vault'), 10 addresses ("Considerations before you start"), where a v1 endpoint holds only
# Backup's 8 and Backup makes _ecs/_prot endpoints beside it. So the sandbox decides as the articles read: a vault's
# first Backup endpoint made while it has a system-assigned identity follows v1 (whose article turns the identity on
# first), one made without follows v2 ('Create private endpoints without managed identities', "Key enhancements");
# while a vault has a v1 Backup endpoint its new ones are v1 (no upgrade); once all were deleted, new ones are v2
# ('delete all existing private endpoints, and then create new private endpoints with the version 2 experience').
V1, V2 = "v1", "v2"
# "Considerations before you start": 'You can create a maximum of 12 private endpoints for a vault'; "Cross region
# restore to a private endpoint enabled vault": 'a maximum of 12 Azure Backup Secondary Private Endpoints'
MAX_BACKUP_ENDPOINTS = 12
# the v2 endpoint's storage members (the communication account's blob and queue); Azure documents no member names
# for them, so the sandbox names them after Backup's own
V2_STORAGE_MEMBERS = (("backup-ecs-blob", "blob"), ("backup-ecs-queue", "queue"))


def v2_backup_data_member(vault: dict) -> Member:
    """The name a v2 endpoint gains at the first backup: the blob of the backup data's account ("Considerations before
    you start": 'the count might increase over time'; "Configure private endpoint in Recovery Services vaults for
    backup using MABS server": '10 + n' addresses, n the data sources protected)."""
    return Member(
        BACKUP, "backup-prot-blob", member_fqdn("blob", cloud_of(vault), backup_account_name(vault, "prot110"))
    )


def backup_account_name(vault: dict, suffix: str) -> str:
    """The name of a Backup storage account of the vault (e.g. suffix 'ecs114', the communication account)."""
    return f"{hashlib.sha256(hidden(vault)['vaultId'].encode()).hexdigest()[:6]}pod01{suffix}"


def vault_members(vault: dict, experience: str = V1) -> dict[str, tuple[Member, ...]]:
    """Group id -> required members, with the FQDNs Azure gives this vault; ``experience`` v2 adds the storage
    members Backup's endpoints carry in the v2 experience."""
    region = vault["location"]
    cloud, geo = cloud_of(vault), geo_of(vault)
    vault_id = hidden(vault)["vaultId"]

    def storage(group: str, account: str) -> tuple[Member, ...]:
        if experience != V2:
            return ()
        return tuple(Member(group, name, member_fqdn(service, cloud, account)) for name, service in V2_STORAGE_MEMBERS)

    groups = {
        BACKUP: _backup_members(BACKUP, cloud, geo, vault_id) + storage(BACKUP, backup_account_name(vault, "ecs114")),
        SITE_RECOVERY: tuple(
            Member(
                SITE_RECOVERY,
                f"siteRecovery-{svc}",
                member_fqdn("siterecovery", cloud, f"{vault_id}-asr-pod01-{svc}", geo),
            )
            for svc in SITE_RECOVERY_SERVICES
        ),
    }
    if region in PAIRED_REGIONS:
        secondary = _backup_members(BACKUP_SECONDARY, cloud, geo_code(PAIRED_REGIONS[region]), vault_id)
        # the paired region's communication account: its records must not take the primary's names
        groups[BACKUP_SECONDARY] = secondary + storage(BACKUP_SECONDARY, backup_account_name(vault, "ecs214"))
    return groups


def endpoint_experience(fqdns: list[str]) -> str:
    """v2 when a Backup endpoint's NIC carries storage FQDNs beside Backup's, else v1."""
    return V2 if any(".backup." not in fqdn for fqdn in fqdns) else V1


def next_backup_experience(ctx: Context, vault: dict) -> str:
    """The experience the vault's next Backup endpoint gets (see V1, V2 above)."""
    from .endpoints import endpoint_members  # endpoints imports the services' registry, which imports this module

    made = []
    for connection in _backup_connections(ctx, vault):
        endpoint = ctx.tx.get((connection["properties"].get("privateEndpoint") or {}).get("id", ""))
        if endpoint is not None:
            made.append(endpoint_experience([fqdn for _, _, fqdn, _ in endpoint_members(ctx.tx, endpoint)]))
    if made:
        return V1 if V1 in made else V2
    if hidden(vault).get("hadBackupEndpoints"):
        return V2
    return V1 if "systemassigned" in (vault.get("identity") or {}).get("type", "").lower() else V2


def _backup_connections(ctx: Context, vault: dict, group: str | None = None) -> list[dict]:
    groups = {group} if group else {BACKUP, BACKUP_SECONDARY}
    return [
        c
        for c in ctx.tx.children(vault["id"], f"{VAULT_TYPE}/privateEndpointConnections")
        if set(c["properties"].get("groupIds") or []) & groups
    ]


def _backup_members(group: str, cloud: str, geo: str, vault_id: str) -> tuple[Member, ...]:
    return tuple(
        Member(group, f"backup-{svc}", member_fqdn("backup", cloud, f"{vault_id}-ab-pod01-{svc}", geo))
        for svc in BACKUP_SERVICES
    )


class VaultService(PrivateLinkTarget):
    types = (VAULT_TYPE,)
    # create answers 201 at once, Succeeded (the Azure CLI's recorded ``backup vault create``, test_backup_vault);
    # update is long-running (200/202), delete answers 202 or 204
    rules = Rules(lro_put=False, lro_patch=True, deleted=204)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        properties.setdefault("publicNetworkAccess", "Enabled")
        before = (existing or {}).get("properties") or {}
        # cross-region restore: off by default on a geo-redundant vault ("Create and configure a Recovery Services
        # vault", "Set Cross Region Restore"); newer API versions show it here. Azure accepts public access denied
        # with it on (the Backup article only says it is not supported): the runbook's guard is the article's.
        properties["redundancySettings"] = {
            **REDUNDANCY_DEFAULTS,
            **(before.get("redundancySettings") or {}),
            **(properties.get("redundancySettings") or {}),
        }
        for state_key in ("privateEndpointStateForBackup", "privateEndpointStateForSiteRecovery"):
            properties[state_key] = before.get(state_key, "None")  # read-only: the connections decide
        properties.pop("privateEndpointConnections", None)  # read-only: the connections are the vault's children
        record["identity"] = _identity(ctx, record, existing)
        state = hidden(record)
        if "vaultId" not in state:  # 19 digits, like the service's
            state["vaultId"] = str(10**18 + uuid.UUID(new_guid(ctx, "vault-id")).int % (9 * 10**18))
        for counter in ("containers", "protectedItems", "replicatedItems"):
            state.setdefault(counter, 0)
        state.setdefault("everHadItems", False)
        return record

    def private_link_groups(self, ctx: Context, record: dict) -> dict[str, tuple[Member, ...]]:
        return vault_members(record, next_backup_experience(ctx, record))

    def check_private_endpoint(self, ctx: Context, record: dict, group_id: str) -> None:
        backup = group_id in (BACKUP, BACKUP_SECONDARY)
        if backup and len(_backup_connections(ctx, record, group_id)) >= MAX_BACKUP_ENDPOINTS:
            # Azure documents no error code for the limit: the sandbox answers with ARM's generic quota code
            raise ArmError(
                400,
                "QuotaExceeded",
                f"Vault '{record['name']}' already has {MAX_BACKUP_ENDPOINTS} {group_id} private endpoints, the "
                "most a vault can have: delete one it no longer needs, or use another vault.",
            )
        v2 = backup and next_backup_experience(ctx, record) == V2  # v2: no managed identity needed
        if not v2 and "systemassigned" not in (record.get("identity") or {}).get("type", "").lower():
            raise ArmError(
                400,
                "UserErrorManagedIdentityNotEnabled",
                f"Vault '{record['name']}' has no system-assigned managed identity: turn it on before "
                "creating private endpoints.",
            )
        # Backup's FAQ: only a vault's first Backup endpoint needs a vault that never had items; once it has an
        # approved one, more can be added and removed even with protected items
        # and the v2 concepts article: a vault whose endpoints were all deleted gets new (v2) ones ("Considerations
        # before you start"; the v2 how-to's "Create a Recovery Services vault": 'you can recreate private endpoints')
        further = group_id in (BACKUP, BACKUP_SECONDARY) and (
            _has_approved_backup_endpoint(self, ctx, record) or bool(hidden(record).get("hadBackupEndpoints"))
        )
        if group_id in (BACKUP, BACKUP_SECONDARY) and hidden(record).get("everHadItems") and not further:
            raise ArmError(
                400,
                "UserErrorPrivateEndpointNotAllowedForVaultWithItems",
                f"Vault '{record['name']}' has, or once had, items registered or protected: private "
                "endpoints for Backup can only be created for a new vault. Create a new vault.",
            )

    def connection_name(self, record: dict, endpoint_name: str, group_id: str, guid: str) -> str:
        service = "siterecovery" if group_id == SITE_RECOVERY else "backup"
        return f"{endpoint_name}.{hidden(record)['vaultId']}.{service}.{guid}"

    def connections_changed(self, ctx: Context, record: dict) -> dict:
        approved = {
            group
            for connection in self.connections(ctx, record)
            if connection["properties"]["privateLinkServiceConnectionState"].get("status") == "Approved"
            for group in connection["properties"].get("groupIds") or []
        }
        properties = record["properties"]
        backup = approved & {BACKUP, BACKUP_SECONDARY}
        properties["privateEndpointStateForBackup"] = "Enabled" if backup else "None"
        if _backup_connections(ctx, record):
            hidden(record)["hadBackupEndpoints"] = True
        properties["privateEndpointStateForSiteRecovery"] = "Enabled" if SITE_RECOVERY in approved else "None"
        return record


def _has_approved_backup_endpoint(service: PrivateLinkTarget, ctx: Context, record: dict) -> bool:
    return any(
        connection["properties"]["privateLinkServiceConnectionState"].get("status") == "Approved"
        and set(connection["properties"].get("groupIds") or []) & {BACKUP, BACKUP_SECONDARY}
        for connection in service.connections(ctx, record)
    )


class VaultConnectionService(PrivateEndpointConnectionService):
    types = (f"{VAULT_TYPE}/privateEndpointConnections",)  # put: long-running 200/201; delete 200/202/204


class _VaultChild(Service):
    """Something the vault computes (GET only): its items are built from the vault's record."""

    read_only = True

    def items(self, ctx: Context, vault: dict) -> list[dict]:
        raise NotImplementedError

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        vault = ctx.tx.get(path.parent_id)
        return self.items(ctx, vault) if vault else []

    def lookup(self, ctx: Context, path: ArmPath) -> dict | None:
        vault = ctx.tx.get(path.parent_id)
        found = [i for i in self.items(ctx, vault) if i.get("name", "").lower() == path.name.lower()] if vault else []
        return found[0] if found else None


class PrivateLinkResourceService(_VaultChild):
    types = (f"{VAULT_TYPE}/privateLinkResources",)

    def items(self, ctx: Context, vault: dict) -> list[dict]:
        cloud = cloud_of(vault)
        resources = []
        for group, members in vault_members(vault).items():
            zones = [members[0].zone]
            if group != SITE_RECOVERY:
                zones += [zone_name("queue", cloud), zone_name("blob", cloud)]
            name = _RESOURCE_NAMES[group]
            resources.append(
                {
                    "id": f"{vault['id']}/privateLinkResources/{name}",
                    "name": name,
                    "type": f"{VAULT_TYPE}/privateLinkResources",
                    "properties": {
                        "groupId": group,
                        "requiredMembers": [m.name for m in members],
                        "requiredZoneNames": zones,
                    },
                }
            )
        return resources


class UsageService(_VaultChild):
    """Backup usages: registered containers (MABContainersCount) and protected items."""

    types = (f"{VAULT_TYPE}/usages",)

    def items(self, ctx: Context, vault: dict) -> list[dict]:
        state = hidden(vault)
        counts = {
            "MABContainersCount": ("Backup management servers", state.get("containers", 0)),
            "ProtectedItemCount": ("Backup items/Azure virtual machine backup", state.get("protectedItems", 0)),
            "ProtectedItemCriticalCount": ("Critical", 0),
            "ProtectedItemWarningCount": ("Warning", 0),
            "InProgressJobsCount": ("In progress", 0),
            "FailedJobsCount": ("Failed", 0),
        }
        return [
            {"unit": "Count", "currentValue": value, "limit": -1, "name": {"value": key, "localizedValue": label}}
            for key, (label, value) in counts.items()
        ]


class ReplicationUsageService(_VaultChild):
    """Site Recovery usages: replicated items and registered servers."""

    types = (f"{VAULT_TYPE}/replicationUsages",)

    def items(self, ctx: Context, vault: dict) -> list[dict]:
        state = hidden(vault)
        return [
            {
                "monitoringSummary": {
                    "unHealthyVmCount": 0,
                    "unHealthyProviderCount": 0,
                    "eventsCount": 0,
                    "deprecatedProviderCount": 0,
                    "supportedProviderCount": 0,
                    "unsupportedProviderCount": 0,
                },
                "jobsSummary": {"failedJobs": 0, "suspendedJobs": 0, "inProgressJobs": 0},
                "protectedItemCount": state.get("replicatedItems", 0),
                "registeredServersCount": state.get("replicationServers", 0),
                "recoveryPlanCount": 0,
            }
        ]


class ConnectionOperationStatusService(Service):
    """``.../privateEndpointConnections/{name}/operationsStatus/{id}``: the sandbox finishes connection changes
    within the request, so every operation of an existing connection has succeeded."""

    types = (f"{VAULT_TYPE}/privateEndpointConnections/operationsStatus",)
    read_only = True

    def lookup(self, ctx: Context, path: ArmPath) -> dict | None:
        connection = ctx.tx.get(path.parent_id)
        if connection is None:
            return None
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ctx.now))
        return {"id": path.name, "name": path.name, "status": "Succeeded", "startTime": when, "endTime": when}


def _identity(ctx: Context, record: dict, existing: dict | None) -> dict:
    """The vault's identity as Azure keeps it: the request's ``type`` decides which identities remain. A PATCH merges
    ``userAssignedIdentities`` into the vault's (a null entry removes one), so ``SystemAssigned, UserAssigned`` with
    no map keeps those the vault has, while ``SystemAssigned`` alone drops them all and ``None`` drops everything
    (the Azure CLI's recorded ``az backup vault identity assign/remove``). The system-assigned identity keeps its
    principal while it stays on; turned off and on again, it is a new service principal."""
    wanted = dict(record.get("identity") or {"type": "None"})
    kinds = _identity_kinds(wanted.get("type"))
    before = (existing or {}).get("identity") or {}
    identity: dict = {"type": ", ".join(kinds) or "None"}  # Azure spells it "SystemAssigned, UserAssigned"
    if kinds:
        identity["tenantId"] = before.get("tenantId") or ctx.tx.setting("tenant_id", "")
    if "UserAssigned" in kinds:
        assigned = wanted.get("userAssignedIdentities") or {}
        if not assigned:
            raise ArmError(
                400,
                "MissingIdentityIds",
                "The identity ids must not be null or empty for 'UserAssigned' identity type.",
            )
        identity["userAssignedIdentities"] = assigned_identities(
            ctx, record["id"], assigned, before.get("userAssignedIdentities") or {}
        )
    if "SystemAssigned" not in kinds:
        return identity
    if before.get("principalId"):
        return {**identity, "principalId": before["principalId"]}
    object_id = new_guid(ctx, "managed-identity")
    ctx.tx.add_principal(
        Principal(
            object_id, record["name"], "ServicePrincipal", identity["tenantId"], ctx.now + ctx.settings.principal_delay
        )
    )
    return {**identity, "principalId": object_id}


def _identity_kinds(value: str | None) -> list[str]:
    """'systemassigned,userassigned' (any case, any spacing) -> ['SystemAssigned', 'UserAssigned']; 'None' -> []."""
    given = {part.strip().lower() for part in (value or "None").split(",")} - {"none", ""}
    unknown = given - {"systemassigned", "userassigned"}
    if unknown:
        raise ArmError(
            400,
            "BadRequest",
            f"The identity type '{value}' is not one of None, SystemAssigned, "
            "UserAssigned or 'SystemAssigned, UserAssigned'.",
        )
    return [kind for kind in ("SystemAssigned", "UserAssigned") if kind.lower() in given]
