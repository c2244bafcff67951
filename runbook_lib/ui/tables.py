"""Tables a person reads in a notebook: one renderer for every DataFrame a notebook shows (plain HTML and text, no
widget runtime). No index column, text left-aligned, a resource id shown as its name with the full id on hover (the
cell's ``title``) and listed under the plain text, FQDNs whole (wrapped to the notebook's width, never cut short),
the status coloured; any secret in a cell redacted before it is shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

import pandas as pd

from ..engine.status import StepStatus
from ..engine.step import Action
from ..journal import CheckStatus
from ..secrets import environment_secrets, redact

# background colours by status (and by plan action)
COLOURS: dict[str, str] = {
    StepStatus.DONE: "#d4edda",
    StepStatus.CONFIRMED: "#d4edda",
    CheckStatus.PASS: "#d4edda",
    StepStatus.NOTHING_TO_DO: "#eef6ee",
    Action.UNCHANGED: "#eef6ee",
    StepStatus.PLANNED: "#fff3cd",
    Action.CREATE: "#fff3cd",
    Action.UPDATE: "#fff3cd",
    Action.DELETE: "#fff3cd",
    CheckStatus.WARN: "#fff3cd",
    StepStatus.WAITING: "#e2e3e5",
    StepStatus.NOT_RUN: "#f2f2f2",
    StepStatus.BLOCKED: "#f8d7da",
    StepStatus.FAILED: "#f8d7da",
    CheckStatus.FAIL: "#f8d7da",
}
ID_PREFIXES = ("/subscriptions/", "/providers/")
# inline styles: JupyterLab's and nbconvert's stylesheets right-align cells (and a page may let every cell break
# anywhere), an inline style wins over them
TABLE_STYLE = "border-collapse:collapse;max-width:100%;table-layout:auto"
_CELL = "text-align:left;vertical-align:top;white-space:normal;padding:0.25em 0.5em;overflow-wrap:"
# a word this long (an FQDN, a URL) breaks after a dot, slash, hyphen or underscore (a <wbr> there) rather than
# widen the table past the notebook: never mid-label. 'break-word' keeps a label whole when the column is sized;
# 'anywhere' would let the table squeeze every word letter by letter.
LONG_WORD = 24
CELL_STYLE, LONG_CELL_STYLE = _CELL + "normal", _CELL + "break-word"
_BREAK_AFTER = re.compile(r"([./_-])(?=\w)")


def is_resource_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith(ID_PREFIXES) and " " not in value


def id_name(resource_id: str) -> str:
    """A resource id's last segment: the resource's name."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Table:
    """A frame as a notebook shows it; ``status`` names the column coloured by value (none when absent)."""

    frame: pd.DataFrame
    status: str | None = "Status"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.to_string()

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's text/plain
        printer.text(self.to_string())

    def to_html(self) -> str:
        head = "".join(f'<th style="{CELL_STYLE}">{escape(str(c))}</th>' for c in self.frame.columns)
        body = (
            "".join(
                "<tr>" + "".join(self._cell_html(column, value) for column, value in row.items()) + "</tr>"
                for _, row in self.frame.iterrows()
            )
            or f'<tr><td style="{CELL_STYLE}" colspan="{max(len(self.frame.columns), 1)}"><i>none</i></td></tr>'
        )
        return (
            f'<table class="runbook-table" style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )

    def _cell_html(self, column: str, value: object) -> str:
        text = _text(value)
        shown = id_name(text) if is_resource_id(text) else text
        long = any(len(w) >= LONG_WORD for w in shown.split())
        style = LONG_CELL_STYLE if long else CELL_STYLE
        if column == self.status and COLOURS.get(text):
            style += f";background-color:{COLOURS[text]}"
        title = f' title="{escape(text)}"' if shown != text else ""
        body = _BREAK_AFTER.sub(r"\1<wbr>", escape(shown)) if long else escape(shown)
        return f'<td style="{style}"{title}>{body}</td>'

    def to_string(self) -> str:
        """Left-aligned columns, ids as names; each full id listed under the table, once, by its name."""
        cells = [
            [id_name(t) if is_resource_id(t) else t.replace("\n", " ") for t in map(_text, row)]
            for row in self.frame.itertuples(index=False)
        ]
        columns = [str(c) for c in self.frame.columns]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
        lines += ["  ".join(t.ljust(w) for t, w in zip(r, widths)).rstrip() for r in cells] or ["(none)"]
        ids = dict.fromkeys(t for t in map(_text, self.frame.to_numpy().ravel()) if is_resource_id(t))
        if ids:
            lines += [""] + [f"{id_name(i)}: {i}" for i in ids]
        return "\n".join(lines)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def styled(frame: pd.DataFrame, column: str | None = "Status") -> Table:
    """The frame as a notebook shows it (secrets redacted), ``column``'s cells coloured by their value."""
    return Table(redacted(frame), column)


def show(value) -> None:
    """Show a table (or any value) as a cell's plain output."""
    from IPython.display import display

    display(styled(value) if isinstance(value, pd.DataFrame) else value)


def redacted(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every secret in its text cells redacted (secrets.redact, the environment's secrets known)."""
    known = environment_secrets()
    return frame.map(lambda value: redact(value, known) if isinstance(value, str) else value)


def note(text: str):
    """A sentence in place of a table (a table would cut it short)."""
    from IPython.display import Markdown

    return Markdown(f"*{text}*")
