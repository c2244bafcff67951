"""A run on a Dask worker: what is sent (Task), the run as `runbook run` runs it, and what comes back (Outcome)."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..evidence.manifest import INDEX, MANIFEST, folder_files
from ..headless import HeadlessRun, run_notebook

CARRIED = "0000-00-00/000000Z-{target}-carried"  # where a worker's temporary runs folder holds carried intents
SPOOL_PREFIX = "runbook-runs-"  # a worker's temporary runs folder, in its temp dir


@dataclass(frozen=True)
class Task:
    """One run as sent to a worker: what `runbook run` would be given."""

    scenario: str
    parameters: dict[str, Any]
    source: str  # the parameter file, named in errors
    target: str
    mode: str
    options: dict[str, Any]
    shared_runs: str | None  # the runs folder every worker shares; None: a temporary one, sent back
    carried: str = ""  # journal lines of writes earlier runs were interrupted in (headless.carry_open_intents)


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the run's status, its folder (relative to the runs folder) and, unless the runs
    folder is shared, the folder's files and the run's index line."""

    status: str
    exit_code: int
    message: str
    folder: str = ""
    notebook: str = ""  # the executed notebook's name, in the folder
    worker: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    index_line: str = ""
    kept: str = ""  # where the worker keeps the folder until it is landed: what is left if the batch goes away


def discard(kept: str) -> None:
    """On the worker that ran it: remove a landed run's temporary runs folder (the one holding ``kept``)."""
    runs = Path(kept)
    while runs.parent != runs and not runs.name.startswith(SPOOL_PREFIX):
        runs = runs.parent
    if runs.name.startswith(SPOOL_PREFIX):
        shutil.rmtree(runs, ignore_errors=True)


def run_task(task: Task) -> Outcome:
    """On a worker: the run, as `runbook run` runs it; its folder's files sent back unless the runs folder is
    shared. An error before the run is its one line (exit 2), as in a local batch."""
    worker = _worker_name()
    try:
        state = Path(task.options.get("state") or "")
        if task.target == "sandbox" and not state.is_file():
            raise InputError(
                f"--state: no sandbox estate at {state} on worker {worker}; workers on other machines run "
                "--target azure (or share that path)"
            )
        if task.shared_runs:
            done = run_notebook(**_arguments(task, Path(task.shared_runs)))
            return _outcome(done, Path(task.shared_runs), worker)
        return _run_and_send(task, worker)
    except (InputError, OSError) as error:
        return Outcome("error", 2, one_line(error), worker=worker)
    except Exception as error:
        return Outcome("error", 1, one_line(error, named=True), worker=worker)


def _run_and_send(task: Task, worker: str) -> Outcome:
    """The run in a temporary runs folder of its own, kept until the batch has landed it (discard); the outcome
    with the run folder's files and its index line."""
    runs = Path(tempfile.mkdtemp(prefix=SPOOL_PREFIX))
    carried = runs / task.scenario / CARRIED.format(target=task.target)
    if task.carried:  # where headless.carry_open_intents finds them, as in a local runs folder
        carried.mkdir(parents=True)
        (carried / "journal.jsonl").write_text(task.carried, encoding="utf-8")
    try:
        done = run_notebook(**_arguments(task, runs))
    except BaseException:
        if all(folder == carried for folder in runs.glob(f"{task.scenario}/*/*")):  # no run folder to keep
            shutil.rmtree(runs, ignore_errors=True)
        raise
    outcome = _outcome(done, runs, worker)
    files = {name: path.read_bytes() for name, path in folder_files(done.folder).items()}
    files[MANIFEST] = (done.folder / MANIFEST).read_bytes()
    indexed = (runs / INDEX).read_text(encoding="utf-8").splitlines()  # this run's line alone
    line = next((ln for ln in indexed if json.loads(ln).get("folder") == outcome.folder), "")
    return replace(outcome, files=files, index_line=line, kept=str(done.folder))


def _worker_name() -> str:
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:  # run outside a worker (a test calling it directly)
        return socket.gethostname()


def _arguments(task: Task, runs: Path) -> dict[str, Any]:
    return {
        "scenario": task.scenario,
        "parameters": task.parameters,
        "target": task.target,
        "mode": task.mode,
        "options": task.options,
        "runs": runs,
        "source": task.source,
    }


def _outcome(done: HeadlessRun, runs: Path, worker: str) -> Outcome:
    return Outcome(
        str(done.status),
        done.exit_code,
        done.message,
        done.folder.relative_to(runs).as_posix(),
        done.notebook.name,
        worker,
    )


def one_line(error: BaseException, named: bool = False) -> str:
    """An error as a table's message: one line, its class named when it is not the toolkit's own."""
    text = f"{type(error).__name__}: {error}" if named else str(error)
    return text.replace("\n", "; ")
