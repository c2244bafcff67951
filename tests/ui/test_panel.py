"""The run's panel as a consultant clicks it (buttons clicked through ipywidgets, the run against the sandbox)."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import yaml

from runbook_lib import ui
from runbook_lib.azure import Target
from runbook_lib.journal import Change, CheckResult, Confirmation
from runbook_lib.ops.vaults import get_vault
from runbook_lib.ui.panel import RunPanel
from tests.cli import runbook

PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
# the v1 experience: its steps all write (the vault identity's, the _ecs/_prot DNS rounds), as these tests click them
BACKUP = yaml.safe_load((PARAMETERS / "backup.v1.sandbox.yaml").read_text())


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
    steps = panel.session.execution.runbook.steps
    assert set(statuses(panel).values()) == {"not run"} and list(statuses(panel)) == [s.id for s in steps]
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


def test_i_did_this_confirms_a_manual_step_as_the_operator_once_azure_shows_it(contoso):
    panel = panel_for(contoso, mode="apply")
    run_all(panel)
    panel.click("first-registration", "I did this")  # said too early: Azure Backup has made nothing yet
    report = panel.session.execution.reports["first-registration"]
    assert statuses(panel)["first-registration"] == "waiting"
    assert "by owner, but Azure Backup has not created the _ecs blob and queue endpoint(s)" in report.detail
    assert contoso.event("register-container", BACKUP["vault"]).succeeded
    panel.click("first-registration", "I did this")
    assert statuses(panel)["first-registration"] == "confirmed"
    entries = panel.session.execution.run.journal.entries
    [confirmation] = [e for e in entries if isinstance(e, Confirmation)]  # journaled once, with who and when
    assert (confirmation.step, confirmation.by, confirmation.how) == ("first-registration", "owner", "panel button")
    assert [c.status for c in entries if isinstance(c, CheckResult) and c.check == "observe"] == ["fail", "pass"]


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
    form.submit.click()  # "Start again with these parameters"
    assert "location" in unescape(panel._message.value) and "mars" in unescape(panel._message.value)
    assert statuses(panel)["vault"] == "planned"  # the run is untouched
    form._fields["location"].value = "westus3"
    form._fields["endpoint_name"].value = "pe-edited"
    form.submit.click()
    assert panel.session.execution.run.params.endpoint_name == "pe-edited"
    assert set(statuses(panel).values()) == {"not run"}


def test_an_automated_step_has_plan_apply_verify_and_a_manual_one_i_did_this_under_its_instructions(contoso):
    panel = panel_for(contoso)

    def buttons(step: str) -> list[str]:
        return list(panel._rows[step].buttons)

    assert buttons("endpoint") == ["Plan", "Apply", "Verify"] and buttons("first-backup") == ["I did this"]
    assert "backup" in panel._rows["first-backup"].children[1].value.lower()  # the instructions


def test_save_archives_the_notebook_as_saved_with_the_journal_and_it_verifies(contoso, tmp_path, monkeypatch):
    from runbook_lib.evidence.manifest import read_manifest, verify_folder
    from runbook_lib.headless import notebooks_dir

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


# --- the run saved as evidence from the panel ------------------------------------------------------------------

BEFORE_WAITING = [
    "prerequisites",
    "vault",
    "deny-public-access",
    "identity",
    "identity-roles",
    "endpoint",
    "approval",
    "zones",
    "links",
    "dns-records",
]  # the steps before the first manual one


def saved_notebook(tmp_path: Path, monkeypatch) -> Path:
    """The backup notebook as JupyterLab saves it after its cells ran: each step cell shows what it planned, the
    summary cell the run as planned (outputs as a kernel writes them)."""
    import nbformat

    from runbook_lib.headless import notebooks_dir

    nb = nbformat.read(notebooks_dir() / "backup.ipynb", as_version=4)
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = number + 1
        if "session.step(" in cell.source or "session.summary()" in cell.source:
            shown = "<table><tr><td>planned in the cell</td></tr></table>"
            cell.outputs = [
                nbformat.v4.new_output("display_data", data={"text/html": shown, "text/plain": "planned in the cell"})
            ]
    notebook = tmp_path / "backup.ipynb"
    nbformat.write(nb, notebook)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # what JupyterLab tells the kernel
    monkeypatch.chdir(tmp_path)
    return notebook


def saved_panel(contoso, tmp_path, monkeypatch, **values) -> RunPanel:
    saved_notebook(tmp_path, monkeypatch)
    return panel_for(contoso, **values)


def archived(panel: RunPanel, tmp_path: Path) -> tuple[Path, dict]:
    from runbook_lib.evidence.manifest import read_manifest

    panel.save()
    folder = next((tmp_path / "runs" / "backup").glob("*/*"))
    assert "saved as evidence in" in panel._message.value, panel._message.value
    return folder, read_manifest(folder)


def test_evidence_saved_from_the_panel_says_what_the_buttons_did_field_by_field(contoso, tmp_path, monkeypatch):
    """The notebook's cells plan every step; the Apply buttons then apply the ten steps before the first manual
    one, which waits; Verify reads the vault back. Saved: mode interactive, from the session's start, each step
    with what ran it, incomplete, every change counted."""
    import hashlib
    from datetime import datetime

    from runbook_lib.evidence.manifest import FORMAT, verify_folder
    from runbook_lib.journal import Journal

    panel = saved_panel(contoso, tmp_path, monkeypatch)
    notebook_bytes_before = (tmp_path / "backup.ipynb").read_bytes()
    session = panel.session
    run_all(panel)
    for step in BEFORE_WAITING:
        panel.click(step, "Apply")
        assert statuses(panel)[step] in ("done", "nothing to do"), (step, panel._message.value)
    panel.click("vault", "Verify")
    assert statuses(panel)["first-registration"] == "waiting"
    folder, manifest = archived(panel, tmp_path)

    assert verify_folder(folder) == []
    assert manifest["format"] == FORMAT and folder.name.endswith(f"-sandbox-{manifest['run_id']}")
    assert (manifest["scenario"], manifest["mode"]) == ("backup", "interactive")
    assert manifest["target"]["kind"] == "sandbox" and manifest["target"]["cloud"] == "public"
    assert {BACKUP["vault"].split("/")[2], BACKUP["subnet"].split("/")[2]} <= set(manifest["target"]["subscriptions"])
    # the run started with the session, not when Save was pressed; the folder is named by that time
    started, ended = (datetime.fromisoformat(manifest[k]) for k in ("started", "ended"))
    assert started == session.started and folder.name.startswith(f"{started:%H%M%S}Z-")
    first, last = session.actions[0].time, session.actions[-1].time
    assert started.isoformat(timespec="seconds").replace("+00:00", "Z") <= first <= last
    assert ended >= datetime.fromisoformat(last.replace("Z", "+00:00"))
    assert manifest["operator"] == {"principal": "owner"} and manifest["tool"]["name"] == "runbook-lib"
    assert manifest["notebook"] == {
        "file": "backup.ipynb",
        "source": "backup.ipynb",
        "source_sha256": hashlib.sha256(notebook_bytes_before).hexdigest(),
    }
    assert manifest["parameters"]["vault"] == BACKUP["vault"] and "target" not in manifest["parameters"]
    assert {"azure-core", "ipywidgets", "nbformat"} <= set(manifest["packages"])
    assert manifest["restarts"] == []

    # every step, with what ran it: its cell (plan), then its button, by whom and when, and the status after it
    steps = {s["id"]: s for s in manifest["steps"]}
    assert list(steps) == [s.id for s in session.execution.runbook.steps]
    vault = steps["vault"]
    assert (vault["status"], vault["changes"]) == ("done", 1)
    assert [(a["action"], a["via"], a["by"], a["status"]) for a in vault["actions"]] == [
        ("plan", "cell", "owner", "planned"),
        ("apply", "button", "owner", "done"),
        ("verify", "button", "owner", "done"),
    ]
    assert all(first <= a["time"] <= last for a in vault["actions"])
    waiting = steps["first-registration"]
    assert waiting["status"] == "waiting" and [(a["action"], a["via"]) for a in waiting["actions"]] == [
        ("plan", "cell")
    ]
    assert [(a["action"], a["via"]) for a in steps["validate"]["actions"]] == [("plan", "cell")]

    # the status is the steps' (not the saved cells'): a manual step waits after changes were applied
    assert manifest["status"] == "incomplete"
    assert manifest["status_detail"].startswith("first-registration: waiting: ")
    # the changes: as many in the manifest, per step, as in the journal the folder holds
    journal = Journal.read(folder / "journal.jsonl")
    changes = [e for e in journal if e.kind == "change"]
    assert (
        len(changes)
        == sum(s["changes"] for s in manifest["steps"])
        == len([e for e in manifest["journal"] if e["kind"] == "change"])
        >= len(BEFORE_WAITING) - 3
    )
    assert [e for e in manifest["journal"] if e["kind"] == "change"] == [{**vars(e)} for e in changes]
    assert manifest["validation"] == [e for e in manifest["journal"] if e["kind"] == "check"]
    assert any(
        c["step"] == "vault" and c["check"] == "verify" and c["status"] == "pass" for c in manifest["validation"]
    )

    from runbook_lib.evidence.manifest import read_index

    line = read_index(tmp_path / "runs")[-1]
    assert (line["mode"], line["status"], line["started"]) == ("interactive", "incomplete", manifest["started"])


def test_step_cells_a_button_superseded_are_marked_with_the_time_and_the_step_as_it_stands(
    contoso, tmp_path, monkeypatch
):
    import nbformat

    panel = saved_panel(contoso, tmp_path, monkeypatch)
    run_all(panel)
    panel.session.summary()  # the summary cell: every step planned
    panel.click("prerequisites", "Apply")
    panel.click("vault", "Apply")
    applied_at = panel.session.actions[-1].time
    folder, _ = archived(panel, tmp_path)

    cells = {c.source: c for c in nbformat.read(folder / "backup.ipynb", as_version=4).cells if c.cell_type == "code"}
    vault = cells['session.step("vault")'].outputs
    note = vault[0]["data"]["text/plain"]
    assert note.startswith(
        f"Superseded at {applied_at}: after this cell ran, the panel's Apply button ran step "
        "'vault' (by owner). The step is now 'done'"
    )
    assert vault[0]["metadata"]["runbook"]["superseded"]["time"] == applied_at
    assert "rsv-backup-new" in vault[0]["data"]["text/html"]  # the step's rows as they stand
    assert vault[-1]["data"]["text/plain"] == "planned in the cell"  # what the cell showed is kept, below
    summary = cells["session.summary()"].outputs[0]["data"]["text/plain"]
    assert summary.startswith(f"Superseded at {applied_at}") and "The run is now 'incomplete'" in summary
    # a step no button ran again keeps its cell's output alone
    assert [o["data"]["text/plain"] for o in cells['session.step("endpoint")'].outputs] == ["planned in the cell"]
    html = (folder / "backup.html").read_text()
    assert f"Superseded at {applied_at}" in html and "What this cell showed when it ran, before that:" in html


def test_a_cell_run_again_after_the_button_is_not_marked(contoso, tmp_path, monkeypatch):
    import nbformat

    panel = saved_panel(contoso, tmp_path, monkeypatch)
    run_all(panel)
    panel.click("prerequisites", "Plan")
    panel.session.step("prerequisites")  # the consultant runs the cell again: its output is current
    folder, manifest = archived(panel, tmp_path)
    cell = next(
        c
        for c in nbformat.read(folder / "backup.ipynb", as_version=4).cells
        if c.source == 'session.step("prerequisites")'
    )
    assert [o["data"]["text/plain"] for o in cell.outputs] == ["planned in the cell"]
    # nothing applied and every step planned: as a headless plan run, ok
    assert (manifest["status"], manifest["status_detail"]) == ("ok", "every step planned; nothing applied")


def test_a_run_saved_with_a_blocked_step_is_blocked(contoso, tmp_path, monkeypatch):
    from tests.contoso import VAULTS

    panel = saved_panel(contoso, tmp_path, monkeypatch, vault=f"{VAULTS}/rsv-legacy-wus3")
    panel.click("prerequisites", "Apply")
    panel.click("vault", "Plan")
    assert statuses(panel)["vault"] == "blocked"
    folder, manifest = archived(panel, tmp_path)
    assert manifest["status"] == "blocked" and manifest["status_detail"].startswith("vault: blocked: ")
    assert [a["action"] for a in next(s for s in manifest["steps"] if s["id"] == "vault")["actions"]] == ["plan"]
    shown = runbook("evidence", "show", str(folder), "--json")  # what an auditor reads: the buttons, in order
    got = json.loads(shown.stdout)
    assert shown.returncode == 0 and got["verified"] and (got["mode"], got["status"]) == ("interactive", "blocked")
    assert [(a["Step"], a["Action"], a["Via"], a["By"]) for a in got["actions"]] == [
        ("prerequisites", "apply", "button", "owner"),
        ("vault", "plan", "button", "owner"),
    ]


def test_a_run_saved_part_way_without_its_cells_is_incomplete(contoso, tmp_path, monkeypatch):
    panel = saved_panel(contoso, tmp_path, monkeypatch)
    panel.click("prerequisites", "Apply")
    _, manifest = archived(panel, tmp_path)
    never = len(panel.session.execution.runbook.steps) - 1
    assert manifest["status"] == "incomplete" and f"{never} steps never ran (first: vault)" in manifest["status_detail"]


def test_a_restart_keeps_the_session_start_its_journal_and_its_actions(contoso, tmp_path, monkeypatch):
    panel = saved_panel(contoso, tmp_path, monkeypatch)
    started = panel.session.started
    run_all(panel)
    panel.click("vault", "Apply")
    panel._form._fields["endpoint_name"].value = "pe-edited"
    panel._form.submit.click()  # "Start again with these parameters"
    assert set(statuses(panel).values()) == {"not run"}
    _folder, manifest = archived(panel, tmp_path)
    assert manifest["started"] == started.isoformat() and len(manifest["restarts"]) == 1
    assert [c["step"] for c in manifest["journal"] if c["kind"] == "change"] == ["vault"]
    assert manifest["parameters"]["endpoint_name"] == "pe-edited"
    assert manifest["status"] == "incomplete"


def test_closed_vocabularies_are_dropdowns_and_every_field_shows_its_help(contoso):
    import ipywidgets as widgets

    form = panel_for(contoso)._form
    dropdowns = {name: field.options for name, field in form._fields.items() if isinstance(field, widgets.Dropdown)}
    assert dropdowns["approval"] == ("auto", "manual") and dropdowns["dns"] == ("zone-group", "custom")
    assert dropdowns["mode"] == ("plan", "apply") and dropdowns["target"] == ("sandbox", "azure")
    assert {"cloud", "credential", "identity_roles", "public_access"} <= set(dropdowns)
    help_ = {name: unescape(box.children[1].value) for name, box in form._boxes.items()}
    assert "a request the target's owner approves" in help_["approval"]  # the model's own comment
    assert "plan (reads only) or apply" in help_["mode"] and "where the endpoint's NIC goes" in help_["subnet"]
    assert all(help_.values()), [name for name, text in help_.items() if not text]
    assert "v1: the classic one, for a vault" in help_["experience"]  # the comment block above the field


def test_a_long_id_is_editable_in_full(contoso):
    form = panel_for(contoso)._form
    vault = form._fields["vault"]
    assert type(vault).__name__ == "Textarea" and vault.value == BACKUP["vault"]
    vault.value = BACKUP["vault"][:60] + "\n" + BACKUP["vault"][60:]  # a line break typed by mistake
    assert form.value["vault"] == BACKUP["vault"]


def test_a_refused_value_is_shown_under_its_field_highlighted_and_next_to_the_button(contoso):
    panel = panel_for(contoso)
    form = panel._form
    form._fields["location"].value = "mars"
    form.submit.click()
    assert "unknown Azure region 'mars'" in unescape(form._errors["location"].value)
    assert "runbook-refused" in form._boxes["location"]._dom_classes
    assert "runbook-refused" not in form._boxes["vault"]._dom_classes and form._errors["vault"].value == ""
    assert "location" in unescape(form.message.value)  # next to "Start again with these parameters"
    form._fields["location"].value = "westus3"
    form.submit.click()
    assert form._errors["location"].value == "" and "runbook-refused" not in form._boxes["location"]._dom_classes


def test_a_refused_step_says_why_next_to_its_buttons(contoso):
    panel = panel_for(contoso)
    panel.click("vault", "Apply")
    row = panel._rows["vault"]
    assert "comes after 'prerequisites'" in unescape(row.note.value) and "runbook-refused" in row._dom_classes


def test_apply_is_disabled_with_nothing_to_do_and_verify_says_its_result_in_the_row(contoso):
    panel = panel_for(contoso)
    run_all(panel)
    row = panel._rows["vault"]
    assert not row.buttons["Apply"].disabled
    panel.click("vault", "Apply")
    assert row.buttons["Apply"].disabled  # written: a second apply would plan nothing
    panel.click("vault", "Verify")
    assert "verify: verified: in place" in unescape(row.note.value)
    assert any(r.buttons["Apply"].disabled for s, r in panel._rows.items() if statuses(panel)[s] == "nothing to do")


def test_i_did_this_is_disabled_once_confirmed(contoso):
    panel = panel_for(contoso, mode="apply")
    run_all(panel)
    button = panel._rows["first-registration"].buttons["I did this"]
    panel.click("first-registration", "I did this")  # too early: still waiting
    assert not button.disabled
    assert contoso.event("register-container", BACKUP["vault"]).succeeded  # Azure Backup makes its endpoints
    panel.click("first-registration", "I did this")
    assert statuses(panel)["first-registration"] == "confirmed" and button.disabled


def test_the_header_says_what_apply_does_on_this_target(contoso):
    panel = panel_for(contoso)
    assert "writes the step's changes to the sandbox at once" in unescape(panel._header.value)
    panel.session.target = Target("azure", "00000000-0000-0000-0000-000000000000")
    panel.refresh()
    header = unescape(panel._header.value)
    assert "only when you confirm: real resources change" in header and "Azure (public)" in header


# --- "Undo this run": the saved run's undo, planned, confirmed, sealed -----------------------------------------


def test_undo_this_run_shows_the_plan_asks_and_seals_the_undo_naming_the_run(contoso, clients, tmp_path, monkeypatch):
    from runbook_lib.evidence.manifest import read_index, read_manifest, verify_folder

    panel = saved_panel(contoso, tmp_path, monkeypatch)
    assert panel._undo.layout.display == "none"  # nothing saved yet: nothing to undo
    run_all(panel)
    for step in BEFORE_WAITING:
        panel.click(step, "Apply")
    folder, manifest = archived(panel, tmp_path)
    made = [c["resource_id"] for c in manifest["journal"] if c["kind"] == "change"]
    assert panel._undo.layout.display != "none" and get_vault(clients, BACKUP["vault"]) is not None

    panel._undo.button.click()  # the plan, as a table, and a question: nothing written yet
    shown = unescape(panel._undo.table.value)
    assert f"Undo of run {manifest['run_id']}" in shown and shown.count(">delete<") == len(made)
    assert panel.confirming and get_vault(clients, BACKUP["vault"]) is not None
    question = unescape(panel._confirmation.children[0].value)
    assert f"Undo {len(made)} change(s) of run {manifest['run_id']} on the sandbox" in question
    assert panel._confirmation.children[1].children[0].description == "Yes, undo"
    assert f"Undo of run {manifest['run_id']}" in panel._view().data  # the plain output holds the plan too
    panel.confirm(yes=False)
    assert not panel.confirming and get_vault(clients, BACKUP["vault"]) is not None

    panel._undo.button.click()
    panel.confirm(yes=True)
    message = unescape(panel._message.value)
    assert "undo ok: undid run" in message and "color:#c0392b" not in message, message
    assert get_vault(clients, BACKUP["vault"]) is None
    assert all(body is None for body in snapshot_now(clients, made).values())  # everything the run made is gone
    undo_line = next(line for line in read_index(tmp_path / "runs") if line.get("undoes") == manifest["run_id"])
    undo_folder = tmp_path / "runs" / undo_line["folder"]
    assert undo_line["mode"] == "undo" and str(undo_folder.relative_to(tmp_path)) in message
    assert verify_folder(undo_folder) == [] and read_manifest(undo_folder)["undoes_folder"] == folder.name
    assert ">delete<" not in panel._undo.table.value  # the plan after it: nothing left to undo

    panel._undo.button.click()  # a second undo plans nothing, and asks nothing
    assert not panel.confirming and "nothing to undo" in unescape(panel._message.value)


def test_undo_this_run_on_a_folder_changed_since_it_was_saved_says_why_and_asks_nothing(contoso, tmp_path, monkeypatch):
    panel = saved_panel(contoso, tmp_path, monkeypatch)
    run_all(panel)
    panel.click("prerequisites", "Apply")
    panel.click("vault", "Apply")
    folder, _ = archived(panel, tmp_path)
    (folder / "journal.jsonl").write_text((folder / "journal.jsonl").read_text() + "\n")  # edited after sealing
    panel._undo.button.click()
    assert "does not verify" in unescape(panel._message.value) and "journal.jsonl" in unescape(panel._message.value)
    assert not panel.confirming and panel._undo.table.value == ""


def snapshot_now(clients, ids: list[str]) -> dict:
    from runbook_lib.evidence.snapshots import snapshot

    return snapshot(clients, ids)
