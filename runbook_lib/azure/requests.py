"""The ARM request id of a call, for the journal (support cases and the activity log are searched by it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from azure.core.polling import LROPoller

T = TypeVar("T")


def call_with_request_id(operation: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, str | None]:
    """Run an SDK operation; return its result and the ``x-ms-request-id`` of its first response.

    ``begin_*`` operations are waited for: their result is the final resource, the id that of the request that
    started them. The per-call ``raw_response_hook`` this uses takes the place of a client-wide one for that call
    (azure-core keeps one hook per request); count requests with ``raw_request_hook`` instead.
    """
    seen: list[str] = []

    def remember(response) -> None:
        seen.append(response.http_response.headers.get("x-ms-request-id", ""))

    result = operation(*args, raw_response_hook=remember, **kwargs)
    if isinstance(result, LROPoller):
        result = result.result()
    return result, (seen[0] or None) if seen else None


Write = Callable[[], tuple[Any, "str | None"]]  # a change not made yet: run it, get (ARM's answer, request id)

ALREADY_MADE = "already made by another change"


@dataclass(frozen=True)
class AlreadyMade:
    """What a Write answers when ARM refused it because another change (a run at the same time) had just made the
    very change it was to make: nothing was written. ``id``: the resource; ``detail``: what is there."""

    id: str
    detail: str


def deferred(operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Write:
    """``operation(*args, **kwargs)`` as a Write (what a plan row applies)."""
    return partial(call_with_request_id, operation, *args, **kwargs)
