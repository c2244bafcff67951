"""An undo plan's rows: what each does (a closed vocabulary), to which resource, and the write that does it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..azure.requests import Write


class UndoAction(StrEnum):
    """What an undo row does, as its table shows it."""

    DELETE = "delete"  # made by the run, as the run left it
    RESTORE = "restore"  # replaced by the run: put back as it was
    UPDATE = "update"  # a property the run changed, put back
    NONE = "none"  # nothing to do (already undone, or kept on purpose: the reason says which)
    CONFLICT = "conflict"  # changed since the run: shown, left as is

    @property
    def changes(self) -> bool:
        return self in (UndoAction.DELETE, UndoAction.RESTORE, UndoAction.UPDATE)


@dataclass(frozen=True)
class UndoRow:
    resource: str
    action: UndoAction
    before: Any = None  # what is there now
    after: Any = None  # what the undo leaves
    reason: str = ""
    write: Write | None = field(default=None, compare=False, repr=False)

    @property
    def changes(self) -> bool:
        return UndoAction(self.action).changes
