"""What an earlier run (killed, or failed half-way) or another tool left half-done, as a plan row.

A resource whose last operation failed shows provisioningState Failed: it exists, but it is not in place. Azure's
way back is a new PUT of the resource as it is ("Troubleshoot Azure Microsoft.Network failed provisioning state",
"Restore succeeded state through a PUT operation": get the resource, then put all its properties again), which is
the row's write (built by ops, with ops.arm.put_as_read). A resource still Creating or Updating has been waited for
by the read (ops.arm.get_settled); one still in progress past that bound blocks the step.
"""

from __future__ import annotations

from typing import Any

from ...azure.ids import name_of
from ...azure.requests import Write
from ...engine import Row, blocked, update
from ...ops import arm


def leftover_row(resource_id: str, resource: Any, rewrite: Write) -> Row | None:
    """None when the resource's last operation succeeded; an update row (``rewrite``) when it Failed; blocked when
    an operation still runs on it after the read's wait."""
    state = arm.provisioning_state(resource)
    name = name_of(resource_id)
    if arm.failed(resource):
        return update(
            resource_id,
            arm.FAILED,
            arm.SUCCEEDED,
            rewrite,
            f"{name} is Failed (its last operation failed: left by an earlier run or another tool): put "
            "again as it is, which is how Azure brings a Failed resource back to Succeeded",
        )
    if arm.in_progress(resource):
        waited = _duration(arm.SETTLE_SECONDS)
        return blocked(
            resource_id,
            f"{name} is still {state} after {waited}: an operation on it (an earlier run's, or "
            "someone else's) has not finished; check its activity log in the Azure portal, and "
            "run again once it shows Succeeded or Failed",
        )
    return None


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 120 else f"{seconds:g} seconds"
