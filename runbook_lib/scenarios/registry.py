"""The scenarios, one registered object each: the single source every face reads (the command line's choices,
``runbook scenarios``, ``dns zones``, headless runs, the panel, the notebooks, the evidence scope).

The built-in scenarios register when ``runbook_lib.scenarios`` is imported. A team adds its own by naming their
modules in the environment variable RUNBOOK_SCENARIOS (comma-separated importable module names, each calling
``register``); a papermill kernel inherits it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..dns.zones import ZoneNeed
from ..engine.source import Article, Source
from ..errors import InputError
from .steps import VaultEndpointParameters, validated_endpoints

if TYPE_CHECKING:
    from ..engine import Run, Runbook, ScenarioParameters

ENVIRONMENT = "RUNBOOK_SCENARIOS"


@dataclass(frozen=True)
class NotebookCell:
    """A cell pair a scenario's notebook has after its steps: a heading with a sentence, then the code."""

    heading: str
    text: str
    code: str


# After every scenario's steps: the picture and the summary (the summary fails a headless run with work left).
TOPOLOGY = NotebookCell(
    "The topology",
    "The VNets with the endpoints and their NICs' IPs, the private DNS zones and their links, drawn "
    "from the checks of the validation step: red where a check fails, a red dashed line where a link is missing.",
    "session.topology()",
)
SUMMARY = NotebookCell(
    "Summary",
    "Every step's status. The cell fails when a step is blocked, failed or waiting, so a headless run "
    "never reports success with work left.",
    "session.summary()",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    article: Article
    summary: str  # what it sets up
    risks: tuple[str, ...]  # what a careful consultant should know before applying, from the article
    parameters: type[ScenarioParameters]
    build: Callable[[Any], Runbook]  # its steps, in order
    zones: tuple[ZoneNeed, ...]  # every zone its article lists, those of resources Azure creates later included
    scope: Callable[[Any, Run], list[str]]  # the resource ids a run is about (the evidence's snapshots)
    cells: tuple[NotebookCell, ...] = (TOPOLOGY, SUMMARY)  # its notebook's cells after the steps

    @property
    def source(self) -> Source:
        return self.article.whole

    def runbook(self, params: Any) -> Runbook:
        return self.build(params)


_REGISTRY: dict[str, Scenario] = {}
_loaded: set[str] = set()


def register(scenario: Scenario) -> Scenario:
    """Add ``scenario`` (registering the same name again replaces it: a module imported twice)."""
    _REGISTRY[scenario.name] = scenario
    return scenario


def _load_environment() -> None:
    """Import the modules RUNBOOK_SCENARIOS names (once each); a name that does not import is an InputError."""
    for module in filter(None, (m.strip() for m in os.environ.get(ENVIRONMENT, "").split(","))):
        if module in _loaded:
            continue
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise InputError(
                f"{ENVIRONMENT}: cannot import '{module}' ({error}); name importable modules, separated by commas"
            ) from error
        _loaded.add(module)


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, in registration order."""
    _load_environment()
    return list(_REGISTRY.values())


def scenario_names() -> list[str]:
    return [s.name for s in all_scenarios()]


def get_scenario(name: str, field: str = "scenario") -> Scenario:
    """The scenario called ``name``; an InputError naming ``field`` (where the name was given) lists them."""
    _load_environment()
    if name not in _REGISTRY:
        raise InputError(f"{field}: unknown scenario '{name}'; use one of {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def find_scenario(name: str) -> Scenario | None:
    """The scenario called ``name``, or None (a notebook that is no scenario: the DNS tools)."""
    _load_environment()
    return _REGISTRY.get(name)


def endpoints_and_zones(build: Callable[[Any], Runbook]) -> Callable[[Any, Run], list[str]]:
    """A scope: the endpoints the runbook's validation steps check (made or not yet) and the zones they need."""

    def scope(params: Any, run: Run) -> list[str]:
        # a vault's zones depend on its region; a Migrate project's on the project's own
        names = (
            params.zone_names(params.location) if isinstance(params, VaultEndpointParameters) else params.zone_names()
        )
        return [*validated_endpoints(build(params).steps, run), *(params.zone_id(z) for z in names)]

    return scope
