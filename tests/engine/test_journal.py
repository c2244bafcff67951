"""The write-ahead journal on real writes through the SDK: each write's intent is on disk before its request goes
out and its outcome after; a run interrupted between the two is reconciled by the next run, which reads the
resource and journals whether the interrupted run made it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from runbook_lib.azure.requests import deferred
from runbook_lib.engine import Run, Runbook, Step, create, unchanged, update
from runbook_lib.engine.runbook import Interrupted
from runbook_lib.engine.source import Article
from runbook_lib.journal import Change, Failure, Intent, Journal, NotMade, open_intents
from runbook_lib.ops.arm import get_or_none


class Group(Step):
    """A resource group in ``location`` with tag t=``tag``; ``interrupt``: Ctrl-C hits the run 'after' the ARM call
    went through, or 'before' its request reached ARM (the intent is on disk, the request never sent)."""

    source = Article("A test article", "https://learn.microsoft.com/test").section("Test")

    def __init__(self, name: str, tag: str = "a", location: str = "westus3", interrupt: str | None = None):
        self.id, self.title = f"rg-{name}", f"group {name}"
        self.name, self.tag, self.location, self.interrupt = name, tag, location, interrupt

    def plan(self, run: Run):
        groups = run.clients.resources.resource_groups
        found = get_or_none(groups.get, self.name)
        body = {"location": self.location, "tags": {"t": self.tag}}
        if found is None:
            rows = [create(self.name, self.tag, deferred(groups.create_or_update, self.name, body))]
        elif (found.tags or {}).get("t") != self.tag or found.location != self.location:
            rows = [
                update(
                    self.name, (found.tags or {}).get("t"), self.tag, deferred(groups.create_or_update, self.name, body)
                )
            ]
        else:
            return [unchanged(self.name, self.tag)]
        return [replace(row, write=_interrupting(row.write, self.interrupt)) for row in rows]


def _interrupting(write, when: str | None):
    if when is None:
        return write

    def interrupted():
        if when == "before":  # the request is stopped on its way out, after the intent was written

            def stop(_request):
                raise KeyboardInterrupt

            return write.func(*write.args, **write.keywords, raw_request_hook=stop)
        write()  # ARM made it; the process dies before it can journal the outcome
        raise KeyboardInterrupt

    return interrupted


def run_of(clients, journal: Journal, mode: str = "apply") -> Run:
    return Run(clients, None, mode, journal, "tester", frozenset())


def group_id(clients, name: str) -> str:
    return f"/subscriptions/{clients.subscription_id}/resourceGroups/{name}"


def test_each_write_journals_its_intent_then_its_change_linked_by_id(clients, tmp_path):
    path = tmp_path / "journal.jsonl"
    Runbook("t", [Group("one")]).run(run_of(clients, Journal(path)))
    intent, change = Journal.read(path)
    assert isinstance(intent, Intent) and isinstance(change, Change)
    assert (intent.step, intent.resource_id, intent.action, intent.before, intent.after) == (
        "rg-one",
        "one",
        "create",
        None,
        "a",
    )
    # the request the intent names is the one ARM got: method, path and api-version, and the body
    assert intent.request["method"] == "PUT"
    assert intent.request["url"].lower().startswith(f"{group_id(clients, 'one')}?api-version=".lower())
    assert intent.request["body"] == {"location": "westus3", "tags": {"t": "a"}}
    assert (change.intent, change.resource_id, change.reconciled) == (intent.id, group_id(clients, "one"), False)
    assert change.request_id and intent.time <= change.time and open_intents([intent, change]) == []


def test_a_write_arm_refuses_is_journaled_as_a_failure_with_arms_code(clients, tmp_path):
    path = tmp_path / "journal.jsonl"
    Runbook("t", [Group("one")]).run(run_of(clients, Journal(path)))
    # a resource group never moves: ARM answers 409 InvalidResourceGroupLocation
    report = Runbook("t", [Group("one", location="eastus")]).run(run_of(clients, Journal(path)))
    assert report.status == "failed" and report.steps[0].detail.startswith("InvalidResourceGroupLocation: ")
    *_, intent, failure = Journal.read(path)
    assert isinstance(intent, Intent) and isinstance(failure, Failure)
    assert (failure.intent, failure.code, failure.step) == (intent.id, "InvalidResourceGroupLocation", "rg-one")
    assert "already exists in location 'westus3'" in failure.message
    assert Journal(path).open_intents() == []


def test_ctrl_c_after_arm_made_it_leaves_the_intent_and_the_next_run_names_what_was_made(clients, tmp_path):
    path = tmp_path / "journal.jsonl"
    book = Runbook("t", [Group("one"), Group("two", interrupt="after"), Group("three")])
    with pytest.raises(Interrupted) as interrupted:
        book.run(run_of(clients, Journal(path)))
    assert interrupted.value.step == "rg-two"
    [left] = Journal(path).open_intents()
    assert (left.step, left.resource_id, left.action) == ("rg-two", "two", "create")
    assert "two" in {g.name for g in clients.resources.resource_groups.list()}  # made, yet not in the journal

    again = Journal(path)
    report = Runbook("t", [Group("one"), Group("two"), Group("three")]).run(run_of(clients, again))
    assert report.status == "done"
    reconciled, *_rest = again.entries  # settled before the first step
    assert isinstance(reconciled, Change) and reconciled.reconciled
    assert (reconciled.intent, reconciled.resource_id, reconciled.step, reconciled.action, reconciled.after) == (
        left.id,
        group_id(clients, "two"),
        "rg-two",
        "create",
        "a",
    )
    # the interrupted run's group is not made again; only three is new
    assert [c.resource_id.rsplit("/", 1)[-1] for c in again.changes] == ["two", "three"]
    assert Journal(path).open_intents() == []
    third = Journal(path)
    Runbook("t", [Group("one")]).run(run_of(clients, third))
    assert third.changes == []  # settled once: a later run finds nothing to reconcile


def test_ctrl_c_before_the_request_reached_arm_is_reconciled_as_not_made(clients, tmp_path):
    path = tmp_path / "journal.jsonl"
    with pytest.raises(Interrupted):
        Runbook("t", [Group("one", interrupt="before")]).run(run_of(clients, Journal(path)))
    [left] = Journal(path).open_intents()
    assert "one" not in {g.name for g in clients.resources.resource_groups.list()}

    again = Journal(path)
    Runbook("t", [Group("one")]).run(run_of(clients, again, mode="plan"))  # a plan settles it too (it only reads)
    [not_made] = [e for e in again.entries if isinstance(e, NotMade)]
    assert (not_made.intent, not_made.why, not_made.step) == (left.id, "absent", "rg-one")
    assert again.changes == []


def test_an_interrupted_update_is_made_when_the_resource_holds_it_and_not_made_when_unchanged(clients, tmp_path):
    path = tmp_path / "journal.jsonl"
    Runbook("t", [Group("one")]).run(run_of(clients, Journal(path)))
    with pytest.raises(Interrupted):
        Runbook("t", [Group("one", tag="b", interrupt="before")]).run(run_of(clients, Journal(path)))
    with pytest.raises(Interrupted):  # a third run is interrupted too, after ARM took the new tag
        Runbook("t", [Group("one", tag="c", interrupt="after")]).run(run_of(clients, Journal(path)))
    settled = Journal(path)
    Runbook("t", [Group("one", tag="c")]).run(run_of(clients, settled))
    # the third run found the tag b request had not taken (the group held a: 'unchanged'); the fourth finds that
    # c did, so nothing is left to change
    outcomes = [
        (type(e).__name__, e.after if isinstance(e, Change) else e.why)
        for e in Journal.read(path)[2:]
        if isinstance(e, (Change, NotMade))
    ]
    assert outcomes == [("NotMade", "unchanged"), ("Change", "c")]
    assert [c.reconciled for c in settled.changes] == [True] and Journal(path).open_intents() == []


def test_a_journal_whose_last_line_was_cut_by_a_kill_still_reads(clients, tmp_path):
    path = tmp_path / "journal.jsonl"
    Runbook("t", [Group("one")]).run(run_of(clients, Journal(path)))
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"kind": "intent", "resource_id": "two"})[:20])  # killed mid-line
    assert [type(e) for e in Journal.read(path)] == [Intent, Change]
    path.write_text(path.read_text() + "\n" + path.read_text())  # a bad line inside the file is an error
    with pytest.raises(ValueError):
        Journal.read(path)
