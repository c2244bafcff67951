"""What a generated notebook holds (notebook_builder writes it): a title and purpose, a parameter model with the
values its `parameters` cell shows, a setup line, then cells of a heading, a sentence and one line of code.

The values are the model's defaults overlaid with the notebook's sandbox parameter file
(parameters/{name}.sandbox.yaml): with no parameters, a notebook plans on the sandbox's demo estate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .engine.parameters import load_parameters, read_parameters
from .errors import InputError
from .scenarios.registry import NotebookCell


def notebooks_dir() -> Path:
    """The project's notebooks/ (beside the package): where `runbook notebooks build` writes and runs read."""
    return Path(__file__).resolve().parents[1] / "notebooks"


def parameters_dir() -> Path:
    """The project's parameters/ (beside the package): the sandbox files the notebooks' defaults come from."""
    return Path(__file__).resolve().parents[1] / "parameters"


@dataclass(frozen=True)
class NotebookSpec:
    name: str  # the notebook's file stem, as `runbook run NAME` names it
    title: str
    purpose: str  # markdown under the title: what it does, its risks, the articles it follows, how to run it
    model: type[BaseModel]
    values: Mapping[str, Any]  # the parameters cell's values, every field of the model, in its order
    group: str  # the comment above the model's fields in the parameters cell
    setup: str  # the setup cell's code
    cells: tuple[NotebookCell, ...]  # after the setup, in order


def sandbox_values(name: str, model: type[BaseModel], parameters: Path | None = None) -> dict[str, Any]:
    """Every field of ``model`` in order: its default, or the value parameters/{name}.sandbox.yaml gives it. The
    values must load with the model (as a notebook's session loads them: "" and None mean the default)."""
    path = (parameters or parameters_dir()) / f"{name}.sandbox.yaml"
    given = read_parameters(path) if path.exists() else {}
    values: dict[str, Any] = {}
    for field, info in model.model_fields.items():
        if field in given:
            values[field] = given[field]
        elif info.default is not PydanticUndefined or info.default_factory is not None:
            values[field] = info.get_default(call_default_factory=True)
        else:
            raise InputError(
                f"{path}: {field}: missing; the notebook '{name}' needs a value for its parameters cell "
                f"({field} has no default)"
            )
    load_parameters(model, {k: v for k, v in values.items() if v not in (None, "")}, name=str(path))
    return values


def how_to_run(name: str, parameters: Path | None = None) -> str:
    """The purpose cell's last line: plan first, and the headless command."""
    path = (parameters or parameters_dir()) / f"{name}.sandbox.yaml"
    file = f"parameters/{path.name}" if path.exists() else "FILE.yaml"
    return (
        f'Run it with `mode = "plan"` first: a plan reads and changes nothing. Headless: '
        f"`runbook run {name} -f {file}`."
    )
