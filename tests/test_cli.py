"""The `runbook` command as a consultant runs it: a real subprocess, exit codes, one-line errors, nothing written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from tests.cli import one_line_error, runbook


def test_reset_then_show_lists_the_empty_estate(tmp_path):
    state = tmp_path / "estate.db"
    reset = runbook("sandbox", "reset", "--state", str(state))
    assert reset.returncode == 0, reset.stderr
    shown = runbook("sandbox", "show", "--state", str(state), "--json")
    rows = json.loads(shown.stdout)  # one JSON array, as every --json
    assert {r["type"] for r in rows} == {"Microsoft.Resources/subscriptions", "Microsoft.Authorization/roleAssignments"}
    table = runbook("sandbox", "show", "--state", str(state)).stdout
    assert "Sandbox subscription" in table and "sandbox-admin" in table


def test_state_comes_from_the_environment_then_the_working_directory(tmp_path):
    assert runbook("sandbox", "reset", env={"RUNBOOK_SANDBOX": str(tmp_path / "env.db")}).returncode == 0
    assert (tmp_path / "env.db").exists()
    env = {k: v for k, v in os.environ.items() if k != "RUNBOOK_SANDBOX"}
    done = subprocess.run(
        [sys.executable, "-m", "runbook_lib.cli", "sandbox", "reset"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and (tmp_path / ".sandbox" / "estate.db").exists()


def test_resources_lists_through_the_sdk(tmp_path):
    from runbook_lib.azure import Target, get_clients

    state = tmp_path / "estate.db"
    runbook("sandbox", "reset", "--state", str(state))
    clients = get_clients(Target(state=str(state)))
    clients.resources.resource_groups.create_or_update("rg-cli", {"location": "uksouth"})
    clients.storage.storage_accounts.begin_create(
        "rg-cli", "stcli", {"location": "uksouth", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    ).result()
    listed = runbook("resources", "--state", str(state), "--resource-group", "rg-cli")
    assert listed.returncode == 0, listed.stderr
    assert "Microsoft.Storage/storageAccounts" in listed.stdout and "stcli" in listed.stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["sandbox", "serve", "--port", "http"], ["--port", "http"]),
        (["sandbox", "reset", "--lro", "sometimes"], ["--lro", "sometimes"]),
        (["sandbox", "reset", "--lro-seconds", "-3"], ["--lro-seconds", "negative"]),
        (["resources", "--cloud", "mars"], ["--cloud", "mars"]),
        (["resources", "--target", "azure"], ["subscription"]),
        (["sandbox", "frobnicate"], ["frobnicate"]),
    ],
)
def test_bad_options_get_one_line_naming_them(args, words):
    one_line_error(runbook(*args), *words)


def test_show_of_a_missing_estate_creates_nothing(tmp_path):
    state = tmp_path / "nowhere" / "estate.db"
    one_line_error(runbook("sandbox", "show", "--state", str(state)), "--state", "reset")
    assert not state.parent.exists()


def test_a_file_that_is_not_an_estate_is_never_overwritten(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("customer notes\n")
    one_line_error(runbook("sandbox", "reset", "--state", str(notes)), "--state", "not a sandbox estate")
    assert notes.read_text() == "customer notes\n"
    one_line_error(runbook("sandbox", "reset", "--state", str(tmp_path)), "--state", "directory")


def test_arm_errors_reach_the_consultant_with_their_code(tmp_path):
    state = tmp_path / "estate.db"
    runbook("sandbox", "reset", "--state", str(state))
    one_line_error(
        runbook("resources", "--state", str(state), "--resource-group", "rg-missing"), "ResourceGroupNotFound"
    )


def test_events_report_the_service_error_and_name_a_missing_option(tmp_path):
    state = str(tmp_path / "estate.db")
    assert runbook("sandbox", "reset", "--state", state, "--demo", "contoso").returncode == 0
    rows = json.loads(runbook("sandbox", "show", "--state", state, "--json").stdout)
    vault = next(r["id"] for r in rows if r["name"] == "rsv-backup-wus3")
    failed = runbook("sandbox", "event", "register-container", "--vault", vault, "--state", state, "--json")
    assert failed.returncode == 1  # private vault, no endpoint yet: the client cannot reach it
    assert json.loads(failed.stdout)["code"] == "UserErrorVMInternetConnectivityIssue"
    assert failed.stderr.startswith("runbook: UserErrorVMInternetConnectivityIssue: ")
    missing = runbook("sandbox", "event", "generate-key", "--vault", vault, "--state", state)
    assert missing.returncode == 2 and missing.stderr.startswith("runbook: error: --project: ")
    unknown = runbook("sandbox", "event", "first-backup", "--vault", vault + "-gone", "--state", state)
    assert unknown.returncode == 2 and "--vault: no Recovery Services vault" in unknown.stderr


def test_every_command_in_the_readme_exists():
    """The README's commands table names real commands (each answers --help)."""
    import itertools
    import re
    from pathlib import Path

    from runbook_lib.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = re.findall(r"^\| `runbook ([^`]+)`", readme, re.MULTILINE)
    commands = {
        tuple(itertools.takewhile(lambda word: re.fullmatch(r"[a-z][a-z-]*", word), row.split())) for row in rows
    }
    assert len(commands) >= 12, commands
    for command in commands:
        with pytest.raises(SystemExit) as done:
            build_parser().parse_args([*command, "--help"])
        assert done.value.code == 0, command


