"""`runbook dns ...` as a consultant runs it: files in and out, exit codes, one-line errors, nothing half done."""

from __future__ import annotations

import json

import pytest

from runbook_lib.journal import Journal
from tests.builders import a_records, add_a_record
from tests.cli import one_line_error, runbook
from tests.contoso import DNS_RG, SPOKE_VNET, VAULTS

BLOB = "privatelink.blob.core.windows.net"
BACKUP = "privatelink.wus3.backup.windowsazure.com"
QUEUE = "privatelink.queue.core.windows.net"


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
    args = (
        "dns",
        "apply",
        "--from",
        str(entries),
        "--zones",
        DNS_RG,
        "--link",
        SPOKE_VNET,
        "--journal",
        str(journal),
        "--state",
        state,
    )
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
    before = {zone: a_records(hub, "rg-dns", zone) for zone in (BLOB, BACKUP, QUEUE)}
    kept = runbook(*args)
    assert kept.returncode == 1
    assert len(kept.stderr.splitlines()) == 2
    assert (
        kept.stderr.splitlines()[1] == "runbook: nothing was written: 1 of the planned changes were refused (see above)"
    )
    assert kept.stderr.startswith(f"runbook: refused: record {account} in {BLOB}: conflict: holds 10.1.1.250, not ")
    assert {zone: a_records(hub, "rg-dns", zone) for zone in (BLOB, BACKUP, QUEUE)} == before  # nothing at all
    assert not journal.exists() or Journal.read(journal) == []
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
        "named.conf.local",
        f"{BLOB}.zone",
        "privatelink.queue.core.windows.net.zone",
        "privatelink.wus3.backup.windowsazure.com.zone",
    ]


def test_zones_for_a_scenario_and_an_unknown_region():
    done = runbook("dns", "zones", "--scenario", "backup", "--region", "westus3", "--json")
    assert done.returncode == 0 and {r["Zone"] for r in json.loads(done.stdout)} == {
        "privatelink.wus3.backup.windowsazure.com",
        BLOB,
        "privatelink.queue.core.windows.net",
    }
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
    applied = runbook(
        "dns",
        "apply",
        "--from",
        "-",
        "--zones",
        DNS_RG,
        "--journal",
        str(tmp_path / "journal.jsonl"),
        "--state",
        state,
        stdin=entries,
    )
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
    make_endpoint(
        operator,
        "rg-network-spoke",
        "pe-operator",
        SPOKE_ENDPOINTS,
        f"{VAULTS}/rsv-asr-wus3",
        "AzureSiteRecovery",
        manual=True,
    )
    table = json.loads(runbook("dns", "entries", SPOKE_RG, "--json", "--state", state).stdout)
    assert {r["ConnectionState"] for r in table if r["PrivateEndpoint"] == "pe-operator"} == {"Pending"}
    out = tmp_path / "dnsentries.txt"
    written = runbook("dns", "entries", SPOKE_RG, "--out", str(out), "--state", state)
    assert "pe-operator: connection Pending" in written.stderr and "(left out)" in written.stderr
    pending_ips = {r["PrivateIP"] for r in table if r["PrivateEndpoint"] == "pe-operator"}
    assert len(pending_ips) == 5 and not pending_ips & {line.split()[2] for line in out.read_text().splitlines()}
    assert len(out.read_text().splitlines()) == len(table) - 5


def test_apply_refuses_a_link_azure_would_refuse_before_writing_anything(state, hub, tmp_path):
    """vnet-hub is linked to rg-dns's zones: zones of the same names in a new group cannot be linked to it."""
    from tests.contoso import HUB_VNET

    entries = tmp_path / "dnsentries.txt"
    runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(entries), "--state", state)
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones = DNS_RG.replace("/rg-dns", "/rg-dns-new")
    args = ("--from", str(entries), "--zones", zones, "--create-missing-zones", "--link", HUB_VNET, "--state", state)
    planned = runbook("dns", "plan", *args, "--json")
    assert planned.returncode == 0 and planned.stderr == (
        "runbook: apply would write nothing while 3 rows are conflict or zone-missing (see Reason)\n"
    )
    plan = json.loads(planned.stdout)
    conflicts = [r for r in plan if r["Action"] == "conflict"]
    assert len(conflicts) == 3 and all(
        "use that zone's resource group as zones_resource_group (or --zones)" in r["Reason"] for r in conflicts
    )
    applied = runbook("dns", "apply", *args, "--journal", str(tmp_path / "journal.jsonl"))
    assert applied.returncode == 1
    lines = applied.stderr.splitlines()
    assert lines[0].startswith(
        f"runbook: refused: link link-vnet-hub in {BACKUP}: vnet-hub is already linked to "
        f"another {BACKUP}, "
        "in rg-dns (subscription "
    )
    assert lines[-1] == "runbook: nothing was written: 3 of the planned changes were refused (see above)"
    assert list(hub.privatedns.private_zones.list_by_resource_group("rg-dns-new")) == []  # not even the zones


