"""A scenario run in a notebook: the parameters cell's names become the run, each step cell runs one step.

Every result is a plain output (a coloured table), so an executed notebook and its HTML read the same without a
widget runtime. The summary cell raises RunIncomplete when the run is not done (or, in plan mode, planned), so a
headless run (papermill) never reports success with a step left unrun. In a kernel, ``start`` also shows the run's
panel (ui.panel): the same steps behind Plan / Apply / Verify buttons.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..azure import Target, get_clients
from ..dns.checks import Inspection
from ..engine import Run, load_parameters
from ..engine.runbook import Execution, StepReport
from ..engine.status import STOPPED, RunStatus, StepStatus
from ..errors import RunbookError, RunIncomplete
from ..evidence.interactive import Action, StepAction, Via, applied
from ..evidence.scope import run_scope
from ..evidence.snapshots import observed_ids, snapshot
from ..evidence.status import steps_status
from ..journal import Journal, utc_now
from ..ops import endpoints
from ..progress import in_kernel, watched_progress
from ..scenarios import get_scenario
from ..scenarios.steps import Validate, validated_endpoints
from .step_table import step_frame, step_view
from .tables import note, show, styled
from .topology import draw_topology

if TYPE_CHECKING:
    from ..evidence.superseded import Supersession
    from .panel import RunPanel

RUN_OPTIONS = {
    "target": "sandbox",
    "subscription": "",
    "cloud": "public",
    "credential": "default",
    "state": "",
    "mode": "plan",
    "operator": "owner",
    "journal": "",
    "runs": "runs",
}
DEMO_ESTATE = "contoso"  # the sandbox estate a notebook starts from when its estate file is new


class Session:
    """One scenario's run: ``values`` are the parameters and run options it was started with. It keeps, for its
    evidence, when it started and every action on a step (a cell's run, a panel button's press)."""

    def __init__(self, scenario: str, execution: Execution, target: Target, values: dict[str, Any]):
        self.scenario, self.execution, self.target, self.values = scenario, execution, target, values
        self.panel: RunPanel | None = None
        self.before: dict[str, Any] | None = None  # the snapshot evidence starts from (taken with the panel)
        self.started = datetime.now(UTC)
        self.actions: list[StepAction] = []
        self.summarised: str | None = None  # when the summary cell last ran
        self.restarts: list[str] = []  # when the panel started the run again with other parameters

    def record(self, step_id: str, action: Action, via: Via, report: StepReport) -> None:
        """Note an action on a step (for the evidence): what ran it, and the step's status after it."""
        self.actions.append(StepAction(step_id, action, via, self.execution.run.operator, report.status))

    @property
    def needs_confirmation(self) -> bool:
        """Changes to real Azure are confirmed by a person before a button applies them; the sandbox's are not."""
        return self.target.kind != "sandbox"

    def describe_target(self) -> str:
        if self.target.kind == "sandbox":
            return f"the sandbox ({self.target.state or 'default estate'}) as {self.execution.run.operator}"
        return f"Azure ({self.target.cloud}) subscription {self.target.subscription_id}"

    # the notebook's cells call step, topology and summary: they show their results and return nothing (a value
    # would be shown a second time, as its repr)
    def step(self, step_id: str) -> None:
        """Run the step (plan; in apply mode, apply and verify) and show what it found and did. A step the
        parameters split into batches ('replicate' -> replicate-batch-1, -2, ...) runs batch after batch."""
        ids = [s.id for s in self.execution.runbook.steps if s.id.startswith(f"{step_id}-batch-")] or [step_id]
        for one in ids:
            report = self.execution.step(one)
            # the Execution refuses any mode but plan and apply
            self.record(one, "apply" if self.execution.run.mode == "apply" else "plan", "cell", report)
            show(step_view(report))
            self.show_checks(one)
        self._changed()

    def show_checks(self, step_id: str) -> None:
        """After a validation step: its checks (what passed, what failed, the fix), not only a count."""
        step = self.execution.runbook.step(step_id)
        if isinstance(step, Validate) and self.execution.reports[step_id].status != StepStatus.NOT_RUN:
            inspection = step.inspect(self.execution.run)
            if inspection is not None:
                show(styled(inspection.results))

    def topology(self) -> None:
        """Draw the endpoints, their NICs' IPs, the zones and their links (red where a check fails), from the
        validation steps' checks; says so when no endpoint exists yet (a plan on a new estate)."""
        from IPython.display import SVG

        inspection = self.inspect()
        show(
            SVG(draw_topology(inspection))
            if inspection
            else note("Nothing to draw yet: the run's endpoints do not exist.")
        )

    def inspect(self) -> Inspection | None:
        """The checks of every validation step's endpoints that exist, in one pass."""
        run, steps = self.execution.run, self.execution.runbook.steps
        ids = [e for e in validated_endpoints(steps, run) if endpoints.get_endpoint(run.clients, e) is not None]
        validate = next((s for s in steps if isinstance(s, Validate)), None)
        return validate.inspect(run, ids) if validate and ids else None

    def summary(self) -> None:
        """Show every step's status; raise RunIncomplete unless the run went through."""
        report = self.execution.report()
        self.summarised = utc_now()
        show(styled(report.table()))
        if report.status not in (RunStatus.DONE, RunStatus.PLANNED):
            stopped = [s for s in report.steps if s.status in STOPPED]
            where = "; ".join(f"{s.id}: {s.status}: {s.detail}" for s in stopped)
            raise RunIncomplete(report.runbook, report.status, where)

    def observe(self) -> list[str]:
        """The resources the run is about now (evidence snapshots)."""
        params = self.execution.run.params
        return observed_ids(
            self.execution.run.clients,
            params.model_dump(),
            *run_scope(self.execution.run.clients, self.scenario, params),
        )

    def save_evidence(self, runs: str | Path | None = None) -> Path:
        """Archive the run as evidence (evidence.archive): the notebook as last saved to disk (a step cell whose
        output a button superseded marked so, with the step as it stands), the journal, the snapshots taken when
        the session started and now; mode 'interactive', the session's start, every action on each step, and the
        status the steps have now. The notebook is the one this kernel runs for (JupyterLab names it in
        $JPY_SESSION_NAME); save it first."""
        import nbformat  # nbformat and nbconvert (evidence.archive): seconds to import

        from ..evidence.archive import RunRecord, archive_run
        from ..evidence.interactive import MODE, steps_record
        from ..evidence.superseded import mark_superseded

        notebook = Path(os.environ.get("JPY_SESSION_NAME", ""))
        if not notebook.name.endswith(".ipynb") or not notebook.is_file():
            raise RunbookError(
                "save: this kernel does not know its notebook file ($JPY_SESSION_NAME); open the "
                "notebook in JupyterLab, or run it headless (`runbook run`), which archives every run"
            )
        run, reports = self.execution.run, list(self.execution.reports.values())
        record = RunRecord(
            self.scenario,
            MODE,
            self.target.kind,
            self.target.cloud,
            {k: v for k, v in self.values.items() if k in type(run.params).model_fields},
            notebook,
            Path(runs or self.values.get("runs") or "runs"),
            started=self.started,
        )
        record.folder.mkdir(parents=True)
        saved = nbformat.read(notebook, as_version=4)
        mark_superseded(saved, superseded_notes(self))
        nbformat.write(saved, record.folder / notebook.name)
        entries = run.journal.entries
        Journal.write_all(record.folder / "journal.jsonl", entries)
        fields = {"steps": steps_record(reports, self.actions, entries), "restarts": self.restarts}
        archive_run(
            record,
            record.folder / notebook.name,
            run.clients,
            self.before or {},
            self.observe,
            status=steps_status(reports, applied(self.actions, entries)),
            fields=fields,
        )
        return record.folder

    def restart(self, values: Mapping[str, Any]) -> None:
        """Start the run again with these parameters (every step back to 'not run'); nothing changes when they
        are refused (an InputError names each bad field)."""
        again = start(self.scenario, {**self.values, **values}, panel=False)
        again.execution.run.journal = self.execution.run.journal  # the session's evidence holds what went before
        self.execution, self.target, self.values = again.execution, again.target, again.values
        self.restarts.append(utc_now())
        self._changed()

    def _changed(self) -> None:
        if self.panel is not None:
            self.panel.refresh()


