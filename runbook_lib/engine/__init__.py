"""The runbook engine: ordered steps, each checked, planned, applied and verified, with guards and a journal."""

from .parameters import ScenarioParameters, load_parameters
from .runbook import Run, RunReport, Runbook
from .step import ManualStep, Row, Step, blocked, create, unchanged, update

__all__ = ["ManualStep", "Row", "Run", "RunReport", "Runbook", "ScenarioParameters", "Step", "blocked", "create",
           "load_parameters", "unchanged", "update"]
