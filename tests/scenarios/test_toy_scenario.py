"""A scenario added through the registry alone (tests/toy_scenario.py, named in RUNBOOK_SCENARIOS) reaches every
face: `runbook scenarios`, `runbook dns zones`, a generated notebook, and a headless run of that notebook."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.errors import InputError
from runbook_lib.headless import run_notebook
from runbook_lib.scenarios import registry
from tests.cli import runbook

ENV = {registry.ENVIRONMENT: "tests.toy_scenario"}
GROUP = "rg-toy"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def toy(monkeypatch):
    """RUNBOOK_SCENARIOS names the toy module (a papermill kernel inherits it); the registry is as it was after."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_loaded", set(registry._loaded))
    monkeypatch.setenv(registry.ENVIRONMENT, ENV[registry.ENVIRONMENT])
    # the kernel imports tests.toy_scenario from the project, wherever the tests were started from
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return registry.get_scenario("toy")


def test_the_toy_is_listed_and_its_zones_known():
    listed = runbook("scenarios", "--json", env=ENV)
    assert listed.returncode == 0, listed.stderr
    assert "toy" in [row["Scenario"] for row in json.loads(listed.stdout)]
    zones = runbook("dns", "zones", "--scenario", "toy", "--region", "westeurope", "--json", env=ENV)
    assert zones.returncode == 0, zones.stderr
    assert [row["Zone"] for row in json.loads(zones.stdout)] == ["privatelink.blob.core.windows.net"]
    assert "toy" not in runbook("scenarios", "--json").stdout  # only when named


def test_the_toy_gets_a_notebook_that_runs_headless_to_ok(toy, tmp_path):
    out = tmp_path / "notebooks"
    with pytest.raises(
        InputError,
        match=re.escape(f"toy has no notebook in {out}; write it with `runbook notebooks build --out {out}`"),
    ):
        run_notebook("toy", {}, runs=tmp_path / "runs", notebooks=out)
    assert not (tmp_path / "runs").exists()

    built = runbook("notebooks", "build", "--out", str(out), env=ENV)
    assert built.returncode == 0, built.stderr
    notebook = nbformat.read(out / "toy.ipynb", as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert code[1] == 'from runbook_lib import ui\n\nsession = ui.start("toy", globals())'
    assert code[2:] == [
        'session.step("resource-group")',
        'session.step("tell-the-team")',
        "session.topology()",
        "session.summary()",
    ]
    assert "resource_group: str = " in code[0] and 'location: str = "westeurope"' in code[0]
    assert "#create-resource-groups)" in notebook.cells[3].source

    state = tmp_path / "estate.db"
    waiting = run_notebook(
        "toy", {}, mode="apply", options={"state": str(state)}, runs=tmp_path / "runs", notebooks=out
    )
    assert (waiting.status, waiting.exit_code) == ("incomplete", 3) and "tell-the-team" in waiting.message
    done = run_notebook(
        "toy",
        {"confirm": ["tell-the-team"]},
        mode="apply",
        options={"state": str(state)},
        runs=tmp_path / "runs",
        notebooks=out,
    )
    assert (done.status, done.exit_code) == ("ok", 0), done.message
    clients = get_clients(Target(state=str(state), principal="owner"))
    assert clients.resources.resource_groups.get(GROUP).location == "westeurope"
