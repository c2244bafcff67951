"""A runbook: ordered steps run in one mode (plan: read only; apply: write, then verify), with a journal.

Every step plans against what is there now, so an applied runbook plans nothing the second time and a run cut
short anywhere finishes when run again. A blocked step (a guard), a failed one (ARM's error in words) or, when
applying, a manual step nobody has confirmed (or whose work Azure does not show yet) stops the run; the steps after
it are reported as not run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import HttpResponseError

from ..azure import AzureClients
from ..azure.errors import describe_arm_error
from ..azure.requests import ALREADY_MADE, AlreadyMade
from ..errors import ConcurrentChange, InputError, Interrupted, RunbookError
from ..journal import CheckResult, CheckStatus, Confirmation, Entry, Journal
from ..progress import Progress, no_progress
from .reconcile import reconcile
from .source import Source
from .status import EXIT_CODES, RunStatus, StepStatus, run_status
from .step import Action, ManualStep, Row, Step
from .writes import write_row

if TYPE_CHECKING:  # pandas loads when a table is asked for: a headless runner's parent never needs it
    import pandas as pd

MODES = ("plan", "apply")


@dataclass
class Run:
    """What a step works with: the SDK clients, the parameters, the mode, the journal, who runs it."""

    clients: AzureClients
    params: Any  # the scenario's parameter model
    mode: str = "plan"
    journal: Journal = field(default_factory=Journal)
    operator: str = "unknown"
    confirmed: frozenset[str] = frozenset()
    planned: dict[str, list[Row]] = field(default_factory=dict)  # step id -> its rows, as the run goes
    confirmed_how: dict[str, str] = field(default_factory=dict)  # step id -> where it was confirmed (journal)
    progress: Progress = no_progress  # a notebook passes tqdm: a bar over a step's writes

    def will_change(self, step_id: str) -> bool:
        """An earlier step of this run plans changes it has not made (plan mode): later steps may count on them."""
        return self.mode == "plan" and any(row.changes for row in self.planned.get(step_id, []))


@dataclass
class StepReport:
    id: str
    title: str
    source: Source  # the article's section the step implements
    kind: str
    status: StepStatus
    rows: list[Row] = field(default_factory=list)
    detail: str = ""


@dataclass
class RunReport:
    runbook: str
    mode: str
    steps: list[StepReport]

    @property
    def status(self) -> RunStatus:
        """failed or blocked if a step is; else planned (plan mode), waiting (a manual step), or done."""
        return run_status([s.status for s in self.steps], planning=self.mode == "plan")

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def table(self) -> pd.DataFrame:
        """One row per step: its status, how many changes, why when it stopped, and the article's section."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "Step": s.id,
                    "Title": s.title,
                    "Kind": s.kind,
                    "Status": s.status,
                    "Changes": sum(r.changes for r in s.rows),
                    "Detail": s.detail,
                    "Source": str(s.source),
                }
                for s in self.steps
            ]
        )

    def plan_table(self) -> pd.DataFrame:
        """Every planned row: step, resource, action, before, after, reason, and the step's article section."""
        columns = ["Step", "Resource", "Action", "Before", "After", "Reason", "Source"]
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "Step": s.id,
                    "Resource": r.resource,
                    "Action": r.action,
                    "Before": _text(r.before),
                    "After": _text(r.after),
                    "Reason": r.reason,
                    "Source": str(s.source),
                }
                for s in self.steps
                for r in s.rows
            ],
            columns=columns,
        )


