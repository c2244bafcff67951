"""What Azure Migrate's replication scenarios share (Microsoft Learn's "Migrate servers to Azure by using Private
Link", agent-based, and "Migrate Hyper-V servers to Azure by using Private Link"): the Recovery
Services vault Migrate created (never created here), its Site Recovery endpoint, and the storage accounts it
replicates to: the vault identity's roles on them by type, trusted Microsoft services, a blob endpoint in the
vault endpoint's VNet or one peered with it, its approval, zone group, links and records, and the checks.

The vault part is the shared steps (scenarios.steps); the storage part is here. Every guard (rights, the vault, the storage
accounts' kind and type, the endpoint's network and addresses, no zone group over another endpoint's records)
comes before the first write.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..azure.ids import name_of, parse_id
from ..dns.entries import entries_for, ready_entries
from ..dns.records import plan_links, plan_records
from ..dns.zones import ZoneNeed
from ..engine import Action, Row, Run, Step, blocked, create, unchanged
from ..engine.fields import DerivedName, StorageAccountId, SubnetId, VaultId
from ..engine.source import Source
from ..geo import region_cloud
from ..names import NameKind
from ..ops import endpoints, network, roles, vaults
from ..ops import storage as storage_ops
from ..ops.network import free_addresses
from ..ops.storage import StorageAccount, get_storage_account
from ..private_link import zone_name
from . import migrate_project, site_recovery, steps
from .steps import record_plan_rows as record_rows  # dns.records plan -> step rows (conflicts block)
from .steps.endpoint import ownership_row

STORAGE_GROUP = "blob"
GROUP_ID = "AzureSiteRecovery"
VAULT_MEMBERS = 5
VAULT_MEMBERS_WHY = "one per Site Recovery microservice of the vault"
KIND_WORDS = {
    "Storage": "a general-purpose v1 account",
    "BlobStorage": "a legacy Blob storage account",
    "classic": "a classic account",
    "FileStorage": "a premium file shares account",
    "BlockBlobStorage": "a premium block blob account",
}


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


def endpoint_ids(params: ReplicationParameters) -> list[str]:
    """The vault's endpoint and the storage endpoints: what the person checks from the appliance or host."""
    return [params.endpoint_id, *(params.storage_endpoint_id(a) for a in params.storage_accounts())]


def nslookup_instructions(params: ReplicationParameters, where: str) -> str:
    """A manual step's instructions: resolve every private FQDN from ``where`` (on premises)."""
    ids = " ".join(endpoint_ids(params))
    return (
        f"On {where}, run nslookup for each FQDN that `runbook dns entries {ids}` lists: each must answer its "
        "private IP. If one answers a public address, make the on-premises DNS forward "
        "privatelink.siterecovery.windowsazure.com and privatelink.blob.core.windows.net to a resolver in a "
        "VNet linked to the zones, or add the entries to the hosts file (`runbook dns export --format hosts`)."
    )


def _vault(run: Run):
    return vaults.get_vault(run.clients, run.params.vault)


def _accounts(run: Run) -> list[StorageAccount]:
    """The scenario's storage accounts that exist (the storage-check step blocks on a missing one)."""
    found = (get_storage_account(run.clients, a) for a in run.params.storage_accounts())
    return [a for a in found if a is not None]


class Prerequisites(steps.Prerequisites):
    """The shared check, plus the caller's rights on the storage accounts and the storage endpoints' group."""

    def needs(self, run: Run) -> dict[str, list[str]]:
        p: ReplicationParameters = run.params
        needs = super().needs(run)
        vault_group = parse_id(p.vault).resource_group_id
        if "Microsoft.RecoveryServices/vaults/write" in needs.get(vault_group, []):  # never created here: the
            needs[vault_group].remove("Microsoft.RecoveryServices/vaults/write")  # vault step stops the run
            if not needs[vault_group]:
                needs.pop(vault_group)
        principal = steps.vault_principal(run)
        for account in _accounts(run):
            held = roles.roles_held(run.clients, account.id, principal) if principal else set()
            if not set(account.identity_roles) <= held:
                needs.setdefault(account.id, []).append("Microsoft.Authorization/roleAssignments/write")
            if not account.trusted_services:
                needs.setdefault(account.id, []).append("Microsoft.Storage/storageAccounts/write")
            if (
                account.general_purpose_v2
                and endpoints.get_endpoint(run.clients, p.storage_endpoint_id(account.id)) is None
            ):
                group = parse_id(p.storage_endpoint_id(account.id)).resource_group_id
                wanted = needs.setdefault(group, [])
                if "Microsoft.Network/privateEndpoints/write" not in wanted:
                    wanted.append("Microsoft.Network/privateEndpoints/write")
        return needs

    def plan(self, run: Run) -> list[Row]:
        """The shared rows, and a refusal for a storage endpoint name already taken by another endpoint."""
        rows = super().plan(run)
        if any(row.action == Action.BLOCKED for row in rows):
            return rows  # e.g. a caller who may not read the accounts
        for account in _accounts(run):
            existing = endpoints.get_endpoint(run.clients, run.params.storage_endpoint_id(account.id))
            if existing is not None and (refusal := storage_endpoint_ownership(run, account.id, existing)):
                rows.append(refusal)
        return rows


