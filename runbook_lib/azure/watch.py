"""Who is told, just before a write request goes out: the write-ahead journal's hook into every SDK client.

Every client of ``get_clients`` carries ``WriteWatch`` as a per-call policy (it runs once per operation, before
azure-core's retry policy). Inside ``watching_writes(listener)`` the listener gets each PUT, PATCH, POST and DELETE
(method, path and query, JSON body) before it is sent; reads are not reported, and outside the block nothing is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

WRITES = ("PUT", "PATCH", "POST", "DELETE")
Listener = Callable[[dict[str, Any]], None]  # {"method", "url" (path?query), "body"}

_listener: ContextVar[Listener | None] = ContextVar("write_listener", default=None)


class WriteWatch(SansIOHTTPPolicy):
    def on_request(self, request: PipelineRequest) -> None:
        listener = _listener.get()
        http = request.http_request
        if listener is None or http.method.upper() not in WRITES:
            return
        parts = urlsplit(http.url)
        listener(
            {
                "method": http.method.upper(),
                "url": parts.path + (f"?{parts.query}" if parts.query else ""),
                "body": _json(http.body),
            }
        )


@contextmanager
def watching_writes(listener: Listener) -> Iterator[None]:
    """Tell ``listener`` of every write request the SDK clients send in this block (this thread/context only)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def _json(body: Any) -> Any:
    if body is None:
        return None
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return None  # not JSON (a stream): the intent records the method and path only
