"""What a notebook shows and does: a scenario's session (steps, one per cell) and its tables."""

from .dns_workflow import DnsChecksFailed, DnsWorkflow
from .session import RunIncomplete, Session, start

__all__ = ["DnsChecksFailed", "DnsWorkflow", "RunIncomplete", "Session", "start"]
