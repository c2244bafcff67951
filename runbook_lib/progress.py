"""Progress over long work (a step's writes, a zone's records): tqdm's call shape, and doing without a bar.

A bar is for a person watching: JupyterLab (its kernel knows its notebook, $JPY_SESSION_NAME) or a terminal. A
headless run (papermill) has no one watching: a bar there would only leave "0change [00:00, ?change/s]" lines in the
archived notebook and its HTML."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

Progress = Callable[..., Iterable]  # progress(iterable, total=, desc=, unit=, leave=), as tqdm.auto.tqdm


def no_progress(iterable: Iterable, **_: Any) -> Iterable:
    return iterable


def someone_watches() -> bool:
    """True in a JupyterLab kernel (not a papermill one) and in a terminal."""
    if in_kernel():
        return bool(os.environ.get("JPY_SESSION_NAME"))
    return sys.stderr is not None and sys.stderr.isatty()


def watched_progress() -> Progress:
    """tqdm.auto's bar where a person watches (nothing to count: no bar), else no bar at all."""
    if not someone_watches():
        return no_progress
    from tqdm.auto import tqdm

    def progress(iterable: Iterable, **options: Any) -> Iterable:
        return iterable if options.get("total") == 0 else tqdm(iterable, **options)

    return progress


def in_kernel() -> bool:
    """True in a Jupyter kernel (JupyterLab's or papermill's), not in a terminal's IPython or a script."""
    ipython = sys.modules.get("IPython")  # a kernel has imported it; asking otherwise would cost its import
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None
