"""Kernels started ahead of the runs that use them, and the papermill engine that runs a notebook on one.

A headless run waits for a kernel to start and for its setup cell to import pandas, the Azure SDK and this toolkit
(seconds each). Here kernels are started in background threads and made to import those modules with a silent
execution (no output, no execution count: the executed notebook is the same as on a new kernel); a run takes one,
runs its notebook on it and shuts it down. Each kernel serves exactly one run, so runs stay isolated; a pool of
``size`` kernels refills itself in the background as runs take them. In a batch (and `runbook run`) the kernels
are forked from one process that imported the modules once (forked_kernels): the imports are paid once per batch.

The engine (``ENGINE``, registered with papermill) also saves the executed notebook less often than papermill's
(which writes it before and after every cell): at most every ``SAVE_EVERY`` seconds, always after a failed cell, and
when the run ends: on an interrupt or a dead kernel before the error goes on, else papermill's own final write.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

from .forked_kernels import Template

ENGINE = "runbook"
KERNEL = "python3"
# seconds between saves while cells run (papermill's own autosave of a long cell's outputs is every 30 s): what a
# killed parent leaves on disk is at most this old; a 600 KB notebook (the panel's widget state) costs 0.1-0.2 s a save
SAVE_EVERY = 30.0
START_TIMEOUT = 60.0  # seconds for a kernel to start and import the warm-up modules
# what the setup cell (`from runbook_lib import ui; ui.start(...)`) and the step cells import, paid before the run:
# the SDK clients every scenario's steps call (a client only some use loads when first used)
WARM_UP = """\
import pandas, ipywidgets
import runbook_lib.ui, runbook_lib.ui.panel, runbook_lib.scenarios.registry, runbook_lib.sandbox
import azure.mgmt.network, azure.mgmt.privatedns, azure.mgmt.recoveryservices
import azure.mgmt.authorization, azure.mgmt.resource.resources
"""


def start_kernel(cwd: Path | None = None, warm_up: str = WARM_UP, template: Template | None = None) -> Any:
    """A started kernel (a jupyter_client AsyncKernelManager) that has run ``warm_up`` silently, or forked from
    ``template`` (which has); blocks until it answers."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if template is not None:
        manager = template.fork(cwd or Path.cwd())
        warm_up = ""
    else:
        manager = AsyncKernelManager(kernel_name=KERNEL)
        run_sync(manager.start_kernel)(cwd=str(cwd or Path.cwd()))
    try:
        run_sync(_warm)(manager, warm_up)
    except BaseException:
        stop_kernel(manager)
        raise
    return manager


async def _warm(manager: Any, code: str) -> None:
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=START_TIMEOUT)
        if code:
            await client.execute_interactive(
                code, silent=True, store_history=False, timeout=START_TIMEOUT, output_hook=lambda _: None
            )
    finally:
        client.stop_channels()


def stop_kernel(manager: Any) -> None:
    """Shut ``manager``'s kernel down at once (its run is over) and free its ports; never raises."""
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(manager.shutdown_kernel)(now=True)


