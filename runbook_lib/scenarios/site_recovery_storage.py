"""Site Recovery's storage accounts ("Grant required permissions to the vault", "(Optional) Create private endpoints
for the cache storage account"): every cache/log and target account checked before anything changes, the vault
identity's roles on each by its type, trusted Microsoft services, and the cache account's optional blob endpoint,
its approval and its checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..azure.ids import name_of, parse_id
from ..engine import Action, Row, Run, Step, blocked, create, unchanged
from ..geo import region_cloud
from ..ops import endpoints, roles, storage, vaults
from ..ops.network import free_addresses
from ..private_link import zone_name
from . import steps
from .steps.endpoint import ownership_row

if TYPE_CHECKING:
    from .site_recovery import SiteRecoveryParameters

CACHE_GROUP_ID = "blob"
CACHE_MEMBERS = 1  # the cache account's blob


class CacheIds(NamedTuple):
    """The cache account that gets a blob endpoint, and that endpoint's id."""

    account: str
    endpoint: str


# --- reads the steps share --------------------------------------------------------------------------------------


def _cache_account(run: Run) -> storage.StorageAccount | None:
    return storage.get_storage_account(run.clients, run.params.cache_storage)


def _accounts(run: Run) -> list[storage.StorageAccount]:
    """The accounts of the parameters that exist ('storage-check' blocks on a missing one)."""
    found = (storage.get_storage_account(run.clients, a) for a in run.params.accounts)
    return [a for a in found if a is not None]


def _no_endpoint_reason(account: storage.StorageAccount) -> str | None:
    """Why the account cannot have a private endpoint; None when it can."""
    if account.general_purpose_v2:
        return None
    return (
        f"{account.name} is a {account.kind} account: private endpoints exist only for general-purpose v2 "
        "(StorageV2) accounts; upgrade it or choose another cache account, or set cache_endpoint: false "
        "(replication then reaches the account over the internet)"
    )


# --- steps of this scenario ---------------------------------------------------------------------------------------


class CachePrerequisites(Step):
    """Every storage account before anything changes: it exists, the caller may grant roles and open the firewall to
    trusted services there; the cache account can have the endpoint asked for, and the subnet an address for it."""

    id, title = "cache-prerequisites", "Check the cache, log and target storage accounts"

    def plan(self, run: Run) -> list[Row]:
        p: SiteRecoveryParameters = run.params
        if not p.accounts:
            return [
                unchanged(
                    p.vault,
                    reason="no storage account given: name the cache/log and target accounts in "
                    "storage_accounts before enabling replication",
                )
            ]
        rows: list[Row] = []
        needs: dict[str, list[str]] = {}
        principal = steps.vault_principal(run)
        cache_ids = p.cache_ids
        for account_id in p.accounts:
            account = storage.get_storage_account(run.clients, account_id)
            if account is None:
                rows.append(
                    blocked(
                        account_id,
                        f"the storage account {name_of(account_id)} does not exist: Site "
                        "Recovery needs its cache/log and target accounts created in advance",
                    )
                )
                continue
            rows.append(
                unchanged(
                    account.id,
                    f"{account.kind}, {account.tier}",
                    f"the vault's identity needs {' and '.join(account.identity_roles)}",
                )
            )
            if cache_ids and account.id.lower() == cache_ids.account.lower() and (why := _no_endpoint_reason(account)):
                rows.append(blocked(account.id, why))
            if not principal or not set(account.identity_roles) <= roles.roles_held(run.clients, account.id, principal):
                needs[account.id] = ["Microsoft.Authorization/roleAssignments/write"]
            if not account.trusted_services:
                needs.setdefault(account.id, []).append("Microsoft.Storage/storageAccounts/write")
        if any(r.action == Action.BLOCKED for r in rows):
            return rows
        vault_endpoint = endpoints.get_endpoint(run.clients, p.endpoint_id)
        cache = endpoints.get_endpoint(run.clients, cache_ids.endpoint) if cache_ids else None
        if (
            cache_ids
            and cache is not None
            and (refusal := ownership_row(run, cache, cache_ids.account, CACHE_GROUP_ID, p.subnet))
        ):
            return rows + [refusal]
        if cache_ids and cache is None and vault_endpoint is not None:  # else 'prerequisites' counted its address
            needs.setdefault(parse_id(cache_ids.endpoint).resource_group_id, []).append(
                "Microsoft.Network/privateEndpoints/write"
            )
            free = free_addresses(run.clients, p.subnet)
            rows.append(
                blocked(p.subnet, "no free address for the cache account's endpoint: choose a larger subnet")
                if free < CACHE_MEMBERS
                else unchanged(p.subnet, free, f"{free} free addresses, {CACHE_MEMBERS} needed")
            )
        for scope, actions in needs.items():
            missing = roles.caller_may(run.clients, scope, actions)
            rows.append(
                blocked(
                    scope,
                    f"the caller may not {', '.join(missing)} on {name_of(scope)}: it needs "
                    "Owner, or Contributor and User Access Administrator, on each storage account",
                )
                if missing
                else unchanged(scope, reason="the caller's rights suffice")
            )
        return rows