def test_verify_installer_says_whether_the_hash_is_the_published_one(tmp_path):
    download = tmp_path / "AzureMigrateInstaller-VMware-public-PrivateLink.zip"
    download.write_bytes(b"not the installer")
    done = runbook("verify-installer", str(download), "--scenario", "vmware")
    assert done.returncode == 1 and "is not the published hash of the vmware installer" in done.stderr
    assert "66D3217AEC1DE51D84EC608B22BDDA605EC9C4FBAB06FC69FEC985886627C224" in done.stderr
    one_line_error(runbook("verify-installer", str(tmp_path / "none.zip"), "--scenario", "vmware"), "none.zip")


def test_allowed_urls_per_cloud_as_a_table_and_a_list(tmp_path):
    public = json.loads(runbook("allowed-urls", "--json").stdout)
    usgov = json.loads(runbook("allowed-urls", "--cloud", "usgov", "--json").stdout)
    assert public and usgov and {r["cloud"] for r in public} == {"public"} and {r["cloud"] for r in usgov} == {"usgov"}
    assert any(".us" in r["url"] for r in usgov) and not any(r["url"].endswith(".us") for r in public)
    out = tmp_path / "urls.txt"
    assert runbook("allowed-urls", "--out", str(out)).returncode == 0
    assert out.read_text().splitlines() == [r["url"] for r in public]


# --- the command line reads well: widths, ids, closing lines, exit codes ---

BACKUP_PARAMETERS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "parameters", "backup.sandbox.yaml"
)
NARROW = {"COLUMNS": "120"}


@pytest.fixture
def estate(tmp_path) -> str:
    state = str(tmp_path / "estate.db")
    assert runbook("sandbox", "reset", "--state", state, "--demo", "contoso").returncode == 0
    return state


def test_plan_fits_120_columns_with_short_ids_and_counts_its_changes(tmp_path, estate):
    plan = ["plan", "backup", "-f", BACKUP_PARAMETERS, "--state", estate]
    shown = runbook(*plan, cwd=tmp_path, env=NARROW)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(map(len, lines)) <= 120, max(lines, key=len)
    assert "/subscriptions/" not in shown.stdout and "rg-recovery/rsv-" in shown.stdout  # resource-group/name
    rows = json.loads(runbook(*plan, "--json", cwd=tmp_path).stdout)
    writes = [r for r in rows if r["Action"] in ("create", "update")]
    assert writes and all(r["Resource"].startswith("/subscriptions/") for r in rows)  # --json: whole ids
    closing = shown.stderr.strip().splitlines()[-1]
    assert closing.startswith(f"backup: planned ({len(writes)} changes; "), closing


