"""`runbook dns ...` as a consultant runs it: files in and out, exit codes, one-line errors, nothing half done."""

from __future__ import annotations

import json

import pytest

from runbook_lib.journal import Journal
from tests.builders import a_records, add_a_record
from tests.cli import one_line_error, runbook
from tests.contoso import DNS_RG, SPOKE_VNET, VAULTS

BLOB = "privatelink.blob.core.windows.net"


@pytest.fixture
def state(estate) -> str:
    return str(estate.sandbox.path)


def test_entries_file_is_overwritten_not_appended(state, tmp_path):
    out = tmp_path / "dnsentries.txt"
    for _ in range(2):
        done = runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(out), "--header", "--state", state)
        assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split() == ["ResourceName", "DNS", "PrivateIP"] and len(lines) == 11
    assert len(set(lines)) == len(lines)
    rows = json.loads(runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--json", "--state", state).stdout)
    assert [line.split() for line in lines[1:]] == [[r["ResourceName"], r["DNS"], r["PrivateIP"]] for r in rows]


def test_plan_apply_and_a_second_apply(state, hub, tmp_path):
    entries = tmp_path / "dnsentries.txt"
    runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(entries), "--state", state)
    plan = runbook("dns", "plan", "--from", str(entries), "--zones", DNS_RG, "--json", "--state", state)
    assert plan.returncode == 0 and {r["Action"] for r in json.loads(plan.stdout)} == {"create"}
    assert a_records(hub, "rg-dns", BLOB) == {}  # a plan writes nothing

    journal = tmp_path / "journal.jsonl"
    args = ("dns", "apply", "--from", str(entries), "--zones", DNS_RG, "--link", SPOKE_VNET, "--journal", str(journal),
            "--state", state)
    applied = runbook(*args)
    assert applied.returncode == 0, applied.stderr
    assert "created 13" in applied.stderr and f"journal: {journal} (13 changes)" in applied.stderr
    again = runbook(*args)
    assert again.returncode == 0 and "unchanged 13" in again.stderr and len(Journal.read(journal)) == 13


def test_apply_fails_on_a_conflict_until_told_to_overwrite_it(state, hub, tmp_path):
    entries = tmp_path / "dnsentries.txt"
    runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(entries), "--state", state)
    account = next(line.split()[0] for line in entries.read_text().splitlines() if BLOB in line)
    add_a_record(hub, "rg-dns", BLOB, account, "10.1.1.250")
    journal = tmp_path / "journal.jsonl"
    args = ("dns", "apply", "--from", str(entries), "--zones", DNS_RG, "--journal", str(journal), "--state", state)
    kept = runbook(*args)
    assert kept.returncode == 1 and "1 planned records were not written" in kept.stderr
    assert a_records(hub, "rg-dns", BLOB)[account] == ["10.1.1.250"]
    replaced = runbook(*args, "--overwrite-conflicts")
    assert replaced.returncode == 0, replaced.stderr
    assert [c.before for c in Journal.read(journal) if c.action == "replace"] == [["10.1.1.250"]]


def test_a_malformed_line_names_its_number_and_nothing_is_applied(state, hub, tmp_path):
    entries = tmp_path / "dnsentries.txt"
    runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(entries), "--state", state)
    lines = entries.read_text().splitlines()
    lines.insert(5, "broken-line-with-two privatelink.blob.core.windows.net")
    entries.write_text("\n".join(lines) + "\n")
    failed = runbook("dns", "apply", "--from", "-", "--zones", DNS_RG, "--state", state, stdin=entries.read_text())
    assert failed.returncode == 2
    one_line_error(failed, "stdin line 6", "ResourceName DNS PrivateIP")
    assert all(a_records(hub, "rg-dns", zone) == {} for zone in (BLOB, "privatelink.wus3.backup.windowsazure.com"))


def test_export_writes_the_files_it_names(state, tmp_path):
    entries = tmp_path / "dnsentries.txt"
    runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(entries), "--state", state)
    done = runbook("dns", "export", "--from", str(entries), "--format", "bind", "--out", str(tmp_path / "bind"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.rsplit("/", 1)[-1] for p in done.stdout.split()) == [
        "named.conf.local", f"{BLOB}.zone", "privatelink.queue.core.windows.net.zone",
        "privatelink.wus3.backup.windowsazure.com.zone"]


def test_zones_for_a_scenario_and_an_unknown_region():
    done = runbook("dns", "zones", "--scenario", "backup", "--region", "westus3", "--json")
    assert done.returncode == 0 and {r["Zone"] for r in json.loads(done.stdout)} == {
        "privatelink.wus3.backup.windowsazure.com", BLOB, "privatelink.queue.core.windows.net"}
    one_line_error(runbook("dns", "zones", "--scenario", "backup", "--region", "westus4"), "westus4", "westus3")


def test_a_bad_id_is_one_line(state):
    one_line_error(runbook("dns", "entries", "pe-bkp", "--state", state), "ID: 'pe-bkp' is not a resource id")


def test_check_exits_non_zero_while_a_check_fails(state, hub, tmp_path):
    from tests.builders import link_zone

    endpoint = f"{VAULTS}/rsv-backup-wus3"
    failing = runbook("dns", "check", endpoint, "--zones", DNS_RG, "--json", "--state", state)
    assert failing.returncode == 1 and "checks failed" in failing.stderr
    rows = json.loads(failing.stdout)
    assert {r["Check"] for r in rows if r["Status"] == "fail"} == {"link", "record"}  # not linked, no records yet
    entries = runbook("dns", "entries", endpoint, "--format", "privateip", "--state", state).stdout
    applied = runbook("dns", "apply", "--from", "-", "--zones", DNS_RG, "--journal", str(tmp_path / "journal.jsonl"),
                      "--state", state, stdin=entries)
    assert applied.returncode == 0, applied.stderr
    for zone in ("privatelink.wus3.backup.windowsazure.com", BLOB, "privatelink.queue.core.windows.net"):
        link_zone(hub, "rg-dns", zone, SPOKE_VNET)
    passing = runbook("dns", "check", endpoint, "--zones", DNS_RG, "--state", state)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "fail" not in passing.stdout


def test_a_pending_endpoint_is_shown_but_left_out_of_the_file(state, tmp_path):
    from runbook_lib.azure import Target, get_clients
    from tests.builders import make_endpoint
    from tests.contoso import SPOKE_ENDPOINTS
    from tests.dns.conftest import SPOKE_RG

    operator = get_clients(Target(state=state, principal="operator"))
    make_endpoint(operator, "rg-network-spoke", "pe-operator", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-asr-wus3",
                  "AzureSiteRecovery", manual=True)
    table = json.loads(runbook("dns", "entries", SPOKE_RG, "--json", "--state", state).stdout)
    assert {r["ConnectionState"] for r in table if r["PrivateEndpoint"] == "pe-operator"} == {"Pending"}
    out = tmp_path / "dnsentries.txt"
    written = runbook("dns", "entries", SPOKE_RG, "--out", str(out), "--state", state)
    assert "pe-operator: connection Pending" in written.stderr and "(left out)" in written.stderr
    pending_ips = {r["PrivateIP"] for r in table if r["PrivateEndpoint"] == "pe-operator"}
    assert len(pending_ips) == 5 and not pending_ips & {line.split()[2] for line in out.read_text().splitlines()}
    assert len(out.read_text().splitlines()) == len(table) - 5
