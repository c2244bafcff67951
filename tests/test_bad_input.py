"""Mistakes in the input are refused, never guessed: exit 2 (1 for a tampered run folder), one line naming the key,
option or file and what to do, and nothing written (the estate as it was, no journal, no run folder)."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

from runbook_lib.cli import main
from tests.cli import one_line_error, runbook
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, VAULTS

PARAMETERS = Path(__file__).resolve().parents[1] / "parameters"
GOOD = f"vault: {VAULTS}/rsv-new\nsubnet: {SPOKE_ENDPOINTS}\nendpoint_name: pe-bkp\nzones_resource_group: {DNS_RG}\n"
SAS = "?sv=2024-01-01&sig=0123456789abcdefghijklmnopqrstuv%3D"


def refused(capsys, *args: str, code: int = 2) -> list[str]:
    """Run `runbook ARGS` in this process; it exits ``code`` with one line per bad field on stderr; those lines."""
    try:
        got = main(list(args))
    except SystemExit as done:  # argparse's refusals
        got = done.code
    err = capsys.readouterr().err.strip().splitlines()
    assert got == code, err
    assert err and all(line.strip() for line in err), err
    return err


def one(capsys, *args: str, code: int = 2) -> str:
    lines = refused(capsys, *args, code=code)
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def estate(contoso, tmp_path, monkeypatch):
    """The demo estate, run from an empty working directory; yields its path and checks, after the test,
    that the refused command changed nothing in it and wrote no journal or run folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUNBOOK_SANDBOX", raising=False)
    before = contoso.resources()
    yield str(contoso.path)
    assert contoso.resources() == before
    assert not (tmp_path / "runs").exists()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- the parameters file ---------------------------------------------------------------------------------------------


def test_a_key_given_twice_is_named_with_both_lines(capsys, estate, tmp_path):
    path = write(tmp_path, "b.yaml", GOOD + "ttl: 10\nendpoint_name: pe-other\n")
    line = one(capsys, "plan", "backup", "-f", path, "--state", estate)
    assert "line 6: 'endpoint_name' is given twice (first on line 3)" in line and "keep one" in line


def test_a_template_left_as_shipped_names_each_placeholder(capsys, estate):
    lines = refused(capsys, "plan", "backup", "-f", str(PARAMETERS / "backup.azure.yaml"), "--state", estate)
    keys = [re.search(r": (\w+) \(line \d+\): still holds", line)[1] for line in lines]
    assert keys == ["vault", "subnet", "endpoint_name", "zones_resource_group"], lines
    assert all("still holds the template's placeholder CHANGE-ME; replace it" in line for line in lines)


def test_the_templates_all_zero_subscription_is_a_placeholder_too(capsys, estate, tmp_path):
    zero = "00000000-0000-0000-0000-000000000000"
    path = write(tmp_path, "b.yaml", GOOD.replace(DNS_RG, f"/subscriptions/{zero}/resourceGroups/rg-dns"))
    line = one(capsys, "plan", "backup", "-f", path, "--state", estate)
    assert "zones_resource_group (line 4): still holds the template's all-zero subscription id" in line


def test_another_runbooks_parameters_say_which_runbook_they_are_for(capsys, estate, tmp_path):
    text = (PARAMETERS / "site_recovery.sandbox.yaml").read_text(encoding="utf-8")
    path = write(tmp_path, "customer-a.yaml", text)
    line = one(capsys, "plan", "backup", "-f", path, "--state", estate)
    assert "these are the parameters of site_recovery" in line
    assert f"run `runbook plan site_recovery -f {path}`" in line
    # backup's keys are all site_recovery's too: only the file's name ({notebook}.*.yaml) tells the mistake
    line = one(capsys, "apply", "site_recovery", "-f", str(PARAMETERS / "backup.sandbox.yaml"), "--state", estate)
    assert "is named for backup, not site_recovery" in line and "runbook apply backup" in line


