"""What an interactive run did, step by step, for its evidence: each press of a step's button (Plan, Apply,
Verify, I did this) and each run of its cell, when and by whom, with the step's status after it.

The journal already holds the changes and confirmations; this record adds what a reader of the saved notebook
cannot see: which button ran a step, and whether the cell's output still tells what the step is now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from ..journal import Change, Entry, utc_now

if TYPE_CHECKING:
    from ..engine.runbook import StepReport
    from ..engine.status import StepStatus

Action = Literal["plan", "apply", "verify", "confirm"]
Via = Literal["button", "cell"]
BUTTONS: dict[Action, str] = {"plan": "Plan", "apply": "Apply", "verify": "Verify", "confirm": "I did this"}
MODE = "interactive"  # the manifest's mode for a run saved from the panel


@dataclass(frozen=True)
class StepAction:
    step: str
    action: Action
    via: Via
    by: str
    status: StepStatus  # the step's status after it
    time: str = field(default_factory=utc_now)

    def describe(self) -> str:
        """E.g. "the panel's Apply button ran step 'vault' (by owner)"."""
        how = f"the panel's {BUTTONS[self.action]} button" if self.via == "button" else f"its cell ({self.action})"
        return f"{how} ran step '{self.step}' (by {self.by})"


def applied(actions: Iterable[StepAction], entries: Iterable[Entry]) -> bool:
    """Anything was applied or confirmed (by a button, or a cell in apply mode), or the journal holds a change."""
    return any(a.action in ("apply", "confirm") for a in actions) or any(isinstance(e, Change) for e in entries)


def steps_record(reports: Sequence[StepReport], actions: Sequence[StepAction], entries: Sequence[Entry]) -> list[dict]:
    """The manifest's ``steps``: per step the article's section it implements (and its address), its status now,
    why, how many changes the journal holds for it, and every action on it in order."""
    return [
        {
            "id": r.id,
            "title": r.title,
            "source": str(r.source),
            "url": r.source.url,
            "kind": r.kind,
            "status": r.status,
            "detail": r.detail,
            "changes": sum(1 for e in entries if isinstance(e, Change) and e.step == r.id),
            "actions": [{k: v for k, v in asdict(a).items() if k != "step"} for a in actions if a.step == r.id],
        }
        for r in reports
    ]


def last_actions(actions: Iterable[StepAction], cell_step: str) -> tuple[StepAction | None, bool]:
    """(the last action on the steps a step cell runs: ``cell_step`` or its batches, whether that cell ran)."""
    mine = [a for a in actions if a.step == cell_step or a.step.startswith(f"{cell_step}-batch-")]
    return (mine[-1] if mine else None), any(a.via == "cell" for a in mine)
