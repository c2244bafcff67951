"""The kernels a batch's runs take (runbook_lib.kernels): started ahead, one per run, none left running.

A batch through the pool, each run folder verifying and its own, is tested with the batch of Backup runs sharing the
hub's zones (tests/scenarios/test_concurrent_runs.py); one run's kernel, by every headless run (tests/evidence).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from jupyter_core.utils import run_sync

from runbook_lib.kernels import KernelPool, stop_kernel


def _alive(manager) -> bool:
    return bool(run_sync(manager.is_alive)())


def _pid(manager) -> int:
    return manager.provisioner.pid


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_each_kernel_serves_one_run_and_those_not_taken_are_stopped():
    """Two kernels start at once; taking one starts its replacement, up to the limit (the batch's number of runs);
    each taken kernel is another process; closing the pool stops the one nobody took, so no kernel outlives it."""
    pool = KernelPool(2, limit=3, warm_up="x = 1")
    first, second = pool.take(), pool.take()  # the third, the limit, starts in the background
    try:
        assert _alive(first) and _alive(second) and _pid(first) != _pid(second)
        third = pool.take()
        assert _pid(third) not in {_pid(first), _pid(second)}
        with pytest.raises(RuntimeError, match="started all the kernels"):
            pool.take()  # a fourth run has no kernel: the pool was asked for three
        stop_kernel(third)
        assert not _alive(third)
    finally:
        pool.close()
        for manager in (first, second):
            stop_kernel(manager)


def test_closing_a_pool_stops_the_kernels_still_starting():
    """A batch that ends (or fails) while kernels are still starting: closing waits for them and stops them."""
    before = _kernel_children()
    pool = KernelPool(2, limit=2, warm_up="")
    pool.close()
    for thread in threading.enumerate():
        if thread.name == "kernel-start":
            thread.join(timeout=120)  # every start has ended: a kernel it made and close() missed would show now
    assert _kernel_children() == before
    with pytest.raises(RuntimeError, match="closed"):
        pool.take()


def _kernel_children() -> set[int]:
    """This process's child processes that are kernels (ipykernel)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"ipykernel" in command:
            found.add(int(entry.name))
    return found
