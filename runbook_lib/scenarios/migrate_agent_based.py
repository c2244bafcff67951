"""Azure Migrate agent-based replication over Private Link (seed 001; seed 004's same sections): the vault Azure
Migrate created, its Site Recovery endpoint and zones, the vault identity's access to the replication storage
account and the account's blob endpoint; then what only a person can do on the replication appliance, the
checks, and the replication itself.

Everything automated runs first, in one go: nothing of it waits for the appliance, and the person then finds the
private names in place when they check them from the appliance.
"""

from __future__ import annotations

from ..azure.ids import parse_id
from ..engine import ManualStep, Runbook
from . import migrate_replication as replication
from .steps.usage import machines_replicated, servers_registered

SEED = "001"
SECTIONS = replication.Sections(
    seed=SEED,
    resources="Set up a replication appliance for migration",
    replicate="Replicate servers to Azure by using Private Link",
    grant="Grant access permissions to the Recovery Services vault",
    storage_endpoint="Create a private endpoint for the storage account (optional)",
)


class AgentBasedParameters(replication.ReplicationParameters):
    """Agent-based migration (VMware, physical, AWS, GCP, other): one cache/replication storage account."""


def runbook(params: AgentBasedParameters) -> Runbook:
    appliance = f"{SEED} {SECTIONS.resources}"
    account = parse_id(params.replication_storage).name
    return Runbook("migrate_agent_based", [
        *replication.automated_steps(SECTIONS),
        ManualStep("appliance-machine", "Prepare the replication appliance (configuration server)", appliance,
                   "Prepare a Windows Server machine on premises for the replication appliance (configuration "
                   "server) as Azure Migrate's prerequisites describe, and install MySQL on it yourself: with "
                   "private endpoints, that is a manual step (seed 000's caveat)."),
        ManualStep("appliance-nslookup", "Check from the appliance that the private names resolve", appliance,
                   replication.nslookup_instructions(params, "the replication appliance")),
        ManualStep("appliance-register", "Install the appliance and register it with Azure Migrate", appliance,
                   "In the Migration tool (Discover > Not virtualized/Other), download the appliance setup and the "
                   "key file, run the setup on the appliance and register it with the key; then install the "
                   "mobility service on each machine to migrate.",
                   observe=servers_registered("the replication appliance", "the Migration tool (Discover > "
                                                                           "Replication appliances)"),
                   observes="the vault counts a registered server (the replication appliance)"),
        replication.validate_step(SECTIONS),
        ManualStep("replicate", "Replicate the machines", f"{SEED} {SECTIONS.replicate}",
                   f"In the Migration tool, select Replicate, choose the machines, and in Target settings select "
                   f"{account} as the cache/replication storage account; review and start replication.",
                   observe=machines_replicated(1, "the Migration tool's Replicating machines"),
                   observes="the vault holds replicated items"),
    ])
