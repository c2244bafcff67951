"""A scenario's notebook run headless through papermill, into its own run folder.

The parameters are checked against the scenario's model before a kernel starts (unknown names, wrong types and
secret-looking values refused). The executed notebook's last cell raises RunIncomplete when a step was blocked,
failed or left waiting, so the outcome is read from papermill's own error, never guessed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..engine import load_parameters
from ..errors import InputError
from ..scenarios import SCENARIOS

EXIT_CODES = {"done": 0, "planned": 0, "failed": 1, "error": 1, "blocked": 3, "waiting": 3}


@dataclass(frozen=True)
class HeadlessRun:
    scenario: str
    folder: Path
    notebook: Path  # the executed notebook
    status: str  # done | planned | failed | blocked | waiting | error (a cell raised something else)
    message: str

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def notebooks_dir() -> Path:
    """The project's notebooks/ (beside the package)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def run_folder(runs: Path, scenario: str, target: str, now: datetime | None = None) -> Path:
    """runs/{scenario}/{YYYY-MM-DD}/{HHMMSS}Z-{target}-{run id}/ (UTC)."""
    now = now or datetime.now(timezone.utc)
    return runs / scenario / f"{now:%Y-%m-%d}" / f"{now:%H%M%S}Z-{target}-{secrets.token_hex(4)}"


def run_notebook(scenario: str, parameters: dict[str, Any], *, target: str = "sandbox", mode: str = "plan",
                 options: dict[str, Any] | None = None, runs: Path = Path("runs"),
                 notebooks: Path | None = None) -> HeadlessRun:
    """Check the parameters, then execute notebooks/{scenario}.ipynb with them into a new run folder."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if scenario not in SCENARIOS:
        raise InputError(f"SCENARIO: unknown scenario '{scenario}'; use one of {', '.join(SCENARIOS)}")
    load_parameters(SCENARIOS[scenario][0], parameters)  # refuses before any kernel starts
    source = (notebooks or notebooks_dir()) / f"{scenario}.ipynb"
    if not source.exists():
        raise InputError(f"--notebooks: no {source.name} in {source.parent}")
    folder = run_folder(Path(runs), scenario, target)
    folder.mkdir(parents=True)
    executed = folder / source.name
    injected = {**parameters, **(options or {}), "target": target, "mode": mode,
                "journal": str((folder / "journal.jsonl").resolve())}
    try:
        papermill.execute_notebook(str(source), str(executed), parameters=_literals(injected), kernel_name="python3",
                                   progress_bar=False, cwd=str(Path.cwd()))
    except PapermillExecutionError as error:
        status = error.evalue.split(" is ", 1)[1].split(":", 1)[0] if error.ename == "RunIncomplete" else "error"
        return HeadlessRun(scenario, folder, executed, status, f"{error.ename}: {error.evalue}")
    return HeadlessRun(scenario, folder, executed, "done" if mode == "apply" else "planned", "")


def _literals(values: dict[str, Any]) -> dict[str, Any]:
    """Values papermill can write as literals (tuples as lists, None as '')."""
    return {k: list(v) if isinstance(v, tuple) else "" if v is None else v for k, v in values.items()}
