"""Writes an earlier run was killed or interrupted in, settled when the next run starts.

An intent without an outcome (journal.open_intents) names the request it was about to send. The resource that
request writes is read back through the SDK (a GET of the same path and api-version), and what happened is
journaled before the first step: made by an interrupted run (a Change marked ``reconciled``, with the id ARM
gives), or not made (NotMade: absent, or not holding what the request asked). A resource that cannot be read
(no right to read it, a throttled read) leaves the intent open for the run after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ..journal import Change, Entry, Intent, NotMade
from .step import Action

if TYPE_CHECKING:
    from ..azure import AzureClients
    from .runbook import Run

_ABSENT = object()


def reconcile(run: Run) -> list[Entry]:
    """Journal the outcome of every open intent of ``run``'s journal that can be read now; those outcomes."""
    settled: list[Entry] = []
    for intent in run.journal.open_intents():
        outcome = settle(run.clients, intent)
        if outcome is not None:
            run.journal.record(outcome)
            settled.append(outcome)
    return settled


def settle(clients: AzureClients, intent: Intent) -> Change | NotMade | None:
    """What ``intent``'s write did, read now; None when it cannot be told (unreadable: try again next run)."""
    request = intent.request or {}
    if not request.get("url"):
        return NotMade(intent.id, intent.resource_id, "no request was sent", step=intent.step)
    current = _read(clients, request["url"])
    if current is None:
        return None
    method = request.get("method", "PUT")
    if method == "POST":  # an action: what it did cannot be read back (no row writes one today)
        return None
    if method == "DELETE":
        made = current is _ABSENT
    elif current is _ABSENT:
        return NotMade(intent.id, intent.resource_id, "absent", step=intent.step)
    else:  # a create is made once the resource is there; an update once it holds what the request asked
        made = intent.action == Action.CREATE or _holds(request.get("body"), current)
    if not made:
        return NotMade(
            intent.id, intent.resource_id, "present" if method == "DELETE" else "unchanged", step=intent.step
        )
    found = current.get("id") if isinstance(current, Mapping) else None
    return Change(
        found or urlsplit(request["url"]).path,
        intent.action,
        intent.before,
        intent.after,
        step=intent.step,
        intent=intent.id,
        reconciled=True,
    )


def _read(clients: AzureClients, url: str) -> Any:
    """ARM's JSON at the request's path (its api-version), _ABSENT when not found, None when it cannot be read."""
    parts = urlsplit(url)
    version = (parse_qs(parts.query).get("api-version") or [""])[0]
    try:
        return clients.resources.resources.get_by_id(
            parts.path, api_version=version, cls=lambda response, _, __: response.http_response.json()
        )
    except ResourceNotFoundError:
        return _ABSENT
    except HttpResponseError:
        return None


def _holds(asked: Any, current: Any) -> bool:
    """Does ``current`` (ARM's JSON now) hold every value the request's body asked for? Names compare without
    case (ARM keeps ids in its own case); read-only fields ARM adds are ignored; a list holds when every asked item
    is held by one of its items."""
    if isinstance(asked, Mapping):
        if not isinstance(current, Mapping):
            return False
        lower = {str(k).lower(): v for k, v in current.items()}
        return all(str(k).lower() in lower and _holds(v, lower[str(k).lower()]) for k, v in asked.items())
    if isinstance(asked, list):
        return isinstance(current, list) and all(any(_holds(a, c) for c in current) for a in asked)
    if isinstance(asked, str) and isinstance(current, str):
        return asked.lower() == current.lower()
    return asked is None or asked == current
