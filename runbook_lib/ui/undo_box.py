"""The panel's "Undo this run", for the run it saved as evidence: the same plan as `runbook undo RUN_DIR` shown as a
table, applied only once a person confirms it, and sealed as a run folder of its own naming the run it undid (as
`runbook undo --apply` does).

An undo writes many resources at once, each a resource the saved run made or changed: the panel asks on every
target, the sandbox too (the plan shown is what the confirmation is about).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..errors import RunbookError
from ..undo import UndoPlan, apply_undo, plan_undo
from .tables import styled

if TYPE_CHECKING:
    from .session import Session

Ask = Callable[[str, Callable[[], None], str], None]  # the panel's confirmation: question, then, the Yes label
Say = Callable[[str, bool], None]  # the panel's message: html, refused


class UndoBox(widgets.VBox):
    """Hidden until the panel saves the run; then its button (wired by the panel to ``show_plan``) plans the undo
    and asks before applying it."""

    def __init__(self, session: Session, ask: Ask, say: Say):
        self.session, self._ask, self._say = session, ask, say
        self.folder: Path | None = None  # the run saved last (the one to undo)
        self.plan: UndoPlan | None = None
        self.button = widgets.Button(
            description="Undo this run",
            icon="undo",
            layout=widgets.Layout(width="auto"),
            tooltip="plan the reverse of what the saved run changed; nothing changes before you confirm",
        )
        self.table = widgets.HTML()
        self.table.add_class("runbook-undo-plan")
        super().__init__([self.button, self.table], layout=widgets.Layout(display="none"))
        self.add_class("runbook-undo")

    def offer(self, folder: Path) -> None:
        """Show the button for the run just saved in ``folder`` (a plan shown for an earlier save is dropped)."""
        self.folder, self.plan, self.table.value = folder, None, ""
        self.layout.display = "flex"

    def show_plan(self) -> None:
        """Plan the undo of the saved run against what is there now; ask before applying it."""
        if self.folder is None:
            raise RunbookError("undo: save the run as evidence first; the undo starts from its folder")
        try:
            self.plan = plan_undo(self.folder, self.session.execution.run.clients)
        except RunbookError as error:
            self.plan, self.table.value = None, ""
            self._say(escape(str(error)), True)
            return
        self.table.value = self.view_html()
        plan = self.plan
        if not plan.changes:
            self._say(
                f"nothing to undo: run {escape(plan.run_id)}'s changes are already undone"
                + (f", or changed since ({len(plan.conflicts)} conflicts, left as they are)" if plan.conflicts else ""),
                False,
            )
            return
        conflicts = f"; {len(plan.conflicts)} changed since the run are left as they are" if plan.conflicts else ""
        self._ask(
            f"Undo {len(plan.changes)} change(s) of run {plan.run_id} on {self.session.describe_target()}, as the "
            f"table shows{conflicts}? The undo is saved as a run folder of its own.",
            self.apply,
            "Yes, undo",
        )

    def apply(self) -> None:
        """Make the plan shown (after the confirmation) and seal it; say how it went and where it is."""
        if self.plan is None:
            raise RunbookError("undo: no undo plan is shown; press 'Undo this run' first")
        undone = apply_undo(self.plan, self.session.execution.run.clients)
        self._say(
            f"undo {escape(undone.status)}: {escape(undone.detail)}; saved as evidence in "
            f"<code>{escape(str(undone.folder))}</code>",
            undone.status != "ok",
        )
        self.plan = plan_undo(self.plan.folder, self.session.execution.run.clients)  # what is left: nothing to undo
        self.table.value = self.view_html()

    def view_html(self) -> str:
        """The plan shown, as plain HTML (for the panel's output too): empty when none is shown."""
        if self.plan is None:
            return ""
        return f"<p><b>Undo of run {escape(self.plan.run_id)}</b></p>" + styled(self.plan.table(), "Action").to_html()
