"""What the sandbox's servers share: one JSON line to say where they are, and a quiet stop on SIGTERM or Ctrl-C."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def say_where(stream: TextIO, fields: dict) -> None:
    """One JSON line, flushed: what a caller waits for before it connects."""
    stream.write(json.dumps(fields) + "\n")
    stream.flush()


@contextmanager
def until_stopped() -> Iterator[None]:
    """Run the body until SIGTERM or Ctrl-C; either ends it without a traceback."""
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt
