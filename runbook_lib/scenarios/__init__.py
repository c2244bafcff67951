"""The seeds' scenarios as runbooks: ordered steps named after the seed documents' sections."""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Runbook, ScenarioParameters
from . import backup

# name -> (its parameter model, a function building its runbook from the parameters)
SCENARIOS: dict[str, tuple[type[ScenarioParameters], Callable[[ScenarioParameters], Runbook]]] = {
    "backup": (backup.BackupParameters, backup.runbook),
}
