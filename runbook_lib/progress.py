"""Progress over long work (a step's writes, a zone's records): tqdm's call shape, and doing without a bar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Progress = Callable[..., Iterable]  # progress(iterable, total=, desc=, unit=, leave=), as tqdm.auto.tqdm


def no_progress(iterable: Iterable, **_: Any) -> Iterable:
    return iterable
