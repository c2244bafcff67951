"""Benchmark of one headless run: `runbook run backup` against a trivial notebook run by the `papermill` command.

Run from the project root:

    .venv/bin/python bench/bench_run.py [--rounds N] [--import-runs K]

What is measured, and how to read it:

1. Side by side. Each round runs, one after the other, ``papermill trivial.ipynb out.ipynb`` (one cell, ``1 + 1``)
   and ``runbook run backup -f parameters/backup.sandbox.yaml`` (plan, sandbox, evidence included: snapshots, the
   redacted notebook, its offline HTML, the sealed manifest) on a fresh contoso estate (``runbook sandbox reset
   --demo contoso --state ...``, not timed). The order alternates from round to round; the figures are the median
   wall seconds of each and their ratio (issue 19's target: at most 1.5). The machine may be busy with other work:
   the ratio, taken in the same rounds, is the figure to compare.

2. Where a run's time goes. One more run, in a fresh interpreter, with timers wrapped around the functions each phase
   is (this bench's own instrumentation, nothing in the product): the parent's imports, the parameters check, the
   snapshots, the kernel start (the part the run waits for), the notebook saves, the HTML render, the redaction and
   the secret scan, the seal; "cells" is the execution less the kernel start and the saves; "other" is the rest.
   Requests: every ARM request the sandbox answered during the run (the parent's snapshots and the kernel's steps),
   counted by the sandbox's WSGI app in both processes (RUNBOOK_BENCH_REQUESTS names the file each appends to).

3. Start-up. ``import runbook_lib`` net of interpreter start-up (``python -c pass``), median of K fresh processes
   (target 0.1 s), and ``runbook --help`` wall time, median of K (target 0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PARAMETERS = ROOT / "parameters" / "backup.sandbox.yaml"
TARGET_RATIO = 1.5
TARGETS = {"import runbook_lib": 0.1, "runbook --help": 0.5}
PHASES = (
    "imports",
    "parameters check",
    "snapshot before",
    "kernel start",
    "cells",
    "save",
    "snapshot after",
    "redaction",
    "HTML render",
    "secret scan",
    "seal",
    "other",
)


def _wall(args: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def trivial_notebook(folder: Path) -> Path:
    import nbformat

    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")], metadata={"kernelspec": kernelspec})
    path = folder / "trivial.ipynb"
    nbformat.write(notebook, path)
    return path


def fresh_estate(state: Path) -> None:
    state.unlink(missing_ok=True)
    subprocess.run(
        [BIN / "runbook", "sandbox", "reset", "--demo", "contoso", "--state", state], check=True, capture_output=True
    )


def runbook_run(state: Path, runs: Path) -> list[str]:
    return [str(BIN / "runbook"), "run", "backup", "-f", str(PARAMETERS), "--state", str(state), "--output", str(runs)]


def side_by_side(folder: Path, rounds: int) -> tuple[list[float], list[float]]:
    trivial = trivial_notebook(folder)
    papermill = [str(BIN / "papermill"), str(trivial), str(folder / "out.ipynb"), "--no-progress-bar"]
    state, runs = folder / "estate.db", folder / "runs"
    ours, theirs = [], []
    for index in range(rounds):
        fresh_estate(state)
        pair = [("papermill", papermill), ("runbook", runbook_run(state, runs))]
        for name, command in pair if index % 2 == 0 else reversed(pair):
            took = _wall(command, cwd=ROOT)
            (theirs if name == "papermill" else ours).append(took)
            print(f"  round {index + 1}: {name:<9} {took:6.2f} s", flush=True)
    return ours, theirs


def breakdown(folder: Path) -> dict[str, float]:
    state, runs, requests = folder / "estate.db", folder / "phase-runs", folder / "requests.txt"
    fresh_estate(state)
    (folder / "sitecustomize.py").write_text(COUNTER, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--phases", str(state), str(runs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "RUNBOOK_BENCH_REQUESTS": str(requests), "PYTHONPATH": path},
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the instrumented run failed:\n{done.stderr[-3000:]}")
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    phases["wall"] = wall
    phases["requests"] = len(requests.read_text().splitlines()) if requests.exists() else 0
    return phases


def start_up(runs: int) -> dict[str, float]:
    python = sys.executable
    _wall([python, "-c", "import runbook_lib"])
    baseline = statistics.median(_wall([python, "-c", "pass"]) for _ in range(runs))
    imported = statistics.median(_wall([python, "-c", "import runbook_lib"]) for _ in range(runs)) - baseline
    helped = statistics.median(_wall([str(BIN / "runbook"), "--help"]) for _ in range(runs))
    return {"import runbook_lib": imported, "runbook --help": helped}


# ------------------------------------------------------------------------------ the instrumented run (--phases)


def instrumented_run(state: str, runs: str) -> None:
    """In this fresh interpreter: `runbook run` with a timer around each phase's function; prints the seconds."""
    import functools
    import inspect

    spent: dict[str, float] = dict.fromkeys((*PHASES, "kernel in cells"), 0.0)
    started = time.perf_counter()
    from runbook_lib import cli
    from runbook_lib.cli import headless as face

    face_handler = face.run_headless

    def timed(owner, name: str, phase: str) -> None:
        original = getattr(owner, name)
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def waited(*args, **kwargs):
                begun = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    spent[phase] += time.perf_counter() - begun

            setattr(owner, name, waited)
        else:

            @functools.wraps(original)
            def wrapped(*args, **kwargs):
                begun = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[phase] += time.perf_counter() - begun

            setattr(owner, name, wrapped)

    def run_with_timers(args):
        import nbclient
        import papermill.engines

        from runbook_lib import headless
        from runbook_lib.evidence import archive

        spent["imports"] = time.perf_counter() - started  # the command's and run_notebook's module imports
        timed(headless, "load_parameters", "parameters check")
        timed(headless, "snapshot", "snapshot before")
        timed(archive, "snapshot", "snapshot after")
        timed(archive, "redact_notebook", "redaction")
        timed(archive, "render_html", "HTML render")
        timed(archive, "find_secrets", "secret scan")
        timed(archive, "seal", "seal")
        timed(papermill.engines, "write_ipynb", "save")
        timed(nbclient.NotebookClient, "async_start_new_kernel", "kernel in cells")
        timed(nbclient.NotebookClient, "async_start_new_kernel_client", "kernel in cells")
        if hasattr(headless, "ready_kernel"):  # a kernel started beside the parameters check: the wait for it
            timed(headless, "ready_kernel", "kernel start")
        timed(papermill, "execute_notebook", "cells")
        return face_handler(args)

    face.run_headless = run_with_timers
    code = cli.main(["run", "backup", "-f", str(PARAMETERS), "--state", state, "--output", runs])
    if code != 0:
        raise SystemExit(code)
    total = time.perf_counter() - started
    spent["cells"] -= spent["kernel in cells"] + spent["save"]
    spent["kernel start"] += spent.pop("kernel in cells")
    spent["other"] = total - sum(spent.values())
    print(json.dumps({**spent, "total": total}))


