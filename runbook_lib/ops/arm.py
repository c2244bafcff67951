"""Reads over the SDK that answer None for a resource that is not there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from azure.core.exceptions import ResourceNotFoundError

T = TypeVar("T")


def get_or_none(operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    try:
        return operation(*args, **kwargs)
    except ResourceNotFoundError:
        return None
