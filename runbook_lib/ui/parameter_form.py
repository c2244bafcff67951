"""A form of a run's parameters, pre-filled from the notebook's parameters cell; ``value`` is what it holds now,
typed as the cell typed it (text, yes/no, a number, a list: one item per line)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

STYLE = {"description_width": "190px"}


class ParameterForm(widgets.VBox):
    def __init__(self, values: Mapping[str, Any], on_submit: Callable[[dict[str, Any]], None],
                 submit: str = "Start again with these parameters"):
        self._fields = {name: _field(name, value) for name, value in values.items()}
        self._lists = {name for name, value in values.items() if isinstance(value, (list, tuple))}
        button = widgets.Button(description=submit, icon="refresh", layout=widgets.Layout(width="auto"))
        button.on_click(lambda _: on_submit(self.value))
        super().__init__([*self._fields.values(), button])
        self.add_class("runbook-parameters")

    @property
    def value(self) -> dict[str, Any]:
        return {name: _lines(field.value) if name in self._lists else field.value
                for name, field in self._fields.items()}


def _field(name: str, value: Any) -> widgets.Widget:
    layout = widgets.Layout(width="95%")
    if isinstance(value, bool):
        return widgets.Checkbox(value=value, description=name, style=STYLE, indent=False)
    if isinstance(value, int):
        return widgets.IntText(value=value, description=name, style=STYLE, layout=layout)
    if isinstance(value, (list, tuple)):
        return widgets.Textarea(value="\n".join(map(str, value)), description=name, style=STYLE, layout=layout,
                                placeholder="one per line")
    return widgets.Text(value="" if value is None else str(value), description=name, style=STYLE, layout=layout)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
