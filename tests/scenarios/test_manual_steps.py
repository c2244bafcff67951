"""Manual steps are verified, not just confirmed: after a person says they did the work, the run looks at what
Azure shows (through the real SDK, on the sandbox, whose events do what the services do) and the step stays
waiting, with the reason, until Azure shows it done. Where nothing in Azure shows the work, the journal says so."""

from __future__ import annotations

from runbook_lib.journal import CheckResult, Confirmation, Journal
from tests.builders import make_vault
from tests.contoso import VAULTS
from tests.scenarios.conftest import detail, run, statuses
from tests.scenarios.test_backup import NEW_VAULT, params
from tests.scenarios.test_migrate_hyperv import key_generated
from tests.scenarios.test_migrate_hyperv import params as hyperv_params


def confirmations(journal: Journal) -> list[Confirmation]:
    return [e for e in journal.entries if isinstance(e, Confirmation)]


def observations(journal: Journal) -> list[tuple[str, str]]:
    return [(e.step, e.status) for e in journal.entries if isinstance(e, CheckResult) and e.check == "observe"]


def test_a_registration_confirmed_before_azure_backup_made_its_endpoints_waits(contoso, owner, tmp_path):
    run(owner, params())  # everything up to the first registration
    path = tmp_path / "journal.jsonl"
    early, journal = run(owner, params(confirm=["first-registration"]), journal=Journal(path))
    assert (early.status, early.exit_code) == ("waiting", 3)
    assert statuses(early)["first-registration"] == "waiting"
    assert statuses(early)["dns-after-registration"] == "not run"
    assert detail(early, "first-registration").startswith("confirmed at ")
    assert (
        "UTC by owner, but Azure Backup has not created the _ecs blob and queue endpoint(s) beside pe-backup yet: "
        "the first registration may still be running, or failed"
    ) in detail(early, "first-registration")
    # the person's word is kept, with who, when and how; and what the run saw
    [said] = confirmations(journal)
    assert (said.step, said.by, said.how) == ("first-registration", "owner", "parameter confirm")
    assert said.detail.startswith("confirmed; to be seen in Azure: the <endpoint>_ecs blob and queue endpoints")
    assert observations(journal) == [("first-registration", "fail")]
    assert [e.kind for e in Journal.read(path)] == ["confirmation", "check"]

    assert contoso.event("register-container", NEW_VAULT).succeeded  # what Azure Backup does at the registration
    seen, journal = run(owner, params(confirm=["first-registration"]), journal=Journal(path))
    assert statuses(seen)["first-registration"] == "confirmed"
    assert "seen in Azure: the <endpoint>_ecs blob and queue endpoints exist and are Approved" in detail(
        seen, "first-registration"
    )
    assert statuses(seen)["dns-after-registration"] in ("done", "nothing to do")  # the run goes on
    assert statuses(seen)["first-backup"] == "waiting" and seen.exit_code == 3
    assert observations(journal) == [("first-registration", "pass")]
    kinds = [(e.kind, getattr(e, "status", "")) for e in Journal.read(path)]
    assert kinds[:2] == [("confirmation", ""), ("check", "fail")] and ("check", "pass") in kinds[2:]


def test_a_first_backup_confirmed_before_it_ran_waits_for_the_prot_endpoint(contoso, owner):
    run(owner, params())
    assert contoso.event("register-container", NEW_VAULT).succeeded
    both = ["first-registration", "first-backup"]
    early, journal = run(owner, params(confirm=both))
    assert statuses(early)["first-registration"] == "confirmed" and statuses(early)["first-backup"] == "waiting"
    assert "but Azure Backup has not created the _prot blob endpoint(s)" in detail(early, "first-backup")
    assert "the first backup may still be running, or failed" in detail(early, "first-backup")
    assert statuses(early)["validate"] == "not run" and early.exit_code == 3

    assert contoso.event("first-backup", NEW_VAULT).succeeded
    done, journal = run(owner, params(confirm=both))
    assert (done.status, done.exit_code) == ("done", 0), done.table().to_string()
    assert observations(journal) == [("first-registration", "pass"), ("first-backup", "pass")]


def test_planning_reports_an_unseen_confirmation_and_goes_on(owner):
    """A plan reads only: a confirmed step Azure does not show yet is waiting, and the later steps still plan."""
    planned, journal = run(owner, params(confirm=["first-registration"]), "plan")
    assert (planned.status, planned.exit_code) == ("planned", 0) and journal.changes == []
    assert statuses(planned)["first-registration"] == "waiting"
    assert "the vault's endpoint pe-backup does not exist" in detail(planned, "first-registration")
    assert statuses(planned)["validate"] != "not run"


def test_a_step_nothing_in_azure_shows_is_confirmed_and_the_journal_says_it_was_not_observable(owner, hub):
    make_vault(hub, "rg-recovery", "rsv-migrate-hyperv")
    report, journal = run(owner, hyperv_params(confirm=["install-provider"]))
    assert statuses(report)["install-provider"] == "confirmed"
    assert detail(report, "install-provider").endswith("by owner; not observable in Azure")
    [said] = confirmations(journal)
    assert (said.step, said.detail) == ("install-provider", "confirmed; not observable")
    assert observations(journal) == []
    assert statuses(report)["registration-key"] == "waiting"  # not confirmed: its instructions


def test_a_host_registration_is_seen_in_the_vaults_registered_servers(contoso, owner, hub):
    vault = make_vault(hub, "rg-recovery", "rsv-migrate-hyperv").id
    assert vault == f"{VAULTS}/rsv-migrate-hyperv"
    manual = ["install-provider", "registration-key", "host-nslookup", "register-hosts"]
    early, journal = run(owner, hyperv_params(confirm=manual, registration_key_generated=key_generated(1)))
    assert statuses(early)["register-hosts"] == "waiting" and early.exit_code == 3
    assert "shows no registered server yet (registeredServersCount 0)" in detail(early, "register-hosts")
    assert [c.step for c in confirmations(journal)] == manual
    assert contoso.event("register-server", vault).succeeded
    seen, journal = run(owner, hyperv_params(confirm=manual, registration_key_generated=key_generated(1)))
    assert statuses(seen)["register-hosts"] == "confirmed" and statuses(seen)["replicate"] == "waiting"
    assert observations(journal) == [("register-hosts", "pass")]
