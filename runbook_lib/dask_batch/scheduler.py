"""The Dask scheduler a batch is sent to: reached within a few seconds, or one line saying why not."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from ..errors import InputError, SchedulerUnreachable

if TYPE_CHECKING:
    from distributed import Client

CONNECT_TIMEOUT = 5.0  # seconds to reach the scheduler: a wrong address is one line, not a hang
INSTALL_HINT = "pip install 'runbook-lib[dask]'"


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Client:
    """A client of the scheduler at ``address`` (tcp://host:port, tls://..., or host:port); an InputError when Dask
    is not installed or the address is not one; SchedulerUnreachable when nothing answers within ``timeout``."""
    try:
        from distributed import Client
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise InputError(f"--scheduler needs Dask's distributed scheduler: {INSTALL_HINT}") from None
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location)
    except ValueError as error:
        raise InputError(
            f"--scheduler: '{address}' is not a scheduler address ({error}); e.g. tcp://host:8786"
        ) from None
    if scheme in ("tcp", "tls", "ws", "wss"):  # a refused connection is said at once, not after Dask's retries
        _probe(address, host, port, timeout, answers_first=scheme == "tcp")
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise SchedulerUnreachable(_unreachable(address, str(error))) from None


def _probe(address: str, host: str, port: int, timeout: float, answers_first: bool) -> None:
    """Refuse an address where nothing listens or, over plain TCP, where the listener says nothing: a Dask scheduler
    sends its handshake as soon as it accepts, and Dask's own client waits on a silent one past its timeout."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as probe:
            if answers_first and not probe.recv(1):
                raise SchedulerUnreachable(_unreachable(address, "the connection was closed without a word"))
    except TimeoutError:
        raise SchedulerUnreachable(_unreachable(address, f"nothing answered within {timeout:g} s")) from None
    except OSError as error:
        raise SchedulerUnreachable(_unreachable(address, error.strerror or str(error))) from None


def _unreachable(address: str, why: str) -> str:
    return (
        f"--scheduler: no Dask scheduler answers at {address} ({why}); start one (`dask scheduler`) or fix the address"
    )
