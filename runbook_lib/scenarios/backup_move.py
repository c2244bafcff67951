"""Move a vault's Backup endpoints from the v1 experience to v2: a separate registered scenario, since it deletes.

"Overview and concepts of private endpoints (v2 experience) for Azure Backup", "Considerations before you start":
'You can't upgrade vaults (that contain private endpoints) created via the version 1 experience to the version 2
experience. You can delete all existing private endpoints, and then create new private endpoints with the version 2
experience.' So, in order: what goes and who must register again (the v2 how-to, "Backup and restore of workloads
in Azure VM (SQL and SAP HANA)": 'if you remove private endpoints for the vault after a server ... has been
registered to it, you'll need to re-register the container'), a person's confirmation, the deletion of every v1
Backup endpoint and of the _ecs/_prot endpoints Azure Backup made beside them (each with its zone group, whose
records Azure removes with it), then the v2 endpoint as the backup runbook makes it.
"""

from __future__ import annotations

from ..azure.ids import name_of
from ..engine import ManualStep, Row, Run, Runbook, Step, blocked, delete, unchanged
from ..ops import privatedns, vaults
from ..ops.backup_experience import BackupEndpoint, Experience, backup_endpoints
from ..ops.endpoints import delete_endpoint
from . import steps
from .backup import GROUP_ID, ZONES_TITLE, backup_zone_names
from .backup import SCENARIO as BACKUP
from .backup_v2 import ARTICLE_V2, CONCEPTS_V2, v2_endpoint_steps
from .registry import Scenario, endpoints_and_zones
from .steps.parameters import vault_of

UPGRADE = CONCEPTS_V2.section("Considerations before you start")
REREGISTER = ARTICLE_V2.section("Backup and restore of workloads in Azure VM (SQL and SAP HANA)")


class MoveParameters(steps.VaultEndpointParameters):
    """The vault to move and its new (v2) endpoint: a name none of its v1 endpoints has."""

    def zone_names(self, vault_location: str) -> list[str]:
        return backup_zone_names(vault_location)


def v1_endpoints(run: Run) -> list[BackupEndpoint]:
    vault = vault_of(run)
    found = backup_endpoints(run.clients, vault) if vault is not None else []
    return [e for e in found if e.experience == Experience.V1]


class PlanMove(Step):
    """What the move deletes and who must register again; blocked when there is nothing to move to."""

    id, title = "move-plan", "What moving to v2 deletes, and which servers must register again"

    def plan(self, run: Run) -> list[Row]:
        p: MoveParameters = run.params
        vault = vault_of(run)
        if vault is None:
            return [blocked(p.vault, "no such vault: name the vault whose v1 endpoints move (vault)")]
        old = v1_endpoints(run)
        if not old:
            return [unchanged(p.vault, "v2", "no v1 Backup endpoint: nothing to delete")]
        names = {name_of(e.id).lower() for e in old} | {name_of(s).lower() for e in old for s in e.siblings}
        if p.endpoint_name.lower() in names:
            return [
                blocked(
                    p.endpoint_id,
                    f"{p.endpoint_name} is a v1 endpoint this move deletes: give the v2 endpoint a new name "
                    "(endpoint_name); endpoints of the same name under a vault are unsupported",
                )
            ]
        items = vaults.backup_items(run.clients, p.vault)
        who = (
            f"{vaults.items_in_words(items)}: each server registered through these endpoints (SQL, SAP HANA, "
            "MARS, DPM, MABS) must register with the vault again once the v2 endpoint is in place; protection "
            "need not stop"
            if items
            else "no registered or protected items: no server needs to register again"
        )
        rows = [unchanged(p.vault, "v1", who)]
        for endpoint in old:
            made = ", ".join(name_of(s) for s in endpoint.siblings) or "none"
            rows.append(
                unchanged(
                    endpoint.id, "v1", f"deleted, with its zone group's records; Backup's endpoints beside it: {made}"
                )
            )
        return rows


def _records(run: Run, endpoint_id: str) -> list[str]:
    """The record sets the endpoint's zone group holds (Azure removes them with the endpoint)."""
    group = privatedns.zone_group(run.clients, endpoint_id)
    names = []
    for config in (group.private_dns_zone_configs or []) if group is not None else []:
        zone = name_of(config.private_dns_zone_id or "")
        names += [f"{r.record_set_name}.{zone}" for r in config.record_sets or []]
    return names


class DeleteV1Endpoints(Step):
    """Azure Backup's _ecs/_prot endpoints first, then the vault's own v1 endpoints."""

    id, title = "delete-v1", "Delete the v1 endpoints and those Azure Backup made beside them"

    def plan(self, run: Run) -> list[Row]:
        p: MoveParameters = run.params
        old = v1_endpoints(run)
        if not old:
            return [unchanged(p.vault, reason="no v1 Backup endpoint left")]
        ids = [s for e in old for s in e.siblings] + [e.id for e in old]
        return [
            delete(
                endpoint_id,
                ", ".join(_records(run, endpoint_id)) or "no zone-group records",
                delete_endpoint(run.clients, endpoint_id),
                "its NIC, zone group and the records that wrote go with it",
            )
            for endpoint_id in ids
        ]


def runbook(params: MoveParameters) -> Runbook:
    v2 = ARTICLE_V2.section
    return Runbook(
        "backup_move_to_v2",
        [
            PlanMove(UPGRADE),
            ManualStep(
                "confirm-move",
                "Confirm the move: the endpoints listed are deleted",
                REREGISTER,
                "Read step 'move-plan': every endpoint it lists is deleted, and clients lose their private path "
                "to the vault until the v2 endpoint is in place; the servers it names must register again "
                "afterwards. Confirm only in an agreed change window.",
            ),
            DeleteV1Endpoints(v2("Deleting private endpoints")),
            *v2_endpoint_steps(
                GROUP_ID,
                params.zone_names,
                endpoint_title="Create the v2 private endpoint for Azure Backup",
                zones_title=ZONES_TITLE,
            ),
            steps.Validate(v2("Check VM connectivity")),
        ],
    )


SCENARIO = Scenario(
    name="backup_move_to_v2",
    title="Move a vault's Backup endpoints from the v1 to the v2 experience",
    article=CONCEPTS_V2,
    summary="Every v1 Backup endpoint of the vault and the _ecs/_prot endpoints Azure Backup made beside them "
    "deleted (their zone groups' records with them), after a person confirms; then the v2 endpoint, its approval, "
    "its zones linked and filled, and the checks.",
    risks=(
        "Clients lose their private path to the vault between the deletion and the new endpoint: use a change window.",
        "Servers registered through the deleted endpoints (SQL, SAP HANA, MARS, DPM, MABS) must register again.",
    ),
    parameters=MoveParameters,
    build=runbook,
    zones=BACKUP.zones,
    scope=endpoints_and_zones(runbook),
)
