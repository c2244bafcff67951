"""The engine on small real steps (resource groups and tags through the SDK): plan reads, apply writes exactly
the plan and journals it, a second apply does nothing, guards and failures stop the run, manual steps wait."""

from __future__ import annotations

import pytest

from runbook_lib.azure.requests import deferred
from runbook_lib.engine import ManualStep, Run, Runbook, Step, blocked, create, unchanged, update
from runbook_lib.engine.source import Article
from runbook_lib.journal import Change, CheckResult, Confirmation, Journal
from runbook_lib.ops.arm import get_or_none

SOURCE = Article("A test article", "https://learn.microsoft.com/test").section("Test")


class ResourceGroup(Step):
    """A resource group with a tag: create it, then keep its tag as asked."""

    source = SOURCE

    def __init__(self, name: str, tag: str = "a", guard: str | None = None):
        self.id, self.title, self.name, self.tag, self.guard = f"rg-{name}", f"group {name}", name, tag, guard

    def plan(self, run: Run):
        if self.guard:
            return [blocked(self.name, self.guard)]
        groups = run.clients.resources.resource_groups
        found = get_or_none(groups.get, self.name)
        body = {"location": "westus3", "tags": {"t": self.tag}}
        if found is None:
            return [create(self.name, self.tag, deferred(groups.create_or_update, self.name, body))]
        if (found.tags or {}).get("t") != self.tag:
            return [
                update(
                    self.name, (found.tags or {}).get("t"), self.tag, deferred(groups.create_or_update, self.name, body)
                )
            ]
        return [unchanged(self.name, self.tag)]


def run_of(clients, mode="apply", confirmed=(), journal=None) -> Run:
    return Run(clients, None, mode, journal or Journal(), "tester", frozenset(confirmed))


def names(clients) -> set[str]:
    return {g.name for g in clients.resources.resource_groups.list()}


def test_plan_reads_apply_writes_and_a_second_apply_does_nothing(clients, tmp_path):
    book = Runbook("t", [ResourceGroup("one"), ResourceGroup("two")])
    planned = book.run(run_of(clients, "plan"))
    assert (planned.status, planned.exit_code) == ("planned", 0)
    assert list(planned.plan_table()["Action"]) == ["create", "create"] and "one" not in names(clients)

    journal = Journal(tmp_path / "journal.jsonl")
    done = book.run(run_of(clients, journal=journal))
    assert (done.status, list(done.table()["Status"])) == ("done", ["done", "done"])
    assert {"one", "two"} <= names(clients)
    changes = [e for e in Journal.read(journal.path) if isinstance(e, Change)]
    # the journal names what ARM made by its id (the row named it 'one')
    assert [(c.step, c.resource_id, c.action) for c in changes] == [
        ("rg-one", f"/subscriptions/{clients.subscription_id}/resourceGroups/one", "create"),
        ("rg-two", f"/subscriptions/{clients.subscription_id}/resourceGroups/two", "create"),
    ]
    assert all(c.request_id for c in changes)

    again = Journal()
    assert list(book.run(run_of(clients, journal=again)).table()["Status"]) == ["nothing to do"] * 2
    assert again.changes == []


def test_a_guard_blocks_and_the_steps_after_it_do_not_run(clients):
    book = Runbook("t", [ResourceGroup("one"), ResourceGroup("two", guard="no: because"), ResourceGroup("three")])
    report = book.run(run_of(clients))
    assert list(report.table()["Status"]) == ["done", "blocked", "not run"]
    assert (report.status, report.exit_code) == ("blocked", 3)
    assert report.steps[1].detail == "no: because" and "three" not in names(clients)


