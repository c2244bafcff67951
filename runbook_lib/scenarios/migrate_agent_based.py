"""Azure Migrate agent-based replication over Private Link (Microsoft Learn: "Migrate servers to Azure by using
Private Link"; "Using Azure Migrate with private endpoints" has the same sections): the vault Azure
Migrate created, its Site Recovery endpoint and zones, the vault identity's access to the replication storage
account and the account's blob endpoint; then what only a person can do on the replication appliance, the
checks, and the replication itself.

Everything automated runs first, in one go: nothing of it waits for the appliance, and the person then finds the
private names in place when they check them from the appliance.
"""

from __future__ import annotations

from ..azure.ids import parse_id
from ..engine import ManualStep, Runbook
from ..engine.source import Article
from . import migrate_replication as replication
from .registry import Scenario, endpoints_and_zones
from .steps.usage import machines_replicated, servers_registered

ARTICLE = Article(
    "Migrate servers to Azure by using Private Link (agent-based)",
    "https://learn.microsoft.com/azure/migrate/migrate-servers-to-azure-using-private-link",
    headings=(
        "Set up a replication appliance for migration",
        "Replicate servers to Azure by using Private Link",
        "Grant access permissions to the Recovery Services vault",
        "Create a private endpoint for the storage account (optional)",
    ),
)
SECTIONS = replication.Sections(
    resources=ARTICLE.section("Set up a replication appliance for migration"),
    replicate=ARTICLE.section("Replicate servers to Azure by using Private Link"),
    grant=ARTICLE.section("Grant access permissions to the Recovery Services vault"),
    storage_endpoint=ARTICLE.section("Create a private endpoint for the storage account (optional)"),
)


class AgentBasedParameters(replication.ReplicationParameters):
    """Agent-based migration (VMware, physical, AWS, GCP, other): one cache/replication storage account."""


def runbook(params: AgentBasedParameters) -> Runbook:
    appliance = SECTIONS.resources
    account = parse_id(params.replication_storage).name
    return Runbook(
        "migrate_agent_based",
        [
            *replication.automated_steps(SECTIONS),
            ManualStep(
                "appliance-machine",
                "Prepare the replication appliance (configuration server)",
                appliance,
                "Prepare a Windows Server machine on premises for the replication appliance (configuration "
                "server) as Azure Migrate's prerequisites describe, and install MySQL on it yourself: with "
                "private endpoints, that is a manual step (Site Recovery's private endpoints article says so).",
            ),
            ManualStep(
                "appliance-nslookup",
                "Check from the appliance that the private names resolve",
                appliance,
                replication.nslookup_instructions(params, "the replication appliance"),
            ),
            ManualStep(
                "appliance-register",
                "Install the appliance and register it with Azure Migrate",
                appliance,
                "In the Migration tool (Discover > Not virtualized/Other), download the appliance setup and the "
                "key file, run the setup on the appliance and register it with the key; then install the "
                "mobility service on each machine to migrate.",
                observe=servers_registered(
                    "the replication appliance", "the Migration tool (Discover > Replication appliances)"
                ),
                observes="the vault counts a registered server (the replication appliance)",
            ),
            replication.validate_step(SECTIONS),
            ManualStep(
                "replicate",
                "Replicate the machines",
                SECTIONS.replicate,
                f"In the Migration tool, select Replicate, choose the machines, and in Target settings select "
                f"{account} as the cache/replication storage account; review and start replication.",
                observe=machines_replicated(1, "the Migration tool's Replicating machines"),
                observes="the vault holds replicated items",
            ),
        ],
    )


SCENARIO = Scenario(
    name="migrate_agent_based",
    title="Azure Migrate agent-based replication over Private Link",
    article=ARTICLE,
    summary="The vault Azure Migrate created, its Site Recovery endpoint and zones, the identity's access to the "
    "replication storage, its blob endpoint, then the replication appliance.",
    risks=(
        "The replication storage account needs a general-purpose v2 account for its endpoint.",
        "MySQL must be installed on the configuration server by hand.",
    ),
    parameters=AgentBasedParameters,
    build=runbook,
    zones=replication.ZONES,
    scope=endpoints_and_zones(runbook),
)