def start(scenario: str, namespace: Mapping[str, Any], *, panel: bool | None = None) -> Session:
    """The session for ``scenario`` from a notebook's globals: its parameter model's names, and the run options
    (RUN_OPTIONS: target, mode, operator, ...). ``panel``: show the run's panel (default: when in a kernel)."""
    registered = get_scenario(scenario)
    model, build = registered.parameters, registered.build
    options = {name: namespace.get(name, default) for name, default in RUN_OPTIONS.items()}
    values = {**options, **{name: namespace[name] for name in model.model_fields if name in namespace}}
    # a notebook spells "not given" as "" (papermill parameters are literals): the model's default then applies
    given = {name: value for name, value in values.items() if name in model.model_fields and value not in (None, "")}
    params = load_parameters(model, given)
    runbook = build(params)
    runbook.check_confirmations(params.confirm)  # a confirm naming no manual step is refused before anything runs
    target = notebook_target(options)
    run = Run(
        get_clients(target),
        params,
        options["mode"],
        Journal(options["journal"] or None),
        options["operator"],
        frozenset(params.confirm),
        progress=watched_progress(),
    )
    session = Session(scenario, runbook.start(run), target, values)
    if panel if panel is not None else in_kernel():
        from .panel import RunPanel

        session.before = snapshot(session.execution.run.clients, session.observe())
        RunPanel(session).show()
    return session


def notebook_target(options: Mapping[str, Any]) -> Target:
    """The target the run options name; on the sandbox the operator is the caller, and a new estate file starts
    as the demo estate."""
    sandbox = options["target"] == "sandbox"
    return Target(
        options["target"],
        options["subscription"] or None,
        options["cloud"],
        options["credential"],
        options["state"] or None,
        principal=options["operator"] if sandbox else "sandbox",
        demo=DEMO_ESTATE if sandbox else None,
    )


def superseded_notes(session: Session) -> dict[str, Supersession]:
    """The step cells (and the summary cell) whose output a panel button superseded: the step's last action was a
    button's; the summary, when a button ran after it."""
    from ..evidence.interactive import last_actions
    from ..evidence.superseded import SUMMARY, Supersession

    notes: dict[str, Supersession] = {}
    execution = session.execution
    for step in execution.runbook.steps:
        cell = step.id.split("-batch-")[0]
        last, cell_ran = last_actions(session.actions, cell)
        if last is not None and last.via == "button" and cell not in notes:
            view = step_frame(execution.reports[last.step])
            notes[cell] = Supersession(
                last.describe(), last.time, last.status, styled(view).to_html(), styled(view).to_string(), cell_ran
            )
    buttons = [a for a in session.actions if a.via == "button"]
    if buttons and (session.summarised is None or buttons[-1].time >= session.summarised):
        report = execution.report()
        status = steps_status(report.steps, applied(session.actions, execution.run.journal.entries))[0]
        notes[SUMMARY] = Supersession(
            buttons[-1].describe(),
            buttons[-1].time,
            status,
            styled(report.table()).to_html(),
            styled(report.table()).to_string(),
            session.summarised is not None,
        )
    return notes
