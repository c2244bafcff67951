"""Step cells whose output the run's panel superseded, marked in the notebook saved as evidence.

A consultant runs a step cell, then presses the step's Apply (or Plan, Verify, I did this) button: the cell still
shows the plan it printed, though the step is now done. The saved notebook keeps what the cell showed, under a note
that says when and by which button the step ran again, followed by the step as it stands: a reader of the HTML sees
the truth first and the history below it, never a stale plan alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from nbformat import NotebookNode
from nbformat.v4 import new_output

# the calls a runbook notebook's cells make (notebooks are generated: one call per cell)
_STEP_CELL = re.compile(r"""^\s*\w+\.step\(\s*["']([^"']+)["']\s*\)\s*$""")
_SUMMARY_CELL = re.compile(r"^\s*\w+\.summary\(\s*\)\s*$")
SUMMARY = "summary"  # the key of the summary cell's note
_NOTE_STYLE = "border-left:4px solid #f0ad4e;background:#fff3cd;padding:4px 8px;margin:4px 0"
_BEFORE_STYLE = "border-left:4px solid #aaa;background:#f2f2f2;padding:4px 8px;margin:4px 0"


@dataclass(frozen=True)
class Supersession:
    """What superseded a cell's output: ``what`` (e.g. "the panel's Apply button ran step 'vault' (by owner)"),
    when, the step's status now, and its rows now (HTML and plain text)."""

    what: str
    time: str
    status: str
    html: str
    text: str
    cell_ran: bool  # the cell ran in this session (its output is what the button superseded)


def cell_call(source: str) -> str | None:
    """The step id a step cell runs, SUMMARY for the summary cell, None for any other cell."""
    if found := _STEP_CELL.match(source):
        return found[1]
    return SUMMARY if _SUMMARY_CELL.match(source) else None


def mark_superseded(notebook: NotebookNode, notes: Mapping[str, Supersession]) -> list[str]:
    """Put each note at the top of its cell's outputs (``notes``: by step id, or SUMMARY), the cell's own outputs
    kept below it; returns the keys of the cells marked."""
    marked = []
    for cell in notebook.cells:
        key = cell_call(cell.source) if cell.cell_type == "code" else None
        if key is None or key not in notes:
            continue
        note, shown = notes[key], list(cell.get("outputs", []))
        head = (
            f"Superseded at {note.time}: after this cell ran, {note.what}"
            if note.cell_ran
            else f"At {note.time} {note.what}; this cell did not run in this session"
        )
        head += (
            f". The step is now '{note.status}'; as it stands:"
            if key != SUMMARY
            else f". The run is now '{note.status}'; its steps as they stand:"
        )
        outputs = [
            _html(
                f"<div style='{_NOTE_STYLE}'><b>{escape(head)}</b></div>{note.html}",
                f"{head}\n{note.text}",
                {"superseded": {"time": note.time, "by": note.what}},
            )
        ]
        if shown:
            outputs.append(
                _html(
                    f"<div style='{_BEFORE_STYLE}'>What this cell showed when it ran, before that:</div>",
                    "What this cell showed when it ran, before that:",
                    {},
                )
            )
        cell.outputs = outputs + shown
        marked.append(key)
    return marked


def _html(html: str, text: str, metadata: dict) -> NotebookNode:
    return new_output("display_data", data={"text/html": html, "text/plain": text}, metadata={"runbook": metadata})
