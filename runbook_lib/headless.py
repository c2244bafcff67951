"""A notebook run headless through papermill, into its own run folder, archived as evidence (evidence.archive).

The parameters are checked against the notebook's model before a kernel starts (unknown names, wrong types and
secret-looking values refused). The run's status is derived from the executed cells and the journal
(evidence.status): ok, failed, timed-out, blocked or incomplete.
"""

from __future__ import annotations

import ast
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from .azure import Target, get_clients
from .engine import ScenarioParameters, load_parameters
from .engine.parameters import read_parameters
from .errors import InputError, Interrupted
from .evidence.archive import RunRecord, archive_run
from .evidence.html import warm_up_renderer
from .evidence.scope import run_scope
from .evidence.snapshots import observed_ids, snapshot
from .evidence.status import EXIT_CODES, EvidenceStatus
from .journal import Journal, open_intents
from .kernels import KERNEL, KernelPool, register_engine
from .notebook_spec import notebooks_dir
from .scenarios.registry import find_scenario
from .ui.session import DEMO_ESTATE, RUN_OPTIONS, notebook_target

# seconds nbclient waits, once a cell has answered, for the outputs still on their way (its default, 4, fails a cell
# whose last output is late on a busy machine: a batch's kernels share its cores)
IOPUB_TIMEOUT = 60.0


@dataclass(frozen=True)
class HeadlessRun:
    scenario: str
    folder: Path
    notebook: Path  # the executed notebook
    status: EvidenceStatus  # from the manifest (evidence.status)
    message: str

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def notebook_names(notebooks: Path | None = None) -> list[str]:
    """Every runnable notebook in ``notebooks`` (default notebooks/): the scenarios' and the DNS notebooks
    (dns_entries, troubleshoot_private_link), as `runbook notebooks build` writes them."""
    return sorted(p.stem for p in (notebooks or notebooks_dir()).glob("*.ipynb"))


def parameter_model(name: str, notebooks: Path | None = None) -> type[BaseModel]:
    """What a parameter file for notebook ``name`` must hold: its scenario's model, a DNS notebook's, or for another
    notebook in ``notebooks`` (one of a team's own) its parameters cell's names and types (run options excluded)."""
    scenario = find_scenario(name)
    if scenario is not None:
        return scenario.parameters
    from .dns_notebooks import MODELS as DNS_MODELS  # the DNS notebooks' models load when one is asked for

    if name in DNS_MODELS:
        return DNS_MODELS[name]
    source = (notebooks or notebooks_dir()) / f"{name}.ipynb"
    if not source.exists():
        raise InputError(f"SCENARIO: no notebook '{name}'; use one of {', '.join(notebook_names(notebooks))}")
    import papermill

    cell = papermill.inspect_notebook(str(source))
    fields: dict[str, Any] = {
        n: (_CELL_TYPES[p["inferred_type_name"]], ast.literal_eval(p["default"]))
        for n, p in cell.items()
        if n not in RUN_OPTIONS
    }
    return create_model(name, __config__=ConfigDict(extra="forbid", strict=True), **fields)


# a parameters cell's annotations (papermill's inferred type names) and what a value of each must be
_CELL_TYPES = {"str": str, "bool": bool, "int": int, "float": float, "list": list}


def scenario_of_file(path: Path) -> str:
    """The notebook a batch's parameter file names (``{notebook}.anything.yaml``); an InputError for another name."""
    scenario, names = path.name.split(".")[0], notebook_names()
    if scenario not in names:
        raise InputError(
            f"{path.name}: name the file after its notebook ({', '.join(names)}), e.g. backup.customer-a.yaml"
        )
    return scenario


def check_parameters(
    scenario: str, parameters: dict[str, Any], *, source: str | None = None, notebooks: Path | None = None
) -> BaseModel:
    """The notebook's parameters checked as `runbook run` checks them, and a registered scenario's confirmations:
    an InputError naming each bad field (``source``: the file they came from) otherwise."""

    def others() -> dict[str, type[BaseModel]]:  # only asked when a name is unknown: the DNS notebooks' take 1 s
        return {name: parameter_model(name, notebooks) for name in notebook_names(notebooks) if name != scenario}

    params = load_parameters(
        parameter_model(scenario, notebooks), parameters, name=source, others=others, command="run"
    )
    # a registered scenario's model (parameter_model gives it) is a ScenarioParameters: it names the confirmations
    if (registered := find_scenario(scenario)) is not None and isinstance(params, ScenarioParameters):
        registered.build(params).check_confirmations(params.confirm)
    return params


