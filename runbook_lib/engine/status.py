"""How a step stands and how a run ended, as step tables, the CLI and the evidence show them."""

from __future__ import annotations

from enum import StrEnum


class StepStatus(StrEnum):
    PLANNED = "planned"  # plan mode: changes to make
    NOTHING_TO_DO = "nothing to do"  # what the step makes is already there
    DONE = "done"  # applied and verified
    CONFIRMED = "confirmed"  # a manual step someone said they did (and Azure shows, where it can)
    WAITING = "waiting"  # a manual step not confirmed yet, or not seen in Azure yet
    BLOCKED = "blocked"  # a guard stopped the run here
    FAILED = "failed"
    NOT_RUN = "not run"


class RunStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    WAITING = "waiting"
    BLOCKED = "blocked"
    FAILED = "failed"


STOPPED = (StepStatus.FAILED, StepStatus.BLOCKED, StepStatus.WAITING)  # a step the run stopped (or waits) at
EXIT_CODES = {RunStatus.DONE: 0, RunStatus.PLANNED: 0, RunStatus.FAILED: 1, RunStatus.BLOCKED: 3, RunStatus.WAITING: 3}


def run_status(steps: list[StepStatus | str], planning: bool) -> RunStatus:
    """failed or blocked if a step is; else planned (plan mode), waiting (a manual step), or done."""
    seen = set(steps)
    for status in (StepStatus.FAILED, StepStatus.BLOCKED):  # worst first: the first a step has is the run's
        if status in seen:
            return RunStatus(status)
    if planning:
        return RunStatus.PLANNED
    return RunStatus.WAITING if StepStatus.WAITING in seen else RunStatus.DONE
