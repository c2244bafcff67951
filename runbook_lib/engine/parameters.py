"""Scenario parameters: a typed model per scenario, loaded from YAML, refused whole with one line per bad field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InputError
from ..secrets import secret_kind  # re-exported: values that are credentials never belong in parameters

M = TypeVar("M", bound="ScenarioParameters")


class ScenarioParameters(BaseModel):
    """Unknown names are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    confirm: tuple[str, ...] = ()  # manual steps done (their ids): how a headless run confirms them


def load_parameters(model: type[M], source: str | Path | dict) -> M:
    """The parameters from a YAML file (or a dict), checked against ``model``; an InputError with one line per
    bad field ('field: what is wrong') otherwise."""
    name = str(source) if not isinstance(source, dict) else "parameters"
    if isinstance(source, dict):
        data = source
    else:
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
        except OSError as error:
            raise InputError(f"{name}: cannot read it ({error.strerror})") from None
        except yaml.YAMLError as error:
            raise InputError(f"{name}: not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise InputError(f"{name}: expected a mapping of parameter names to values")
    secrets = [f"{name}: {key}: looks like {kind}; credentials come from azure-identity, never from parameters"
               for key, value in data.items() if (kind := secret_kind(value))]
    if secrets:
        raise InputError("\n".join(secrets))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError("\n".join(f"{name}: {_field(e)}: {_message(e, model)}" for e in error.errors())) from None


def _field(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top)"


def _message(error: dict, model: type[BaseModel]) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown parameter; known: {', '.join(model.model_fields)}"
    return error["msg"].removeprefix("Value error, ")