def run_notebook(
    scenario: str,
    parameters: dict[str, Any],
    *,
    target: str = "sandbox",
    mode: str = "plan",
    options: dict[str, Any] | None = None,
    runs: Path = Path("runs"),
    notebooks: Path | None = None,
    timeout: float | None = None,
    source: str | None = None,
    kernels: KernelPool | None = None,
) -> HeadlessRun:
    """Check the parameters, snapshot what the run is about, execute notebooks/{scenario}.ipynb with them into a
    new run folder (``timeout``: seconds per cell), and archive the folder as evidence. ``source``: the file the
    parameters came from, named in errors. ``kernels``: where the run takes its (started) kernel, e.g. a batch's
    pool; else one starts once the parameters are checked, beside the snapshot."""

    params = check_parameters(scenario, parameters, source=source, notebooks=notebooks)  # before any kernel, folder
    notebook = (notebooks or notebooks_dir()) / f"{scenario}.ipynb"
    if not notebook.exists():  # a scenario registered since the notebooks were built
        again = f"runbook notebooks build --out {notebooks}" if notebooks else "runbook notebooks build"
        raise InputError(f"SCENARIO: {scenario} has no notebook in {notebook.parent}; write it with `{again}`")
    given = {**(options or {}), "target": target, "mode": mode}
    own = kernels is None
    pool = KernelPool(1, limit=1) if kernels is None else kernels
    try:
        return _run(scenario, parameters, params, notebook, given, pool, Path(runs), timeout)
    finally:
        if own:
            pool.close()


def _run(
    scenario: str,
    parameters: dict[str, Any],
    params: BaseModel,
    notebook: Path,
    given: dict[str, Any],
    kernels: KernelPool,
    runs: Path,
    timeout: float | None,
) -> HeadlessRun:
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    target, mode = given["target"], given["mode"]
    run_options = {**RUN_OPTIONS, **given}
    clients = get_clients(notebook_target(run_options))
    if target == "azure":
        clients.caller()  # sign in now: a missing credential is one line (SignInError), and no run folder
    record = RunRecord(scenario, mode, target, run_options["cloud"], dict(parameters), notebook, runs)
    record.folder.mkdir(parents=True)

    def observe() -> list[str]:
        return observed_ids(clients, parameters, *run_scope(clients, scenario, params))

    before = snapshot(clients, observe())
    executed = record.folder / notebook.name
    journal = record.folder / "journal.jsonl"
    carry_open_intents(runs, scenario, target, journal)
    injected = {**parameters, **given, "journal": str(journal.resolve())}
    timed_out = False
    threading.Thread(target=warm_up_renderer, name="html-warm-up", daemon=True).start()  # while the cells run
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=_literals(injected),
            kernel_name=KERNEL,
            progress_bar=False,
            cwd=str(Path.cwd()),
            execution_timeout=timeout,
            engine_name=register_engine(),
            km=ready_kernel(kernels),
            iopub_timeout=IOPUB_TIMEOUT,
        )
    except PapermillExecutionError:
        pass  # the executed notebook's cells say what went wrong (evidence.status)
    except CellTimeoutError:
        timed_out = True
    except KeyboardInterrupt as interrupt:  # sealed as far as it went; its open intents go to the next run
        if executed.exists():
            archive_run(record, executed, clients, before, observe)
        raise Interrupted(_last_step(journal) or "setup") from interrupt
    manifest = archive_run(record, executed, clients, before, observe, timed_out=timed_out)
    return HeadlessRun(
        scenario,
        record.folder,
        executed,
        EvidenceStatus(manifest["status"]),
        "" if manifest["status"] == EvidenceStatus.OK else manifest["status_detail"],
    )


