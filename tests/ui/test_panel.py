"""The run's panel as a consultant clicks it (buttons clicked through ipywidgets, the run against the sandbox)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import yaml

from runbook_lib import ui
from runbook_lib.azure import Target
from runbook_lib.journal import Change, CheckResult, Confirmation
from runbook_lib.ops.vaults import get_vault
from runbook_lib.ui.panel import RunPanel

PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
BACKUP = yaml.safe_load((PARAMETERS / "backup.sandbox.yaml").read_text())


def panel_for(contoso, **values) -> RunPanel:
    session = ui.start("backup", {**BACKUP, "state": str(contoso.path), **values}, panel=False)
    return RunPanel(session)


def statuses(panel: RunPanel) -> dict[str, str]:
    """What the panel's status badges say, step by step."""
    return {step_id: row.status.value.split(">")[1].split("<")[0] for step_id, row in panel._rows.items()}


def run_all(panel: RunPanel) -> None:
    for step in panel.session.execution.runbook.steps:
        panel.session.step(step.id)


def test_every_step_is_listed_with_its_status_and_the_cells_update_it(contoso):
    panel = panel_for(contoso)
    assert set(statuses(panel).values()) == {"not run"} and len(statuses(panel)) == 15
    run_all(panel)  # the notebook's step cells
    assert statuses(panel)["vault"] == "planned" and statuses(panel)["first-registration"] == "waiting"


def test_plan_then_apply_on_the_sandbox_makes_the_change_and_verify_reads_it_back(contoso, clients):
    panel = panel_for(contoso)
    run_all(panel)
    panel.click("vault", "Plan")
    assert statuses(panel)["vault"] == "planned" and get_vault(clients, BACKUP["vault"]) is None
    panel.click("vault", "Apply")
    assert statuses(panel)["vault"] == "done" and get_vault(clients, BACKUP["vault"]) is not None
    panel.click("vault", "Verify")
    assert statuses(panel)["vault"] == "done"
    journal = panel.session.execution.run.journal.entries
    assert [e.step for e in journal if isinstance(e, Change)] == ["vault"]
    assert any(isinstance(e, CheckResult) and e.check == "verify" and e.status == "pass" for e in journal)
    assert "done" in panel._view().data  # the plain output below the panel says it too


def test_on_azure_an_apply_waits_for_a_confirmation_and_cancel_changes_nothing(contoso, clients):
    panel = panel_for(contoso)
    run_all(panel)
    # the same run, presented as real Azure: the panel must ask before a write
    panel.session.target = Target("azure", "00000000-0000-0000-0000-000000000000")
    panel.click("vault", "Apply")
    assert panel.confirming and get_vault(clients, BACKUP["vault"]) is None
    assert "Apply 1 change(s) of step 'vault' to Azure (public)" in unescape(panel._confirmation.children[0].value)
    panel.confirm(yes=False)
    assert not panel.confirming and get_vault(clients, BACKUP["vault"]) is None
    assert statuses(panel)["vault"] == "planned"
    panel.click("vault", "Apply")
    panel.confirm(yes=True)
    assert get_vault(clients, BACKUP["vault"]) is not None and statuses(panel)["vault"] == "done"


def test_i_did_this_confirms_a_manual_step_as_the_operator(contoso):
    panel = panel_for(contoso)
    run_all(panel)
    panel.click("first-registration", "I did this")
    assert statuses(panel)["first-registration"] == "confirmed"
    confirmation = next(e for e in panel.session.execution.run.journal.entries if isinstance(e, Confirmation))
    assert (confirmation.step, confirmation.by, confirmation.how) == ("first-registration", "owner", "panel button")


def test_a_step_out_of_order_is_refused_in_words_and_nothing_changes(contoso, clients):
    panel = panel_for(contoso)
    panel.click("vault", "Apply")
    assert "comes after 'prerequisites', which has not run" in unescape(panel._message.value)
    assert get_vault(clients, BACKUP["vault"]) is None and statuses(panel)["vault"] == "not run"


def test_the_parameters_are_pre_filled_and_a_bad_edit_is_refused_without_touching_the_run(contoso):
    panel = panel_for(contoso, endpoint_name="pe-from-the-cell")
    form = panel._form
    assert form.value["endpoint_name"] == "pe-from-the-cell" and form.value["vault"] == BACKUP["vault"]
    assert form.value["link_vnets"] == [] and form.value["target"] == "sandbox"
    run_all(panel)
    form._fields["location"].value = "mars"
    form.children[-1].click()  # "Start again with these parameters"
    assert "location" in unescape(panel._message.value) and "mars" in unescape(panel._message.value)
    assert statuses(panel)["vault"] == "planned"  # the run is untouched
    form._fields["location"].value = "westus3"
    form._fields["endpoint_name"].value = "pe-edited"
    form.children[-1].click()
    assert panel.session.execution.run.params.endpoint_name == "pe-edited"
    assert set(statuses(panel).values()) == {"not run"}


def test_an_automated_step_has_plan_apply_verify_and_a_manual_one_i_did_this_under_its_instructions(contoso):
    panel = panel_for(contoso)

    def buttons(step: str) -> list[str]:
        return [w.description for w in panel._rows[step].children[0].children[2:]]
    assert buttons("endpoint") == ["Plan", "Apply", "Verify"] and buttons("first-backup") == ["I did this"]
    assert "backup" in panel._rows["first-backup"].children[1].value.lower()  # the instructions


def test_save_archives_the_notebook_as_saved_with_the_journal_and_it_verifies(contoso, tmp_path, monkeypatch):
    from runbook_lib.evidence.manifest import read_manifest, verify_folder
    from runbook_lib.ui.headless import notebooks_dir

    notebook = tmp_path / "backup.ipynb"
    notebook.write_bytes((notebooks_dir() / "backup.ipynb").read_bytes())
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # what JupyterLab tells the kernel
    monkeypatch.chdir(tmp_path)
    session = ui.start("backup", {**BACKUP, "state": str(contoso.path)}, panel=False)
    panel = RunPanel(session)
    run_all(panel)
    panel.click("vault", "Apply")
    panel.save()
    folder = next((tmp_path / "runs" / "backup").glob("*/*"))
    assert f"saved as evidence in <code>{folder.relative_to(tmp_path)}" in panel._message.value
    assert verify_folder(folder) == []
    manifest = read_manifest(folder)
    assert [c["step"] for c in manifest["journal"] if c["kind"] == "change"] == ["vault"]
    assert manifest["status"] == "incomplete"  # the notebook as saved: its cells never ran (in this test)


def test_save_without_a_notebook_file_says_why(contoso, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    panel = panel_for(contoso)
    panel.save()
    assert "JPY_SESSION_NAME" in panel._message.value