class Runbook:
    def __init__(self, name: str, steps: Sequence[Step]):
        ids = [s.id for s in steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: step ids repeat: {ids}")
        self.name, self.steps = name, list(steps)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise RunbookError(f"step: '{step_id}' is not a step of {self.name} ({', '.join(s.id for s in self.steps)})")

    def check_confirmations(self, confirmed: Sequence[str]) -> None:
        """Refuse a ``confirm`` entry that names no manual step of this runbook (a typo would leave the step
        waiting, or worse, confirm nothing the person meant), before anything runs."""
        manual = [s.id for s in self.steps if isinstance(s, ManualStep)]
        unknown = [c for c in confirmed if c not in manual]
        if unknown:
            known = f"its manual steps are {', '.join(manual)}" if manual else "it has no manual steps"
            raise InputError(
                f"confirm: {', '.join(repr(c) for c in unknown)} "
                f"{'is' if len(unknown) == 1 else 'are'} not a manual step of {self.name}; {known}"
            )

    def start(self, run: Run) -> Execution:
        """A run taken one step at a time (a notebook runs a step per cell)."""
        return Execution(self, run)

    def run(self, run: Run) -> RunReport:
        execution = self.start(run)
        for step in self.steps:
            execution.step(step.id)
        return execution.report()


class Execution:
    """A runbook being run, step by step and in order. A step may be run again (it plans against what is there
    now); a step whose predecessors have not run is refused, and after a stop the later steps do not run."""

    def __init__(self, runbook: Runbook, run: Run):
        if run.mode not in MODES:
            raise RunbookError(f"mode: '{run.mode}' is not one of {', '.join(MODES)}")
        self.runbook, self.run = runbook, run
        self.reports = {s.id: StepReport(s.id, s.title, s.source, s.kind, StepStatus.NOT_RUN) for s in runbook.steps}
        self._stopped_at: str | None = None
        # writes an earlier run was interrupted in (open intents in the journal), settled before the first step
        self.reconciled: list[Entry] = reconcile(run)

    def step(self, step_id: str, mode: str | None = None) -> StepReport:
        """Run one step in the run's mode, or in ``mode`` (a panel's Plan or Apply button on that step alone)."""
        step = self.runbook.step(step_id)
        ids = [s.id for s in self.runbook.steps]
        index = ids.index(step_id)
        report = self.reports[step_id]
        if self._stopped_at is not None and ids.index(self._stopped_at) < index:
            report.detail = f"not run: the run stopped at '{self._stopped_at}'"
            return report
        earlier = [i for i in ids[:index] if self.reports[i].status == StepStatus.NOT_RUN]
        if earlier:
            raise RunbookError(
                f"step '{step_id}' comes after '{earlier[0]}', which has not run: run the steps in "
                "order (the article demands it)"
            )
        if mode is not None and mode not in MODES:
            raise RunbookError(f"mode: '{mode}' is not one of {', '.join(MODES)}")
        run = self.run if mode in (None, self.run.mode) else replace(self.run, mode=mode)
        self.run.journal.step, self.run.journal.source = step_id, str(step.source)
        try:
            if _interruptible(step, run, report):
                self._stopped_at = step_id
            elif self._stopped_at == step_id:
                self._stopped_at = None  # run again, it went through this time
        finally:
            self.run.journal.step = self.run.journal.source = None
        return report

    def confirm(self, step_id: str, how: str) -> StepReport:
        """A person says they did manual step ``step_id`` (``how``: where they said it, for the journal); the step
        runs again and is confirmed unless its check says it cannot be true yet or Azure does not show it yet."""
        if not isinstance(self.runbook.step(step_id), ManualStep):
            raise RunbookError(f"step: '{step_id}' is not a manual step")
        self.run.confirmed = self.run.confirmed | {step_id}
        self.run.confirmed_how[step_id] = how
        return self.step(step_id)

    def verify(self, step_id: str) -> StepReport:
        """Read back what the step is to make (reads only, any time): in place, or what is still to change (a step
        applied in this run that no longer holds has failed). The result goes to the journal."""
        step, report = self.runbook.step(step_id), self.reports[step_id]
        if isinstance(step, ManualStep):
            raise RunbookError(f"step '{step_id}' is manual: nothing to read back; confirm it once it is done")
        left = step.verify(self.run)
        self.run.journal.record(
            CheckResult(
                "verify",
                step_id,
                CheckStatus.FAIL if left else CheckStatus.PASS,
                "; ".join(left) or "in place",
                step=step_id,
            )
        )
        if left:
            report.status = StepStatus.FAILED if report.status == StepStatus.DONE else StepStatus.PLANNED
        elif report.status in (StepStatus.PLANNED, StepStatus.NOT_RUN):
            report.status = StepStatus.NOTHING_TO_DO
        report.detail = "; ".join(left) or "verified: in place"
        return report

    def report(self) -> RunReport:
        return RunReport(self.runbook.name, self.run.mode, list(self.reports.values()))


def _interruptible(step: Step, run: Run, report: StepReport) -> bool:
    try:
        return _run_step(step, run, report)
    except Interrupted:
        raise
    except KeyboardInterrupt as interrupt:
        report.status, report.detail = StepStatus.FAILED, "interrupted (Ctrl-C): run again to finish"
        raise Interrupted(step.id) from interrupt


def _run_step(step: Step, run: Run, report: StepReport) -> bool:
    """Run one step into ``report``; True when the run must stop here."""
    if isinstance(step, ManualStep):
        return _manual(step, run, report)
    try:
        report.rows = rows = step.plan(run)
        run.planned[step.id] = rows
        if any(row.action == Action.BLOCKED for row in rows):
            report.status = StepStatus.BLOCKED
            report.detail = "; ".join(row.reason for row in rows if row.action == Action.BLOCKED)
            return True
        changes = [row for row in rows if row.changes]
        if run.mode == "plan":
            report.status = StepStatus.PLANNED if changes else StepStatus.NOTHING_TO_DO
            return False
        for row in run.progress(changes, total=len(changes), desc=step.id, unit="change", leave=False):
            result = write_row(run, row)  # journaled ahead: its intent, then its Change (engine.writes)
            if isinstance(result, AlreadyMade):  # another run made this very change meanwhile: nothing was written
                run.journal.record(CheckResult(ALREADY_MADE, result.id, CheckStatus.PASS, result.detail))
                continue
        left = step.verify(run)
        for problem in left:
            run.journal.record(CheckResult("verify", step.id, CheckStatus.FAIL, problem))
        report.status = StepStatus.FAILED if left else StepStatus.DONE if changes else StepStatus.NOTHING_TO_DO
        report.detail = "; ".join(left)
        return bool(left)
    except HttpResponseError as error:
        report.status, report.detail = StepStatus.FAILED, describe_arm_error(error)
    except ConcurrentChange as error:  # never overwritten: a person decides
        run.journal.record(CheckResult("concurrent change", step.id, CheckStatus.FAIL, str(error)))
        report.status, report.detail = StepStatus.BLOCKED, str(error)
    except RunbookError as error:
        report.status, report.detail = StepStatus.FAILED, str(error)
    return True


def _manual(step: ManualStep, run: Run, report: StepReport) -> bool:
    """A manual step is confirmed once someone says it is done (and its check allows it) and, where Azure shows
    the work, once Azure shows it; until then it is waiting, with the reason."""
    not_yet = step.check(run) if step.check else None
    if step.id not in run.confirmed or not_yet:
        report.status = StepStatus.WAITING
        report.detail = not_yet or f"{step.instructions} Then confirm it ('{step.id}' in confirm)."
        return run.mode == "apply"
    confirmation = _confirmation(step, run)
    said = f"confirmed at {confirmation.time[11:16]} UTC by {confirmation.by}"
    if step.observe is None:
        report.status, report.detail = StepStatus.CONFIRMED, f"{said}; not observable in Azure"
        return False
    unseen = step.observe(run)
    seen = CheckStatus.FAIL if unseen else CheckStatus.PASS
    run.journal.record(CheckResult("observe", step.id, seen, unseen or step.observes))
    if unseen:
        report.status, report.detail = StepStatus.WAITING, f"{said}, but {unseen}"
        return run.mode == "apply"
    report.status, report.detail = StepStatus.CONFIRMED, f"{said}; seen in Azure: {step.observes}"
    return False


def _confirmation(step: ManualStep, run: Run) -> Confirmation:
    """The step's confirmation, journaled the first time (who, when, how, and whether Azure can show the work)."""
    confirmation = run.journal.confirmation(step.id)
    if confirmation is None:
        confirmation = Confirmation(
            step.id,
            run.operator,
            run.confirmed_how.get(step.id, "parameter confirm"),
            f"confirmed; to be seen in Azure: {step.observes}" if step.observe else "confirmed; not observable",
        )
        run.journal.record(confirmation)
    return confirmation


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else repr(value)
