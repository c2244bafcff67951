"""A plan row's write, journaled ahead: its Intent just before the request goes out, its outcome after.

The intent is fsynced before the first write request of the row is sent (azure.watch tells the journal), so a run
killed or interrupted between the two leaves it in the journal; the next run reconciles it (engine.reconcile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from azure.core.exceptions import HttpResponseError

from ..azure.errors import arm_error
from ..azure.requests import ALREADY_MADE, AlreadyMade, Write
from ..azure.watch import watching_writes
from ..errors import ConcurrentChange
from ..journal import Change, Failure, Intent, NotMade

if TYPE_CHECKING:
    from .runbook import Run


class PlannedRow(Protocol):
    """What ``write_row`` needs of a row: an engine plan row (engine.step.Row) or an undo's (undo.plan.UndoRow)."""

    @property
    def resource(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def before(self) -> Any: ...
    @property
    def after(self) -> Any: ...
    @property
    def write(self) -> Write | None: ...


def write_row(run: Run, row: PlannedRow) -> Any:
    """Make ``row``'s write: journal its intent, send it, journal the Change (or, when ARM refuses it, a Failure
    with ARM's code, and raise); ARM's answer. Anything else raised (an interrupt, a dropped connection) leaves the
    intent open. An AlreadyMade answer (another run made the very change) is the intent's NotMade, and no Change."""
    write = row.write
    if write is None:  # a row that changes something always carries its write (engine.step)
        raise TypeError(f"{row.resource}: a {row.action} row without a write")
    recorded: list[Intent] = []

    def intend(request: dict[str, Any] | None) -> None:
        if not recorded:  # a row's first write request: later ones (a zone, then its record) belong to it
            intent = Intent(row.resource, row.action, row.before, row.after, request)
            run.journal.record(intent)
            recorded.append(intent)

    try:
        with watching_writes(intend):
            result, request_id = write()
    except HttpResponseError as error:
        if recorded:
            code, message = arm_error(error)
            run.journal.record(Failure(recorded[0].id, row.resource, code, message))
        raise
    except ConcurrentChange as error:  # ARM refused it by its ETag condition: nothing was written
        if recorded:
            run.journal.record(Failure(recorded[0].id, row.resource, type(error).__name__, str(error)))
        raise
    if isinstance(result, AlreadyMade):
        if recorded:
            run.journal.record(NotMade(recorded[0].id, row.resource, ALREADY_MADE))
        return result
    intend(None)  # a write that sent nothing the clients saw still has its intent, so every Change has one
    # what ARM made is named by its answer's id when it has one (a role assignment's id is chosen on write)
    made = getattr(result, "id", None)
    change = Change(
        made if isinstance(made, str) else row.resource,
        row.action,
        row.before,
        row.after,
        request_id,
        intent=recorded[0].id,
    )
    run.journal.record(change)
    return result
