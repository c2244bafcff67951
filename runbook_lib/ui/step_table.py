"""One step's rows as a table: what the session shows after a step cell and the panel after a button (both import
it, so neither imports the other for it)."""

from __future__ import annotations

import pandas as pd

from ..engine.runbook import StepReport
from .tables import styled


def step_view(report: StepReport):
    """A step's rows (resource, action, after, reason) with its status coloured."""
    return styled(step_frame(report))


def step_frame(report: StepReport) -> pd.DataFrame:
    """A step's rows: resource, action, after, reason (the step's detail when it has no rows)."""
    return pd.DataFrame(
        [
            {
                "Step": report.id,
                "Status": report.status,
                "Resource": r.resource,
                "Action": r.action,
                "After": "" if r.after is None else str(r.after),
                "Reason": r.reason,
            }
            for r in report.rows
        ]
        or [
            {
                "Step": report.id,
                "Status": report.status,
                "Resource": "",
                "Action": "",
                "After": "",
                "Reason": report.detail,
            }
        ]
    )
