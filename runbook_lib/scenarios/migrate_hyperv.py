"""Azure Migrate Hyper-V replication over Private Link (Microsoft Learn: "Migrate Hyper-V servers to Azure by using
Private Link"): the vault Azure Migrate created, its Site
Recovery endpoint and zones, the vault identity's access to the replication and cache storage accounts and their
blob endpoints (a Premium replication account needs a separate Standard cache account); then the Hyper-V
provider and its registration key (valid five days) on each host, the checks, and replication in batches of ten.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from pydantic import field_validator

from ..azure.ids import parse_id
from ..engine import ManualStep, Row, Run, Runbook, blocked
from ..engine.fields import StorageAccountId
from ..engine.source import Article
from ..ops import vaults
from ..ops.storage import StorageAccount
from . import migrate_replication as replication
from .registry import Scenario, endpoints_and_zones
from .steps.usage import machines_replicated, servers_registered

ARTICLE = Article(
    "Migrate Hyper-V servers to Azure by using Private Link",
    "https://learn.microsoft.com/azure/migrate/migrate-hyper-v-servers-to-azure-using-private-link",
    headings=(
        "Set up the replication provider for migration",
        "Replicate Hyper-V VMs",
        "Grant access permissions to the Recovery Services vault",
        "Create a private endpoint for the storage account",
    ),
)
SECTIONS = replication.Sections(
    resources=ARTICLE.section("Set up the replication provider for migration"),
    replicate=ARTICLE.section("Replicate Hyper-V VMs"),
    grant=ARTICLE.section("Grant access permissions to the Recovery Services vault"),
    storage_endpoint=ARTICLE.section("Create a private endpoint for the storage account"),
)
KEY_VALID = timedelta(days=5)  # a registration key's life from when it is generated
BATCH = 10  # machines replicated together at most


class HyperVParameters(replication.ReplicationParameters):
    """Hyper-V migration: the replication account, a cache account (required when the replication account is
    Premium), the machines to replicate and when the hosts' registration key was generated."""

    cache_storage: StorageAccountId | None = None  # default: the replication account (Standard only)
    machines: tuple[str, ...] = ()  # VMs to replicate: in batches of at most ten
    registration_key_generated: datetime | None = None  # when the key was generated (UTC unless it says)

    @field_validator("machines")
    @classmethod
    def _distinct_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(name.strip() for name in value)
        if any(not name for name in names):
            raise ValueError("a machine's name is empty")
        counts = Counter(name.lower() for name in names)
        twice = [name for name in dict.fromkeys(names) if counts[name.lower()] > 1]
        if twice:
            raise ValueError(f"named more than once: {', '.join(twice)}")
        return names

    def storage_accounts(self) -> list[str]:
        cache = self.cache_storage
        return [self.replication_storage] + (
            [cache] if cache and cache.lower() != self.replication_storage.lower() else []
        )

    def storage_rules(self, accounts: dict[str, StorageAccount]) -> list[Row]:
        """A Premium replication account needs another account, of Standard type, as cache (the article's
        "Replicate Hyper-V VMs")."""
        replicated = accounts.get(self.replication_storage)
        if replicated is None or replicated.tier != "premium":
            return []
        if len(self.storage_accounts()) == 1 or not self.cache_storage:  # one account: no cache (or the same)
            return [
                blocked(
                    replicated.id,
                    f"{replicated.name} is Premium: Hyper-V replication then needs another, "
                    "Standard account as its cache; name one in cache_storage",
                )
            ]
        cache = accounts.get(self.cache_storage)
        if cache is not None and cache.tier != "standard":
            return [
                blocked(
                    cache.id,
                    f"the cache account {cache.name} is {cache.tier.capitalize()}: with a Premium "
                    f"replication account ({replicated.name}), the cache must be a Standard "
                    "account; choose another cache_storage",
                )
            ]
        return []

    def batches(self) -> list[tuple[str, ...]]:
        return [self.machines[i : i + BATCH] for i in range(0, len(self.machines), BATCH)]


