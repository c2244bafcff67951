"""Scenario parameters: a typed model per scenario, loaded from YAML, refused whole with one line per bad field.

Refused before anything runs, each naming the key (or, when the key itself looks like a credential, its line):
a file that is not text or is over 1 MB, YAML that does not parse, a key given twice, a value that looks like a
credential, a template's placeholder left in (CHANGE-ME, the all-zero subscription), a file of another scenario's
parameters, an unknown name, a wrong type or shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from ..errors import DuplicateKey, InputError
from ..secrets import secret_kind  # re-exported: values that are credentials never belong in parameters
from ..textfile import read_text

M = TypeVar("M", bound=BaseModel)  # a scenario's parameters, a DNS notebook's, or a team notebook's cell's
Models = Mapping[str, type[BaseModel]]

# what the `*.azure.yaml` templates leave for the consultant to fill in (parameters/README.md)
PLACEHOLDERS = {
    "CHANGE-ME": "the template's placeholder CHANGE-ME",
    "00000000-0000-0000-0000-000000000000": "the template's all-zero subscription id",
}


class ScenarioParameters(BaseModel):
    """Unknown names are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    confirm: tuple[str, ...] = ()  # manual steps done (their ids): how a headless run confirms them


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<: *defaults' may be overridden by the keys beside it, as YAML means
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise DuplicateKey(key, line, seen[key])
            if isinstance(key, (str, int, float, bool)):
                seen[key] = line
        return super().construct_mapping(node, deep)


def read_parameters(path: str | Path) -> dict[str, Any]:
    """A parameters file as a mapping, its values checked (credentials, placeholders); an InputError naming the file
    and the key or line for a file that is not text, YAML that does not parse, a key given twice."""
    name = str(path)
    text = read_text(path, name)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        lines = {k.value: k.start_mark.line + 1 for k, _ in node.value} if isinstance(node, yaml.MappingNode) else {}
        data = loader.construct_document(node) if node is not None else None
    except DuplicateKey as twice:
        key = "a parameter whose name looks like a credential" if secret_kind(str(twice.key)) else f"'{twice.key}'"
        raise InputError(
            f"{name}: line {twice.line}: {key} is given twice (first on line {twice.first}); keep one "
            "(YAML would silently use the last)"
        ) from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or type(error).__name__
        line = f" at line {where.line + 1}" if where is not None else ""
        raise InputError(f"{name}: not valid YAML{line} ({problem})") from None  # never the line's text: a secret?
    finally:
        loader.dispose()
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise InputError(f"{name}: expected a mapping of parameter names to values")
    check_values(data, name, lines)
    return data


def check_values(data: Mapping[Any, Any], name: str, lines: Mapping[Any, int] | None = None) -> None:
    """Refuse values that are credentials and placeholders left in, one line per key. A key that itself looks like
    a credential is never echoed: its line (or position) names it."""
    problems = []
    for position, (key, value) in enumerate(data.items(), 1):
        where = f"line {lines[key]}" if lines and key in lines else f"parameter {position}"
        if key_kind := secret_kind(str(key)):
            problems.append(
                f"{name}: {where}: a parameter whose name or value looks like a credential ({key_kind}); "
                "remove it: credentials come from azure-identity, never from parameters"
            )
        elif value_kind := secret_kind(value):
            problems.append(
                f"{name}: {key}: looks like {value_kind}; credentials come from azure-identity, never from parameters"
            )
        elif placeholder := _placeholder(value):
            at = f" (line {lines[key]})" if lines and key in lines else ""
            problems.append(
                f"{name}: {key}{at}: still holds {PLACEHOLDERS[placeholder]}; replace it with the "
                "customer's value (the comment above it says what goes there)"
            )
    if problems:
        raise InputError("\n".join(problems))


def load_parameters(
    model: type[M],
    source: str | Path | dict,
    *,
    name: str | None = None,
    others: Models | Callable[[], Models] | None = None,
    command: str = "plan",
) -> M:
    """The parameters from a YAML file (or a dict), checked against ``model``; an InputError with one line per
    bad field ('field: what is wrong') otherwise. ``others``: the other scenarios' models (or a function giving
    them), to say so when the file holds another scenario's parameters (`runbook {command} OTHER`); ``name``: what
    errors call a dict (the file it was read from)."""
    name = name or (str(source) if not isinstance(source, dict) else "parameters")
    if isinstance(source, dict):
        data = source
        check_values(data, name)
    else:
        data = read_parameters(source)
    unknown = [key for key in data if key not in model.model_fields]
    if unknown and others is not None and (other := _owner(data, others() if callable(others) else others)):
        raise InputError(
            f"{name}: these are the parameters of {other} ({', '.join(map(str, unknown))} "
            f"{'is' if len(unknown) == 1 else 'are'} not this runbook's): run `runbook {command} "
            f"{other} -f {name}`, or give this runbook's parameters"
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError("\n".join(f"{name}: {_field(e)}: {_message(e, model)}" for e in error.errors())) from None


def _owner(data: Mapping[Any, Any], others: Models) -> str | None:
    """The other scenario whose model knows every key of ``data`` (the one with the fewest fields, the closest)."""
    fits = [
        (len(model.model_fields), scenario)
        for scenario, model in others.items()
        if set(data) <= set(model.model_fields)
    ]
    return min(fits)[1] if fits else None


def _placeholder(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        return next((found for item in value if (found := _placeholder(item))), None)
    if isinstance(value, dict):
        return next((found for item in value.values() if (found := _placeholder(item))), None)
    if isinstance(value, str):
        return next((p for p in PLACEHOLDERS if p.lower() in value.lower()), None)
    return None


def _field(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top)"


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown parameter; known: {', '.join(model.model_fields)}"
    return error["msg"].removeprefix("Value error, ")
