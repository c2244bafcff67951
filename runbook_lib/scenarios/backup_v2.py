"""Backup's v2 private-endpoint experience: its articles, its numbers, the check of which experience an existing
vault's endpoints use, and the steps that differ from v1.

"Overview and concepts of private endpoints (v2 experience) for Azure Backup", "Key enhancements": endpoints without
managed identities, no endpoints made for blob and queue, fewer private IPs; "Considerations before you start": 10
private IPs an endpoint, a count that may grow, a /25 advised; at most 12 endpoints a vault; static IPs unsupported
(creation succeeds, registration may fail); a vault with v1 endpoints cannot be upgraded (delete them all, then
create v2 ones); customer-managed keys in a network-restricted key vault unsupported.
"""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Action, ManualStep, Row, Run, Step, blocked, unchanged
from ..engine.source import Article, Source
from ..ops import vaults
from ..ops.backup_experience import Experience, backup_endpoints, vault_experience
from . import steps
from .steps.parameters import vault_of

ARTICLE_V2 = Article(
    "Create and use private endpoints (v2 experience) for Azure Backup",
    "https://learn.microsoft.com/azure/backup/backup-azure-private-endpoints-configure-manage",
    headings=(
        "Create a Recovery Services vault",
        "Deny public network access to the vault",
        "Create private endpoints for Azure Backup",
        "Approve private endpoints",
        "Manage DNS records",
        "When you integrate private endpoints with Azure private DNS zones",
        "Validate virtual network links in private DNS zones",
        "When using custom DNS server or host files",
        "Use private endpoints for backup",
        "Check VM connectivity",
        "Configure backup",
        "DNS records for blobs and queues (only for custom DNS servers/host files) after the first registration",
        "Backup and restore of workloads in Azure VM (SQL and SAP HANA)",
        "DNS records for blobs (only for custom DNS servers/host files) after the first backup",
        "Cross region restore to a private endpoint enabled vault",
        "Deleting private endpoints",
    ),
)
CONCEPTS_V2 = Article(
    "Overview and concepts of private endpoints (v2 experience) for Azure Backup",
    "https://learn.microsoft.com/azure/backup/backup-azure-private-endpoints-concept",
    headings=("Key enhancements", "Considerations before you start"),
)
V2_MEMBERS = 10  # "Considerations before you start": 'A private endpoint for a vault uses 10 private IPs'
V2_MEMBERS_WHY = "the vault's endpoint carries Backup's 8 names and its storage's blob and queue names"
V2_RECOMMENDED = 2 * V2_MEMBERS  # room to grow: the count 'might increase over time'
V2_RECOMMENDED_WHY = (
    "the count might increase over time, and Microsoft advises a /25 ('Overview and concepts of private "
    "endpoints (v2 experience) for Azure Backup', 'Considerations before you start')"
)
MAX_ENDPOINTS = 12  # "Considerations before you start": 'a maximum of 12 private endpoints for a vault'
NO_IDENTITY = CONCEPTS_V2.section("Key enhancements")  # 'Create private endpoints without managed identities.'


class Skipped(Step):
    """A step of the other experience, kept in the runbook (and the notebook) so one notebook runs both: it plans
    nothing but says why, citing where the article says so."""

    def __init__(self, step: Step, source: Source, why: str):
        super().__init__(source, id=step.id, title=f"{step.title} (not in this experience)")
        self.why = why

    def plan(self, run: Run) -> list[Row]:
        return [unchanged(run.params.vault, reason=self.why)]


class BackupPrerequisites(steps.Prerequisites):
    """The shared prerequisites, and which experience the vault's existing Backup endpoints use."""

    def plan(self, run: Run) -> list[Row]:
        rows = super().plan(run)
        if any(row.action == Action.BLOCKED for row in rows):  # e.g. a caller who may not even read the vault
            return rows
        return rows + experience_rows(run)