class GrantStorageRoles(steps.GrantStorageRoles):
    title = "Grant the vault's identity its roles on each storage account, by its type"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        return _accounts(run)


class AllowTrustedServices(steps.AllowTrustedServices):
    title = "Let trusted Microsoft services through each storage account's firewall"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        return _accounts(run)


class CacheEndpoint(Step):
    """The cache account's blob endpoint in the bypass subnet, and its zone group (the blob zone)."""

    id, title = "cache-endpoint", "Create the cache account's blob endpoint and its zone group"

    def plan(self, run: Run) -> list[Row]:
        p: SiteRecoveryParameters = run.params
        cache_ids = p.cache_ids
        if cache_ids is None:
            return [
                unchanged(
                    p.cache_storage or p.vault,
                    reason="no endpoint for the cache account: replication "
                    "reaches it over the internet or ExpressRoute",
                )
            ]
        account = _cache_account(run)
        if account is None:  # 'cache-prerequisites' blocks on it first; deleted since
            return [
                blocked(cache_ids.account, f"the cache storage account {name_of(cache_ids.account)} does not exist")
            ]
        if why := _no_endpoint_reason(account):
            return [blocked(account.id, why)]
        endpoint_id, rows = cache_ids.endpoint, []
        existing = endpoints.get_endpoint(run.clients, endpoint_id)
        if existing is not None and (refusal := ownership_row(run, existing, account.id, CACHE_GROUP_ID, p.subnet)):
            return [refusal]
        if existing is None:
            body = endpoints.endpoint_body(
                steps.free_location(run, p.subnet), p.subnet, account.id, CACHE_GROUP_ID, p.approval == "manual"
            )
            rows.append(
                create(
                    endpoint_id,
                    f"{CACHE_GROUP_ID} endpoint to {account.name}",
                    endpoints.put_endpoint(run.clients, endpoint_id, body),
                    "a request for the account's owner to approve" if p.approval == "manual" else "",
                )
            )
        else:
            rows.append(unchanged(endpoint_id, "exists"))
        if p.dns == "custom":
            return rows + [unchanged(endpoint_id, reason="custom DNS: `runbook dns export` gives its record")]
        vault = vaults.get_vault(run.clients, p.vault)
        blob_zone = p.zone_id(zone_name(CACHE_GROUP_ID, region_cloud(vault.location if vault else p.location)))
        return rows + [
            steps.zone_group_row(run, endpoint_id, [blob_zone], "Azure writes the account's blob record into this zone")
        ]


class ApproveCacheEndpoint(Step):
    id, title = "cache-approval", "Approve the cache account's endpoint"

    def plan(self, run: Run) -> list[Row]:
        p: SiteRecoveryParameters = run.params
        cache_ids = p.cache_ids
        if cache_ids is None:
            return [unchanged(p.cache_storage or p.vault, reason="no endpoint for the cache account")]
        approve = storage.approval(run.clients, cache_ids.account, cache_ids.endpoint)
        return [
            steps.approval_row(
                run,
                cache_ids.endpoint,
                cache_ids.account,
                CACHE_GROUP_ID,
                "the account's owner",
                "storage account > Networking > Private endpoint connections",
                approve,
            )
        ]


class ValidateCacheEndpoint(steps.Validate):
    id, title = "validate-cache", "Validate the cache account's endpoint: connection, zone, link, record"

    def endpoint_ids(self, run: Run) -> list[str]:
        return [run.params.cache_endpoint_id] if run.params.cache_endpoint else []