def test_a_mistyped_zone_is_not_created_unless_allowed(state, hub, tmp_path):
    entries = tmp_path / "dnsentries.txt"
    entries.write_text(
        "ResourceName DNS PrivateIP\n123-ab-pod01-fc1 privatelink.wus3.backup.windowsazure.cm 10.1.1.4\n"
    )
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones = DNS_RG.replace("/rg-dns", "/rg-dns-new")
    args = (
        "dns",
        "apply",
        "--from",
        str(entries),
        "--zones",
        zones,
        "--create-missing-zones",
        "--journal",
        str(tmp_path / "journal.jsonl"),
        "--state",
        state,
    )
    refused = runbook(*args)
    assert refused.returncode == 2
    one_line_error(
        refused,
        "privatelink.wus3.backup.windowsazure.cm is not a private-link zone the runbooks use",
        "did you mean privatelink.wus3.backup.windowsazure.com",
        "--allow-zone privatelink.wus3.backup.windowsazure.cm",
    )
    assert list(hub.privatedns.private_zones.list_by_resource_group("rg-dns-new")) == []
    allowed = runbook(*args, "--allow-zone", "privatelink.wus3.backup.windowsazure.cm")
    assert allowed.returncode == 0, allowed.stderr
    assert [z.name for z in hub.privatedns.private_zones.list_by_resource_group("rg-dns-new")] == [
        "privatelink.wus3.backup.windowsazure.cm"
    ]


@pytest.mark.parametrize(
    "text, words",
    [
        ("", ["dnsentries.txt: the file is empty", "runbook dns entries"]),
        ("\n  \n", ["dnsentries.txt: the file is empty"]),
        ("ResourceName DNS PrivateIP\n", ["dnsentries.txt line 1: no entries after it"]),
        ("ResourceName,DNS,PrivateIP,FQDN\n", ["dnsentries.txt line 1: no entries after it"]),
        ("ResourceName,DNS\nx,privatelink.blob.core.windows.net\n", ["dnsentries.txt line 1: no column PrivateIP"]),
        (
            "ResourceName,DNS,PrivateIP\nx,privatelink.blob.core.windows.net\n",
            ["dnsentries.txt line 2: 2 fields, but the header (line 1) names 3"],
        ),
        (
            "ResourceName,DNS,PrivateIP\nx,privatelink.blob.core.windows.net,10.1.1.4,extra\n",
            ["dnsentries.txt line 2: 4 fields"],
        ),
        (
            '[{"ResourceName": "x", "DNS": "privatelink.blob.core.windows.net"}]',
            ["dnsentries.txt entry 1: no PrivateIP"],
        ),
        ("[]", ["dnsentries.txt line 1: no entries after it"]),
        ('{"ResourceName": "x"}', ["dnsentries.txt: expected a JSON array of objects"]),
        ("42", ["dnsentries.txt line 1: expected 'ResourceName DNS PrivateIP'"]),
    ],
)
def test_an_entries_file_without_entries_is_one_line_and_exit_2(state, hub, tmp_path, text, words):
    entries = tmp_path / "dnsentries.txt"
    entries.write_text(text)
    done = runbook(
        "dns",
        "apply",
        "--from",
        str(entries),
        "--zones",
        DNS_RG,
        "--state",
        state,
        "--journal",
        str(tmp_path / "journal.jsonl"),
    )
    assert done.returncode == 2
    one_line_error(done, *[w.replace("dnsentries.txt", str(entries)) for w in words])
    assert a_records(hub, "rg-dns", BLOB) == {}


def test_a_header_only_file_stops_plan_and_export_too(state, tmp_path):
    entries = tmp_path / "dnsentries.txt"
    entries.write_text("ResourceName DNS PrivateIP\n")
    for args in (
        ("plan", "--zones", DNS_RG, "--state", state),
        ("export", "--format", "hosts", "--out", str(tmp_path / "out")),
    ):
        done = runbook("dns", args[0], "--from", str(entries), *args[1:])
        assert done.returncode == 2
        one_line_error(done, f"{entries} line 1: no entries after it")
    assert not (tmp_path / "out").exists()


def test_export_out_naming_a_file_or_a_used_directory(state, tmp_path):
    entries = tmp_path / "dnsentries.csv"  # CSV keeps the FQDNs a hosts file needs
    runbook("dns", "entries", f"{VAULTS}/rsv-backup-wus3", "--out", str(entries), "--format", "csv", "--state", state)
    args = ("dns", "export", "--from", str(entries), "--format", "hosts")
    done = runbook(*args, "--out", str(entries))
    assert done.returncode == 2
    one_line_error(done, f"--out: '{entries}' is a file; name a directory")
    out = tmp_path / "export"
    assert runbook(*args, "--out", str(out)).returncode == 0
    (out / "hosts").write_text("edited by hand\n")
    again = runbook(*args, "--out", str(out))
    assert again.returncode == 2
    one_line_error(again, f"--out: '{out}' already holds hosts", "--force")
    assert (out / "hosts").read_text() == "edited by hand\n"
    forced = runbook(*args, "--out", str(out), "--force")
    assert forced.returncode == 0 and "edited by hand" not in (out / "hosts").read_text()
