"""Site Recovery for on-premises machines behind private endpoints (Microsoft Learn: "Replicate on-premises machines
by using private endpoints"), in the order the article demands: a vault that never had items, its identity on, one
AzureSiteRecovery endpoint in the bypass network (five addresses), its approval, the private DNS zones (linked,
records in place), then the storage accounts ("Grant required permissions to the vault": every cache/log account and
every target account replication writes to): the identity's roles on each by its type, trusted Microsoft services,
and, for the one cache account named, an optional blob endpoint (one more address, general-purpose v2 accounts only).
The vault's identity gets the storage roles only: it needs no rights on resource groups. Protecting the machines is
the operator's work, after all that.

Zones: one new zone per endpoint (the article's advice: a zone group writing into a zone that already holds another
endpoint's records for the same vault overwrites them), or, in a hub-and-spoke network, the hub's shared zone for
the one endpoint of the whole setup. Either way the runbook refuses to overwrite another endpoint's live records.

The appliance still needs public access to a few URLs (Microsoft Entra ID has no private endpoints):
``allowed_urls(cloud)`` lists them from the article's tables, ``export_allowed_urls`` writes them for a proxy or
firewall team.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from pydantic import ValidationInfo, field_validator

from ..azure.ids import name_of, parse_id
from ..dns.zones import ZoneNeed
from ..engine import Action, ManualStep, Row, Run, Runbook, Step, blocked, create, unchanged
from ..engine.fields import AnyStorageAccountId, DerivedName
from ..engine.source import Article
from ..errors import InputError
from ..geo import region_cloud
from ..names import NameKind
from ..ops import endpoints, privatedns, roles, storage, vaults
from ..ops.network import free_addresses
from ..private_link import CLOUDS, zone_name
from . import migrate_project, steps
from .registry import Scenario, endpoints_and_zones
from .steps.endpoint import ownership_row
from .steps.usage import machines_replicated

ARTICLE = Article(
    "Replicate on-premises machines by using private endpoints (Azure Site Recovery)",
    "https://learn.microsoft.com/azure/site-recovery/hybrid-how-to-enable-replication-private-endpoints",
    headings=(
        "Prerequisites and caveats",
        "URLs to be allowed",
        "Create a Recovery Services vault",
        "Enable the managed identity for the vault",
        "Create private endpoints for the Recovery Services vault",
        "Approve private endpoints for site recovery",
        "(Optional) Create private endpoints for the cache storage account",
        "Grant required permissions to the vault",
        "Protect your virtual machines",
        "Create private DNS zones and add DNS records manually",
    ),
)
section = ARTICLE.section
CACHE_GROUP_ID = "blob"
VAULT_MEMBERS = 5  # id1, prot2, rcm1, srs1, tel1: Site Recovery's microservices
CACHE_MEMBERS = 1  # the cache account's blob
GROUP_ID = "AzureSiteRecovery"


def members(params: SiteRecoveryParameters) -> int:
    """The addresses the bypass subnet needs: the vault's endpoint, and the cache account's when asked for."""
    return VAULT_MEMBERS + (CACHE_MEMBERS if params.cache_endpoint else 0)


def members_why(params: SiteRecoveryParameters) -> str:
    why = f"{VAULT_MEMBERS} for Site Recovery's microservices"
    return why + (f", {CACHE_MEMBERS} for the cache storage account's endpoint" if params.cache_endpoint else "")


class CacheIds(NamedTuple):
    """The cache account that gets a blob endpoint, and that endpoint's id."""

    account: str
    endpoint: str


