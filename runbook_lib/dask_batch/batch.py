"""The batch's side of a Dask run: every parameter file checked here, the good ones sent, the run folders that come
back landed under --output, verified and indexed; the same table as a local batch."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..azure import Target, get_clients
from ..engine.parameters import read_parameters
from ..errors import EvidenceError, InputError
from ..evidence.manifest import INDEX, check_folder, describe_problems
from ..headless import carry_open_intents, check_parameters, scenario_of_file
from ..ui.session import DEMO_ESTATE
from .worker import Outcome, Task, discard, one_line, run_task

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client


def run_cluster_batch(
    files: list[Path],
    client: Client,
    *,
    target: str = "sandbox",
    mode: str = "plan",
    options: dict[str, Any] | None = None,
    runs: Path = Path("runs"),
    shared: bool = False,
) -> pd.DataFrame:
    """Run every parameter file's scenario on ``client``'s cluster, going on past failures; the same table as
    headless.run_batch (File, Scenario, Status, Exit, Notebook, Message), in the files' order."""
    import pandas as pd
    from distributed import as_completed
    from tqdm.auto import tqdm

    options = dict(options or {})
    output = Path(runs)
    if target == "sandbox":
        if not options.get("state"):  # the CLI gives the default's (sandbox.state_path): a worker has its own cwd
            raise InputError("--state: the sandbox target on a cluster needs the estate file's path")
        state = Path(options["state"]).resolve()
        options["state"] = str(state)  # workers start elsewhere: the same file, by its absolute path
        get_clients(Target(state=str(state), demo=DEMO_ESTATE))  # a new estate is built once, here
    else:  # no subscription: one line here, not one per run on the workers
        get_clients(Target("azure", options.get("subscription") or None))
    rows: dict[int, dict[str, Any]] = {}
    futures = {}
    for number, path in enumerate(map(Path, files)):
        row = _row(path)
        try:
            task = make_task(path, target, mode, options, output, shared)
        except (InputError, OSError) as error:
            rows[number] = {**row, "Message": one_line(error)}
            continue
        except Exception as error:  # as a local batch: that file fails, the others go on
            rows[number] = {**row, "Exit": 1, "Message": one_line(error, named=True)}
            continue
        # a key of its own: the scheduler hands a second submission of a known key the first one's result
        key = f"runbook-{path.name}-{secrets.token_hex(8)}"
        futures[client.submit(run_task, task, pure=False, key=key)] = (number, row)
    for future in tqdm(as_completed(futures, loop=client.loop), total=len(futures), desc="runs", unit="run"):
        number, row = futures[future]
        try:
            outcome = future.result()
            rows[number] = {**row, **_row_of(outcome, output, shared)}
            if outcome.kept:  # landed: the worker's copy can go
                _discard(client, outcome)
        except (InputError, OSError) as error:
            rows[number] = {**row, "Message": one_line(error)}
        except Exception as error:  # a worker lost, an archive refused: that run failed, the batch goes on
            rows[number] = {**row, "Exit": 1, "Message": one_line(error, named=True)}
    return pd.DataFrame([rows[n] for n in sorted(rows)])


def make_task(path: Path, target: str, mode: str, options: dict[str, Any], runs: Path, shared: bool) -> Task:
    """The run for parameter file ``path``, checked as `runbook run` checks it before a kernel starts (its name,
    its parameters against the notebook's model, its confirmations): an InputError in one line otherwise. Unless
    ``runs`` is shared, the task carries the writes runs there were interrupted in, as a local run would."""
    scenario = scenario_of_file(path)
    parameters = read_parameters(path)
    check_parameters(scenario, parameters, source=str(path))
    if shared:  # the worker's run reads the earlier runs' journals there itself
        return Task(scenario, parameters, str(path), target, mode, options, str(runs.resolve()))
    return Task(scenario, parameters, str(path), target, mode, options, None, _open_intents(runs, scenario, target))


def _open_intents(runs: Path, scenario: str, target: str) -> str:
    """The journal lines of writes runs in ``runs`` were interrupted in (what a local run would reconcile)."""
    with tempfile.TemporaryDirectory(prefix="runbook-carry-") as scratch:
        journal = Path(scratch) / "journal.jsonl"
        carry_open_intents(runs, scenario, target, journal)
        return journal.read_text(encoding="utf-8") if journal.exists() else ""


def land(outcome: Outcome, runs: Path) -> Path:
    """Write a worker's run folder under ``runs``, check it against its manifest, then index it; the folder."""
    folder = runs / outcome.folder
    if folder.exists():
        raise EvidenceError(f"{folder}: already exists; worker {outcome.worker} keeps the run at {outcome.kept}")
    if not outcome.index_line:
        raise EvidenceError(
            f"{folder}: no index line came with it; worker {outcome.worker} keeps the run at {outcome.kept}"
        )
    for name, content in outcome.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    problems = check_folder(folder)
    if problems:
        raise EvidenceError(
            f"{folder}: {describe_problems(problems)}; worker {outcome.worker} keeps the run at {outcome.kept}"
        )
    with (runs / INDEX).open("a", encoding="utf-8") as index:
        index.write(outcome.index_line + "\n")
    return folder


def _discard(client: Client, outcome: Outcome) -> None:
    """Remove the landed run's copy on its worker, outside the task queue (a worker gone since keeps it)."""
    with contextlib.suppress(Exception):
        client.run(discard, outcome.kept, workers=[outcome.worker], on_error="ignore")


def _row_of(outcome: Outcome, runs: Path, shared: bool) -> dict[str, Any]:
    found = {"Status": outcome.status, "Exit": outcome.exit_code, "Message": outcome.message}
    if not outcome.folder:
        return found
    folder = runs / outcome.folder if shared else land(outcome, runs)
    return {**found, "Notebook": str(folder / outcome.notebook)}


def _row(path: Path) -> dict[str, Any]:
    scenario = path.name.split(".")[0]
    return {"File": str(path), "Scenario": scenario, "Status": "error", "Exit": 2, "Notebook": "", "Message": ""}
