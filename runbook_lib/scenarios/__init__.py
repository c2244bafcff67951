"""The seeds' scenarios as runbooks: ordered steps named after the seed documents' sections."""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Runbook, ScenarioParameters
from . import backup, migrate_agent_based, migrate_hyperv, migrate_project, site_recovery

# name -> (its parameter model, a function building its runbook from the parameters)
SCENARIOS: dict[str, tuple[type[ScenarioParameters], Callable[..., Runbook]]] = {
    "backup": (backup.BackupParameters, backup.runbook),
    "site_recovery": (site_recovery.SiteRecoveryParameters, site_recovery.runbook),
    "migrate_project": (migrate_project.MigrateProjectParameters, migrate_project.runbook),
    "migrate_agent_based": (migrate_agent_based.AgentBasedParameters, migrate_agent_based.runbook),
    "migrate_hyperv": (migrate_hyperv.HyperVParameters, migrate_hyperv.runbook),
}
