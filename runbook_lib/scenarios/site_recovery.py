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

from pydantic import ValidationInfo, field_validator

from ..azure.ids import name_of
from ..dns.zones import ZoneNeed
from ..engine import ManualStep, Run, Runbook
from ..engine.fields import AnyStorageAccountId, DerivedName
from ..engine.source import Article
from ..geo import region_cloud
from ..names import NameKind
from ..ops import endpoints
from ..private_link import zone_name
from . import steps
from .migrate_article import ARTICLE as MIGRATE_ARTICLE
from .registry import Scenario, endpoints_and_zones
from .site_recovery_storage import (
    CACHE_GROUP_ID,
    CACHE_MEMBERS,
    AllowTrustedServices,
    ApproveCacheEndpoint,
    CacheEndpoint,
    CacheIds,
    CachePrerequisites,
    GrantStorageRoles,
    ValidateCacheEndpoint,
)
from .site_recovery_urls import URL_COLUMNS, allowed_urls, export_allowed_urls  # noqa: F401 (the CLI's, the tests')
from .site_recovery_zones import ZoneChoice
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
VAULT_MEMBERS = 5  # id1, prot2, rcm1, srs1, tel1: Site Recovery's microservices
GROUP_ID = "AzureSiteRecovery"


def members(params: SiteRecoveryParameters) -> int:
    """The addresses the bypass subnet needs: the vault's endpoint, and the cache account's when asked for."""
    return VAULT_MEMBERS + (CACHE_MEMBERS if params.cache_endpoint else 0)


def members_why(params: SiteRecoveryParameters) -> str:
    why = f"{VAULT_MEMBERS} for Site Recovery's microservices"
    return why + (f", {CACHE_MEMBERS} for the cache storage account's endpoint" if params.cache_endpoint else "")


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
    troubleshoot = MIGRATE_ARTICLE.section("Troubleshoot network connectivity")
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
