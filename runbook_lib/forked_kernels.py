"""Kernels forked from a process that has already imported what the notebooks use: imports paid once per batch.

A template process (``Template``) starts once, imports the warm-up modules (pandas, the Azure SDK, this toolkit) and
ipykernel, then waits. Each kernel is a fork of it that starts IPython's kernel on a connection file of its own: a new
process with a fresh kernel (execution count 1, an empty namespace), sharing the imported modules' memory with the
template until it writes to it. The template reaps the kernels it forked; when the runner goes, the template's input
closes and it exits, and its kernels (ipykernel's parent poller) follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, cast

# The template: warm-up imports, then one line per kernel (its connection file and folder) answered by its pid.
_TEMPLATE = """
import json, os, signal, sys
if sys.path and sys.path[0] == "":
    del sys.path[0]  # as ipykernel_launcher does: the kernel's folder is not where modules come from
{warm_up}
from ipykernel.kernelapp import IPKernelApp

def reap(*_):
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass

signal.signal(signal.SIGCHLD, reap)
print("ready", flush=True)
for line in sys.stdin:
    connection, folder = json.loads(line)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.chdir(folder)
        # as nbclient starts its kernels: no history file shared by the runs
        IPKernelApp.launch_instance(argv=["-f", connection, "--HistoryManager.hist_file=:memory:"])
        os._exit(0)
    print(pid, flush=True)
"""


class Template:
    """The process kernels are forked from; ``fork(cwd)`` gives a started kernel's manager."""

    def __init__(self, warm_up: str, kernel_name: str):
        self.kernel_name = kernel_name
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-c", _TEMPLATE.format(warm_up=warm_up)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> Template:
        """Block until the template has imported the warm-up modules; RuntimeError when it could not."""
        if self._read() != "ready":
            self.kill()
            raise RuntimeError("the kernel template process did not start")
        return self

    def _read(self) -> str:
        assert self._process.stdout is not None
        return self._process.stdout.readline().strip()

    def fork(self, cwd: Path) -> Any:
        """A kernel forked from the template, in ``cwd``, as a jupyter_client AsyncKernelManager (not yet ready:
        a client waits for it)."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.paths import jupyter_runtime_dir

        manager = AsyncKernelManager(kernel_name=self.kernel_name)
        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        manager.connection_file = str(runtime / f"kernel-{uuid.uuid4()}.json")
        manager.write_connection_file()
        assert self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(json.dumps([manager.connection_file, str(cwd)]) + "\n")
            self._process.stdin.flush()
            answer = self._read()
        if not answer.isdigit():
            manager.cleanup_connection_file()
            raise RuntimeError("the kernel template process stopped")
        manager.provisioner = cast(Any, ForkedProcess(int(answer)))  # what the manager asks of a provisioner
        return manager

    def kill(self) -> None:
        """Stop the template at once: it holds no run's state (each kernel it forked is a session of its own, stopped
        by its run), and an interpreter full of modules takes a while to exit on its own."""
        self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


class ForkedProcess:
    """What jupyter_client's manager asks of a kernel's process (a provisioner's poll, kill, wait, cleanup), for a
    kernel the template forked: not this process's child, so it is polled and signalled by pid."""

    has_process = True

    def __init__(self, pid: int):
        self.pid = pid

    def running(self) -> bool:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return _exists(self.pid)  # no /proc: ask the kernel itself
        return state not in ("Z", "X")

    async def poll(self) -> int | None:
        return None if self.running() else 0

    async def wait(self) -> int | None:
        for _ in range(100):
            if not self.running():
                return 0
            await asyncio.sleep(0.05)
        return None

    async def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        pass


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
