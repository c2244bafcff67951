"""The scenario notebooks as papermill runs them: thin, documented parameters, safe defaults, true outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from runbook_lib.errors import InputError
from runbook_lib.headless import notebooks_dir, run_notebook
from runbook_lib.sandbox import Sandbox
from runbook_lib.scenarios import find_scenario, scenario_names
from tests.cli import runbook
from tests.contoso import VAULTS

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))
PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"


def test_there_is_a_notebook_per_scenario():
    assert {p.stem for p in NOTEBOOKS} >= set(scenario_names())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs_and_with_a_documented_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c for c in code if "parameters" in c.metadata.get("tags", [])] == [code[0]]
    documented = papermill.inspect_notebook(str(path))  # what `papermill --help-notebook` lists
    if (scenario := find_scenario(path.stem)) is not None:
        assert set(scenario.parameters.model_fields) <= set(documented)
    assert all(p["help"] and p["inferred_type_name"] != "None" for p in documented.values())
    assert all(len(c.source.splitlines()) <= 3 for c in code[1:])  # the library does the work


# add_endpoint adds to a vault in use: on the demo estate only after the backup runbook's apply (its own tests run
# its notebook so, tests/scenarios/test_endpoint_add.py)
ON_THE_DEMO_ESTATE = [p for p in NOTEBOOKS if p.stem != "add_endpoint"]


@pytest.mark.parametrize("path", ON_THE_DEMO_ESTATE, ids=lambda p: p.stem)
def test_with_no_parameters_a_notebook_plans_on_the_demo_estate_and_changes_nothing(path, tmp_path):
    state = tmp_path / "estate.db"
    executed = tmp_path / path.name
    papermill.execute_notebook(
        str(path), str(executed), parameters={"state": str(state)}, kernel_name="python3", progress_bar=False
    )
    notebook = nbformat.read(executed, as_version=4)
    summary = notebook.cells[-1].outputs[0]["data"]["text/html"]
    assert find_scenario(path.stem) is None or "planned" in summary or "nothing to do" in summary
    fresh = Sandbox(tmp_path / "fresh.db")
    fresh.reset(demo="contoso")
    assert {r["id"] for r in Sandbox(state).resources()} == {r["id"] for r in fresh.resources()}  # nothing applied


def test_apply_headless_stops_at_a_manual_step_with_its_true_status(tmp_path):
    params = {**_yaml("backup"), "confirm": []}
    done = run_notebook(
        "backup", params, mode="apply", options={"state": str(tmp_path / "e.db")}, runs=tmp_path / "runs"
    )
    assert (done.status, done.exit_code) == ("incomplete", 3) and "first-registration" in done.message
    changes = [json.loads(line) for line in (done.folder / "journal.jsonl").read_text().splitlines()]
    assert [c["step"] for c in changes if c["kind"] == "change"][:2] == ["vault", "endpoint"]  # v2: no identity
    assert done.folder.parent.parent.name == "backup" and done.folder.name.split("-")[1] == "sandbox"
    # no one watches a headless run: no progress bar in the archived notebook or its HTML, though steps wrote
    archived = done.notebook.read_text() + (done.folder / "backup.html").read_text()
    assert "change/s" not in archived and "[00:00" not in archived


@pytest.mark.parametrize(
    "change, words",
    [
        ({"vualt": "x"}, "vualt: unknown parameter"),
        ({"ttl": "ten"}, "ttl: Input should be a valid integer"),
        ({"vault": f"{VAULTS}/rsv?sv=2024&sig=0123456789abcdefghijklmnop%3D"}, "vault: looks like a SAS token"),
    ],
)
def test_bad_parameters_are_refused_before_a_kernel_starts(tmp_path, change, words):
    with pytest.raises(InputError, match=words):
        run_notebook("backup", {**_yaml("backup"), **change}, runs=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()


def test_runbook_run_prints_the_executed_notebook_and_exits_with_the_status(tmp_path):
    done = runbook(
        "run",
        "backup",
        "-f",
        str(PARAMETERS / "backup.sandbox.yaml"),
        "--state",
        str(tmp_path / "e.db"),
        "--output",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).exists() and done.stdout.strip().endswith("backup.ipynb")


def test_a_step_split_into_batches_runs_from_its_one_cell(tmp_path):
    params = _yaml("migrate_hyperv")
    assert len(params["machines"]) == 12
    done = run_notebook("migrate_hyperv", params, options={"state": str(tmp_path / "e.db")}, runs=tmp_path / "runs")
    assert (done.status, done.exit_code) == ("ok", 0), done.message
    shown = done.notebook.read_text()
    assert "replicate-batch-1" in shown and "replicate-batch-2" in shown and "vm-hv-12" in shown


def _yaml(scenario: str) -> dict:
    import yaml

    return yaml.safe_load((PARAMETERS / f"{scenario}.sandbox.yaml").read_text())


def test_a_batch_goes_on_past_a_failure_and_says_which(tmp_path):
    good = PARAMETERS / "backup.sandbox.yaml"
    other = tmp_path / "migrate_project.contoso.yaml"
    other.write_text((PARAMETERS / "migrate_project.sandbox.yaml").read_text())
    typo = tmp_path / "backup.typo.yaml"
    typo.write_text(good.read_text() + "vualt: x\n")
    done = runbook(
        "batch",
        str(good),
        str(other),
        str(typo),
        "--jobs",
        "2",
        "--state",
        str(tmp_path / "e.db"),
        "--output",
        str(tmp_path / "runs"),
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 1 and "1 of 3 runs did not go through" in done.stderr
    rows = {Path(r["File"]).name: r for r in json.loads(done.stdout)}
    assert [rows[n]["Status"] for n in ("backup.sandbox.yaml", "migrate_project.contoso.yaml")] == ["ok"] * 2
    assert (
        rows["backup.typo.yaml"]["Status"] == "error"
        and "vualt: unknown parameter" in rows["backup.typo.yaml"]["Message"]
    )
    assert all(Path(rows[n]["Notebook"]).exists() for n in ("backup.sandbox.yaml", "migrate_project.contoso.yaml"))
    assert "runs:" in done.stderr  # the progress bar


def test_the_dns_notebooks_fix_what_the_troubleshooting_one_finds(contoso, clients, tmp_path):
    """An endpoint without records in the hub's zones: troubleshooting fails, dns_entries in apply mode creates
    the records and the link, and troubleshooting passes."""
    from papermill.exceptions import PapermillExecutionError

    from tests.builders import make_endpoint
    from tests.contoso import SPOKE_ENDPOINTS, SPOKE_VNET

    make_endpoint(clients, "rg-network-spoke", "pe-bkp", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-backup-wus3", "AzureBackup")
    state = {"state": str(contoso.path), "operator": "sandbox-admin"}
    with pytest.raises(PapermillExecutionError, match="DnsChecksFailed"):
        papermill.execute_notebook(
            str(notebooks_dir() / "troubleshoot_private_link.ipynb"),
            str(tmp_path / "t1.ipynb"),
            parameters=state,
            kernel_name="python3",
            progress_bar=False,
        )
    papermill.execute_notebook(
        str(notebooks_dir() / "dns_entries.ipynb"),
        str(tmp_path / "d.ipynb"),
        parameters={**state, "mode": "apply", "link_vnets": [SPOKE_VNET], "journal": str(tmp_path / "journal.jsonl")},
        kernel_name="python3",
        progress_bar=False,
    )
    changes = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert sum(c["kind"] == "change" for c in changes) == 8 + 3  # the 8 Backup records, 3 zone links
    papermill.execute_notebook(
        str(notebooks_dir() / "troubleshoot_private_link.ipynb"),
        str(tmp_path / "t2.ipynb"),
        parameters={**state, "link_vnets": [SPOKE_VNET]},
        kernel_name="python3",
        progress_bar=False,
    )
