"""Reads over the SDK that answer None for a resource that is not there, and a resource's provisioning state: a
read waits (bounded) for an operation still running on it, so that a step plans against where it ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from azure.core.exceptions import ResourceNotFoundError

from ..azure.enums import text_of
from ..azure.ids import parse_id
from ..azure.requests import Write, deferred

T = TypeVar("T")

SUCCEEDED, FAILED = "Succeeded", "Failed"
# an operation is still running on the resource (Microsoft.Network shows Updating while it creates, other providers
# Creating; "Troubleshoot Azure Microsoft.Network failed provisioning state", "Provisioning states")
IN_PROGRESS = frozenset({"Creating", "Updating", "Deleting", "Accepted", "Provisioning", "ResolvingDNS"})
# how long a read waits for an operation an earlier run (or someone else) left running: Azure's private endpoint
# and vault operations take seconds to a few minutes
SETTLE_SECONDS = 300.0
POLL_SECONDS = 1.0


def arm_set(value: T | None) -> T:
    """``value``, unchanged: a property ARM sets on every resource it returns (its id, name, location; a connection's
    endpoint id), which the SDK's models type as optional because they also serve as request bodies."""
    # cast, not a check: the SDK's type is too loose here (and a hand-made model keeps behaving as it did)
    return cast("T", value)


def get_or_none(operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    try:
        return operation(*args, **kwargs)
    except ResourceNotFoundError:
        return None


def provisioning_state(resource: Any) -> str:
    """The resource's provisioningState as ARM shows it ('' when it has none): on the model itself (network, private
    DNS, storage) or in its properties (Recovery Services vaults)."""
    state = getattr(resource, "provisioning_state", None)
    if state is None:
        state = getattr(getattr(resource, "properties", None), "provisioning_state", None)
    return text_of(state)


def in_progress(resource: Any) -> bool:
    return provisioning_state(resource) in IN_PROGRESS


def failed(resource: Any) -> bool:
    return provisioning_state(resource) == FAILED


def get_settled(operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """get_or_none, read again while the resource is in progress (Creating, Updating, Deleting), for at most
    SETTLE_SECONDS: the resource where its operation ended (None once a delete finished), or, past the bound, as it
    is still (the caller says so: ``in_progress``)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    resource = get_or_none(operation, *args, **kwargs)
    while resource is not None and in_progress(resource) and time.monotonic() < deadline:
        time.sleep(max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))
        resource = get_or_none(operation, *args, **kwargs)
    return resource


def settle(resource: T | None, read_again: Callable[[], T | None]) -> T | None:
    """A resource already read (from a listing, say): itself when no operation runs on it, else read again with
    ``read_again`` (a get of that resource) until it settles, as get_settled does."""
    if resource is None or not in_progress(resource):
        return resource
    return get_settled(read_again)


def put_as_read(begin_create_or_update: Callable[..., Any], resource_id: str, resource: Any, *names: str) -> Write:
    """The PUT of ``resource`` as read (its writable properties), through the SDK's ``begin_create_or_update``
    taking the resource group, ``names`` (parents' and its own; default: its own name) and the body: how Azure
    brings a Failed resource back to Succeeded ("Troubleshoot Azure Microsoft.Network failed provisioning state")."""
    rid = parse_id(resource_id)
    body = resource.as_dict(exclude_readonly=True)
    return deferred(begin_create_or_update, rid.resource_group, *(names or (rid.name,)), body)
