"""One typed vocabulary: row actions, step and run statuses, check and evidence statuses are StrEnums whose text is
what tables, the journal and manifests show; SDK enums are read as ARM's text; ARM's errors read 'CODE: message';
every exception class lives in runbook_lib/errors.py; no bare next() can escape as StopIteration."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from runbook_lib.azure.enums import text_of
from runbook_lib.azure.errors import arm_code, arm_error, describe_arm_error
from runbook_lib.azure.requests import deferred
from runbook_lib.engine import Action, ManualStep, Run, Runbook, RunStatus, Step, StepStatus, create, unchanged
from runbook_lib.engine.source import Article
from runbook_lib.errors import RunbookError, RunIncomplete
from runbook_lib.evidence.html import banner_html
from runbook_lib.evidence.status import STATUSES, EvidenceStatus, derive_status
from runbook_lib.journal import CheckResult, CheckStatus, Journal
from runbook_lib.ops import vaults
from runbook_lib.ops.arm import get_or_none
from tests.contoso import HUB, VAULTS

LIBRARY = Path(__file__).resolve().parents[2] / "runbook_lib"
SOURCE = Article("A test article", "https://learn.microsoft.com/test").section("Test")


class Group(Step):
    """A resource group: create it once."""

    source = SOURCE

    def __init__(self, name: str):
        self.id, self.title, self.name = f"rg-{name}", f"group {name}", name

    def plan(self, run: Run):
        groups = run.clients.resources.resource_groups
        if get_or_none(groups.get, self.name) is None:
            return [create(self.name, "westus3", deferred(groups.create_or_update, self.name, {"location": "westus3"}))]
        return [unchanged(self.name, "westus3")]


def run_of(clients, mode: str, journal: Journal) -> Run:
    return Run(clients, None, mode, journal, "tester")


def test_each_vocabulary_reads_as_tables_and_manifests_show_it():
    assert list(Action) == ["create", "update", "delete", "unchanged", "blocked"]  # "no change": 'unchanged'
    assert [a for a in Action if a.changes] == [Action.CREATE, Action.UPDATE, Action.DELETE]
    assert list(StepStatus) == [
        "planned",
        "nothing to do",
        "done",
        "confirmed",
        "waiting",
        "blocked",
        "failed",
        "not run",
    ]
    assert list(RunStatus) == ["planned", "done", "waiting", "blocked", "failed"]
    assert list(CheckStatus) == ["pass", "warn", "fail"]
    assert STATUSES == ("ok", "failed", "timed-out", "blocked", "incomplete")


def test_a_plan_table_the_journal_and_json_show_the_words_not_the_enum_names(clients, tmp_path):
    book = Runbook("t", [Group("one"), ManualStep("by-hand", "Do it by hand", SOURCE, "Do it.")])
    planned = book.run(run_of(clients, "plan", Journal()))
    assert (planned.status, list(planned.plan_table()["Action"])) == (RunStatus.PLANNED, ["create"])

    journal = Journal(tmp_path / "journal.jsonl")
    applied = book.run(run_of(clients, "apply", journal))
    assert list(applied.table()["Status"]) == ["done", "waiting"] and applied.status == "waiting"
    assert applied.exit_code == 3

    again = book.run(run_of(clients, "plan", Journal()))
    table = again.plan_table()
    assert list(table["Action"]) == ["unchanged"]
    printed = table.to_string() + again.table().to_string()
    assert "unchanged" in printed and "nothing to do" in printed and "Action." not in printed
    assert "StepStatus" not in printed
    assert json.loads(again.table().to_json(orient="records"))[0]["Status"] == "nothing to do"

    book.start(run_of(clients, "apply", journal)).verify("rg-one")  # the journal file keeps the check's word
    checks = [json.loads(line) for line in journal.path.read_text().splitlines() if '"check"' in line]
    assert checks[-1]["status"] == "pass" and Journal.read(journal.path)[-1].status == CheckStatus.PASS


def test_a_run_stopped_by_a_waiting_step_reads_back_as_incomplete_evidence():
    """evidence.status reads the run's status from RunIncomplete's message: the two must agree."""
    stopped = RunIncomplete("backup", RunStatus.WAITING, "by-hand: waiting: Do it.")
    assert str(stopped) == "backup is waiting: by-hand: waiting: Do it."
    cell = nbformat.v4.new_code_cell("session.summary()", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("error", ename="RunIncomplete", evalue=str(stopped), traceback=[])]
    status, why = derive_status(nbformat.v4.new_notebook(cells=[cell]))
    assert (status, why) == (EvidenceStatus.INCOMPLETE, f"RunIncomplete: {stopped}")

    failed = CheckResult("verify", "rg-one", CheckStatus.FAIL, "still create")
    done = nbformat.v4.new_code_cell("", execution_count=1)
    assert derive_status(nbformat.v4.new_notebook(cells=[done]), [failed])[0] == "failed"


def test_the_evidence_banner_is_red_only_when_the_run_did_not_end_ok():
    assert "runbook-banner failed" not in banner_html({"status": EvidenceStatus.OK, "verified": True})
    for status in ("failed", "timed-out", "blocked", "incomplete"):
        assert "runbook-banner failed" in banner_html({"status": status, "verified": True}), status


def test_arms_error_reads_as_its_code_and_message(contoso, clients):
    hub = clients.for_subscription(HUB)
    with pytest.raises(ResourceNotFoundError) as missing:
        hub.recoveryservices.vaults.get("rg-recovery", "rsv-missing")
    error = missing.value
    assert arm_code(error) == "ResourceNotFound" and error.status_code == 404
    assert describe_arm_error(error) == f"ResourceNotFound: {error.error.message}"
    assert "rsv-missing" in describe_arm_error(error) and "\n" not in describe_arm_error(error)
    assert "Code:" in str(error)  # azure-core's own text repeats the code: the formatter does not

    with pytest.raises(HttpResponseError) as no_group:
        hub.recoveryservices.vaults.get("rg-missing", "rsv-missing")
    assert arm_error(no_group.value) == ("ResourceGroupNotFound", "Resource group 'rg-missing' could not be found.")


def test_a_step_that_arm_refuses_fails_with_arms_code_in_its_detail(contoso, clients):
    class MissingVault(Step):
        id, title, source = "vault", "Read a vault that is not there", SOURCE

        def plan(self, run: Run):
            run.clients.for_subscription(HUB).recoveryservices.vaults.get("rg-recovery", "rsv-missing")
            return []

    report = Runbook("t", [MissingVault()]).run(run_of(clients, "plan", Journal()))
    step = report.steps[0]
    assert (step.status, report.status) == (StepStatus.FAILED, RunStatus.FAILED)
    assert step.detail.startswith("ResourceNotFound: ") and "rsv-missing" in step.detail


def test_sdk_enums_read_as_arms_text(contoso, clients):
    vault = clients.for_subscription(HUB).recoveryservices.vaults.get("rg-recovery", "rsv-backup-wus3")
    access = vault.properties.public_network_access
    assert str(access) != access.value  # an SDK enum's str() is its Python name: never shown
    assert text_of(access) in ("Enabled", "Disabled") and text_of(access) == access.value
    assert text_of(vault.properties.provisioning_state) == "Succeeded"  # a plain str in this SDK model
    assert text_of(None) == "" and text_of(None, "Unknown") == "Unknown" and text_of("", "None") == "None"


def test_approving_a_connection_that_is_not_there_says_so_instead_of_stopiteration(contoso, clients):
    endpoint = f"/subscriptions/{HUB}/resourceGroups/rg-recovery/providers/Microsoft.Network/privateEndpoints/pe-gone"
    with pytest.raises(RunbookError, match="rsv-backup-wus3: no private endpoint connection from pe-gone"):
        vaults.approve_connection(clients, f"{VAULTS}/rsv-backup-wus3", endpoint)


def _modules():
    for path in sorted(LIBRARY.rglob("*.py")):
        if "sandbox" not in path.relative_to(LIBRARY).parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_every_exception_class_is_in_errors_py():
    """The sandbox keeps its own ARM error type (runbook_lib/sandbox/errors.py)."""
    outside = [
        f"{path.relative_to(LIBRARY)}: {node.name}"
        for path, tree in _modules()
        if path.name != "errors.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(b).endswith(("Error", "Exception", "Interrupt", "ConcurrentChange")) for b in node.bases)
    ]
    assert outside == []


def test_no_bare_next_can_escape_as_stopiteration():
    bare = [
        f"{path.relative_to(LIBRARY)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "next"
        and len(node.args) < 2
    ]
    assert bare == []
