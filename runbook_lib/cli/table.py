"""The one table printer of every `runbook` command: resource ids shortened to `resource-group/name` (whole with
--wide, and always in --json), text left-aligned and numbers right-aligned, long text wrapped to the terminal's width
(120 columns when it is not a terminal) instead of cut."""

from __future__ import annotations

import json
import shutil
from typing import Any

GAP = "  "
MIN_PROSE = 24  # a column of sentences is narrowed to this first (it wraps between words)
MIN_WRAP = 12  # then any column, down to this (a name or an id breaks after a '/', '.' or '-')
BREAKS = "/.-,"


def print_table(frame, as_json: bool = False, *, wide: bool = False) -> None:
    """A DataFrame as a plain table, or as one JSON array of row objects (full ids)."""
    if as_json:
        print(json.dumps(frame.to_dict(orient="records"), default=str))
        return
    if frame.empty:
        print("(none)")
        return
    print("\n".join(format_table(frame, width=None if wide else table_width(), short_ids=not wide)))


def table_width() -> int:
    """$COLUMNS, else the terminal's width, else 120."""
    return shutil.get_terminal_size((120, 24)).columns


def short_id(value: Any) -> Any:
    """'/subscriptions/s/resourceGroups/rg/providers/NS/type/name[/child/name]' -> 'rg/name[/name]'; anything that is
    not an ARM resource id unchanged."""
    if not isinstance(value, str) or not value.lower().startswith("/subscriptions/"):
        return value
    parts = value.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return parts[-1]  # a subscription or a resource group
    group = parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered else ""
    after = parts[lowered.index("providers") + 2 :]  # type/name[/child type/child name...]
    names = after[1::2]
    return "/".join([group, *names]) if group else "/".join(names)


def format_table(frame, *, width: int | None, short_ids: bool = True) -> list[str]:
    """The table's lines: each column as wide as its longest cell, the widest text columns wrapped until the table
    fits ``width`` (None: never wrapped)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    headers = [str(c) for c in frame.columns]
    numeric = [is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c]) for c in frame.columns]
    cells = [[_text(short_id(v) if short_ids else v) for v in row] for row in frame.itertuples(index=False)]
    widths = [
        max([len(h), *(len(line) for row in cells for line in row[i].splitlines() or [""])])
        for i, h in enumerate(headers)
    ]
    if width is not None:
        prose = [any(" " in text for row in cells for text in [row[i]]) for i in range(len(headers))]
        widths = _fit(widths, headers, prose, width)
    lines = [_join([_align(h, w, n) for h, w, n in zip(headers, widths, numeric)])]
    for row in cells:
        wrapped = [_wrap(text, w) for text, w in zip(row, widths)]
        for index in range(max(map(len, wrapped))):
            lines.append(
                _join(
                    [
                        _align(part[index] if index < len(part) else "", w, n)
                        for part, w, n in zip(wrapped, widths, numeric)
                    ]
                )
            )
    return lines


def _fit(widths: list[int], headers: list[str], prose: list[bool], width: int) -> list[int]:
    """Narrow the widest column, sentences first, until the table fits or no column may be narrower."""
    widths = list(widths)
    for floor_of in (lambda i: MIN_PROSE if prose[i] else widths[i], lambda i: MIN_WRAP):
        floor = [max(len(h), min(w, floor_of(i))) for i, (w, h) in enumerate(zip(widths, headers))]
        while sum(widths) + len(GAP) * (len(widths) - 1) > width:
            shrinkable = [i for i, w in enumerate(widths) if w > floor[i]]
            if not shrinkable:
                break
            widths[max(shrinkable, key=lambda i: widths[i])] -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width``: broken between words, and a word longer than that after a '/', '.', '-' or ','."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if len(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while len(word) > width:
                cut = max((word.rfind(c, 0, width) for c in BREAKS), default=-1) + 1
                cut = cut if cut > width // 3 else width
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _align(text: str, width: int, numeric: bool) -> str:
    return text.rjust(width) if numeric else text.ljust(width)


def _join(cells: list[str]) -> str:
    return GAP.join(cells).rstrip()
