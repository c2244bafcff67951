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
from typing import TYPE_CHECKING

from ..journal import CheckResult, Entry

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..engine.runbook import StepReport

STATUSES = ("ok", "failed", "timed-out", "blocked", "incomplete")
EXIT_CODES = {"ok": 0, "failed": 1, "timed-out": 1, "blocked": 3, "incomplete": 3}
# RunIncomplete's message says '{runbook} is {status}: ...'; the run's status -> the evidence status
_RUN_STATUS = {"blocked": "blocked", "failed": "failed", "waiting": "incomplete"}


def derive_status(notebook: NotebookNode, journal: Iterable[Entry] = (), timed_out: bool = False) -> tuple[str, str]:
    """(status, why) of an executed notebook and its journal."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for index, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            name, value = output.get("ename", ""), output.get("evalue", "")
            where = f"code cell {index}"
            if timed_out or name in ("KeyboardInterrupt", "CellTimeoutError"):
                return "timed-out", f"{where} was interrupted at the execution timeout"
            if name == "RunIncomplete" and " is " in value:
                run_status = value.split(" is ", 1)[1].split(":", 1)[0]
                return _RUN_STATUS.get(run_status, "failed"), f"{name}: {value}"
            return "failed", f"{where}: {name}: {value}"
    if timed_out:
        return "timed-out", "the run hit the execution timeout"
    unrun = [i for i, cell in enumerate(code, start=1) if cell.get("execution_count") is None]
    if unrun:
        return "incomplete", f"{len(unrun)} code cells never ran (first: code cell {unrun[0]})"
    failed = [e for e in journal if isinstance(e, CheckResult) and e.check == "verify" and e.status == "fail"]
    if failed:
        return "failed", f"verify failed for {failed[0].resource}: {failed[0].detail}"
    return "ok", "every cell ran and nothing failed"


def steps_status(steps: Sequence[StepReport], applied: bool) -> tuple[str, str]:
    """(status, why) of a run from its steps' reports, as a headless run's summary cell would judge them: a failed
    or blocked step; steps never run; when anything was applied (``applied``), a manual step waiting or changes
    planned and not applied; else ok."""
    for status in ("failed", "blocked"):
        stopped = [s for s in steps if s.status == status]
        if stopped:
            return status, f"{stopped[0].id}: {status}: {stopped[0].detail}"
    unrun = [s.id for s in steps if s.status == "not run"]
    if unrun:
        return "incomplete", f"{len(unrun)} steps never ran (first: {unrun[0]})"
    if applied:
        waiting = [s for s in steps if s.status == "waiting"]
        if waiting:
            return "incomplete", f"{waiting[0].id}: waiting: {waiting[0].detail}"
        planned = [s.id for s in steps if s.status == "planned"]
        if planned:
            return "incomplete", f"{len(planned)} steps planned changes that were not applied (first: {planned[0]})"
        return "ok", "every step done, confirmed or with nothing to do"
    return "ok", "every step planned; nothing applied"
