"""A run's true outcome, from the executed notebook's cells and the journal, not from papermill's metadata (which
calls a cell that hit the execution timeout "completed").

ok: every cell ran and nothing failed; failed: a step failed, a check failed, or a cell raised; timed-out: a cell
was interrupted at the execution timeout; blocked: a guard stopped the run; incomplete: a manual step is waiting,
or cells never ran.

An interactive run (saved from the run's panel) takes its status from its steps as they stand, whatever cell or
button ran them last (``steps_status``): the saved cells may show what a button has since superseded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from ..engine.status import RunStatus, StepStatus
from ..journal import CheckResult, CheckStatus, Entry

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..engine.runbook import StepReport


class EvidenceStatus(StrEnum):
    """How a run ended, in its manifest, the CLI's summary and the batch table."""

    OK = "ok"
    FAILED = "failed"
    TIMED_OUT = "timed-out"
    BLOCKED = "blocked"
    INCOMPLETE = "incomplete"


STATUSES = tuple(EvidenceStatus)
EXIT_CODES = {
    EvidenceStatus.OK: 0,
    EvidenceStatus.FAILED: 1,
    EvidenceStatus.TIMED_OUT: 1,
    EvidenceStatus.BLOCKED: 3,
    EvidenceStatus.INCOMPLETE: 3,
}
# RunIncomplete's message says '{runbook} is {status}: ...'; the run's status -> the evidence status
_RUN_STATUS = {
    RunStatus.BLOCKED: EvidenceStatus.BLOCKED,
    RunStatus.FAILED: EvidenceStatus.FAILED,
    RunStatus.WAITING: EvidenceStatus.INCOMPLETE,
}


def derive_status(
    notebook: NotebookNode, journal: Iterable[Entry] = (), timed_out: bool = False
) -> tuple[EvidenceStatus, str]:
    """(status, why) of an executed notebook and its journal."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for index, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            name, value = output.get("ename", ""), output.get("evalue", "")
            where = f"code cell {index}"
            if timed_out or name in ("KeyboardInterrupt", "CellTimeoutError"):
                return EvidenceStatus.TIMED_OUT, f"{where} was interrupted at the execution timeout"
            if name == "RunIncomplete" and " is " in value:
                run_status = value.split(" is ", 1)[1].split(":", 1)[0]
                return _RUN_STATUS.get(run_status, EvidenceStatus.FAILED), f"{name}: {value}"
            return EvidenceStatus.FAILED, f"{where}: {name}: {value}"
    if timed_out:
        return EvidenceStatus.TIMED_OUT, "the run hit the execution timeout"
    unrun = [i for i, cell in enumerate(code, start=1) if cell.get("execution_count") is None]
    if unrun:
        return EvidenceStatus.INCOMPLETE, f"{len(unrun)} code cells never ran (first: code cell {unrun[0]})"
    failed = [e for e in journal if isinstance(e, CheckResult) and e.check == "verify" and e.status == CheckStatus.FAIL]
    if failed:
        return EvidenceStatus.FAILED, f"verify failed for {failed[0].resource}: {failed[0].detail}"
    return EvidenceStatus.OK, "every cell ran and nothing failed"


def steps_status(steps: Sequence[StepReport], applied: bool) -> tuple[EvidenceStatus, str]:
    """(status, why) of a run from its steps' reports, as a headless run's summary cell would judge them: a failed
    or blocked step; steps never run; when anything was applied (``applied``), a manual step waiting or changes
    planned and not applied; else ok."""
    for status in (StepStatus.FAILED, StepStatus.BLOCKED):
        stopped = [s for s in steps if s.status == status]
        if stopped:
            return EvidenceStatus(status), f"{stopped[0].id}: {status}: {stopped[0].detail}"
    unrun = [s.id for s in steps if s.status == StepStatus.NOT_RUN]
    if unrun:
        return EvidenceStatus.INCOMPLETE, f"{len(unrun)} steps never ran (first: {unrun[0]})"
    if applied:
        waiting = [s for s in steps if s.status == StepStatus.WAITING]
        if waiting:
            return EvidenceStatus.INCOMPLETE, f"{waiting[0].id}: waiting: {waiting[0].detail}"
        planned = [s.id for s in steps if s.status == StepStatus.PLANNED]
        if planned:
            return (
                EvidenceStatus.INCOMPLETE,
                f"{len(planned)} steps planned changes that were not applied (first: {planned[0]})",
            )
        return EvidenceStatus.OK, "every step done, confirmed or with nothing to do"
    return EvidenceStatus.OK, "every step planned; nothing applied"
