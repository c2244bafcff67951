"""A step of a runbook: check (read), plan (rows), apply (exactly the rows' writes), verify (read back).

A plan row carries the write that applies it, so applying can only do what the plan showed. A row whose action is
``blocked`` is a guard that failed: its reason says why, in words, and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from ..azure.requests import Write
from .source import Source

if TYPE_CHECKING:
    from .runbook import Run


class Action(StrEnum):
    """What a plan row does, as plan tables show it."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"  # a resource the run removes (an endpoint, its records)
    UNCHANGED = "unchanged"  # already as the step wants it: nothing to write
    BLOCKED = "blocked"  # a guard that failed: the run stops here

    @property
    def changes(self) -> bool:
        return self in (Action.CREATE, Action.UPDATE, Action.DELETE)


@dataclass(frozen=True)
class Row:
    resource: str  # a resource id, or what the step is about when there is none yet
    action: Action
    before: Any = None
    after: Any = None
    reason: str = ""
    write: Write | None = field(default=None, compare=False, repr=False)

    @property
    def changes(self) -> bool:
        return Action(self.action).changes


def create(resource: str, after: Any, write: Write, reason: str = "") -> Row:
    return Row(resource, Action.CREATE, None, after, reason, write)


def update(resource: str, before: Any, after: Any, write: Write, reason: str = "") -> Row:
    return Row(resource, Action.UPDATE, before, after, reason, write)


def delete(resource: str, before: Any, write: Write, reason: str = "") -> Row:
    return Row(resource, Action.DELETE, before, None, reason, write)


def unchanged(resource: str, value: Any = None, reason: str = "") -> Row:
    return Row(resource, Action.UNCHANGED, value, value, reason)


def blocked(resource: str, reason: str) -> Row:
    return Row(resource, Action.BLOCKED, reason=reason)


class Step:
    """Subclasses set the class attributes and implement ``plan`` (reading what they need: the check)."""

    id: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[Source]  # the article's section it implements
    kind: ClassVar[str] = "automated"

    def __init__(self, source: Source | None = None, *, id: str | None = None, title: str | None = None):
        """A scenario cites the article's section a shared step implements for it (and may rename the step)."""
        for name, value in (("source", source), ("id", id), ("title", title)):
            if value is not None:
                setattr(self, name, value)

    def plan(self, run: Run) -> list[Row]:
        raise NotImplementedError

    def verify(self, run: Run) -> list[str]:
        """What still differs after apply (empty: verified). By default the step plans again: nothing may be left."""
        return [
            f"{row.resource}: still {row.action} ({row.reason or row.after})"
            for row in self.plan(run)
            if row.action != Action.UNCHANGED
        ]


Reason = Callable[["Run"], "str | None"]  # None: fine; else why not, in words


@dataclass
class ManualStep(Step):
    """Work only a person can do (register a server, generate a key, install the appliance). Someone confirms it
    (interactively, or headless through the ``confirm`` parameter listing step ids); where Azure shows the work,
    the run then looks (``observe``) and the step stays waiting until Azure shows it done.

    ``check``: before the work, why it may not be confirmed yet (the subnet has no room for what it adds).
    ``observe``: after a confirmation, None once Azure shows the work done, else why it is not seen yet;
    ``observes`` says what it looks for, for the journal. Without ``observe`` nothing in Azure shows the work
    (an nslookup on a server): the confirmation alone counts, and the journal says it was not observable."""

    id: str  # type: ignore[misc]
    title: str  # type: ignore[misc]
    source: Source  # type: ignore[misc]
    instructions: str
    kind: str = "manual"  # type: ignore[misc]
    check: Reason | None = None
    observe: Reason | None = None
    observes: str = ""

    def __post_init__(self) -> None:
        if self.observe is not None and not self.observes:
            raise ValueError(f"manual step {self.id}: an observe hook needs 'observes', what it looks for in words")

    def plan(self, run: Run) -> list[Row]:
        return []

    def verify(self, run: Run) -> list[str]:
        return []
