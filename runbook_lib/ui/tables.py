"""Tables a person reads in a notebook: DataFrames with the status coloured (plain HTML, no widget runtime), with
any secret in a cell redacted before it is shown."""

from __future__ import annotations

import pandas as pd

from ..secrets import environment_secrets, redact

# background colours by status (and by plan action)
COLOURS = {
    "done": "#d4edda", "confirmed": "#d4edda", "pass": "#d4edda", "nothing to do": "#eef6ee", "none": "#eef6ee",
    "planned": "#fff3cd", "create": "#fff3cd", "update": "#fff3cd", "warn": "#fff3cd",
    "waiting": "#e2e3e5", "not run": "#f2f2f2",
    "blocked": "#f8d7da", "failed": "#f8d7da", "fail": "#f8d7da",
}


def show(value) -> None:
    """Show a table (or any value) as a cell's plain output."""
    from IPython.display import display

    display(redacted(value) if isinstance(value, pd.DataFrame) else value)


def redacted(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every secret in its text cells redacted (secrets.redact, the environment's secrets known)."""
    known = environment_secrets()
    return frame.map(lambda value: redact(value, known) if isinstance(value, str) else value)


def note(text: str):
    """A sentence in place of a table (a table would cut it short)."""
    from IPython.display import Markdown

    return Markdown(f"*{text}*")


def styled(frame: pd.DataFrame, column: str = "Status"):
    """The frame with ``column``'s cells coloured by their value; left as it is without that column."""
    frame = redacted(frame)
    if column not in frame.columns or frame.empty:
        return frame
    return frame.style.map(lambda value: f"background-color: {COLOURS.get(str(value), '')}", subset=[column]) \
        .hide(axis="index")
