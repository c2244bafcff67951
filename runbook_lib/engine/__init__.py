"""The runbook engine: ordered steps, each checked, planned, applied and verified, with guards and a journal."""

from .parameters import ScenarioParameters, load_parameters
from .runbook import Run, Runbook, RunReport
from .status import RunStatus, StepStatus
from .step import Action, ManualStep, Row, Step, blocked, create, delete, unchanged, update

__all__ = [
    "Action",
    "ManualStep",
    "Row",
    "Run",
    "RunReport",
    "RunStatus",
    "Runbook",
    "ScenarioParameters",
    "Step",
    "StepStatus",
    "blocked",
    "create",
    "delete",
    "load_parameters",
    "unchanged",
    "update",
]
