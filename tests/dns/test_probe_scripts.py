"""The check scripts `runbook dns script` makes for a VM, appliance or host: the sh script run under Debian's sh
(dash) against the sandbox's DNS server, its results read back by `runbook dns check --results`."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from runbook_lib.dns.probe_results import parse_probe_run, probe_rows
from runbook_lib.dns.probe_scripts import ScriptOs, probes_of, render_script
from runbook_lib.errors import InputError
from runbook_lib.journal import CheckStatus
from runbook_lib.sandbox.dns_server import DnsServer
from tests.builders import attach_zones, link_zone, make_endpoint, make_vault
from tests.cli import one_line_error, runbook
from tests.conftest import require_tool
from tests.sandbox.test_resolve import BACKUP_ZONE, PE_SUBNET, BackupEstate, make_backup_estate


@pytest.fixture
def estate(clients, rg) -> BackupEstate:
    """pe-backup: its zone linked to vnet-hub and its records written (zone group); pe-missing (a second vault's
    Backup endpoint in the same subnet): no zone group, so the linked zone has no record for it (NXDOMAIN)."""
    backup = make_backup_estate(clients, rg)
    link_zone(clients, rg, BACKUP_ZONE, backup.vnet_id)
    attach_zones(clients, rg, "pe-backup", [backup.zone_id])
    make_endpoint(
        clients,
        rg,
        "pe-missing",
        f"{backup.vnet_id}/subnets/{next(iter(PE_SUBNET))}",
        make_vault(clients, rg, "rsv-missing").id,
        "AzureBackup",
    )
    return backup


def endpoint_id(clients, rg: str, name: str) -> str:
    return clients.network.private_endpoints.get(rg, name).id


def make_script(sandbox, ids: list[str], os_name: str, out) -> subprocess.CompletedProcess:
    return runbook("dns", "script", *ids, "--os", os_name, "--out", str(out), "--state", str(sandbox.path))


def test_the_sh_script_run_against_the_sandbox_dns_names_the_missing_record(sandbox, clients, rg, estate, tmp_path):
    require_tool("nslookup", "bind9-dnsutils")
    dash = require_tool("dash", "dash")
    good, missing = endpoint_id(clients, rg, "pe-backup"), endpoint_id(clients, rg, "pe-missing")
    script, results = tmp_path / "check.sh", tmp_path / "vm-results.json"
    made = make_script(sandbox, [good, missing], "linux", script)
    assert made.returncode == 0, made.stderr
    with DnsServer(sandbox, estate.vnet_id) as server:
        ran = subprocess.run(
            [dash, str(script), "-s", f"127.0.0.1:{server.port}", "-o", str(results), "-n"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 0, ran.stderr
    written = json.loads(results.read_text(encoding="utf-8"))
    assert written["script"] == "runbook-dns-check/1" and written["resolver"] == "nslookup"
    seen = {r["fqdn"]: r for r in written["results"]}
    for fqdn, ip in estate.members.items():  # pe-backup's records exist: each FQDN gets its NIC's IP
        assert seen[fqdn]["resolved"] == [ip] and seen[fqdn]["expected_ip"] == ip and seen[fqdn]["tcp443"] is None
    lost = [fqdn for fqdn, r in seen.items() if fqdn not in estate.members]
    assert lost and all(seen[f]["resolved"] == [] for f in lost)
    assert written["entra"]["host"] == "login.microsoftonline.com"

    checked = runbook("dns", "check", "--results", str(results), "--json")
    assert checked.returncode == 1, checked.stderr
    rows = json.loads(checked.stdout)
    failed = {r["Resource"]: r for r in rows if r["Status"] == "fail"}
    for fqdn in lost:
        assert "no address" in failed[fqdn]["Detail"] and BACKUP_ZONE in failed[fqdn]["Fix"]
        assert "168.63.129.16" in failed[fqdn]["Fix"]
    assert not any(fqdn in failed for fqdn in estate.members)
    assert "login.microsoftonline.com" in failed  # the sandbox's DNS knows no public names but Azure's services
    assert {r["Status"] for r in rows if r["Check"] == "tcp443"} == {"warn"}  # -n: not tested


SCRIPT_TOOLS = ("awk", "grep", "sort", "tr", "head", "hostname", "date", "cat")  # what the sh script needs besides


@pytest.mark.parametrize("resolver, package", [("dig", "bind9-dnsutils"), ("host", "bind9-host")])
def test_the_sh_script_uses_dig_or_host_when_nslookup_is_missing(
    sandbox, clients, rg, estate, tmp_path, resolver, package
):
    dash, tool = require_tool("dash", "dash"), require_tool(resolver, package)
    bin_dir = tmp_path / "bin"  # a machine with the script's tools and this one resolver only
    bin_dir.mkdir()
    for name in SCRIPT_TOOLS:
        (bin_dir / name).symlink_to(shutil.which(name))
    (bin_dir / resolver).symlink_to(tool)
    script, results = tmp_path / "check.sh", tmp_path / "r.json"
    assert make_script(sandbox, [endpoint_id(clients, rg, "pe-backup")], "linux", script).returncode == 0
    with DnsServer(sandbox, estate.vnet_id) as server:
        ran = subprocess.run(
            [dash, str(script), "-s", f"127.0.0.1:{server.port}", "-o", str(results)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"PATH": str(bin_dir)},
        )
    assert ran.returncode == 0, ran.stderr
    written = json.loads(results.read_text(encoding="utf-8"))
    assert written["resolver"] == resolver and written["tcp_tool"] == "none"  # no nc, curl or bash here
    assert {r["fqdn"]: r["resolved"] for r in written["results"]} == {f: [ip] for f, ip in estate.members.items()}


def test_without_a_server_the_sh_script_uses_the_machines_resolver(tmp_path):
    dash = require_tool("dash", "dash")
    script = tmp_path / "check.sh"
    script.write_text(render_script(probes_of(_entries({"localhost.example": "127.0.0.1"})), ScriptOs.LINUX))
    out = tmp_path / "r.json"
    ran = subprocess.run(
        [dash, str(script), "-o", str(out), "-n"], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["resolver"] == ("getent" if shutil.which("getent") else "nslookup")
    assert written["results"] == [
        {"fqdn": "localhost.example", "expected_ip": "127.0.0.1", "resolved": [], "tcp443": None}
    ]


def test_the_powershell_script_carries_every_fqdn_and_the_clouds_entra_host(sandbox, clients, rg, estate, tmp_path):
    out = tmp_path / "check.ps1"
    made = make_script(sandbox, [endpoint_id(clients, rg, "pe-backup")], "windows", out)
    assert made.returncode == 0, made.stderr
    text = out.read_text(encoding="utf-8")
    for fqdn, ip in estate.members.items():
        assert f"fqdn = '{fqdn}'; expected_ip = '{ip}'" in text
    assert "Resolve-DnsName" in text and "Test-NetConnection" in text and "-Port 443" in text
    assert "$Entra = 'login.microsoftonline.com'" in text
    assert text.count("{") == text.count("}") and text.count("(") == text.count(")")
    assert not any(word in text.lower() for word in ("bearer", "secret", "password", "token", "subscriptions/"))


def test_a_government_endpoint_gets_its_clouds_entra_host():
    probes = probes_of(_entries({"x.privatelink.siterecovery.windowsazure.us": "10.1.0.4"}))
    assert "ENTRA='login.microsoftonline.us'" in render_script(probes, ScriptOs.LINUX)


def test_a_name_that_is_not_a_host_name_is_refused_before_it_reaches_a_script():
    with pytest.raises(InputError, match="not a host name"):
        probes_of(_entries({"x.example'; rm -rf /": "10.0.0.4"}))


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", ["not JSON", "line 1"]),
        ('{"results": {}}', ["'results'", "not a list"]),
        (
            '{"results": [{"fqdn": "a.example"}], "entra": {"host": "login.microsoftonline.com"}}',
            ["results[0].expected_ip", "missing"],
        ),
        (
            '{"results": [{"fqdn": "a.example", "expected_ip": "10.0.0.4", "tcp443": "yes"}], '
            '"entra": {"host": "login.microsoftonline.com"}}',
            ["results[0].tcp443"],
        ),
        (
            '{"results": [{"fqdn": "a.example", "expected_ip": "10.0.0.4", "resolved": ["nope"]}], '
            '"entra": {"host": "login.microsoftonline.com"}}',
            ["results[0].resolved"],
        ),
    ],
)
def test_a_bad_results_file_is_one_line_and_exit_2(tmp_path, content, words):
    path = tmp_path / "results.json"
    path.write_text(content, encoding="utf-8")
    done = runbook("dns", "check", "--results", str(path))
    assert done.returncode == 2
    one_line_error(done, "--results", "results.json", *words)


def test_check_without_ids_or_results_is_one_line():
    done = runbook("dns", "check")
    assert done.returncode == 2
    one_line_error(done, "--results")


def test_each_failure_gets_its_fix():
    run = parse_probe_run(
        {
            "host": "vm-app01",
            "results": [
                {
                    "fqdn": "a.privatelink.blob.core.windows.net",
                    "expected_ip": "10.0.1.4",
                    "resolved": ["10.0.1.4"],
                    "tcp443": True,
                },
                {
                    "fqdn": "b.blob.core.windows.net",
                    "expected_ip": "10.0.1.5",
                    "resolved": "20.60.1.2",
                    "tcp443": False,
                },
                {
                    "fqdn": "c.blob.core.windows.net",
                    "expected_ip": "10.0.1.6",
                    "resolved": ["10.0.9.9"],
                    "tcp443": True,
                },
            ],
            "entra": {"host": "login.microsoftonline.com", "resolved": ["20.190.128.1"], "tcp443": True},
        },
        "test",
    )
    rows = {(r.Check, r.Resource): r for r in probe_rows(run).itertuples(index=False)}
    assert rows["resolution", "a.privatelink.blob.core.windows.net"].Status == CheckStatus.PASS
    public = rows["resolution", "b.blob.core.windows.net"]
    assert public.Status == CheckStatus.FAIL and "public IP 20.60.1.2" in public.Detail
    assert "link privatelink.blob.core.windows.net to the VNet" in public.Fix and "168.63.129.16" in public.Fix
    assert "stale" in rows["resolution", "c.blob.core.windows.net"].Fix
    blocked = rows["tcp443", "10.0.1.5:443 (b.blob.core.windows.net)"]
    assert blocked.Status == CheckStatus.FAIL and "NSG" in blocked.Fix and "vm-app01" in blocked.Fix
    assert rows["entra", "login.microsoftonline.com"].Status == CheckStatus.PASS


def _entries(pairs: dict[str, str]):
    import pandas as pd

    return pd.DataFrame({"FQDN": list(pairs), "PrivateIP": list(pairs.values())})


def test_the_notebook_journals_a_machines_results_and_its_summary_fails(sandbox, tmp_path):
    from runbook_lib.errors import DnsChecksFailed
    from runbook_lib.journal import Journal
    from runbook_lib.ui.dns_workflow import DnsWorkflow

    results = tmp_path / "vm.json"
    results.write_text(
        json.dumps(
            {
                "host": "vm-app01",
                "results": [
                    {"fqdn": "a.blob.core.windows.net", "expected_ip": "10.0.1.4", "resolved": [], "tcp443": True}
                ],
                "entra": {"host": "login.microsoftonline.com", "resolved": ["20.190.128.1"], "tcp443": True},
            }
        )
    )
    journal = tmp_path / "journal.jsonl"
    workflow = DnsWorkflow({"state": str(sandbox.path), "journal": str(journal), "probe_results": str(results)})
    workflow.check_machine_results()
    checks = [e for e in Journal.read(journal) if getattr(e, "kind", "") == "check"]
    assert [(c.check, c.resource, c.status) for c in checks] == [
        ("resolution", "a.blob.core.windows.net", CheckStatus.FAIL),
        ("tcp443", "10.0.1.4:443 (a.blob.core.windows.net)", CheckStatus.PASS),
        ("entra", "login.microsoftonline.com", CheckStatus.PASS),
    ]
    with pytest.raises(DnsChecksFailed, match=r"a\.blob\.core\.windows\.net"):
        workflow.summary()
