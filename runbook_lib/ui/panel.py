"""The run's panel in JupyterLab: its parameters (pre-filled from the parameters cell) and its steps, each with
its status and Plan / Apply / Verify buttons; a manual step shows its instructions and an "I did this" button.

On real Azure a button never changes anything before a person confirms the step's plan. Whatever a button does is
also a plain output: the panel's cell holds a status table (and the last step's rows) updated in place, so the
saved notebook and its HTML read correctly without a widget runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..engine.runbook import StepReport
from ..engine.status import StepStatus
from ..engine.step import ManualStep, Step
from ..errors import RunbookError
from ..evidence.interactive import Action
from .parameter_form import ParameterForm
from .step_table import step_view
from .tables import COLOURS, show, styled
from .undo_box import UndoBox

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from .session import Session

AUTO = widgets.Layout(width="auto")


APPLY_OFF = (StepStatus.NOTHING_TO_DO, StepStatus.DONE)  # statuses after which Apply has nothing to write
CONFIRMED = (StepStatus.CONFIRMED, StepStatus.DONE)


class StepRow(widgets.VBox):
    """One step: title, status, its buttons, then what the last button said (its refusal, Verify's result), next
    to the button (and a manual step's instructions)."""

    def __init__(self, step: Step, act: Callable[[str, str], None]):
        self.status = widgets.HTML()
        self.status.add_class("runbook-status")
        actions = ("I did this",) if isinstance(step, ManualStep) else ("Plan", "Apply", "Verify")
        self.buttons: dict[str, widgets.Button] = {}
        for action in actions:
            button = widgets.Button(
                description=action, layout=AUTO, button_style="warning" if action == "Apply" else ""
            )
            button.on_click(lambda _, action=action: act(step.id, action))
            self.buttons[action] = button
        self.note = widgets.HTML(layout=widgets.Layout(width="auto", max_width="40%"))
        self.note.add_class("runbook-step-note")
        title = widgets.HTML(
            f"<b>{escape(step.title)}</b><br><small style='color:#666'>"
            f"<a href='{escape(step.source.url)}' target='_blank'>{escape(str(step.source))}</a>"
            "</small>",
            layout=widgets.Layout(width="48%"),
        )
        line = widgets.HBox([title, self.status, *self.buttons.values(), self.note])
        rows: list[widgets.Widget] = [line]
        if isinstance(step, ManualStep):
            rows.append(widgets.HTML(f"<div style='margin-left:1em'>{escape(step.instructions)}</div>"))
        super().__init__(rows)
        self.add_class("runbook-step")
        self.add_class(f"runbook-step-{step.id}")

    def show(self, report: StepReport) -> None:
        colour = COLOURS.get(report.status, "")
        self.status.value = (
            f"<span class='runbook-status-value' title='{escape(report.detail, quote=True)}' "
            f"style='background:{colour};padding:2px 8px;border-radius:4px'>"
            f"{escape(report.status)}</span>"
        )
        if "Apply" in self.buttons:
            self.buttons["Apply"].disabled = report.status in APPLY_OFF
            self.buttons["Apply"].tooltip = (
                "nothing to apply: the step is in place" if report.status in APPLY_OFF else ""
            )
        if "I did this" in self.buttons:
            self.buttons["I did this"].disabled = report.status in CONFIRMED

    def say(self, text: str, refused: bool = False) -> None:
        """Show what the pressed button said, next to it; a refusal in red."""
        colour = "#c0392b" if refused else "#1e6b34"
        self.note.value = f"<span style='color:{colour}'>{escape(text)}</span>" if text else ""
        if refused:
            self.add_class("runbook-refused")
        else:
            self.remove_class("runbook-refused")


class RunPanel(widgets.VBox):
    def __init__(self, session: Session):
        self.session = session
        session.panel = self
        self._header, self._message = widgets.HTML(), widgets.HTML()
        self._confirmation = widgets.VBox(layout=widgets.Layout(display="none"))
        self._form = ParameterForm(session.values, self._restart, model=type(session.execution.run.params))
        parameters = widgets.Accordion([self._form], titles=("Parameters",), selected_index=None)
        self._steps = widgets.VBox()
        self._rows: dict[str, StepRow] = {}
        self._results: DisplayHandle | None = None
        self._last: StepReport | None = None
        save = widgets.Button(
            description="Save the run as evidence",
            icon="archive",
            layout=AUTO,
            tooltip="save the notebook first (Ctrl+S): the archive holds it as saved",
        )
        save.on_click(lambda _: self.save())
        self._undo = UndoBox(session, self._ask, self._tell)
        self._undo.button.on_click(lambda _: self.undo())
        super().__init__([self._header, parameters, self._steps, save, self._undo, self._confirmation, self._message])
        self.add_class("runbook-panel")
        self.refresh()

    def __repr__(self) -> str:  # what a reader without the widget runtime sees in the widget's place
        return f"Run panel for {self.session.scenario}: the table below holds every step's status"

    def show(self) -> None:
        """Display the panel, and below it the plain table it keeps up to date."""
        show(self)
        from IPython.display import display

        self._results = display(self._view(), display_id=True)

    def refresh(self) -> None:
        """Show every step's status (after a button, a step cell, or a restart)."""
        execution = self.session.execution
        self._header.value = (
            f"<h3 style='margin:4px 0'>{escape(execution.runbook.name)}</h3>"
            f"<div>mode <b>{escape(execution.run.mode)}</b> on "
            f"{escape(self.session.describe_target())}; buttons work on one step each</div>"
            f"<div class='runbook-apply-says'>{escape(self.apply_says())}</div>"
        )
        if list(self._rows) != [s.id for s in execution.runbook.steps]:
            self._rows = {s.id: StepRow(s, self.click) for s in execution.runbook.steps}
            self._steps.children = list(self._rows.values())
        for step_id, report in execution.reports.items():
            self._rows[step_id].show(report)
        if self._results is not None:
            self._results.update(self._view())

    def apply_says(self) -> str:
        """What Apply does on this target, in one sentence."""
        if self.session.needs_confirmation:
            return (
                f"Apply plans the step again, shows its changes to {self.session.describe_target()} and writes "
                "them only when you confirm: real resources change."
            )
        return "Apply writes the step's changes to the sandbox at once (no Azure resource changes) and verifies them."

    def click(self, step_id: str, action: str) -> None:
        """What a step's button does: Plan, Apply (on Azure only after a confirmation), Verify, or I did this."""
        execution = self.session.execution
        self._hide_confirmation()
        if action == "Plan":
            self._attempt(step_id, "plan", lambda: execution.step(step_id, "plan"))
        elif action == "Verify":
            self._attempt(step_id, "verify", lambda: execution.verify(step_id))
        elif action == "I did this":
            self._attempt(step_id, "confirm", lambda: execution.confirm(step_id, "panel button"))
        elif not self.session.needs_confirmation:
            self._attempt(step_id, "apply", lambda: execution.step(step_id, "apply"))
        else:
            self._attempt(step_id, "plan", lambda: execution.step(step_id, "plan"))
            if self._last is not None and self._last.id == step_id and self._last.status == StepStatus.PLANNED:
                changes = sum(row.changes for row in self._last.rows)
                self._ask(
                    f"Apply {changes} change(s) of step '{step_id}' to {self.session.describe_target()}? The "
                    "step plans again and writes only what that plan shows.",
                    lambda: self._attempt(step_id, "apply", lambda: execution.step(step_id, "apply")),
                )

    def save(self) -> None:
        """Archive the run (ui.session.Session.save_evidence) into the runs folder; say where, or why not."""
        try:
            folder = self.session.save_evidence()
            self._message.value = f"<span>saved as evidence in <code>{escape(str(folder))}</code></span>"
            self._undo.offer(folder)
        except RunbookError as error:
            self._say(error)

    def undo(self) -> None:
        """Plan the undo of the run saved last, as its "Undo this run" button does (applied once confirmed)."""
        self._hide_confirmation()
        self._message.value = ""
        self._undo.show_plan()
        self.refresh()

    def _attempt(self, step_id: str, action: Action, work: Callable[[], StepReport]) -> None:
        """Run a button's work on the run: its report becomes the last shown (and the session's record of what
        the buttons did), a refusal the panel's message."""
        self._hide_confirmation()
        self._message.value, self._last = "", None
        row = self._rows.get(step_id)
        try:
            self._last = work()
            self.session.record(step_id, action, "button", self._last)
            if row is not None:
                row.say(f"{action}: {self._last.detail or self._last.status}")
        except RunbookError as error:
            self._say(error)
            if row is not None:
                row.say(str(error), refused=True)
        self.refresh()

    def _say(self, error: RunbookError) -> None:
        self._tell(escape(str(error)), refused=True)

    def _tell(self, html: str, refused: bool = False) -> None:
        self._message.value = f"<span style='color:#c0392b'>{html}</span>" if refused else f"<span>{html}</span>"

    def _ask(self, question: str, then: Callable[[], None], yes_label: str = "Yes, apply") -> None:
        yes = widgets.Button(description=yes_label, button_style="danger", layout=AUTO)
        no = widgets.Button(description="Cancel", layout=AUTO)
        yes.on_click(lambda _: self._answered(then))
        no.on_click(lambda _: self._hide_confirmation())
        self._confirmation.children = [widgets.HTML(f"<b>{escape(question)}</b>"), widgets.HBox([yes, no])]
        self._confirmation.layout.display = "flex"

    def _answered(self, then: Callable[[], None]) -> None:
        self._hide_confirmation()
        try:
            then()
        except RunbookError as error:
            self._say(error)
        self.refresh()

    @property
    def confirming(self) -> bool:
        return self._confirmation.layout.display != "none"

    def confirm(self, yes: bool = True) -> None:
        """Answer the open confirmation as its Yes or Cancel button would."""
        if not self.confirming:
            raise RunbookError("no change is waiting for a confirmation")
        self._confirmation.children[1].children[0 if yes else 1].click()

    def _hide_confirmation(self) -> None:
        self._confirmation.layout.display = "none"
        self._confirmation.children = []

    def _restart(self, values: dict) -> None:
        try:
            self._last = None
            self.session.restart(values)
            self._form.clear()
            self._form.message.value = "<span>started again with these parameters</span>"
            self._message.value = "<span>started again with these parameters</span>"
        except RunbookError as error:
            self._form.refuse(str(error))
            self._say(error)

    def _view(self):
        """The plain output below the panel: every step's status, then the rows of the step a button last ran."""
        from IPython.display import HTML

        html = styled(self.session.execution.report().table()).to_html()
        if self._last is not None:
            html += f"<p><b>Last: {escape(self._last.id)}</b></p>" + step_view(self._last).to_html()
        return HTML(html + self._undo.view_html())
