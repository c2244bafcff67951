"""The notebooks, generated: a scenario's from its registered Scenario, the DNS notebooks from their specs
(dns_notebooks). `runbook notebooks build` writes them into notebooks/; `--check` reports each stored notebook that
differs from what it would write (the tests run it), so a notebook is never edited by hand.

A notebook: a purpose cell (title, what it sets up, the risks, the article), the `parameters` cell (the run options,
then the model's fields in its order: `name: type = literal  # help`), the setup line, then per step a heading with
its source (a link to the article's section) and its one line, then the topology and the summary. The output is
deterministic: cell ids derive from the cells' code, fixed metadata, no outputs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import nbformat

from .dns_notebooks import dns_specs
from .errors import RunbookError
from .notebook_spec import NotebookSpec, how_to_run, notebooks_dir, parameters_dir, sandbox_values
from .scenarios.registry import NotebookCell, Scenario, all_scenarios
from .ui.parameter_form import OPTION_CHOICES, OPTION_HELP, field_help, literal_choices
from .ui.session import RUN_OPTIONS

METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
MANUAL = "A manual step: the toolkit records who confirmed it (`confirm`)."
DIFFERS = "differs from the generated notebook"
BATCH = "-batch-"  # a step the parameters split into batches (replicate-batch-1, ...) runs from one cell


@dataclass(frozen=True)
class Difference:
    name: str
    path: Path
    problem: str  # "missing", or "differs from the generated notebook"

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


# --- the specs ---------------------------------------------------------------------------------------------------


def scenario_spec(scenario: Scenario, parameters: Path | None = None) -> NotebookSpec:
    """A scenario's notebook: its steps as built from the sandbox defaults (a step split into batches: one cell)."""
    values = sandbox_values(scenario.name, scenario.parameters, parameters)
    params = scenario.parameters.model_validate({k: v for k, v in values.items() if v not in (None, "")})
    article = scenario.article
    risks = "".join(f"\n- {risk}" for risk in scenario.risks)
    purpose = (
        f"**What it sets up.** {scenario.summary}\n\n"
        + (f"**Risks.**{risks}\n\n" if risks else "")
        + f"Follows *{article.title}* ({article.url}).\n\n{how_to_run(scenario.name, parameters)}"
    )
    steps, seen = [], set()
    for step in scenario.runbook(params).steps:
        cell = step.id.split(BATCH)[0]
        if cell in seen:
            continue
        seen.add(cell)
        title = step.title if cell == step.id else _unbatched_title(scenario, values, cell, step.title)
        text = f"[{step.source}]({step.source.url})" + (f"\n\n{MANUAL}" if step.kind == "manual" else "")
        steps.append(NotebookCell(title, text, f'session.step("{cell}")'))
    setup = f'from runbook_lib import ui\n\nsession = ui.start("{scenario.name}", globals())'
    return NotebookSpec(
        scenario.name,
        scenario.title,
        purpose,
        scenario.parameters,
        values,
        "what to set up",
        setup,
        (*steps, *scenario.cells),
    )


def _unbatched_title(scenario: Scenario, values: dict[str, Any], cell: str, fallback: str) -> str:
    """The title of a batched step's one cell: the step's title when its list parameters are at their defaults."""
    defaults = {
        name: info.get_default(call_default_factory=True)
        for name, info in scenario.parameters.model_fields.items()
        if isinstance(values.get(name), (list, tuple)) and not info.is_required()
    }
    given = {k: v for k, v in {**values, **defaults}.items() if v not in (None, "")}
    try:
        steps = scenario.runbook(scenario.parameters.model_validate(given)).steps
    except ValueError:  # the lists are needed as given: the first batch's title it is
        return fallback
    return next((s.title for s in steps if s.id == cell), fallback)


def all_specs(parameters: Path | None = None) -> list[NotebookSpec]:
    """Every notebook: each registered scenario's, then the DNS notebooks."""
    return [*(scenario_spec(s, parameters) for s in all_scenarios()), *dns_specs(parameters)]


# --- the notebook --------------------------------------------------------------------------------------------------


def build_notebook(spec: NotebookSpec) -> nbformat.NotebookNode:
    """The notebook ``spec`` describes; a RunbookError naming each model field without the help its line needs."""
    help_ = field_help(spec.model)
    missing = [name for name in spec.model.model_fields if not help_.get(name)]
    if missing:
        raise RunbookError(
            f"{spec.model.__name__}: {', '.join(missing)} without help: add a `# comment` after "
            "the field, or just above it (the parameters cell and the panel show it)"
        )
    choices = {**OPTION_CHOICES, **literal_choices(spec.model)}
    options = [_parameter(name, value, OPTION_HELP[name], choices.get(name)) for name, value in RUN_OPTIONS.items()]
    fields = [_parameter(name, spec.values[name], help_[name], choices.get(name)) for name in spec.model.model_fields]
    parameters = "\n".join(["# how to run it", *options, "", f"# {spec.group}", *fields])
    cells = [
        _markdown("purpose", f"# {spec.title}\n\n{spec.purpose}"),
        _code("parameters", parameters, tags=["parameters"]),
        _code("setup", spec.setup),
    ]
    for cell in spec.cells:
        name = _cell_name(cell.code)
        cells += [_markdown(f"{name}-about", f"## {cell.heading}\n\n{cell.text}"), _code(name, cell.code)]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=METADATA)
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    nbformat.validate(notebook)
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook, version=4) + "\n"


def build_all(out_dir: Path | None = None, check: bool = False, parameters: Path | None = None) -> list[Difference]:
    """Write every notebook into ``out_dir`` (default notebooks/); with ``check``, write nothing and return each
    notebook whose stored file is missing or differs."""
    out = Path(out_dir) if out_dir is not None else notebooks_dir()
    texts = {
        out / f"{spec.name}.ipynb": notebook_text(build_notebook(spec))
        for spec in all_specs(parameters or parameters_dir())
    }  # all of them first: one that fails writes none
    differences = []
    for path, text in texts.items():
        stored = path.read_text(encoding="utf-8") if path.exists() else None
        if stored != text:
            differences.append(Difference(path.stem, path, "missing" if stored is None else DIFFERS))
            if not check:
                out.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return differences


# --- cells ---------------------------------------------------------------------------------------------------------


def _parameter(name: str, value: Any, help_: str, choices: tuple[str, ...] | None) -> str:
    """One line of the parameters cell; a closed vocabulary's values follow the help unless it names them all."""
    named = [c for c in choices or () if c]
    if named and not all(re.search(rf"\b{re.escape(c)}\b", help_) for c in named):
        help_ = f"{help_} (one of: {', '.join(choices or ())})"
    return f"{name}: {_kind(value)} = {_literal(value)}  # {help_}"


def _kind(value: Any) -> str:
    """The annotation papermill reads as the parameter's type."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__ if isinstance(value, (bool, int, float)) else "str"


def _literal(value: Any) -> str:
    """A Python literal papermill can read back and replace: None as "" (a notebook's "not given")."""
    if value is None:
        return '""'
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    if isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _cell_name(code: str) -> str:
    """A stable id from a cell's code: the step it runs (session.step("vault") -> vault), else the method it calls
    (session.topology() -> topology, work.show_entries() -> show-entries)."""
    step = re.search(r'\.step\("([^"]+)"\)', code)
    called = step[1] if step else re.findall(r"(\w+)\(", code)[-1]
    return re.sub(r"[^A-Za-z0-9-]+", "-", called)[:56]


def _markdown(cell_id: str, source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, id=cell_id)


def _code(cell_id: str, source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, id=cell_id, metadata={"tags": tags} if tags else {})
