"""An undo applied: each changing row's write journaled write-ahead (engine.writes), the plan made again to verify,
and the undo sealed as a run folder of its own that names the run it undid."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.core.exceptions import HttpResponseError

from ..azure import AzureClients
from ..azure.errors import describe_arm_error
from ..engine.runbook import Run
from ..engine.writes import write_row
from ..errors import ConcurrentChange
from ..evidence.archive import RunRecord, index_run, package_versions, tool_version
from ..evidence.manifest import seal
from ..evidence.snapshots import replaced_records, snapshot
from ..evidence.status import EvidenceStatus
from ..journal import CheckResult, Journal
from ..secrets import redact_value
from .plan import UndoPlan, plan_undo

MODE = "undo"


@dataclass(frozen=True)
class Undone:
    """An undo made: its own sealed run folder and manifest (status ok, incomplete or failed, and why)."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def status(self) -> EvidenceStatus:
        return EvidenceStatus(self.manifest["status"])

    @property
    def detail(self) -> str:
        return str(self.manifest["status_detail"])


def runs_of(folder: Path) -> Path:
    """The runs folder a run folder is in (runs/{scenario}/{date}/{run}, where index.jsonl is); else ./runs."""
    runs = folder.resolve().parents[2]
    return runs if (runs / "index.jsonl").is_file() else Path("runs")


def apply_undo(plan: UndoPlan, clients: AzureClients, runs: Path | None = None) -> Undone:
    """Make ``plan``'s changes, newest first, and seal the undo's own folder under ``runs`` (default: the undone
    run's runs folder). A write ARM refuses stops the undo (the folder says failed, with ARM's error); conflicts
    are left as shown."""
    original = plan.manifest
    record = RunRecord(
        scenario=original["scenario"],
        mode=MODE,
        target=original["target"]["kind"],
        cloud=original["target"]["cloud"],
        parameters={"undoes": plan.run_id},
        source=plan.folder / "manifest.json",
        runs=runs if runs is not None else runs_of(plan.folder),
    )
    journal = Journal(record.folder / "journal.jsonl")
    before = snapshot(clients, plan.ids)
    run = Run(clients, None, "apply", journal, clients.caller().get("principal", "unknown"))
    status, why = EvidenceStatus.OK, f"undid run {plan.run_id}: {len(plan.changes)} changes"
    try:
        for row in plan.changes:
            journal.step = row.action
            write_row(run, row)
    except (HttpResponseError, ConcurrentChange) as error:
        text = describe_arm_error(error) if isinstance(error, HttpResponseError) else str(error)
        status, why = EvidenceStatus.FAILED, f"{row.resource}: {text}"
    journal.step = None
    if status == EvidenceStatus.OK:
        left = [r for r in plan_undo(plan.folder, clients).rows if r.changes]
        if left:
            status, why = EvidenceStatus.FAILED, f"verify: {left[0].resource} still to {left[0].action}"
        elif plan.conflicts:
            status, why = (
                EvidenceStatus.INCOMPLETE,
                f"{len(plan.conflicts)} changed since the run, left as is (first: {plan.conflicts[0].resource})",
            )
    sealed = _seal(record, clients, journal, before, snapshot(clients, plan.ids), plan, status, why)
    return Undone(record.folder, sealed)


def _seal(
    record: RunRecord,
    clients: AzureClients,
    journal: Journal,
    before: dict,
    after: dict,
    plan: UndoPlan,
    status: EvidenceStatus,
    why: str,
) -> dict[str, Any]:
    folder = record.folder
    folder.mkdir(parents=True, exist_ok=True)
    if journal.path is None:  # apply_undo journals to the undo's folder
        raise ValueError("an undo's journal must be written to its folder")
    journal.path.touch()
    _write_json(folder / "snapshots" / "before.json", redact_value(before))
    _write_json(folder / "snapshots" / "after.json", redact_value(after))
    _write_json(folder / "snapshots" / "replaced-records.json", redact_value(replaced_records(journal.entries)))
    _write_json(
        folder / "plan.json",
        redact_value(
            [
                {
                    "resource": r.resource,
                    "action": str(r.action),
                    "before": r.before,
                    "after": r.after,
                    "reason": r.reason,
                }
                for r in plan.rows
            ]
        ),
    )
    manifest = {
        "run_id": record.run_id,
        "scenario": record.scenario,
        "mode": MODE,
        "undoes": plan.run_id,
        "undoes_folder": plan.folder.name,
        "target": {
            "kind": record.target,
            "cloud": record.cloud,
            "subscriptions": sorted({clients.subscription_id, *(i.split("/")[2] for i in plan.ids)}),
        },
        "started": record.started.isoformat(),
        "ended": datetime.now(UTC).isoformat(),
        "operator": clients.caller(),
        "tool": tool_version(),
        "notebook": None,
        "parameters": record.parameters,
        "packages": package_versions(),
        "journal": [asdict(e) for e in journal.entries],
        "validation": [asdict(e) for e in journal.entries if isinstance(e, CheckResult)],
        "status": str(status),
        "status_detail": why,
    }
    sealed = seal(folder, redact_value(manifest))
    index_run(record, sealed)
    return sealed


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