def storage_endpoint_ownership(run: Run, account_id: str, existing) -> Row | None:
    """A refusal when the endpoint named for ``account_id``'s blob endpoint serves something else."""
    return ownership_row(
        run,
        existing,
        account_id,
        STORAGE_GROUP,
        run.params.storage_subnet_id,
        f"the storage endpoints are named {{account}}-{STORAGE_GROUP}-pe: put them in another "
        "resource group (endpoint_resource_group)",
        "storage_subnet",
    )


class MigrateVault(steps.CreateVault):
    id, title = "vault", "The vault Azure Migrate created, that never had items"

    def plan(self, run: Run) -> list[Row]:
        if _vault(run) is None:
            name = parse_id(run.params.vault).name
            return [
                blocked(
                    run.params.vault,
                    f"no Recovery Services vault '{name}': Azure Migrate creates it "
                    "(Discover > Create resources) once the project's key is generated: "
                    "generate the key in the Migrate project first, then name the vault "
                    "the Migration tool's Properties show",
                )
            ]
        return super().plan(run)


class CheckStorage(Step):
    id, title = "storage-check", "Check the storage accounts and where their endpoints go"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        rows, found = [], {}
        for account_id in p.storage_accounts():
            account = get_storage_account(run.clients, account_id)
            if account is None:
                rows.append(
                    blocked(
                        account_id, "no such storage account: create it in advance in the target region, then run again"
                    )
                )
                continue
            found[account_id] = account
            if not account.general_purpose_v2:
                kind = KIND_WORDS.get(account.kind, f"of kind {account.kind}")
                rows.append(
                    blocked(
                        account.id,
                        f"{account.name} is {kind}: private endpoints exist only on "
                        "general-purpose v2 (StorageV2) accounts; upgrade it to "
                        "general-purpose v2 (its Configuration page) or choose another",
                    )
                )
            else:
                rows.append(
                    unchanged(
                        account.id,
                        f"{account.kind}, {account.tier}",
                        f"the vault's identity needs {' and '.join(account.identity_roles)}",
                    )
                )
        return rows + p.storage_rules(found) + self.network_rows(run)

    @staticmethod
    def network_rows(run: Run) -> list[Row]:
        """The storage endpoints' VNet is the vault endpoint's or peered with it; their subnet has room."""
        p: ReplicationParameters = run.params
        subnet = p.storage_subnet_id
        storage_vnet = subnet.rsplit("/subnets/", 1)[0]
        rows = []
        if storage_vnet.lower() != p.vnet_id.lower():
            rows.append(
                unchanged(storage_vnet, reason=f"peered with {name_of(p.vnet_id)}")
                if _peered(run, p.vnet_id, storage_vnet)
                else blocked(
                    storage_vnet,
                    (
                        f"the storage endpoints' VNet {name_of(storage_vnet)} is neither the vault endpoint's VNet "
                        f"{name_of(p.vnet_id)} nor peered with it (Connected): choose a subnet in {name_of(p.vnet_id)} or "
                        "in a VNet peered with it (storage_subnet)"
                    ),
                )
            )
        missing = [
            a for a in p.storage_accounts() if endpoints.get_endpoint(run.clients, p.storage_endpoint_id(a)) is None
        ]
        if not missing:
            return rows
        needed, why = len(missing), f"{len(missing)} for the storage endpoints"
        if subnet.lower() == p.subnet.lower() and endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            needed, why = needed + VAULT_MEMBERS, f"{VAULT_MEMBERS} for the vault's endpoint, {why}"
        free = free_addresses(run.clients, subnet)
        rows.append(
            blocked(
                subnet,
                f"{free} free addresses, and {needed} are needed ({why}): choose a larger subnet (storage_subnet)",
            )
            if free < needed
            else unchanged(subnet, free, f"{free} free addresses, {needed} needed ({why})")
        )
        return rows


def _peered(run: Run, vnet_id: str, other_id: str) -> bool:
    return network.peered(run.clients, vnet_id, other_id)