class SiteRecoveryParameters(steps.VaultEndpointParameters):
    """The article's choices: the bypass network's subnet, the storage accounts Site Recovery uses, the optional
    cache endpoint, the zones.

    ``storage_accounts`` lists every account the vault writes to: the cache/log accounts and the target accounts
    replication writes to ("Grant required permissions to the vault"); each gets the identity's roles by its type and
    trusted Microsoft services, each checked before anything changes. ``cache_storage`` is the one account that may
    get a blob endpoint (``cache_endpoint``); it counts among the accounts whether listed or not."""

    storage_accounts: tuple[AnyStorageAccountId, ...] = ()  # every cache/log and target account (created in advance)
    cache_storage: AnyStorageAccountId | None = None  # the cache account that may get a blob endpoint; one of the above
    cache_endpoint: bool = False  # a blob endpoint for it in the bypass subnet (general-purpose v2 accounts only)
    hub_and_spoke: bool = False  # reuse the hub's shared zones (one endpoint for the whole setup); else own zones
    modernized: bool = False  # VMware/physical with the modernized experience: the prod.migration zone too

    @field_validator("cache_endpoint")
    @classmethod
    def _needs_an_account(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("cache_storage"):
            raise ValueError("an endpoint for the cache needs cache_storage (the account's id)")
        return value

    @property
    def accounts(self) -> list[str]:
        """Every storage account the vault's identity gets its roles on, each once (ids compared case-insensitively)."""
        found: dict[str, str] = {}
        for account in (*self.storage_accounts, *([self.cache_storage] if self.cache_storage else [])):
            found.setdefault(account.lower(), account)
        return list(found.values())

    def derived_names(self) -> list[DerivedName]:
        names = super().derived_names()
        if self.cache_endpoint_id:
            names.append(
                DerivedName(
                    "endpoint_name",
                    "the cache account's endpoint",
                    NameKind.PRIVATE_ENDPOINT,
                    name_of(self.cache_endpoint_id),
                )
            )
        return names

    @property
    def cache_endpoint_id(self) -> str | None:
        if not self.cache_endpoint:
            return None
        return f"{self.endpoint_id}-cache-{CACHE_GROUP_ID}"

    @property
    def cache_ids(self) -> CacheIds | None:
        """The cache account and its endpoint's id when it gets one (cache_endpoint); None otherwise."""
        if not self.cache_endpoint or not self.cache_storage:  # the validator makes cache_endpoint need the account
            return None
        return CacheIds(self.cache_storage, f"{self.endpoint_id}-cache-{CACHE_GROUP_ID}")

    def zone_names(self, vault_location: str) -> list[str]:
        cloud = region_cloud(vault_location)
        zones = [zone_name("siterecovery", cloud)]
        if self.modernized:
            zones.append(zone_name("migration", cloud))
        if self.cache_endpoint:
            zones.append(zone_name(CACHE_GROUP_ID, cloud))
        return zones


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


class ZoneChoice(Step):
    """Which zones the endpoints' zone groups write into, and whether that overwrites another endpoint's records."""

    id, title = "zone-choice", "Choose the zones: a new zone per endpoint, or the hub's shared zone"

    def plan(self, run: Run) -> list[Row]:
        p: SiteRecoveryParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone group writes records")]
        vault = vaults.get_vault(run.clients, p.vault)
        zone_ids = [p.zone_id(z) for z in p.zone_names(vault.location if vault else p.location)]
        pairs = [(p.vault, p.endpoint_id)]
        if cache_ids := p.cache_ids:
            pairs.append((cache_ids.account, cache_ids.endpoint))
        others = [r for target, own in pairs for r in steps.live_records_of_others(run, target, own, zone_ids)]
        if others:
            return [
                self._refusal(p, zone_id, [r for r in others if r["zone"] == zone_id])
                for zone_id in dict.fromkeys(r["zone"] for r in others)
            ]
        existing = privatedns.zone_names_in_group(run.clients, p.zones_resource_group)
        rows = []
        for zone_id in zone_ids:
            found = zone_id.rsplit("/", 1)[-1].lower() in existing
            if p.hub_and_spoke:
                rows.append(
                    unchanged(
                        zone_id,
                        "shared" if found else "shared, created by step 'zones'",
                        "warning: a zone group writing into a shared zone overwrites records of the "
                        "same name; no other endpoint of the vault or the cache account answers from "
                        "it now, so nothing is overwritten",
                    )
                )
            else:
                rows.append(
                    unchanged(
                        zone_id,
                        "exists" if found else "new, created by step 'zones'",
                        "this endpoint's zone: no other endpoint of the vault or the cache account answers from it",
                    )
                )
        return rows

    @staticmethod
    def _refusal(p: SiteRecoveryParameters, zone_id: str, records: list[dict]) -> Row:
        names = ", ".join(sorted({r["endpoint"] for r in records}))
        held = f"{len(records)} records of endpoint {names} (e.g. {records[0]['record']} = {records[0]['ip']})"
        if p.hub_and_spoke:
            advice = (
                f"in a hub-and-spoke network one endpoint serves the whole setup: use {names} from the "
                "peered networks, or remove it first"
            )
        else:
            advice = (
                "give this endpoint a new zone of its own (a zones_resource_group without them), as the "
                "article advises for every endpoint to the same vault"
            )
        return blocked(zone_id, f"holds {held}: this endpoint's zone group would overwrite them; {advice}")


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


def _endpoints_approved(run: Run) -> str | None:
    """Why the machines cannot be protected yet; None once the vault's endpoint is approved."""
    endpoint = endpoints.get_endpoint(run.clients, run.params.endpoint_id)
    state = endpoints.connection_state(endpoint) if endpoint else "missing"
    return (
        None
        if state == "Approved"
        else (f"the vault's endpoint is {state}: set up the on-premises infrastructure only once it is Approved")
    )


def protect_machines_step() -> ManualStep:
    return ManualStep(
        "protect-vms",
        "Set up the on-premises side and enable replication",
        section("Protect your virtual machines"),
        "Now that the endpoints exist in the bypass network: deploy the configuration server or replication "
        "appliance (VMware and physical machines; with private endpoints, install MySQL on the configuration server "
        "by hand) or set up the Hyper-V source settings, allow the appliance to reach the URLs of "
        "site_recovery.allowed_urls (export_allowed_urls for the proxy or firewall team), then enable replication "
        "for the source machines. Mobility agents are not upgraded automatically behind private endpoints.",
        check=_endpoints_approved,
        observe=machines_replicated(1, "the vault's Replicated items"),
        observes="the vault holds replicated items",
    )


def runbook(params: SiteRecoveryParameters) -> Runbook:
    manual_dns = section("Create private DNS zones and add DNS records manually")
    vault_endpoints = section("Create private endpoints for the Recovery Services vault")
    cache_endpoint = section("(Optional) Create private endpoints for the cache storage account")
    grant = section("Grant required permissions to the vault")
    troubleshoot = migrate_project.ARTICLE.section("Troubleshoot network connectivity")
    return Runbook(
        "site_recovery",
        [
            steps.Prerequisites(
                section("Prerequisites and caveats"),
                group_id=GROUP_ID,
                members=members(params),
                members_why=members_why(params),
                title="Check the caller's rights and the bypass subnet's free addresses",
            ),
            CachePrerequisites(section("Prerequisites and caveats")),
            ZoneChoice(vault_endpoints),  # the article's advice on zones is in this section
            steps.CreateVault(section("Create a Recovery Services vault"), group_id=GROUP_ID),
            steps.DenyPublicAccess(section("Prerequisites and caveats")),  # the vault is locked down
            steps.EnableIdentity(section("Enable the managed identity for the vault")),
            steps.CreateEndpoint(
                vault_endpoints,
                group_id=GROUP_ID,
                title="Create the vault's AzureSiteRecovery endpoint in the bypass network",
            ),
            steps.ApproveEndpoint(section("Approve private endpoints for site recovery"), group_id=GROUP_ID),
            steps.IntegrateZones(
                vault_endpoints,
                zones=params.zone_names,
                title="Private DNS zones for Site Recovery, and the endpoint's zone group",
            ),
            steps.LinkZones(
                manual_dns, zones=params.zone_names, title="Link the zones to the bypass network and the clients' VNets"
            ),
            steps.DnsRecords(manual_dns, title="Create the A records the zones lack"),
            GrantStorageRoles(grant),
            AllowTrustedServices(grant),
            CacheEndpoint(cache_endpoint),
            ApproveCacheEndpoint(cache_endpoint),
            steps.Validate(troubleshoot),
            ValidateCacheEndpoint(troubleshoot),
            protect_machines_step(),
        ],
    )


SCENARIO = Scenario(
    name="site_recovery",
    title="Azure Site Recovery behind a private endpoint",
    article=ARTICLE,
    summary="The vault, its identity, the AzureSiteRecovery endpoint in the bypass network, its zones and links, "
    "every storage account's roles (cache/log and target accounts) and trusted services, the cache "
    "account's endpoint, and the checks.",
    risks=(
        "A zone group writing into a zone another endpoint of the same vault uses overwrites its records: the "
        "runbook shows it and refuses unless told (hub and spoke).",
        "Cache endpoints need general-purpose v2 accounts.",
        "The appliance still needs a few public URLs (Microsoft Entra ID has no private endpoints): "
        "site_recovery.allowed_urls lists them.",
    ),
    parameters=SiteRecoveryParameters,
    build=runbook,
    zones=(
        ZoneNeed("siterecovery", "Azure Site Recovery", "AzureSiteRecovery"),
        ZoneNeed(
            "migration", "Azure Site Recovery discovery", "AzureSiteRecovery", "modernized VMware/physical experience"
        ),
        ZoneNeed("blob", "Site Recovery cache storage", "blob", "cache storage endpoint (optional)"),
    ),
    scope=endpoints_and_zones(runbook),
)


# --- the outbound allow-list ------------------------------------------------------------------------------------

URL_COLUMNS = ["cloud", "url", "purpose"]


@cache
def _url_rows() -> tuple[dict[str, str], ...]:
    text = resources.files("runbook_lib").joinpath("data/site_recovery_urls.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def allowed_urls(cloud: str = "public") -> pd.DataFrame:
    """The URLs the replication appliance must reach outside the private endpoints in ``cloud`` (public, usgov,
    china): cloud, url, purpose."""
    if cloud not in CLOUDS:
        raise InputError(f"cloud: unknown cloud '{cloud}'; use one of {', '.join(CLOUDS)}")
    return pd.DataFrame([row for row in _url_rows() if row["cloud"] == cloud], columns=URL_COLUMNS)


def export_allowed_urls(cloud: str, path: str | Path) -> Path:
    """Write ``cloud``'s allow-list as plain text, one URL a line, for a proxy or firewall team; returns the path."""
    target = Path(path)
    target.write_text("".join(f"{url}\n" for url in allowed_urls(cloud)["url"]), encoding="utf-8")
    return target