class KernelPool:
    """``size`` kernels starting at once in background threads; ``take()`` gives one (each to one run) and starts
    another in its place, ``limit`` kernels in all (a batch's number of runs: none is started for nobody).
    ``close()`` shuts down those not taken. With ``fork`` (default: when more than one kernel will be needed), the
    kernels are forked from one template process that imported the warm-up modules once (forked_kernels); a
    template that cannot start leaves each kernel to start and import on its own."""

    def __init__(
        self,
        size: int,
        *,
        limit: int | None = None,
        cwd: Path | None = None,
        warm_up: str = WARM_UP,
        fork: bool | None = None,
    ):
        self._cwd, self._warm_up = cwd or Path.cwd(), warm_up
        self._left = limit if limit is not None else -1  # kernels still to start; -1: no limit
        self._lock = threading.Lock()
        self._ready: list[Future] = []
        self._closed = False
        self._template: Future = Future()
        self._starting: Template | None = None  # the template while it imports
        if fork if fork is not None else (limit is None or limit > 1):
            self._starting = Template(self._warm_up, KERNEL)  # its process starts now; it imports meanwhile
            threading.Thread(target=self._make_template, name="kernel-template", daemon=True).start()
        else:
            self._template.set_result(None)
        for _ in range(size):
            self._start_one()

    def _make_template(self) -> None:
        try:
            assert self._starting is not None
            self._template.set_result(self._starting.wait_ready())
        except Exception:  # the kernels start on their own (and a real problem shows there)
            self._template.set_result(None)

    def _start_one(self) -> None:
        with self._lock:
            if self._left == 0 or self._closed:
                return
            self._left -= 1
            future: Future = Future()
            self._ready.append(future)

        def start() -> None:
            try:
                future.set_result(start_kernel(self._cwd, self._warm_up, self._template.result()))
            except BaseException as error:  # the run that takes it sees why
                future.set_exception(error)

        threading.Thread(target=start, name="kernel-start", daemon=True).start()

    def take(self) -> Any:
        """A started, warmed kernel for one run: the first of the pool's to be ready; blocks (at most START_TIMEOUT:
        then TimeoutError). A kernel that failed to start raises its error."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the kernel pool is closed")
            idle = not self._ready
        if idle:  # a pool of size 0 (its template started ahead) starts the kernel now
            self._start_one()
        with self._lock:
            if not self._ready:
                raise RuntimeError("the kernel pool started all the kernels it was asked for")
            pending = list(self._ready)
        while True:
            done, _ = wait(pending, timeout=START_TIMEOUT, return_when=FIRST_COMPLETED)
            if not done:
                raise TimeoutError(f"no kernel of the pool was ready within {START_TIMEOUT:.0f} s")
            with self._lock:  # another run may have taken it meanwhile
                mine = next((f for f in self._ready if f in done), None)
                if mine is not None:
                    self._ready.remove(mine)
                pending = list(self._ready)
            if mine is not None:
                break
            if not pending:
                raise RuntimeError("the kernel pool started all the kernels it was asked for")
        self._start_one()
        return mine.result()

    def close(self) -> None:
        with self._lock:
            self._closed, left = True, self._ready
            self._ready = []
        if not left and not self._template.done() and self._starting is not None:
            self._starting.kill()  # no kernel was asked of it (a refused run): no need to wait for its imports
        for future in left:  # waited for: a kernel still starting would outlive a parent that exits now
            with contextlib.suppress(Exception):
                stop_kernel(future.result(timeout=START_TIMEOUT))
        with contextlib.suppress(Exception):
            template = self._template.result(timeout=START_TIMEOUT)
            if template is not None:
                template.kill()

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@functools.cache
def register_engine() -> str:
    """Register the engine with papermill (once); its name, for ``papermill.execute_notebook(engine_name=...)``."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class SparseSaves(NotebookExecutionManager):
        """Saves at most every SAVE_EVERY seconds while cells run; always after a failed cell and at the end."""

        # None while cells run; at the end True (save) or False (papermill writes the finished notebook itself)
        final: bool | None = None

        def save(self, **kwargs: Any) -> None:
            if self.final is None:
                due = (self.now() - self.last_save_time).total_seconds() >= SAVE_EVERY
                if not (due or self.nb.metadata.papermill.get("exception")):
                    return
            elif not self.final:
                return
            super().save(**kwargs)

        def notebook_start(self, **kwargs: Any) -> None:
            self.last_save_time = self.now()
            super().notebook_start(**kwargs)  # its save is skipped: notebook_complete writes the file

        def notebook_complete(self, **kwargs: Any) -> None:
            if self.final is None:
                self.final = True
            super().notebook_complete(**kwargs)

    class RunbookEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False, **kwargs):
            kwargs.pop("autosave_cell_every", None)
            manager = SparseSaves(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output)
            manager.notebook_start()
            try:
                cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
            except BaseException:  # interrupted, or the kernel died: what ran is on disk before the error goes on
                manager.cleanup_pbar()
                manager.notebook_complete()
                raise
            manager.cleanup_pbar()
            manager.final = False  # papermill writes the finished notebook itself, once it has it back
            manager.notebook_complete()
            return manager.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, km=None, **kwargs):
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, km=km, **kwargs)
            finally:
                if km is not None:  # the client does not own a kernel it was given: it is this run's, stop it
                    stop_kernel(km)

    papermill_engines.register(ENGINE, RunbookEngine)
    return ENGINE
