"""The replication scenarios' checks: the guards before the first write (the caller's rights and the subnets' room,
the vault Azure Migrate created, the storage accounts' kind and type and their endpoints' network, no zone group over
another endpoint's records), and the validation after the last (the vault's endpoint and the storage endpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..azure.ids import name_of, parse_id
from ..engine import Action, Row, Run, Step, blocked, unchanged
from ..ops import endpoints, network, roles
from ..ops.network import free_addresses
from ..ops.storage import get_storage_account
from . import steps
from .migrate_replication_storage import find_accounts, read_vault, storage_endpoint_ownership

if TYPE_CHECKING:
    from .migrate_replication import ReplicationParameters

VAULT_MEMBERS = 5
VAULT_MEMBERS_WHY = "one per Site Recovery microservice of the vault"
KIND_WORDS = {
    "Storage": "a general-purpose v1 account",
    "BlobStorage": "a legacy Blob storage account",
    "classic": "a classic account",
    "FileStorage": "a premium file shares account",
    "BlockBlobStorage": "a premium block blob account",
}


def endpoint_ids(params: ReplicationParameters) -> list[str]:
    """The vault's endpoint and the storage endpoints: what the person checks from the appliance or host."""
    return [params.endpoint_id, *(params.storage_endpoint_id(a) for a in params.storage_accounts())]


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
        for account in find_accounts(run):
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
        for account in find_accounts(run):
            existing = endpoints.get_endpoint(run.clients, run.params.storage_endpoint_id(account.id))
            if existing is not None and (refusal := storage_endpoint_ownership(run, account.id, existing)):
                rows.append(refusal)
        return rows


class MigrateVault(steps.CreateVault):
    id, title = "vault", "The vault Azure Migrate created, that never had items"

    def plan(self, run: Run) -> list[Row]:
        if read_vault(run) is None:
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
        vault = read_vault(run)
        blob = [p.zone_id(p.blob_zone(vault.location if vault else p.location))]
        return super().zone_groups(run) + [(a.id, p.storage_endpoint_id(a.id), blob) for a in find_accounts(run)]


class Validate(steps.Validate):
    """The troubleshooting checks ("Using Azure Migrate with private endpoints") over the vault's endpoint and the
    storage endpoints."""

    title = "Validate: connections, zones, links, records, resolution (vault and storage)"

    def endpoint_ids(self, run: Run) -> list[str]:
        return endpoint_ids(run.params)