class ZoneGuard(steps.ZoneOverwriteGuard):
    """The vault endpoint's zone group (the zones of step 'zones') and each storage endpoint's (the blob zone, step
    'storage-zones'): none may overwrite the records another endpoint of the same vault or account answers with."""

    def zone_groups(self, run: Run) -> list[tuple[str, str, list[str]]]:
        p: ReplicationParameters = run.params
        vault = _vault(run)
        blob = [p.zone_id(p.blob_zone(vault.location if vault else p.location))]
        return super().zone_groups(run) + [(a.id, p.storage_endpoint_id(a.id), blob) for a in _accounts(run)]


class GrantStorageRoles(steps.GrantStorageRoles):
    def accounts(self, run: Run) -> list[StorageAccount]:
        return _accounts(run)


class TrustedServices(steps.AllowTrustedServices):
    def accounts(self, run: Run) -> list[StorageAccount]:
        return _accounts(run)


class StorageEndpoints(Step):
    id, title = "storage-endpoints", "Create a blob endpoint for each storage account"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        rows = []
        for account in _accounts(run):
            endpoint_id = p.storage_endpoint_id(account.id)
            existing = endpoints.get_endpoint(run.clients, endpoint_id)
            if existing is not None:
                refusal = storage_endpoint_ownership(run, account.id, existing)
                rows.append(refusal or unchanged(endpoint_id, endpoints.connection_state(existing)))
                continue
            body = endpoints.endpoint_body(
                steps.free_location(run, p.storage_subnet_id),
                p.storage_subnet_id,
                account.id,
                STORAGE_GROUP,
                p.approval == "manual",
            )
            write = endpoints.put_endpoint(run.clients, endpoint_id, body)
            rows.append(
                create(
                    endpoint_id,
                    f"blob endpoint to {account.name} in {name_of(p.storage_subnet_id)}",
                    write,
                    "a request for the account's owner to approve" if p.approval == "manual" else "",
                )
            )
        return rows


class ApproveStorageEndpoints(Step):
    id, title = "storage-approval", "Approve the storage endpoints' connections"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        return [
            steps.approval_row(
                run,
                endpoint_id,
                account.id,
                STORAGE_GROUP,
                f"the owner of {account.name}",
                "storage account > Networking > Private endpoint connections",
                storage_ops.approval(run.clients, account.id, endpoint_id),
            )
            for account in _accounts(run)
            for endpoint_id in [p.storage_endpoint_id(account.id)]
        ]


class StorageZoneGroups(Step):
    id, title = "storage-zones", "Attach the blob zone to each storage endpoint"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.storage_subnet_id, reason="custom DNS: no private DNS zones")]
        zone_id = p.zone_id(p.blob_zone(_vault(run).location))
        return [
            steps.zone_group_row(
                run, p.storage_endpoint_id(account.id), [zone_id], "Azure writes the endpoint's record into the zone"
            )
            for account in _accounts(run)
        ]


class StorageLinks(Step):
    id, title = "storage-links", "Link the blob zone to the storage endpoints' VNet"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.storage_subnet_id, reason="custom DNS: no zone links")]
        vnet = p.storage_subnet_id.rsplit("/subnets/", 1)[0]
        if vnet.lower() in {v.lower() for v in (p.vnet_id, *p.link_vnets)}:
            return [unchanged(vnet, reason="linked by the step 'links'")]
        zone = p.blob_zone(_vault(run).location)
        plan = plan_links(run.clients, [zone], p.zones_resource_group, [vnet])
        return record_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")


class StorageRecords(Step):
    id, title = "storage-dns-records", "Create the storage endpoints' DNS records the blob zone lacks"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        if p.dns == "custom":
            return [
                unchanged(
                    p.storage_subnet_id, reason="custom DNS: `runbook dns export` gives your DNS server's records"
                )
            ]
        ids = [
            e
            for e in (p.storage_endpoint_id(a.id) for a in _accounts(run))
            if endpoints.get_endpoint(run.clients, e) is not None
        ]
        if not ids:
            return [unchanged(p.storage_subnet_id, reason="after the storage endpoints exist")]
        plan = plan_records(
            run.clients, ready_entries(entries_for(run.clients, ids)), p.zones_resource_group, ttl=p.ttl
        )
        return record_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/A/{row['Name']}")


class Validate(steps.Validate):
    """The troubleshooting checks ("Using Azure Migrate with private endpoints") over the vault's endpoint and the
    storage endpoints."""

    title = "Validate: connections, zones, links, records, resolution (vault and storage)"

    def endpoint_ids(self, run: Run) -> list[str]:
        return endpoint_ids(run.params)
