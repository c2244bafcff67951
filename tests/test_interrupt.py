"""A run stopped mid-write, as it happens to a consultant: `runbook apply` in a subprocess on the sandbox with
realistic long-running operations (an endpoint create takes 3 s), stopped by Ctrl-C (SIGINT) or killed (SIGKILL)
while the endpoint is being made. The journal keeps the write's intent; the next run reads the endpoint through the
SDK and journals that the interrupted run made it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.ids import parse_id
from runbook_lib.journal import Change, Intent, Journal
from runbook_lib.sandbox import Sandbox
from tests.cli import runbook

PARAMETERS = Path(__file__).resolve().parents[1] / "parameters" / "backup.sandbox.yaml"
LINE = "runbook: interrupted during step endpoint; run the same command again to finish"


def _estate(tmp_path: Path) -> dict[str, str]:
    state = tmp_path / "estate.db"
    reset = runbook(
        "sandbox", "reset", "--demo", "contoso", "--lro", "realistic", "--lro-seconds", "3", "--state", str(state)
    )
    assert reset.returncode == 0, reset.stderr
    return {"RUNBOOK_SANDBOX": str(state)}


def _stopped_while_making_the_endpoint(
    tmp_path: Path, env: dict[str, str], journal: Path, how: signal.Signals
) -> subprocess.CompletedProcess:
    """Start `runbook apply backup`, wait until the endpoint's create request is journaled, then send ``how``."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook_lib.cli",
            "apply",
            "backup",
            "-f",
            str(PARAMETERS),
            "--as",
            "owner",
            "--journal",
            str(journal),
        ],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    try:
        clients = get_clients(Target(state=env["RUNBOOK_SANDBOX"], principal="owner"))
        # the create was sent and ARM answered it (the endpoint exists, its operation still running): stop it then
        while not _endpoint_sent(journal, clients):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the endpoint step never started"
            time.sleep(0.1)
        process.send_signal(how)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _endpoint_sent(journal: Path, clients) -> bool:
    intents = [e for e in _entries(journal) if isinstance(e, Intent) and e.step == "endpoint"]
    if not intents:
        return False
    rid = parse_id(intents[0].resource_id)  # read as it is now (ops waits for a running operation to end)
    found = clients.network.private_endpoints.list(rid.resource_group)
    return any(e.name == rid.name for e in found)


def _entries(journal: Path) -> list:
    return Journal.read(journal) if journal.exists() else []


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_an_apply_stopped_while_making_the_endpoint_is_reconciled_by_the_next_run(tmp_path, how):
    env, journal = _estate(tmp_path), tmp_path / "journal.jsonl"
    stopped = _stopped_while_making_the_endpoint(tmp_path, env, journal, how)
    if how == signal.SIGINT:
        assert stopped.returncode == 130
        assert stopped.stderr.strip().splitlines() == [LINE]  # one line, no traceback
    else:
        assert stopped.returncode == -signal.SIGKILL
    [left] = Journal(journal).open_intents()  # the endpoint's create: sent, its outcome never journaled
    assert (left.step, left.action, left.request["method"]) == ("endpoint", "create", "PUT")
    endpoint_id = left.resource_id
    assert endpoint_id.endswith("/privateEndpoints/pe-backup-wus3")
    assert not any(isinstance(e, Change) and e.resource_id.lower() == endpoint_id.lower() for e in _entries(journal))

    Sandbox(env["RUNBOOK_SANDBOX"]).configure(lro="immediate")  # the rest of the run need not wait
    again = runbook(
        "apply", "backup", "-f", str(PARAMETERS), "--as", "owner", "--journal", str(journal), cwd=tmp_path, env=env
    )
    assert again.returncode == 3, again.stderr  # done up to the first registration, a manual step
    assert f"runbook: endpoint: {endpoint_id}: made by an interrupted run" in again.stderr.splitlines()
    entries = _entries(journal)
    [reconciled] = [e for e in entries if isinstance(e, Change) and e.intent == left.id]
    assert reconciled.reconciled and reconciled.step == "endpoint" and reconciled.request_id is None
    assert reconciled.resource_id.lower() == endpoint_id.lower()  # the id ARM gives the endpoint
    # settled before the second run's first step, and the endpoint is not created a second time
    second_run = entries[entries.index(reconciled) :]
    assert not any(isinstance(e, Intent) and e.step == "endpoint" for e in second_run)
    assert Journal(journal).open_intents() == []


def test_a_headless_run_stopped_by_ctrl_c_is_sealed_and_the_next_run_names_what_it_made(tmp_path):
    """`runbook run` (papermill): the parent's Ctrl-C ends the run with the same line and exit 130; the folder is
    sealed as far as it went, and the next run of the scenario starts with its open intents and settles them."""
    env, runs = _estate(tmp_path), tmp_path / "runs"
    command = [
        sys.executable,
        "-m",
        "runbook_lib.cli",
        "run",
        "backup",
        "-f",
        str(PARAMETERS),
        "--mode",
        "apply",
        "--as",
        "owner",
        "--output",
        str(runs),
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    try:
        while not any(
            isinstance(e, Intent) and e.step == "endpoint"
            for path in runs.glob("backup/*/*/journal.jsonl")
            for e in _entries(path)
        ):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the endpoint step never started"
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130 and err.strip().splitlines()[-1] == LINE
    [first] = runs.glob("backup/*/*/manifest.json")  # sealed: the vault and roles it made are evidence
    manifest = json.loads(first.read_text())
    # the notebook as papermill last saved it: the endpoint cell interrupted (nbclient stops the kernel), or not
    # run yet; never ok
    assert manifest["status"] in ("failed", "incomplete")
    if manifest["status"] == "failed":
        assert "Interrupted: interrupted during step endpoint" in manifest["status_detail"]
    [left] = [e for e in manifest["journal"] if e["kind"] == "intent" and e["step"] == "endpoint"]

    # the next run, even a plan (it writes nothing to Azure), reads the endpoint and journals what was made
    again = runbook(
        "run",
        "backup",
        "-f",
        str(PARAMETERS),
        "--mode",
        "plan",
        "--as",
        "owner",
        "--output",
        str(runs),
        cwd=tmp_path,
        env=env,
    )
    assert again.returncode == 0, again.stderr
    folder = Path(again.stdout.strip().splitlines()[-1]).parent
    second = json.loads((folder / "manifest.json").read_text())
    [made] = [e for e in second["journal"] if e["kind"] == "change" and e.get("intent") == left["id"]]
    assert made["reconciled"] and made["resource_id"].lower() == left["resource_id"].lower()
    shown = json.loads(runbook("evidence", "show", str(folder), "--json", cwd=tmp_path, env=env).stdout)
    assert made in shown["journal"] and shown["changes"] == len(shown["journal"])  # counted as a change
    assert made["resource_id"] in json.loads((folder / "snapshots" / "after.json").read_text())
