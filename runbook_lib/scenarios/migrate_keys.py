"""What the project key makes ("Set up the Azure Migrate appliance": Generate key): Azure Migrate's key vault,
storage account and Recovery Services vault, each with an endpoint in the project endpoint's VNet, read back; the
manual step's observation and the step that checks each endpoint is approved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..azure.ids import parse_id
from ..engine import Row, Run, Step, blocked, unchanged
from ..ops import migrate
from ..ops.migrate import KEY_RESOURCES, KeyResource
from .migrate_article import section

if TYPE_CHECKING:
    from .migrate_project import MigrateProjectParameters

REQUIRED_KEY_RESOURCES = ("Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts")


def key_resources(run: Run) -> list[KeyResource]:
    """What key generation made: the resources in the project's resource group with an endpoint in the project
    endpoint's VNet and resource group."""
    p: MigrateProjectParameters = run.params
    return migrate.key_resources(run.clients, p.project, parse_id(p.endpoint_id).resource_group_id, p.vnet_id)


def key_not_generated(run: Run) -> str | None:
    """What 'generate-key' left unseen in Azure (None: the project's key vault and storage account exist, each with
    an endpoint in the project endpoint's VNet)."""
    p: MigrateProjectParameters = run.params
    kinds = {r.kind for r in key_resources(run)}
    missing = [KEY_RESOURCES[t] for t in REQUIRED_KEY_RESOURCES if KEY_RESOURCES[t] not in kinds]
    if not missing:
        return None
    return (
        f"Azure Migrate has made no {' or '.join(missing)} of the project's with an endpoint in "
        f"{p.vnet_id.rsplit('/', 1)[-1]} yet: key generation may still be running, or failed; generate the key "
        "in the portal (Discover > Generate key), wait until it is done, then confirm 'generate-key' again"
    )


class KeyResources(Step):
    """What key generation made, read back: each resource with its endpoint, which must be Approved."""

    id, title, source = (
        "key-resources",
        "The resources the project key made, and their endpoints",
        section("Set up the Azure Migrate appliance"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        found = key_resources(run)
        if not found:
            return [unchanged(p.project, reason="after the key is generated (step generate-key)")]
        rows = [
            unchanged(r.id, f"{r.kind}: endpoint {r.endpoint_name} {r.state}")
            if r.state == "Approved"
            else blocked(
                r.id,
                f"the {r.kind}'s endpoint {r.endpoint_name} is {r.state}: approve it on the {r.kind} "
                "(Networking > Private endpoint connections)",
            )
            for r in found
        ]
        kinds = {r.kind for r in found}
        rows += [
            blocked(
                p.project,
                f"key generation made no {KEY_RESOURCES[t]} with an endpoint in the project "
                "endpoint's VNet: generate the key again (it reuses what exists)",
            )
            for t in REQUIRED_KEY_RESOURCES
            if KEY_RESOURCES[t] not in kinds
        ]
        if KEY_RESOURCES["Microsoft.RecoveryServices/vaults"] not in kinds:
            rows.append(
                unchanged(
                    p.project,
                    reason="no Recovery Services vault: Azure Migrate makes one for agentless VMware migrations only",
                )
            )
        return rows
