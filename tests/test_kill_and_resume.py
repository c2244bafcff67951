"""Runs killed at any moment, throttled, or whose operations fail end, after re-runs, exactly where a clean run
ends: no duplicate, nothing left Failed or in progress. The real SDK against the sandbox, whose long-running
operations finish on their own clock (as ARM's do) whether or not the run that started them is still alive."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from runbook_lib.engine import load_parameters
from runbook_lib.journal import Change, Failure, Journal, open_intents
from runbook_lib.ops import arm
from runbook_lib.sandbox import FaultRule, Sandbox, SandboxSettings
from runbook_lib.sandbox.store import Store
from runbook_lib.scenarios.backup import BackupParameters
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, VAULTS
from tests.scenarios.conftest import changed, detail, run, statuses

ROOT = Path(__file__).resolve().parents[1]
NEW_VAULT = f"{VAULTS}/rsv-backup-new"


def params(**change) -> BackupParameters:
    return load_parameters(
        BackupParameters,
        {
            "vault": NEW_VAULT,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": "pe-backup",
            "zones_resource_group": DNS_RG,
            "experience": "v1",  # the v1 experience's role assignments are among the moments
            **change,
        },
    )


@pytest.fixture
def owner(contoso):
    from runbook_lib.azure import Target, get_clients

    return get_clients(Target(state=str(contoso.path), principal="owner"), retry_backoff_factor=0.01)


# --- what a run left half-done, the next run finishes (in process) ----------------------------------------------


# (a Recovery Services vault is made synchronously, as Azure does: its PUT answers 201 Succeeded or an error, so no
# run leaves it Failed; the Azure CLI's recording test_backup_vault.yaml)
@pytest.mark.parametrize(
    "path, step",
    [
        ("privateEndpoints/pe-backup$", "endpoint"),
        ("privateDnsZoneGroups/default$", "zones"),
        ("virtualNetworkLinks/link-vnet-spoke$", "links"),
    ],
)
def test_a_resource_left_failed_is_put_again_by_the_next_run(contoso, owner, path, step):
    contoso.add_fault(FaultRule(answer="lro-failed", method="PUT", path=path, times=1))
    failed, _ = run(owner, params())
    assert statuses(failed)[step] == "failed" and "InternalServerError" in detail(failed, step)

    planned, journal = run(owner, params(), "plan")
    rows = [row for s in planned.steps if s.id == step for row in s.rows if row.action != "unchanged"]
    updates = [row for row in rows if row.action == "update"]
    assert [(row.before, row.after) for row in updates] == [("Failed", "Succeeded")]
    assert "is Failed (its last operation failed: left by an earlier run" in updates[0].reason
    assert {row.action for row in rows} <= {"update", "create"}  # and what the failed run did not reach yet
    assert journal.changes == []

    resumed, journal = run(owner, params())
    assert resumed.status == "waiting", resumed.table().to_string()
    assert changed(journal)[0] == step  # the Failed resource first, put again
    again, journal = run(owner, params())
    assert again.status == "waiting" and journal.changes == []


def test_past_the_bound_the_step_is_blocked_and_says_why(contoso, owner, monkeypatch):
    monkeypatch.setattr(arm, "SETTLE_SECONDS", 0.5)
    monkeypatch.setattr(arm, "POLL_SECONDS", 0.1)
    run(owner, params(), "apply")  # everything up to the first registration
    spoke = SPOKE_ENDPOINTS.split("/")[4]
    endpoint = owner.network.private_endpoints.get(spoke, "pe-backup")
    contoso.configure(lro="realistic", lro_seconds=120)
    owner.network.private_endpoints.begin_create_or_update(
        spoke, "pe-backup", endpoint.as_dict(exclude_readonly=True), polling=False
    )  # someone else's update, still running
    report, journal = run(owner, params())
    assert statuses(report)["endpoint"] == "blocked" and report.exit_code == 3
    assert detail(report, "endpoint").startswith("pe-backup is still Updating after 0.5 seconds: an operation on it")
    assert journal.changes == []


def test_an_endpoint_still_updating_is_not_created_again(contoso, owner, monkeypatch):
    """The endpoint a killed run was creating: waited for, then found in place (one endpoint, one NIC)."""
    run(owner, params(), "apply")  # everything up to the first registration
    spoke = SPOKE_ENDPOINTS.split("/")[4]
    endpoint = owner.network.private_endpoints.get(spoke, "pe-backup")
    contoso.configure(lro="realistic", lro_seconds=1.0)
    owner.network.private_endpoints.begin_create_or_update(
        spoke, "pe-backup", endpoint.as_dict(exclude_readonly=True), polling=False
    )
    assert owner.network.private_endpoints.get(spoke, "pe-backup").provisioning_state == "Updating"
    contoso.configure(lro="immediate")  # what this run writes is answered at once; the endpoint's operation runs on
    started = time.monotonic()
    report, journal = run(owner, params())
    assert time.monotonic() - started >= 0.5  # it waited for the endpoint
    assert statuses(report)["endpoint"] == "nothing to do" and journal.changes == []
    assert len([e for e in owner.network.private_endpoints.list(spoke) if e.name == "pe-backup"]) == 1
    assert len([n for n in owner.network.network_interfaces.list(spoke) if n.name.startswith("pe-backup.nic.")]) == 1


# --- the command killed at many moments (subprocess, SIGKILL) ----------------------------------------------------
# Each case has its own estate; the cases run side by side (each run mostly waits on its operations' Retry-After),
# so the whole harness takes about as long as its slowest case.

LRO_SECONDS = 0.5
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
TIMES = {"etag", "createdOn", "updatedOn", "startTime", "creationTime"}  # differ between any two runs
Moment = Callable[[list[dict]], bool]  # the estate's resources -> kill now?


def _of_type(kind: str, state: str) -> Moment:
    """A resource of type ``kind`` in provisioning state ``state`` (one the run is making) exists."""

    def moment(resources: list[dict]) -> bool:
        return any(
            r.get("type", "").lower() == kind.lower() and (r.get("properties") or {}).get("provisioningState") == state
            for r in resources
        )

    return moment


def _vault_made(resources: list[dict]) -> bool:
    """The parameters' vault exists: between the vault step and the next."""
    return any(r["id"].lower() == NEW_VAULT.lower() for r in resources)