def test_a_key_that_looks_like_a_credential_is_never_echoed(capsys, estate, tmp_path):
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    path = write(tmp_path, "b.yaml", GOOD + f"{token}: x\n")
    line = one(capsys, "plan", "backup", "-f", path, "--state", estate)
    assert token not in line and "line 5: a parameter whose name or value looks like a credential" in line
    path = write(tmp_path, "c.yaml", GOOD + f"'https://st.blob.core.windows.net/c{SAS}': [a]\n")
    line = one(capsys, "plan", "backup", "-f", path, "--state", estate)
    assert "sig=" not in line and "0123456789abcdef" not in line and "line 5" in line
    # twice, or in a line YAML cannot parse: the key is still not shown
    path = write(tmp_path, "d.yaml", GOOD + f"{token}: x\n{token}: y\n")
    assert token not in one(capsys, "plan", "backup", "-f", path, "--state", estate)
    path = write(tmp_path, "e.yaml", GOOD + f"vault: [{token}\n")
    line = one(capsys, "plan", "backup", "-f", path, "--state", estate)
    assert token not in line and "not valid YAML" in line


def test_a_file_that_is_not_text_or_is_too_large_is_refused_fast(capsys, estate, tmp_path):
    binary = tmp_path / "backup.zip"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe\x00\x9c" * 64)
    line = one(capsys, "plan", "backup", "-f", str(binary), "--state", estate)
    assert str(binary) in line and "not a text file" in line
    nul = write(tmp_path, "nul.yaml", GOOD + "\x00\x00")
    assert "not a text file (it holds NUL bytes)" in one(capsys, "plan", "backup", "-f", nul, "--state", estate)
    large = tmp_path / "large.yaml"
    large.write_text(GOOD + "# padding\n" * 200_000, encoding="utf-8")
    started = time.perf_counter()
    line = one(capsys, "plan", "backup", "-f", str(large), "--state", estate)
    assert "over the 1 MB an input file may be" in line and time.perf_counter() - started < 2
    assert "a folder, not a file" in one(capsys, "plan", "backup", "-f", str(tmp_path), "--state", estate)


def test_a_windows_powershell_utf16_file_is_read(capsys, estate, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_bytes((GOOD + "ttl: 0\n").encode("utf-16"))  # read as text: then its TTL is refused, by name
    assert "ttl: 0 seconds is outside what Azure DNS accepts" in one(
        capsys, "plan", "backup", "-f", str(path), "--state", estate
    )


# --- shapes and bounds ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, words",
    [
        ("ttl: 0", "ttl: 0 seconds is outside what Azure DNS accepts for a record set (1 to 2,147,483,647)"),
        ("ttl: 2147483648", "ttl: 2147483648 seconds is outside"),
        ("nameserver: 10.0.0.4:70000", "nameserver: '10.0.0.4:70000': the port must be 1-65535"),
        ("nameserver: dns server", "nameserver: 'dns server' is not HOST or HOST:PORT"),
        (
            "link_vnets: [/subscriptions/hub/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub]",
            "link_vnets.0: 'hub' is not a subscription id (a GUID",
        ),
    ],
)
def test_shapes_and_bounds_are_checked_before_the_first_step(capsys, estate, tmp_path, extra, words):
    path = write(tmp_path, "b.yaml", GOOD + extra + "\n")
    assert words in one(capsys, "plan", "backup", "-f", path, "--state", estate)


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "backup", "-f", "x.yaml", "--timeout", "0"], ["--timeout", "'0' is below 1; give 1 to 86400"]),
        (["run", "backup", "-f", "x.yaml", "--timeout", "nan"], ["--timeout", "not a number"]),
        (["batch", "x.yaml", "--jobs", "0"], ["--jobs", "'0' is below 1"]),
        (["batch", "x.yaml", "--jobs", "1000"], ["--jobs", "over 16"]),
        (["sandbox", "reset", "--lro-seconds", "86400"], ["--lro-seconds", "over 3600"]),
    ],
)
def test_numeric_options_are_bounded(capsys, args, words):
    line = one(capsys, *args)
    assert all(word in line for word in words), line


