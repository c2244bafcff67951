"""The scenarios as runbooks, each following a Microsoft Learn article, its steps citing the article's sections.

Importing this package registers the built-in scenarios (``registry``), in the order every face lists them.
"""

from __future__ import annotations

from . import (
    backup,
    backup_move,
    endpoint_add,
    endpoint_remove,
    migrate_agent_based,
    migrate_hyperv,
    migrate_project,
    site_recovery,
)
from .registry import Scenario, all_scenarios, find_scenario, get_scenario, register, scenario_names

for _module in (
    backup,
    site_recovery,
    migrate_project,
    migrate_agent_based,
    migrate_hyperv,
    endpoint_add,
    endpoint_remove,
    backup_move,
):
    register(_module.SCENARIO)

__all__ = ["Scenario", "all_scenarios", "find_scenario", "get_scenario", "register", "scenario_names"]