def ready_kernel(kernels: KernelPool) -> Any:
    """The run's kernel, started and warmed: waits for it if it is still starting. None when it could not start:
    nbclient then starts one itself, as papermill does, and a kernel that cannot start says why in the run."""
    try:
        return kernels.take()
    except Exception as error:
        logging.getLogger(__name__).warning("a prepared kernel was not ready (%s): the run starts its own", error)
        return None


def carry_open_intents(runs: Path, scenario: str, target: str, journal: Path) -> list:
    """Start ``journal`` (a new run's) with the writes earlier headless runs of ``scenario`` on ``target`` were
    killed or interrupted in: intents no run folder's journal has an outcome for. The run reconciles them before its
    first step (engine.reconcile), so its evidence names what the interrupted run made."""
    earlier = sorted(runs.glob(f"{scenario}/*/*-{target}-*/journal.jsonl"))
    entries = [e for path in earlier if path != journal for e in _readable(path)]
    carried = list({i.id: i for i in open_intents(entries)}.values())
    if carried:
        Journal.write_all(journal, carried)
    return carried


def _readable(path: Path) -> list:
    try:
        return Journal.read(path)
    except (OSError, ValueError, TypeError):  # a journal that cannot be read carries nothing
        return []


def _last_step(journal: Path) -> str | None:
    return (
        next((e.step for e in reversed(_readable(journal)) if getattr(e, "step", None)), None)
        if journal.exists()
        else None
    )


def run_batch(
    files: list[Path],
    *,
    jobs: int = 2,
    target: str = "sandbox",
    mode: str = "plan",
    options: dict[str, Any] | None = None,
    runs: Path = Path("runs"),
):
    """Run every parameter file's scenario (named by the file: ``{scenario}.anything.yaml``), ``jobs`` at a time,
    going on past failures; a DataFrame with one row per file (file, scenario, status, exit code, notebook,
    message). A tqdm progress bar (notebook-aware) counts the runs."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    import pandas as pd
    from tqdm.auto import tqdm

    if jobs < 1:
        raise InputError(f"--jobs: {jobs} is not a number of parallel runs (1 or more)")
    if target == "sandbox":  # build a new estate once, before parallel runs would race to do it
        get_clients(Target(state=(options or {}).get("state") or None, demo=DEMO_ESTATE))
    # kernels start (and import what the notebooks use) ahead of the runs, each serving one run
    kernels = KernelPool(min(jobs, len(files)), limit=len(files))

    def one(path: Path) -> dict[str, Any]:
        scenario = path.name.split(".")[0]
        row = {"File": str(path), "Scenario": scenario, "Status": "error", "Exit": 2, "Notebook": "", "Message": ""}
        try:
            scenario_of_file(path)
            done = run_notebook(
                scenario,
                read_parameters(path),
                target=target,
                mode=mode,
                options=options,
                runs=runs,
                source=str(path),
                kernels=kernels,
            )
        except (InputError, OSError) as error:
            return {**row, "Message": str(error).replace("\n", "; ")}
        except Exception as error:
            return {**row, "Exit": 1, "Message": f"{type(error).__name__}: {error}".replace("\n", "; ")}
        return {
            **row,
            "Status": done.status,
            "Exit": done.exit_code,
            "Notebook": str(done.notebook),
            "Message": done.message,
        }

    with kernels, ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(one, Path(f)) for f in files]
        rows = [f.result() for f in tqdm(as_completed(futures), total=len(futures), desc="runs", unit="run")]
    order = {str(Path(f)): i for i, f in enumerate(files)}
    return pd.DataFrame(rows).sort_values("File", key=lambda c: c.map(order), ignore_index=True)


def batch_exit_code(results) -> int:
    """1 when a run failed or could not start, else 3 when one is blocked or incomplete, else 0."""
    codes = set(results["Exit"])
    return 1 if codes & {1, 2} else 3 if 3 in codes else 0


def _literals(values: dict[str, Any]) -> dict[str, Any]:
    """Values papermill can write as literals (tuples as lists, None as '')."""
    return {k: list(v) if isinstance(v, tuple) else "" if v is None else v for k, v in values.items()}