def test_an_arm_error_fails_the_step_in_words_and_the_journal_keeps_what_was_done(sandbox, target):
    from runbook_lib.azure import get_clients
    from runbook_lib.sandbox.faults import FaultRule

    sandbox.add_fault(FaultRule(answer=500, method="PUT", path="resourcegroups/two"))
    clients = get_clients(target, retry_total=1, retry_backoff_factor=0)  # azure-core retries it, then gives up
    journal = Journal()
    report = Runbook("t", [ResourceGroup("one"), ResourceGroup("two"), ResourceGroup("three")]).run(
        run_of(clients, journal=journal)
    )
    assert (report.status, report.exit_code) == ("failed", 1)
    assert [s.status for s in report.steps] == ["done", "failed", "not run"]
    assert report.steps[1].detail.startswith("InternalServerError: The server encountered an internal error")
    assert [c.resource_id.rsplit("/", 1)[-1] for c in journal.changes] == ["one"]


def test_verify_reads_back_and_fails_what_did_not_take(clients):
    class NeverTakes(ResourceGroup):
        def plan(self, run):  # once created, always wants a tag its (read-only) write never sets
            rows = super().plan(run)
            return (
                rows
                if rows[0].action == "create"
                else [update(self.name, "a", "never", deferred(run.clients.resources.resource_groups.get, self.name))]
            )

    journal = Journal()
    report = Runbook("t", [NeverTakes("one"), ResourceGroup("two")]).run(run_of(clients, journal=journal))
    assert [s.status for s in report.steps] == ["failed", "not run"]
    assert "one: still update (never)" in report.steps[0].detail
    assert any(isinstance(e, CheckResult) and e.status == "fail" and e.step == "rg-one" for e in journal.entries)


def test_a_manual_step_waits_for_its_confirmation_and_records_who_gave_it(clients):
    book = Runbook(
        "t",
        [ResourceGroup("one"), ManualStep("install", "Install it", SOURCE, "Install the agent."), ResourceGroup("two")],
    )
    waiting = book.run(run_of(clients))
    assert list(waiting.table()["Status"]) == ["done", "waiting", "not run"] and waiting.exit_code == 3
    assert "Install the agent." in waiting.steps[1].detail and "'install' in confirm" in waiting.steps[1].detail
    planned = book.run(run_of(clients, "plan"))  # planning goes past a manual step
    assert list(planned.table()["Status"]) == ["nothing to do", "waiting", "planned"] and planned.exit_code == 0

    journal = Journal()
    done = book.run(run_of(clients, confirmed={"install"}, journal=journal))
    assert list(done.table()["Status"]) == ["nothing to do", "confirmed", "done"]
    [confirmation] = [e for e in journal.entries if isinstance(e, Confirmation)]
    assert (confirmation.step, confirmation.by) == ("install", "tester") and confirmation.time.endswith("Z")


def test_step_ids_are_unique_and_the_mode_is_checked(clients):
    with pytest.raises(ValueError, match="repeat"):
        Runbook("t", [ResourceGroup("one"), ResourceGroup("one")])
    from runbook_lib.errors import RunbookError

    with pytest.raises(RunbookError, match="mode"):
        Runbook("t", [ResourceGroup("one")]).run(run_of(clients, "destroy"))


def test_a_run_step_by_step_keeps_the_order_and_may_run_a_step_again(clients):
    from runbook_lib.errors import RunbookError

    book = Runbook("t", [ResourceGroup("one"), ResourceGroup("two", guard="not yet"), ResourceGroup("three")])
    execution = book.start(run_of(clients))
    with pytest.raises(RunbookError, match="comes after 'rg-one', which has not run"):
        execution.step("rg-two")
    assert execution.step("rg-one").status == "done"
    assert execution.step("rg-one").status == "nothing to do"  # a cell run twice
    assert execution.step("rg-two").status == "blocked"
    assert (
        execution.step("rg-three").status == "not run" and "stopped at 'rg-two'" in execution.reports["rg-three"].detail
    )
    book.steps[1].guard = None  # the consultant fixed the cause; the blocked step's cell is run again
    assert execution.step("rg-two").status == "done" and execution.step("rg-three").status == "done"
    assert execution.report().status == "done"
    with pytest.raises(RunbookError, match="'rg-four' is not a step of t"):
        execution.step("rg-four")