# --- the runbook's manual steps and the caller -----------------------------------------------------------------------


def test_confirm_naming_no_manual_step_lists_them(capsys, estate, tmp_path):
    path = write(tmp_path, "b.yaml", GOOD + "confirm: [first-registraton]\n")
    line = one(capsys, "apply", "backup", "-f", path, "--state", estate)
    assert line == (
        "runbook: error: confirm: 'first-registraton' is not a manual step of backup; its manual steps "
        "are first-registration, first-backup"
    )
    assert "first-registraton" in one(capsys, "run", "backup", "-f", path, "--state", estate)


def test_as_naming_no_principal_lists_the_estates(capsys, estate, tmp_path):
    path = write(tmp_path, "b.yaml", GOOD)
    line = one(capsys, "apply", "backup", "-f", path, "--state", estate, "--as", "ownr")
    assert "--as: no principal 'ownr' in the sandbox estate; use one of operator, owner" in line
    assert "sandbox-admin" in line
    assert "--as: no principal 'ownr'" in one(capsys, "run", "backup", "-f", path, "--state", estate, "--as", "ownr")


def test_as_on_azure_is_refused(capsys, estate, tmp_path):
    path = write(tmp_path, "b.yaml", GOOD)
    line = one(
        capsys,
        "plan",
        "backup",
        "-f",
        path,
        "--target",
        "azure",
        "--subscription",
        DNS_RG.split("/")[2],
        "--as",
        "owner",
    )
    assert "--as: on azure the caller is whoever azure-identity signs in" in line


# --- the estate, and the paths a run writes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["plan", "backup", "-f", "PARAMS"],
        ["apply", "backup", "-f", "PARAMS"],
        ["resources"],
        ["dns", "entries", DNS_RG],
    ],
)
def test_no_estate_here_says_how_to_make_one_and_makes_none(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUNBOOK_SANDBOX", raising=False)
    params = write(tmp_path, "b.yaml", GOOD)
    line = one(capsys, *[params if arg == "PARAMS" else arg for arg in command])
    assert line == (
        "runbook: error: no sandbox estate here: run `runbook sandbox reset --demo contoso` first, or "
        "point RUNBOOK_SANDBOX at one (or give --state PATH)"
    )
    assert not (tmp_path / ".sandbox").exists() and not (tmp_path / "runs").exists()
    monkeypatch.setenv("RUNBOOK_SANDBOX", str(tmp_path / "gone.db"))
    assert "RUNBOOK_SANDBOX: no sandbox estate at" in one(capsys, *[params if a == "PARAMS" else a for a in command])
    assert not (tmp_path / "gone.db").exists()


@pytest.mark.parametrize(
    "journal, words",
    [
        ("FOLDER", "--journal: 'FOLDER' is a folder; give a file path"),
        ("FOLDER/missing/j.jsonl", "--journal: the folder 'FOLDER/missing' of 'FOLDER/missing/j.jsonl' does not exist"),
        ("FOLDER/b.yaml", "holds something other than a journal (not JSON lines)"),
    ],
)
def test_a_journal_path_that_cannot_be_one_is_refused_before_the_first_write(capsys, estate, tmp_path, journal, words):
    params = write(tmp_path, "b.yaml", GOOD)
    before = Path(params).read_text()
    line = one(
        capsys,
        "apply",
        "backup",
        "-f",
        params,
        "--state",
        estate,
        "--journal",
        journal.replace("FOLDER", str(tmp_path)),
    )
    assert words.replace("FOLDER", str(tmp_path)) in line
    assert Path(params).read_text() == before


def test_an_output_that_is_a_file_or_has_no_folder_is_refused(capsys, estate, tmp_path):
    params = write(tmp_path, "b.yaml", GOOD)
    assert "--output: " in one(capsys, "run", "backup", "-f", params, "--state", estate, "--output", params)
    line = one(capsys, "run", "backup", "-f", params, "--state", estate, "--output", str(tmp_path / "no" / "runs"))
    assert "does not exist; create it" in line and not (tmp_path / "no").exists()
    assert "--output: " in one(capsys, "batch", params, "--state", estate, "--output", params)


# --- evidence files ----------------------------------------------------------------------------------------------


def run_folder(tmp_path: Path, manifest: str) -> Path:
    folder = tmp_path / "runs" / "backup" / "2026-01-01" / "000000Z-sandbox-abc"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "manifest, words",
    [
        ('{"run_id": "abc", "scenario": ', "not valid JSON at line 1"),
        ("[1, 2]", "not a JSON object"),
        ('{"run_id": "abc"}', "not a manifest this version reads (no field 'journal')"),
    ],
)
def test_a_malformed_manifest_is_one_line_from_evidence(capsys, tmp_path, manifest, words):
    folder = run_folder(tmp_path, manifest)
    line = one(capsys, "evidence", "show", str(folder))
    assert f"{folder / 'manifest.json'}: " in line and words in line
    lines = refused(capsys, "evidence", "verify", str(folder), code=1)  # tampered: verify's exit 1, as before
    assert lines[0].startswith(f"runbook: {folder}: manifest.json: ")
    other = run_folder(tmp_path / "b", manifest)
    assert "runbook: error: " in one(capsys, "evidence", "diff", str(folder), str(other))


