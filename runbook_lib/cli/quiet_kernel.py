"""Keep ipykernel's "Kernel is running over TCP without encryption" warning off the consultant's terminal.

papermill (through nbclient and jupyter_client) starts the kernel as a child process that inherits this process's
standard error, and ipykernel logs that warning there at every start: the kernel listens on loopback only, so it
says nothing the consultant can act on. Every other line the kernel writes passes through unchanged.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

KERNEL_TCP_WARNING = b"Kernel is running over TCP without encryption"


@contextmanager
def without_kernel_tcp_warning() -> Iterator[None]:
    """While inside, file descriptor 2 (this process's and every child's standard error) goes through a filter
    that drops the warning's line."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    relay = threading.Thread(target=_relay, args=(read_end, saved), daemon=True)
    relay.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last writer here closes: the relay sees its end once the kernel's is closed
        relay.join(timeout=5)
        os.close(saved)


def _relay(read_end: int, target: int) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as source:
        pending = b""
        while chunk := source.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            _write(target, b"".join(line + b"\n" for line in lines if KERNEL_TCP_WARNING not in line))
        if pending and KERNEL_TCP_WARNING not in pending:
            _write(target, pending)


def _write(target: int, data: bytes) -> None:
    while data:
        data = data[os.write(target, data) :]