# Put on PYTHONPATH for the instrumented run, so that both the parent and the kernel count: when the sandbox's WSGI
# app module is loaded, every request it answers appends a line to the file RUNBOOK_BENCH_REQUESTS names.
COUNTER = """
import importlib.abc, importlib.util, os, sys

class _Counter(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "runbook_lib.sandbox.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        sys.meta_path.insert(0, self)
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module):
            run(module)
            served = module.SandboxApp.__call__

            def counted(app, environ, start_response):
                with open(os.environ["RUNBOOK_BENCH_REQUESTS"], "a", encoding="utf-8") as out:
                    out.write(environ["REQUEST_METHOD"] + " " + environ.get("PATH_INFO", "") + "\\n")
                return served(app, environ, start_response)

            module.SandboxApp.__call__ = counted

        loader.exec_module = exec_module
        return spec

if os.environ.get("RUNBOOK_BENCH_REQUESTS"):
    sys.meta_path.insert(0, _Counter())
"""


# ------------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--phases", nargs=2, metavar=("STATE", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        instrumented_run(*args.phases)
        return
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    folder = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        print(f"side by side, {args.rounds} rounds (order alternating):")
        ours, theirs = side_by_side(folder, args.rounds)
        mine, papermill = statistics.median(ours), statistics.median(theirs)
        ratio = mine / papermill
        verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        print(f"\n{'run':<44} {'median s':>9}")
        print(f"{'papermill trivial.ipynb (one cell)':<44} {papermill:9.2f}")
        print(f"{'runbook run backup (plan, sandbox, evidence)':<44} {mine:9.2f}")
        print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})")

        phases = breakdown(folder)
        took = f"{phases['wall']:.2f} s wall, {phases['total']:.2f} s in the process"
        print(f"\nwhere one run's time goes (instrumented run: {took})")
        print(f"{'phase':<18} {'s':>6}")
        for phase in PHASES:
            print(f"{phase:<18} {phases[phase]:6.2f}")
        print(f"ARM requests answered by the sandbox during the run: {phases['requests']}")

        print(f"\n{'start-up':<20} {'median s':>9} {'target':>7}")
        for name, took in start_up(args.import_runs).items():
            print(f"{name:<20} {took:9.3f} {TARGETS[name]:7.1f}")
        print(f"load average {os.getloadavg()[0]:.2f} at end")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
