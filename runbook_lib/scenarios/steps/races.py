"""Two runs at once on one resource (a batch listing a vault twice, two consultants): both plan to create the same
endpoint or zone group, and the second PUT reaches ARM while the first one's operation still runs. Azure refuses it
with 409 AnotherOperationInProgress (Microsoft.Network: private endpoints and their zone groups); the step then
plans that row again once the operation ended (ops.arm's reads wait for it) instead of failing."""

from __future__ import annotations

from collections.abc import Callable

from azure.core.exceptions import HttpResponseError

from ...azure.errors import arm_code
from ...azure.ids import name_of
from ...azure.requests import ALREADY_MADE, AlreadyMade, Write
from ...engine import Action, Row
from ...errors import ConcurrentChange

BUSY = "AnotherOperationInProgress"


def after_another_run(write: Write, replan: Callable[[], Row]) -> Write:
    """``write``; when ARM answers that another operation on the resource runs, the row ``replan`` plans now:
    nothing to do is AlreadyMade (the other run made it), a change still to make is made, a blocked row (what the
    other run made differs) is a ConcurrentChange with its reason."""

    def converging():
        try:
            return write()
        except HttpResponseError as error:
            if arm_code(error) != BUSY:
                raise
        row = replan()
        if row.action == Action.UNCHANGED:
            return AlreadyMade(row.resource, f"{ALREADY_MADE}: {row.before or 'in place'}"), None
        if row.action == Action.BLOCKED:
            raise ConcurrentChange(f"{name_of(row.resource)}: {row.reason}")
        return row.write()

    return converging
