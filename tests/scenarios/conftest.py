"""What the scenario tests share: the owner's clients, and running a scenario's runbook as a consultant would."""

from __future__ import annotations

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.engine import Run
from runbook_lib.journal import Journal
from runbook_lib.scenarios import all_scenarios


@pytest.fixture
def owner(contoso):
    """The contoso owner's clients (Owner of both subscriptions); retries without long waits."""
    return get_clients(Target(state=str(contoso.path), principal="owner"), retry_backoff_factor=0.01)


def run(clients, p, mode: str = "apply", principal: str = "owner", journal: Journal | None = None):
    """(report, journal) of the runbook whose parameters ``p`` are, run as ``principal``."""
    build = next(s.build for s in all_scenarios() if type(p) is s.parameters)
    journal = journal if journal is not None else Journal()
    return build(p).run(Run(clients, p, mode, journal, principal, frozenset(p.confirm))), journal


def statuses(report) -> dict[str, str]:
    return {s.id: s.status for s in report.steps}


def detail(report, step: str) -> str:
    return next(s.detail for s in report.steps if s.id == step)


def changed(journal: Journal) -> list[str]:
    """The steps of the journal's changes, in order."""
    return [c.step for c in journal.changes]