def test_wide_keeps_whole_ids(tmp_path, estate):
    shown = runbook("plan", "backup", "-f", BACKUP_PARAMETERS, "--state", estate, "--wide", cwd=tmp_path, env=NARROW)
    assert "/resourceGroups/rg-recovery/providers/Microsoft.RecoveryServices/vaults/rsv-backup-new" in shown.stdout
    table = runbook("sandbox", "show", "--state", estate, "--wide", env=NARROW).stdout
    assert "/resourceGroups/rg-network-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke" in table
    short = runbook("sandbox", "show", "--state", estate, env=NARROW).stdout
    assert "rg-network-spoke/vnet-spoke" in short and "/resourceGroups/" not in short


def test_scenarios_wrap_whole_descriptions_within_120_columns():
    shown = runbook("scenarios", env=NARROW)
    assert shown.returncode == 0 and max(map(len, shown.stdout.splitlines())) <= 120
    described = json.loads(runbook("scenarios", "--json").stdout)
    assert all(r["What"].endswith(".") for r in described), [r["What"][-30:] for r in described]
    assert not any("seed" in r["What"].lower() for r in described)
    backup = next(r["What"] for r in described if r["Scenario"] == "backup")
    assert set(backup.split()) <= set(shown.stdout.split())  # all there, wrapped over several lines


def test_tables_align_numbers_right_and_wrap_text_without_cutting_it():
    import pandas as pd

    from runbook_lib.cli.table import format_table

    frame = pd.DataFrame(
        [{"Name": "a", "Count": 5, "Note": "word " * 40}, {"Name": "bbbbbb", "Count": 1234, "Note": "short"}]
    )
    lines = format_table(frame, width=60)
    assert max(map(len, lines)) <= 60
    header, first = lines[0], lines[1]
    assert header.index("Count") + len("Count") == first.index("5") + 1  # right-aligned under its header
    assert " ".join(" ".join(lines).split()).count("word") == 40  # wrapped, not cut


def test_run_ends_with_its_status_and_evidence_folder(tmp_path, estate):
    done = runbook(
        "run", "backup", "-f", BACKUP_PARAMETERS, "--state", estate, "--output", str(tmp_path / "runs"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("backup.ipynb")
    status, folder = done.stderr.strip().splitlines()[-2:]
    assert status == "status: ok"
    assert (
        folder.startswith("evidence: ") and (tmp_path / folder.removeprefix("evidence: ") / "manifest.json").is_file()
    )
    assert "without encryption" not in done.stderr  # ipykernel's warning stays off the terminal


def test_a_resource_named_but_not_found_exits_2_in_every_command(estate):
    subscription = json.loads(runbook("sandbox", "show", "--state", estate, "--json").stdout)[0]["id"]
    missing_group = f"{subscription}/resourceGroups/rg-missing"
    missing_endpoint = (
        f"{subscription}/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-missing"
    )
    for args in (
        ["resources", "--resource-group", "rg-missing"],
        ["dns", "check", missing_group],
        ["dns", "entries", missing_endpoint],
    ):
        done = runbook(*args, "--state", estate)
        assert done.returncode == 2, (args, done.stderr)
        assert "missing" in one_line_error(done)
    assert runbook("dns", "entries", "/subscriptions/x/bad", "--state", estate).returncode == 2  # wrong shape, same


def test_a_write_on_azure_goes_on_only_after_yes_is_typed(monkeypatch, capsys):
    from runbook_lib.cli.common import confirmed

    for typed, expected in (("yes\n", True), (" YES \n", True), ("y\n", False), ("no\n", False), ("", False)):
        monkeypatch.setattr("sys.stdin", io.StringIO(typed))
        assert confirmed("Undo 3 changes on Azure?") is expected, typed
    assert "Undo 3 changes on Azure? Type 'yes' to go on: " in capsys.readouterr().out
