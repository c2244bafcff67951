"""A form of a run's parameters, pre-filled from the notebook's parameters cell; ``value`` is what it holds now,
typed as the cell typed it (text, yes/no, a number, a list: one item per line).

A closed vocabulary (a Literal field of the parameter model, or a run option: target, mode, cloud, credential) is a
dropdown; every field shows the help its model's source gives it (the ``# comment`` after it, the same words the
notebook's parameters cell carries); a long id is a text area wide enough to read and edit it whole. A refused
value is shown under its field, which is highlighted, and next to the button that was pressed.
"""

from __future__ import annotations

import inspect
import io
import re
import tokenize
from collections.abc import Callable, Mapping
from functools import cache
from html import escape
from typing import Any, Literal, get_args, get_origin

import ipywidgets as widgets
from pydantic import BaseModel

from ..azure.clients import TargetKind
from ..azure.clouds import CLOUD_NAMES
from ..azure.credentials import CREDENTIAL_NAMES
from ..engine.runbook import MODES

STYLE = {"description_width": "190px"}
LONG = 60  # characters: a longer text (a resource id) gets a text area, so all of it shows
REFUSED = "runbook-refused"

# the run options (ui.session.RUN_OPTIONS) are no model's fields: their vocabularies and help are here
OPTION_CHOICES: dict[str, tuple[str, ...]] = {
    "target": get_args(TargetKind),
    "mode": MODES,
    "cloud": CLOUD_NAMES,
    "credential": CREDENTIAL_NAMES,
}
OPTION_HELP = {
    "target": "sandbox (the local emulator, starting from the contoso demo estate) or azure",
    "subscription": "azure: the subscription the run starts from (credentials come from azure-identity)",
    "cloud": "azure: public, usgov or china",
    "credential": "azure: how to sign in (azure-identity)",
    "state": "sandbox: the estate file (default .sandbox/estate.db)",
    "mode": "plan (reads only) or apply (changes, then verifies)",
    "operator": "sandbox: the principal who runs it (owner or operator)",
    "journal": "a file to append every change and check to (JSON lines)",
    "runs": 'where "Save the run as evidence" puts run folders',
}


class ParameterForm(widgets.VBox):
    def __init__(
        self,
        values: Mapping[str, Any],
        on_submit: Callable[[dict[str, Any]], None],
        submit: str = "Start again with these parameters",
        model: type[BaseModel] | None = None,
    ):
        choices, help_ = {**OPTION_CHOICES, **literal_choices(model)}, {**OPTION_HELP, **field_help(model)}
        self._fields = {name: _field(name, value, choices.get(name)) for name, value in values.items()}
        self._lists = {name for name, value in values.items() if isinstance(value, (list, tuple))}
        self._errors = {name: widgets.HTML(layout=widgets.Layout(margin="0 0 0 194px")) for name in values}
        self._boxes = {
            name: widgets.VBox([self._fields[name], _help(help_.get(name, "")), self._errors[name]]) for name in values
        }
        for name, box in self._boxes.items():
            box.add_class(f"runbook-field-{name}")
        self.submit = widgets.Button(description=submit, icon="refresh", layout=widgets.Layout(width="auto"))
        self.submit.on_click(lambda _: on_submit(self.value))
        self.message = widgets.HTML()
        self.message.add_class("runbook-form-message")
        super().__init__([*self._boxes.values(), widgets.HBox([self.submit, self.message])])
        self.add_class("runbook-parameters")

    @property
    def value(self) -> dict[str, Any]:
        return {
            name: _lines(field.value) if name in self._lists else _one_line(field)
            for name, field in self._fields.items()
        }

    def refuse(self, message: str) -> list[str]:
        """Show a refusal: each line under the field it names (highlighted), all of it next to the button;
        returns the fields named."""
        self.clear()
        named: list[str] = []
        for line in message.splitlines():
            name = next((n for n in self._fields if re.search(rf"(^|: ){re.escape(n)}( \(line \d+\))?:", line)), None)
            if name is not None:
                named.append(name)
                self._errors[name].value += f"<div style='color:#c0392b'>{escape(line)}</div>"
                self._boxes[name].add_class(REFUSED)
                self._boxes[name].layout.border = "2px solid #c0392b"
        self.message.value = f"<span style='color:#c0392b'>{escape(message)}</span>"
        return named

    def clear(self) -> None:
        self.message.value = ""
        for name, box in self._boxes.items():
            self._errors[name].value = ""
            box.remove_class(REFUSED)
            box.layout.border = None


def literal_choices(model: type[BaseModel] | None) -> dict[str, tuple[str, ...]]:
    """The model's fields typed as a Literal, with their values."""
    if model is None:
        return {}
    return {
        name: tuple(map(str, get_args(info.annotation)))
        for name, info in model.model_fields.items()
        if get_origin(info.annotation) is Literal
    }


@cache
def field_help(model: type[BaseModel] | None) -> dict[str, str]:
    """Each field's help: the ``# comment`` on the line that declares it in the model's source (or a base's)."""
    found: dict[str, str] = {}
    for cls in reversed((model or object).__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        above: list[str] = []  # a block of comment lines just above a field is its help, too
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string.lstrip("#").strip()
            declared = re.match(r"\s*(\w+)\s*:", token.line)
            if token.type == tokenize.COMMENT and declared and declared[1] in cls.model_fields:
                found[declared[1]] = text
            elif token.type == tokenize.COMMENT:
                above.append(text)
            elif (
                token.type == tokenize.NAME
                and declared
                and token.start[1] == token.line.index(declared[1])
                and token.string == declared[1]
                and declared[1] in cls.model_fields
            ):
                if above:
                    found[declared[1]] = " ".join(above)
                above = []
            elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                above = []
    return found


def _help(text: str) -> widgets.HTML:
    return widgets.HTML(
        f"<small style='color:#555'>{escape(text)}</small>" if text else "",
        layout=widgets.Layout(margin="0 0 4px 194px"),
    )


def _field(name: str, value: Any, choices: tuple[str, ...] | None) -> widgets.Widget:
    layout = widgets.Layout(width="95%")
    if choices and value in choices:
        return widgets.Dropdown(
            options=choices, value=value, description=name, style=STYLE, layout=widgets.Layout(width="60%")
        )
    if isinstance(value, bool):
        return widgets.Checkbox(value=value, description=name, style=STYLE, indent=False)
    if isinstance(value, int):
        return widgets.IntText(value=value, description=name, style=STYLE, layout=layout)
    if isinstance(value, (list, tuple)):
        return widgets.Textarea(
            value="\n".join(map(str, value)), description=name, style=STYLE, layout=layout, placeholder="one per line"
        )
    text = "" if value is None else str(value)
    if len(text) > LONG:  # a resource id: a text area wraps it, so the whole id shows and can be edited
        return widgets.Textarea(value=text, description=name, style=STYLE, layout=layout, rows=2)
    return widgets.Text(value=text, description=name, style=STYLE, layout=layout)


def _one_line(field: widgets.Widget) -> Any:
    """A long id's text area holds one value: a line break typed into it is not part of it."""
    return "".join(field.value.split("\n")).strip() if isinstance(field, widgets.Textarea) else field.value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