def _assignment_to_new_vault(resources: list[dict]) -> bool:
    """The vault's identity holds its first role: between the writes of step identity-roles."""
    vault = next((r for r in resources if r["id"].lower() == NEW_VAULT.lower()), None)  # the parameters' vault
    principal = ((vault or {}).get("identity") or {}).get("principalId")
    return bool(principal) and any(
        (r.get("properties") or {}).get("principalId") == principal
        for r in resources
        if r.get("type", "").lower() == "microsoft.authorization/roleassignments"
    )


KILL_MOMENTS: dict[str, Moment] = {
    "just after the vault's creation": _vault_made,  # (made synchronously, as Azure does: never "Creating")
    "between the role assignments": _assignment_to_new_vault,
    "inside the endpoint's creation": _of_type("Microsoft.Network/privateEndpoints", "Updating"),
    "inside a zone link's creation": _of_type("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "Creating"),
}
FAULTS = (  # throttling and server errors (retried by azure-core), and two operations that end Failed
    FaultRule(answer=429, share=0.3, method="PUT", stream=7, times=3, retry_after=1),
    FaultRule(answer=503, share=0.1, method="GET", stream=8, times=3, retry_after=1),
    FaultRule(answer="lro-failed", method="PUT", path="privateEndpoints/pe-backup-wus3$", times=1),
    FaultRule(answer="lro-failed", method="PUT", path="virtualNetworkLinks/", times=1),
)


@dataclass
class Outcome:
    runs: list[tuple[int, int]]  # each `runbook apply`: (exit code, changes)
    end: Counter  # the end state (_end_state)
    resources: list[dict]  # as stored, for the duplicate checks
    journal: list  # the entries of the journal every run of the case appended to
    known: set[str]  # the demo estate's own GUIDs
    faults: list[FaultRule] = field(default_factory=list)

    def journaled(self) -> Counter:
        """The resources the journal names as changed, GUIDs the runs made as <new> (role assignment names)."""
        return Counter(
            UUID.sub(lambda m: m.group(0) if m.group(0).lower() in self.known else "<new>", e.resource_id)
            for e in self.journal
            if isinstance(e, Change)
        )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """'clean', each kill moment, and 'faults': what each case ended with."""
    cases: dict[str, Callable[[Path], Outcome]] = {
        "clean": partial(_case, None, ()),
        "faults": partial(_case, None, FAULTS),
    }
    cases |= {moment: partial(_case, KILL_MOMENTS[moment], ()) for moment in KILL_MOMENTS}
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {
            name: pool.submit(case, tmp_path_factory.mktemp(name.replace(" ", "-").replace("'", "")))
            for name, case in cases.items()
        }
        return {name: future.result() for name, future in futures.items()}


def test_a_clean_run_reaches_the_first_registration_and_then_changes_nothing(outcomes):
    runs = outcomes["clean"].runs
    assert runs == [(3, 8), (3, 0)]  # waiting at the first registration (a manual step); then nothing to do
    _assert_settled_without_duplicates(outcomes["clean"].resources)


@pytest.mark.parametrize("moment", list(KILL_MOMENTS))
def test_a_run_killed_at_any_moment_ends_as_a_clean_run_after_reruns(outcomes, moment):
    outcome, clean = outcomes[moment], outcomes["clean"]
    assert outcome.runs[-1] == (3, 0), outcome.runs  # the re-runs finished it, and then nothing was left
    assert outcome.end == clean.end, _difference(outcome.end, clean.end)
    _assert_settled_without_duplicates(outcome.resources)
    _assert_journal_names_every_change(outcome, clean)


def test_throttling_and_failed_operations_end_as_a_clean_run_after_reruns(outcomes):
    outcome, clean = outcomes["faults"], outcomes["clean"]
    assert outcome.runs[0][0] == 1 and outcome.runs[-1] == (3, 0), outcome.runs  # the first run failed
    assert all(rule.hits for rule in outcome.faults), outcome.faults  # every fault was met
    assert outcome.end == clean.end, _difference(outcome.end, clean.end)
    _assert_settled_without_duplicates(outcome.resources)
    _assert_journal_names_every_change(outcome, clean)
    failures = [e for e in outcome.journal if isinstance(e, Failure)]  # the operations that ended Failed, by name
    assert sorted(e.resource_id.rsplit("/", 1)[-1] for e in failures) == ["link-vnet-spoke", "pe-backup-wus3"]


def _assert_journal_names_every_change(outcome: Outcome, clean: Outcome) -> None:
    """The write-ahead journal (runbook_lib.journal): every write the runs began has its outcome (the killed run's
    reconciled by the next), and the changes it names are the clean run's, each once."""
    assert open_intents(outcome.journal) == []
    assert outcome.journaled() == clean.journaled()


def _case(moment: Moment | None, faults: tuple[FaultRule, ...], folder: Path) -> Outcome:
    """A demo estate with realistic operations; `runbook apply` killed at ``moment`` (when given), then applied
    again until a run changes nothing."""
    state = folder / "estate.db"
    sandbox = Sandbox(state)
    sandbox.reset(SandboxSettings(lro="realistic", lro_seconds=LRO_SECONDS), demo="contoso")
    for rule in faults:
        sandbox.add_fault(rule)
    (folder / "backup.sandbox.yaml").write_text((ROOT / "parameters" / "backup.v1.sandbox.yaml").read_text())
    known = {g.lower() for r in _stored(state) for g in UUID.findall(json.dumps(r))}  # the demo estate's own GUIDs
    if moment is not None:
        _kill_at(state, moment)
    runs = [_apply(state)]
    while runs[-1][1] and len(runs) < 4:
        runs.append(_apply(state))
    return Outcome(
        runs, _end_state(state, known), _stored(state), Journal.read(folder / "journal.jsonl"), known, sandbox.faults()
    )


def _command(state: Path) -> list[str]:
    folder = state.parent
    return [
        sys.executable,
        "-m",
        "runbook_lib.cli",
        "apply",
        "backup",
        "-f",
        str(folder / "backup.sandbox.yaml"),
        "--as",
        "owner",
        "--state",
        str(state),
        "--journal",
        str(folder / "journal.jsonl"),
    ]


def _apply(state: Path) -> tuple[int, int]:
    """(exit code, changes) of one whole `runbook apply`."""
    done = subprocess.run(
        _command(state),
        capture_output=True,
        text=True,
        cwd=state.parent,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    made = re.search(r"\((\d+) changes?;", done.stdout + done.stderr)
    assert made, done.stdout + done.stderr
    return done.returncode, int(made.group(1))


def _kill_at(state: Path, moment: Moment, timeout: float = 60.0) -> None:
    """Start `runbook apply`; SIGKILL it as soon as the estate shows ``moment``."""
    process = subprocess.Popen(
        _command(state),
        cwd=state.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline and not moment(_stored(state)):
            time.sleep(0.03)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL, "the run ended before the moment came"
    finally:
        if process.poll() is None:
            process.kill()


def _stored(state: Path) -> list[dict]:
    """Every resource of the estate as stored (a raw read: it finishes no operation)."""
    store = Store(state)
    try:
        with store.transaction(write=False) as tx:
            return tx.below("")
    finally:
        store.close()


def _end_state(state: Path, known: set[str]) -> Counter:
    """Every resource as ARM's GET shows it, one canonical text each (a multiset: a duplicate counts twice), minus
    etags and times, with the GUIDs the run made (role assignment names, the vault's identity, the NIC's name) as
    <new>. Read after one ARM request, so that every operation whose time has passed is finished."""
    from runbook_lib.sandbox.services import service_for
    from runbook_lib.sandbox.services.base import Context

    def canonical(value):
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items() if k not in TIMES}
        if isinstance(value, list):
            return [canonical(v) for v in value]
        if isinstance(value, str):
            return UUID.sub(lambda m: m.group(0) if m.group(0).lower() in known else "<new>", value)
        return value

    sandbox = Sandbox(state)
    with sandbox.store.transaction(write=False) as tx:
        ctx = Context(
            tx,
            tx.principals()[0],
            "https://sandbox",
            "2024-01-01",
            SandboxSettings.from_dict(tx.setting("settings")),
            time.time(),
        )
        return Counter(
            json.dumps(canonical(service_for(r["type"]).view(ctx, r)), sort_keys=True)
            for r in tx.below("")
            if "type" in r
        )


def _assert_settled_without_duplicates(resources: list[dict]) -> None:
    of = {
        kind: [r for r in resources if r.get("type", "").lower() == kind.lower()]
        for kind in (
            "Microsoft.Authorization/roleAssignments",
            "Microsoft.Network/privateEndpoints",
            "Microsoft.Network/networkInterfaces",
        )
    }
    assignments = Counter(
        (
            a["properties"]["principalId"],
            a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1],
            a["properties"]["scope"].lower(),
        )
        for a in of["Microsoft.Authorization/roleAssignments"]
    )
    assert [key for key, count in assignments.items() if count > 1] == []
    assert [e["name"] for e in of["Microsoft.Network/privateEndpoints"] if e["name"].startswith("pe-backup")] == [
        "pe-backup-wus3"
    ]
    assert len([n for n in of["Microsoft.Network/networkInterfaces"] if n["name"].startswith("pe-backup-wus3.")]) == 1
    unsettled = [
        (r["id"], (r.get("properties") or {}).get("provisioningState"))
        for r in resources
        if (r.get("properties") or {}).get("provisioningState") not in (None, "Succeeded")
    ]
    assert unsettled == []


def _difference(end: Counter, clean: Counter) -> str:
    extra, missing = end - clean, clean - end
    return "\n".join([*(f"+ {text}" for text in extra), *(f"- {text}" for text in missing)])