def key_not_usable(run: Run) -> str | None:
    """Why the registration key cannot be used now (None: it can, or the hosts are registered already)."""
    p: HyperVParameters = run.params
    vault = vaults.get_vault(run.clients, p.vault)
    if vault is not None and vaults.replication_items(run.clients, p.vault).get("registered_servers_count"):
        return None  # the hosts are registered: the key has done its work
    if p.registration_key_generated is None:
        return (
            "say when the registration key was generated (registration_key_generated, e.g. "
            "2024-05-01T09:30:00Z): a key is valid for five days"
        )
    generated = p.registration_key_generated
    if generated.tzinfo is None:
        generated = generated.replace(tzinfo=UTC)
    age = datetime.now(UTC) - generated
    if age < timedelta(0):
        return f"registration_key_generated ({generated.isoformat()}) is in the future: check the date and time zone"
    if age > KEY_VALID:
        return (
            f"the registration key was generated {age.days} days ago ({generated:%Y-%m-%d %H:%M} UTC) and is "
            "valid for five days: generate a new one (Discover > Prepare Hyper-V host servers), copy it to the "
            "hosts, set registration_key_generated, then confirm again"
        )
    return None


def runbook(params: HyperVParameters) -> Runbook:
    provider = SECTIONS.resources
    return Runbook(
        "migrate_hyperv",
        [
            *replication.automated_steps(SECTIONS),
            ManualStep(
                "install-provider",
                "Install the Hyper-V replication provider on each host",
                provider,
                "In the Migration tool (Discover > Yes, with Hyper-V > Prepare Hyper-V host servers), download "
                "the Hyper-V replication provider and copy its setup to each Hyper-V host or cluster node that "
                "runs VMs to replicate; run it there (it installs the Site Recovery provider and the Recovery "
                "Services agent).",
            ),
            ManualStep(
                "registration-key",
                "Copy the registration key to each host (valid five days)",
                provider,
                "Download the registration key file from the same page and copy it to each host or cluster "
                "node; set registration_key_generated to when it was generated: it is valid for five days.",
                check=key_not_usable,
            ),
            ManualStep(
                "host-nslookup",
                "Check from each host that the private names resolve",
                provider,
                replication.nslookup_instructions(params, "each Hyper-V host or cluster node"),
            ),
            ManualStep(
                "register-hosts",
                "Register each host with the registration key",
                provider,
                "On each host or cluster node, register the provider with the registration key file, and wait "
                "until the Migration tool lists the hosts as registered.",
                check=key_not_usable,
                observe=servers_registered("the hosts", "the Migration tool (Discover > Prepare Hyper-V host servers)"),
                observes="the vault counts registered servers (the hosts)",
            ),
            replication.validate_step(SECTIONS),
            *replicate_steps(params),
        ],
    )


def replicate_steps(params: HyperVParameters) -> list[ManualStep]:
    """One manual step per batch of at most ten machines (the article: replicate more in batches of ten)."""
    section = SECTIONS.replicate
    replication_name = parse_id(params.replication_storage).name
    cache = (
        f" and {parse_id(params.cache_storage).name} as cache"
        if params.cache_storage and len(params.storage_accounts()) > 1
        else ""
    )
    target = (
        f"In Replicate (Yes, with Hyper-V), select {{machines}}; in Target settings choose {replication_name} "
        f"as the replication storage account{cache}; review and start replication."
    )
    batches = params.batches()
    where = "the Migration tool's Replicating machines"
    if not batches:
        return [
            ManualStep(
                "replicate",
                "Replicate the machines",
                section,
                target.format(machines=f"the VMs, at most {BATCH} at a time"),
                observe=machines_replicated(1, where),
                observes="the vault holds replicated items",
            )
        ]
    totals = accumulate(len(batch) for batch in batches)  # after batch n, the vault holds batches 1..n
    return [
        ManualStep(
            f"replicate-batch-{n}",
            f"Replicate batch {n} of {len(batches)} ({len(batch)} machines)",
            section,
            target.format(machines=", ".join(batch)),
            observe=machines_replicated(total, where),
            observes=f"the vault holds {total} or more replicated items",
        )
        for n, (batch, total) in enumerate(zip(batches, totals), 1)
    ]


SCENARIO = Scenario(
    name="migrate_hyperv",
    title="Azure Migrate Hyper-V replication over Private Link",
    article=ARTICLE,
    summary="The vault Azure Migrate created, its endpoint and zones, the identity's access to the replication and "
    "cache storage and their endpoints, the Hyper-V provider and its registration key, replication in "
    "batches of ten.",
    risks=(
        "A Premium replication account needs a Standard cache account.",
        "The registration key is valid for five days.",
    ),
    parameters=HyperVParameters,
    build=runbook,
    zones=replication.ZONES,
    scope=endpoints_and_zones(runbook),
)
