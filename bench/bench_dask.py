"""Benchmark: what one Dask worker sustains running headless plan runs (`runbook batch --scheduler`).

Run from the project root (needs `pip install 'runbook-lib[dask]'`):

    .venv/bin/python bench/bench_dask.py [--runs 5]

A LocalCluster of ONE worker process (one thread) on loopback; N Backup plan runs on the contoso demo estate (copies
of parameters/backup.sandbox.yaml) sent through runbook_lib.dask_batch exactly as `runbook batch --scheduler` sends
them, each landed under a temporary --output and verified. While they run, the resident memory (RSS) of the worker
process and of the notebook kernel it starts is sampled every 0.2 s (psutil, which distributed depends on).

Printed: the batch's seconds, the first run's (it pays the worker's imports), the runs per minute after it (the rate
one worker sustains), and the peak RSS of the worker alone and of the worker with its kernel.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
from distributed import LocalCluster

from runbook_lib.dask_batch.batch import run_cluster_batch
from runbook_lib.dask_batch.scheduler import connect

PARAMETERS = Path(__file__).resolve().parents[1] / "parameters"
QUIET = {"dashboard": False, "dashboard_address": ":0"}  # the scheduler's HTTP server on any free port, not 8787


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(Path(tmp), args.runs)


def measure(folder: Path, runs: int) -> None:
    files = []
    for n in range(runs):
        path = folder / f"backup.bench-{n}.yaml"
        shutil.copy(PARAMETERS / "backup.sandbox.yaml", path)
        files.append(path)
    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs=QUIET,
        ) as cluster,
        connect(cluster.scheduler_address) as client,
    ):
        (pid,) = client.run(_pid).values()
        peaks = Peaks(psutil.Process(pid))
        peaks.start()
        first = _first_run_seconds(client, files[0], folder)
        started = time.perf_counter()
        table = run_cluster_batch(files[1:], client, options={"state": str(folder / "e.db")}, runs=folder / "runs")
        rest = time.perf_counter() - started
        peaks.stop()
    statuses = {str(k): int(v) for k, v in table["Status"].value_counts().items()}
    print(f"runs: {runs} on 1 worker (1 thread); statuses after the first: {statuses}")
    print(f"first run: {first:.1f} s (the worker's imports and the estate)")
    print(f"next {runs - 1} runs: {rest:.1f} s -> {60 * (runs - 1) / rest:.1f} runs per minute per worker")
    print(f"peak RSS: worker {peaks.worker / 2**20:.0f} MiB, worker + kernel {peaks.total / 2**20:.0f} MiB")


def _pid() -> int:
    import os

    return os.getpid()


def _first_run_seconds(client, path: Path, folder: Path) -> float:
    started = time.perf_counter()
    run_cluster_batch([path], client, options={"state": str(folder / "e.db")}, runs=folder / "runs")
    return time.perf_counter() - started


class Peaks(threading.Thread):
    """The highest RSS seen of a process alone and with its descendants (the kernels it starts)."""

    def __init__(self, process: psutil.Process):
        super().__init__(daemon=True)
        self.process, self.worker, self.total = process, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            try:
                own = self.process.memory_info().rss
                children = sum(_rss(c) for c in self.process.children(recursive=True))
            except psutil.NoSuchProcess:
                return
            self.worker, self.total = max(self.worker, own), max(self.total, own + children)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


if __name__ == "__main__":
    main()
