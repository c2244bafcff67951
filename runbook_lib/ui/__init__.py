"""What a notebook shows and does: a scenario's session (steps, one per cell) and its tables."""

from .session import RunIncomplete, Session, start

__all__ = ["RunIncomplete", "Session", "start"]