def experience_rows(run: Run) -> list[Row]:
    """The experience the parameters ask for against the one ARM shows the vault's Backup endpoints use (a mismatch
    blocks, with the fix); the endpoints' count against the 12 a vault may have; a warning per endpoint with static
    IPs (v2: unsupported, 'although creation succeeds, registration might fail')."""
    p = run.params
    vault = vault_of(run)
    wanted = Experience(p.experience)
    if vault is None:
        return [unchanged(p.vault, wanted.value, f"a new vault: its endpoints follow the {wanted} experience")]
    found = backup_endpoints(run.clients, vault)
    ours = any(e.id.lower() == p.endpoint_id.lower() for e in found)
    shown = vault_experience(found)
    rows: list[Row] = []
    if shown is None:
        how = "without the vault's identity" if wanted == Experience.V2 else "with the vault's identity on"
        rows.append(unchanged(p.vault, wanted.value, f"no Backup endpoint yet: this run makes its first {how}"))
    elif shown != wanted:
        rows.append(blocked(p.vault, mismatch(shown, found)))
    else:
        rows.append(unchanged(p.vault, shown.value, f"its {len(found)} Backup endpoint(s) use the {shown} experience"))
    primary = [e for e in found if e.group_id.lower() == "azurebackup"]
    if len(primary) >= MAX_ENDPOINTS and not ours:
        rows.append(
            blocked(
                p.vault,
                f"the vault has {len(primary)} AzureBackup endpoints, the most a vault may have ({MAX_ENDPOINTS}, "
                "'Considerations before you start'): delete one it no longer needs, or use another vault",
            )
        )
    key = getattr(getattr(getattr(vault.properties, "encryption", None), "key_vault_properties", None), "key_uri", "")
    if key:
        rows.append(
            unchanged(
                p.vault,
                key,
                "warning: the vault encrypts with a customer-managed key; a key vault restricted to networks (or "
                "behind its own private endpoint) is not supported with the vault's private endpoints "
                "('Considerations before you start'): keep the key vault reachable",
            )
        )
    for endpoint in found:
        if endpoint.static_ips and endpoint.experience == Experience.V2:
            rows.append(
                unchanged(
                    endpoint.id,
                    ", ".join(endpoint.static_ips),
                    "warning: static IPs, which the v2 experience does not support: its addresses grow over time "
                    "and registration may fail; make the endpoint again without them (delete it, run again)",
                )
            )
    return rows


def mismatch(shown: Experience, found) -> str:
    names = ", ".join(e.id.rsplit("/", 1)[-1] for e in found)
    if shown == Experience.V1:
        return (
            f"the vault's Backup endpoints ({names}) use the v1 experience, and a vault cannot be upgraded "
            "(a v1 endpoint carries only Backup's names; Backup made _ecs/_prot endpoints beside it): set "
            "experience: v1, or move the vault to v2 first (runbook apply backup_move_to_v2)"
        )
    return (
        f"the vault's Backup endpoints ({names}) use the v2 experience (they carry Backup's storage names): "
        "set experience: v2"
    )


def v2_endpoint_steps(
    group_id: str, zones: Callable[[str], list[str]], *, endpoint_title: str, zones_title: str
) -> list[Step]:
    """The v2 endpoint, its approval, its zones (integrated and linked) and the records they lack: the same in a new
    vault's run and in a move from v1."""
    v2 = ARTICLE_V2.section
    return [
        steps.CreateEndpoint(
            v2("Create private endpoints for Azure Backup"),
            group_id=group_id,
            title=endpoint_title,
            needs_identity=False,
        ),
        steps.ApproveEndpoint(v2("Approve private endpoints"), group_id=group_id),
        steps.IntegrateZones(
            v2("When you integrate private endpoints with Azure private DNS zones"), zones=zones, title=zones_title
        ),
        steps.LinkZones(v2("Validate virtual network links in private DNS zones"), zones=zones),
        steps.DnsRecords(v2("When using custom DNS server or host files")),
    ]


def v2_manual_steps() -> list[Step]:
    """The first registration and the first backup, as v2 has them: nothing to wait for but the vault's usages."""
    return [
        ManualStep(
            "first-registration",
            "Register the first server or VM with the vault",
            ARTICLE_V2.section("Configure backup"),
            "Configure backup of the first workload (discovery / container registration) through the endpoint. In "
            "the v2 experience Azure Backup adds no endpoints: the vault's endpoint already carries its storage.",
            observe=_usage_seen("MABContainersCount", "registered container", "registration"),
            observes="the vault's usages count a registered container (MABContainersCount)",
        ),
        ManualStep(
            "first-backup",
            "Run the first backup",
            ARTICLE_V2.section("Backup and restore of workloads in Azure VM (SQL and SAP HANA)"),
            "Run the first backup through the endpoint.",
            observe=_usage_seen("ProtectedItemCount", "protected item", "backup"),
            observes="the vault's usages count a protected item (ProtectedItemCount)",
        ),
    ]


def _usage_seen(usage: str, words: str, event: str):
    def observe(run: Run) -> str | None:
        if vaults.backup_items(run.clients, run.params.vault).get(usage):
            return None
        return (
            f"the vault counts no {words} yet ({usage}): the {event} may still be running, or failed (see Backup "
            "jobs in the vault; a name that does not resolve privately fails it); confirm again once it succeeded"
        )

    return observe