def test_a_malformed_index_names_its_line(capsys, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    good = json.dumps({"scenario": "backup", "run_id": "abc"})
    (runs / "index.jsonl").write_text(f"{good}\n{good[:20]}\n", encoding="utf-8")
    line = one(capsys, "evidence", "list", "--runs", str(runs))
    assert f"{runs / 'index.jsonl'}: line 2: not valid JSON" in line
    (runs / "index.jsonl").write_text(f"{good}\n[]\n", encoding="utf-8")
    assert "line 2: not a JSON object" in one(capsys, "evidence", "list", "--runs", str(runs))


# --- Azure with no credential ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("credential, tried", [("cli", "Azure CLI not found"), ("default", "AzureCliCredential")])
def test_azure_with_no_credential_is_one_line_saying_what_to_do(tmp_path, credential, tried):
    """No AZURE_* variables and no `az` on PATH: azure-identity finds nothing to sign in with. `--credential cli`
    fails at once; `default` tries its chain (the managed identity's IMDS probe answers or times out in about a
    second off Azure), and both end before any request to ARM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "MSI_", "IDENTITY_"))}
    env.update(PATH=str(Path(sys.executable).parent), HOME=str(tmp_path))
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "runbook_lib.cli",
            "resources",
            "--target",
            "azure",
            "--subscription",
            "1c2d3e4f-0000-4000-8000-123456789abc",
            "--credential",
            credential,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    line = one_line_error(done, f"could not sign in with --credential {credential}", tried, "az login")
    assert done.returncode == 2 and "DefaultAzureCredential failed" not in done.stderr, line
    params = write(tmp_path, "b.yaml", GOOD)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "runbook_lib.cli",
            "run",
            "backup",
            "-f",
            params,
            "--target",
            "azure",
            "--subscription",
            "1c2d3e4f-0000-4000-8000-123456789abc",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    one_line_error(done, "could not sign in", "az login")
    assert not (tmp_path / "runs").exists()


def test_runbook_subprocess_reports_one_line_too(tmp_path):
    """The same refusals through a real process: one line and exit 2, as a consultant sees them."""
    done = runbook("plan", "backup", "-f", str(tmp_path / "none.yaml"), cwd=tmp_path, env={"RUNBOOK_SANDBOX": ""})
    one_line_error(done, "none.yaml", "cannot read it")
    assert done.returncode == 2


def test_as_with_a_credential_in_it_is_not_echoed(capsys, estate, tmp_path):
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    line = one(capsys, "plan", "backup", "-f", write(tmp_path, "b.yaml", GOOD), "--state", estate, "--as", token)
    assert token not in line and "--as: looks like a credential" in line
