"""A scenario run in a notebook: the parameters cell's names become the run, each step cell runs one step.

Every result is a plain output (a coloured table), so an executed notebook and its HTML read the same without a
widget runtime. The summary cell raises RunIncomplete when the run is not done (or, in plan mode, planned), so a
headless run (papermill) never reports success with a step left unrun.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..azure import Target, get_clients
from ..engine import Run, RunReport, load_parameters
from ..engine.runbook import Execution, StepReport
from ..errors import RunbookError
from ..journal import Journal
from ..scenarios import SCENARIOS
from .tables import show, styled

RUN_OPTIONS = {"target": "sandbox", "subscription": "", "cloud": "public", "credential": "default", "state": "",
               "mode": "plan", "operator": "owner", "journal": ""}
DEMO_SEED = "contoso"  # the sandbox estate a notebook starts from when its estate file is new


class RunIncomplete(RunbookError):
    """The run stopped before its end: blocked, failed, or waiting for a manual step."""

    def __init__(self, report: RunReport):
        self.status = report.status
        stopped = [s for s in report.steps if s.status in ("blocked", "failed", "waiting")]
        where = "; ".join(f"{s.id}: {s.status}: {s.detail}" for s in stopped)
        super().__init__(f"{report.runbook} is {report.status}: {where}")


class Session:
    def __init__(self, scenario: str, execution: Execution):
        self.scenario, self.execution = scenario, execution

    def step(self, step_id: str) -> StepReport:
        """Run the step (plan; in apply mode, apply and verify) and show what it found and did."""
        report = self.execution.step(step_id)
        show(_step_view(report))
        return report

    def summary(self) -> RunReport:
        """Show every step's status; raise RunIncomplete unless the run went through."""
        report = self.execution.report()
        show(styled(report.table()))
        if report.status not in ("done", "planned"):
            raise RunIncomplete(report)
        return report


def start(scenario: str, namespace: Mapping[str, Any]) -> Session:
    """The session for ``scenario`` from a notebook's globals: its parameter model's names, and the run options
    (RUN_OPTIONS: target, mode, operator, ...)."""
    if scenario not in SCENARIOS:
        raise RunbookError(f"scenario: '{scenario}' is not one of {', '.join(SCENARIOS)}")
    model, build = SCENARIOS[scenario]
    options = {name: namespace.get(name, default) for name, default in RUN_OPTIONS.items()}
    # a notebook spells "not given" as "" (papermill parameters are literals): the model's default then applies
    given = {name: namespace[name] for name in model.model_fields if namespace.get(name) not in (None, "")}
    params = load_parameters(model, given)
    sandbox = options["target"] == "sandbox"
    target = Target(options["target"], options["subscription"] or None, options["cloud"], options["credential"],
                    options["state"] or None, principal=options["operator"] if sandbox else "sandbox",
                    seed=DEMO_SEED if sandbox else None)
    run = Run(get_clients(target), params, options["mode"], Journal(options["journal"] or None), options["operator"],
              frozenset(params.confirm))
    return Session(scenario, build(params).start(run))


def _step_view(report: StepReport):
    rows = pd.DataFrame([{"Step": report.id, "Status": report.status, "Resource": r.resource, "Action": r.action,
                          "After": "" if r.after is None else str(r.after), "Reason": r.reason} for r in report.rows]
                        or [{"Step": report.id, "Status": report.status, "Resource": "", "Action": "", "After": "",
                             "Reason": report.detail}])
    return styled(rows)
