"""The notebooks are generated from the scenarios (and the DNS notebooks' specs): the stored ones are exactly what
`runbook notebooks build` writes, every step has its cell citing its article's section, and the parameters cell's
values load with the model `runbook run` checks files against."""

from __future__ import annotations

import ast

import nbformat
import papermill
import pytest
from pydantic import BaseModel

from runbook_lib.cli import main
from runbook_lib.engine import load_parameters
from runbook_lib.errors import InputError, RunbookError
from runbook_lib.headless import notebooks_dir, parameter_model
from runbook_lib.notebook_builder import BATCH, all_specs, build_all, build_notebook
from runbook_lib.notebook_spec import NotebookSpec
from runbook_lib.scenarios import all_scenarios
from runbook_lib.ui.session import RUN_OPTIONS
from tests.cli import runbook

SPECS = {spec.name: spec for spec in all_specs()}


def test_the_stored_notebooks_are_what_their_scenarios_generate():
    done = runbook("notebooks", "build", "--check")
    assert done.returncode == 0, done.stderr
    assert {p.stem for p in notebooks_dir().glob("*.ipynb")} == set(SPECS)


def test_check_names_each_notebook_that_differs_or_is_missing_and_build_fixes_them(tmp_path, capsys):
    assert len(build_all(tmp_path)) == len(SPECS)  # all new
    edited = tmp_path / "backup.ipynb"
    notebook = nbformat.read(edited, as_version=4)
    notebook.cells[4].source = 'session.step("vault")  # hand-edited'
    nbformat.write(notebook, edited)
    (tmp_path / "site_recovery.ipynb").unlink()

    assert main(["notebooks", "build", "--check", "--out", str(tmp_path)]) == 1
    shown = capsys.readouterr()
    lines = sorted(shown.err.strip().splitlines())
    assert shown.out == "" and len(lines) == 2, shown.err
    assert lines[0].startswith(f"{edited}: differs") and lines[1].startswith(
        f"{tmp_path / 'site_recovery.ipynb'}: missing"
    )
    assert all(f"run `runbook notebooks build --out {tmp_path}`" in line for line in lines)
    assert "hand-edited" in edited.read_text()  # --check writes nothing

    assert main(["notebooks", "build", "--out", str(tmp_path)]) == 0
    assert sorted(capsys.readouterr().out.split()) == sorted([str(edited), str(tmp_path / "site_recovery.ipynb")])
    assert main(["notebooks", "build", "--check", "--out", str(tmp_path)]) == 0


def test_build_refuses_an_out_folder_that_is_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["notebooks", "build", "--out", str(tmp_path / "file")]) == 2
    assert "--out:" in capsys.readouterr().err and not list(tmp_path.glob("*.ipynb"))


def test_the_output_is_deterministic_valid_and_without_outputs():
    spec = SPECS["migrate_hyperv"]
    first, second = build_notebook(spec), build_notebook(spec)
    assert first == second
    nbformat.validate(first)
    assert (first.nbformat, first.nbformat_minor) == (4, 5)
    ids = [c.id for c in first.cells]
    assert len(set(ids)) == len(ids) and {"purpose", "parameters", "setup", "topology", "summary"} <= set(ids)
    assert all(c.outputs == [] and c.execution_count is None for c in first.cells if c.cell_type == "code")


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.name)
def test_every_step_has_its_cell_in_order_citing_its_source(scenario):
    notebook = nbformat.read(notebooks_dir() / f"{scenario.name}.ipynb", as_version=4)
    spec = SPECS[scenario.name]
    params = scenario.parameters.model_validate({k: v for k, v in spec.values.items() if v not in (None, "")})
    steps = scenario.runbook(params).steps
    wanted = list(dict.fromkeys(f'session.step("{s.id.split(BATCH)[0]}")' for s in steps))
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert [c for c in code if c.startswith("session.step(")] == wanted
    assert code[-2:] == ["session.topology()", "session.summary()"]
    for step in steps:
        cell = step.id.split(BATCH)[0]
        index = next(i for i, c in enumerate(notebook.cells) if c.source == f'session.step("{cell}")')
        above = notebook.cells[index - 1].source
        assert f"]({step.source.url})" in above and str(step.source.article.title) in above
        assert ("`confirm`" in above) == (step.kind == "manual")
    purpose = notebook.cells[0].source
    assert purpose.startswith(f"# {scenario.title}\n") and scenario.article.url in purpose
    assert all(risk in purpose for risk in scenario.risks)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_parameters_cell_parses_and_its_values_load_with_the_model(name):
    cell = papermill.inspect_notebook(str(notebooks_dir() / f"{name}.ipynb"))
    model = parameter_model(name)
    assert list(cell) == [*RUN_OPTIONS, *model.model_fields]  # the run options, then the model's order
    assert all(p["help"] for p in cell.values())
    assert {n: ast.literal_eval(cell[n]["default"]) for n in RUN_OPTIONS} == RUN_OPTIONS
    values = {n: ast.literal_eval(p["default"]) for n, p in cell.items() if n not in RUN_OPTIONS}
    load_parameters(model, {k: v for k, v in values.items() if v != ""})  # "" is a notebook's "not given"


def test_a_dns_notebook_s_file_is_checked_against_its_model():
    model = parameter_model("dns_entries")
    with pytest.raises(InputError) as refused:
        load_parameters(model, {"zones_resource_group": "rg-dns", "ttl": "10", "idz": []}, name="dns.yaml")
    lines = str(refused.value).splitlines()
    assert any(line.startswith("dns.yaml: ids: Field required") for line in lines)
    assert any(line.startswith("dns.yaml: zones_resource_group: ") and "rg-dns" in line for line in lines)
    assert any(line.startswith("dns.yaml: ttl: ") for line in lines)
    assert any(line.startswith("dns.yaml: idz: unknown parameter") for line in lines)


def test_a_model_field_without_help_is_refused_naming_it():
    class Undocumented(BaseModel):
        vault: str = "v"  # the vault
        region: str = "westus3"

    spec = NotebookSpec("x", "X", "x", Undocumented, {"vault": "v", "region": "westus3"}, "what", "pass", ())
    with pytest.raises(RunbookError, match="Undocumented: region without help"):
        build_notebook(spec)


def test_the_product_never_says_seed_in_a_notebook():
    for path in notebooks_dir().glob("*.ipynb"):
        shown = " ".join(c.source for c in nbformat.read(path, as_version=4).cells).lower()
        assert "seed" not in shown.replace("seeded", ""), path.name
