"""Custom-DNS exports load in the real servers (named-checkzone, dnsmasq) and answer every FQDN and alias: the names
clients ask for, a storage account's Azure DNS zone name (zNN) included, taken from ARM when the file lost them."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import time
from collections import Counter

import dns.exception
import dns.message
import dns.query
import dns.resolver
import pandas as pd
import pytest

from runbook_lib.cli import build_parser
from runbook_lib.dns.entries import complete_fqdns, entries_for
from runbook_lib.dns.entry_file import format_entries, parse_entries
from runbook_lib.dns.exports import WRITERS, export_entries
from runbook_lib.errors import InputError
from tests.builders import LOCATION, make_endpoint
from tests.cli import one_line_error, runbook
from tests.conftest import require_tool
from tests.contoso import SPOKE_ENDPOINTS, VAULTS

BACKUP, ASR = "privatelink.wus3.backup.windowsazure.com", "privatelink.siterecovery.windowsazure.com"
BLOB, QUEUE = "privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net"
VAULT, GOV_BACKUP = "privatelink.vaultcore.azure.net", "privatelink.ugv.backup.windowsazure.us"

# (zone, record, ip, fqdn): what the exports must hold, written out by hand
EXPECTED = [
    (
        BACKUP,
        "3412345678901234567-ab-pod01-fc1",
        "10.10.0.4",
        "3412345678901234567-ab-pod01-fc1.wus3.backup.windowsazure.com",
    ),
    (
        ASR,
        "3412345678901234567-asr-pod01-rcm1.wus3",
        "10.10.0.5",
        "3412345678901234567-asr-pod01-rcm1.wus3.siterecovery.windowsazure.com",
    ),
    (BLOB, "stcache01", "10.10.0.6", "stcache01.blob.core.windows.net"),
    (QUEUE, "stcache01", "10.10.0.7", "stcache01.queue.core.windows.net"),
    (BLOB, "abcpod01prot120", "10.10.0.8", "abcpod01prot120.z22.blob.storage.azure.net"),
    (VAULT, "kv-migrate", "10.10.0.9", "kv-migrate.vault.azure.net"),  # given without its FQDN: the zone tells it
    (
        GOV_BACKUP,
        "5512345678901234567-ab-pod01-fc1",
        "10.20.0.4",
        "5512345678901234567-ab-pod01-fc1.ugv.backup.windowsazure.us",
    ),
    (QUEUE, "abcpod01ecs120", "10.10.0.10", "abcpod01ecs120.queue.core.windows.net"),
]
ZONES = sorted({zone for zone, *_ in EXPECTED})
FORMATS = tuple(WRITERS)


def entries(rows=None) -> pd.DataFrame:
    rows = (
        rows
        if rows is not None
        else [
            {"ResourceName": record, "DNS": zone, "PrivateIP": ip, "FQDN": None if zone == VAULT else fqdn}
            for zone, record, ip, fqdn in EXPECTED
        ]
        + [
            {
                "ResourceName": "3412345678901234567-ab-pod01-fc1",
                "DNS": BACKUP,
                "PrivateIP": "10.10.0.4",  # duplicate
                "FQDN": "3412345678901234567-ab-pod01-fc1.wus3.backup.windowsazure.com",
            },
            {"ResourceName": "", "DNS": "", "PrivateIP": "10.10.0.11", "FQDN": "app.contoso.com"},  # no zone: skipped
        ]
    )
    return pd.DataFrame(rows)


def tool(name: str) -> str:
    """The path of a Debian tool the test runs (skipped without it, except in CI: tests.conftest.require_tool)."""
    return require_tool(name, "dnsmasq-base" if name == "dnsmasq" else "bind9-utils")


# BIND


def test_every_zone_file_passes_named_checkzone_with_its_records(tmp_path):
    checkzone = tool("named-checkzone")
    written = export_entries(entries(), "bind", tmp_path)
    assert sorted(p.name for p in written) == sorted([f"{zone}.zone" for zone in ZONES] + ["named.conf.local"])
    for zone in ZONES:
        result = subprocess.run([checkzone, "-D", zone, str(tmp_path / f"{zone}.zone")], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        loaded = {(f[0], f[4]) for f in map(str.split, result.stdout.splitlines()) if f[2:4] == ["IN", "A"]}
        assert loaded == {(f"{record}.{z}.", ip) for z, record, ip, _ in EXPECTED if z == zone}


def test_named_conf_declares_each_zone_once(tmp_path):
    checkconf = tool("named-checkconf")
    export_entries(entries(), "bind", tmp_path)
    conf = tmp_path / "named.conf.local"
    result = subprocess.run([checkconf, str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    declared = re.findall(r'^zone "([^"]+)" \{ type master; file "/etc/bind/\1\.zone"; \};$', conf.read_text(), re.M)
    assert sorted(declared) == ZONES


# dnsmasq, serving the hosts file and its own configuration


@pytest.fixture
def dnsmasq(tmp_path):
    """Start a real dnsmasq on a free loopback port with some options; its port. Stopped after the test."""
    binary, started = tool("dnsmasq"), []
    with contextlib.ExitStack() as logs:  # every log is closed after the test

        def start(*options: str) -> int:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            log = logs.enter_context(open(tmp_path / f"dnsmasq-{port}.log", "w+"))
            user = ["--user=root"] if os.geteuid() == 0 else []  # a container may lack the user dnsmasq switches to
            process = subprocess.Popen(
                [
                    binary,
                    "--no-daemon",
                    "--no-resolv",
                    "--no-hosts",
                    f"--port={port}",
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--pid-file=",
                    "--log-facility=-",
                    *user,
                    *options,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append(process)
            deadline = time.monotonic() + 5
            while process.poll() is None and time.monotonic() < deadline:
                try:  # any answer means it is serving
                    dns.query.udp(dns.message.make_query("ready.invalid", "A"), "127.0.0.1", port=port, timeout=0.2)
                    return port
                except (dns.exception.Timeout, OSError):
                    time.sleep(0.05)
            log.seek(0)
            pytest.fail(f"dnsmasq did not answer on port {port}:\n{log.read()}")

        yield start
        for process in started:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def resolver(port: int) -> dns.resolver.Resolver:
    r = dns.resolver.Resolver(configure=False)
    r.nameservers, r.port, r.lifetime = ["127.0.0.1"], port, 1.0
    return r


@pytest.mark.parametrize("fmt, option", [("hosts", "--addn-hosts"), ("dnsmasq", "--conf-file")])
def test_dnsmasq_answers_every_fqdn_and_alias(tmp_path, dnsmasq, fmt, option):
    [path] = export_entries(entries(), fmt, tmp_path / "out")
    r = resolver(dnsmasq(f"{option}={path}"))
    for zone, record, ip, fqdn in EXPECTED:
        for name in (fqdn, f"{record}.{zone}"):
            assert [a.address for a in r.resolve(name, "A")] == [ip], name


# hosts


def test_hosts_lists_each_ip_and_fqdn_once_with_its_alias(tmp_path):
    [path] = export_entries(entries(), "hosts", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#") and "runbook_lib" in text.splitlines()[0] and "\r" not in text
    lines = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    assert Counter((ip, fqdn) for ip, fqdn, *_ in lines) == Counter((ip, fqdn) for _, _, ip, fqdn in EXPECTED)
    assert {(ip, fqdn, *aliases) for ip, fqdn, *aliases in lines} == {
        (ip, fqdn, f"{record}.{zone}") for zone, record, ip, fqdn in EXPECTED
    }


def test_a_zone_that_is_not_a_privatelink_zone_keeps_the_alias_as_fqdn(tmp_path):
    rows = [{"ResourceName": "App", "DNS": "Corp.Example.", "PrivateIP": "192.168.1.5"}]  # no FQDN column at all
    [path] = export_entries(entries(rows), "hosts", tmp_path)
    assert path.read_text().splitlines()[-1] == "192.168.1.5 app.corp.example"


# Windows DNS: no PowerShell here, so read the scripts' data


def test_windows_records_script_lists_each_record_once_and_never_overwrites(tmp_path):
    export_entries(entries(), "windows-dns", tmp_path)
    script = (tmp_path / "dns-records.ps1").read_text(encoding="utf-8")
    table = re.findall(r"@\{ Zone = '([^']*)'; Name = '([^']*)'; IP = '([^']*)' \}", script)
    assert sorted(table) == sorted((zone, record, ip) for zone, record, ip, _ in EXPECTED)
    assert re.findall(r"^\$zones = @\((.*)\)$", script, re.M) == [", ".join(f"'{z}'" for z in ZONES)]
    assert "Add-DnsServerPrimaryZone -Name $zone -ReplicationScope Forest" in script
    assert "-TimeToLive $ttl" in script and "$ttl = New-TimeSpan -Seconds 10" in script
    guard = script[script.index("$found =") :]
    assert "-notcontains $r.IP" in guard and "Write-Warning" in guard and "Add-" not in guard
    assert not re.search(r"Remove-DnsServer|Set-DnsServerResourceRecord|-Force", script)


def test_windows_forwarders_name_every_zone_once_with_azure_dns(tmp_path):
    export_entries(entries(), "windows-dns", tmp_path)
    script = (tmp_path / "conditional-forwarders.ps1").read_text(encoding="utf-8")
    zones = re.findall(r"'([^']+)'", re.search(r"^\$zones = @\((.*)\)$", script, re.M)[1])
    assert zones == ZONES
    assert (
        "Add-DnsServerConditionalForwarderZone -Name $zone -MasterServers 168.63.129.16 -ReplicationScope Forest"
        in script
    )
    assert "Azure VNet" in script  # the comment saying where it can work


# bad input: named, and nothing written


@pytest.mark.parametrize(
    "column, value",
    [
        ("ResourceName", "x'; Remove-Item C:\\ -Recurse; '"),
        ("DNS", 'privatelink.blob.core.windows.net\nzone "evil"'),
        ("DNS", "privatelink blob.core.windows.net"),
        ("FQDN", "stcache01.blob.core.windows.net,10.6.6.6"),
        ("PrivateIP", "10.10.0.6 evil.example"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unsafe_value_is_named_and_nothing_is_written(tmp_path, fmt, column, value):
    rows = entries().to_dict("records")
    rows[2][column] = value
    with pytest.raises(InputError) as raised:
        export_entries(entries(rows), fmt, tmp_path / "out")
    assert repr(value) in str(raised.value)
    assert not (tmp_path / "out").exists()


def test_two_ips_for_one_record_is_an_error(tmp_path):
    rows = entries().to_dict("records") + [{"ResourceName": "stcache01", "DNS": BLOB, "PrivateIP": "10.99.0.6"}]
    with pytest.raises(
        InputError, match=rf"stcache01\.{re.escape(BLOB)} -> 10\.99\.0\.6, but row 3 gives 10\.10\.0\.6"
    ):
        export_entries(entries(rows), "hosts", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"--format: 'zonefile'.*hosts, bind, dnsmasq, windows-dns"):
        export_entries(entries(), "zonefile", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("ttl", ["10; Remove-Item C:\\", 0, 1.5])
def test_a_bad_ttl_is_refused(tmp_path, ttl):
    with pytest.raises(InputError, match="--ttl"):
        export_entries(entries(), "windows-dns", tmp_path / "out", ttl=ttl)
    assert not (tmp_path / "out").exists()


def test_entries_without_any_zone_are_nothing_to_export(tmp_path):
    rows = [{"ResourceName": "", "DNS": None, "PrivateIP": "10.10.0.11", "FQDN": "app.contoso.com"}]
    with pytest.raises(InputError, match="no DNS entries"):
        export_entries(entries(rows), "bind", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_second_export_overwrites_the_first_only_when_forced(tmp_path):
    [first] = export_entries(entries(), "dnsmasq", tmp_path)
    kept = first.read_text()
    rows = [
        {"ResourceName": "stcache01", "DNS": BLOB, "PrivateIP": "10.10.0.99", "FQDN": "stcache01.blob.core.windows.net"}
    ]
    with pytest.raises(
        InputError,
        match=rf"^--out: '{tmp_path}' already holds dnsmasq.conf; choose another "
        r"directory, or --force to overwrite$",
    ):
        export_entries(entries(rows), "dnsmasq", tmp_path)
    assert first.read_text() == kept
    [path] = export_entries(entries(rows), "dnsmasq", tmp_path, force=True)
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert lines == [f"host-record=stcache01.blob.core.windows.net,stcache01.{BLOB},10.10.0.99"]


def test_bind_files_already_there_are_all_named_and_none_is_written(tmp_path):
    (tmp_path / "named.conf.local").write_text("// the DNS team's own\n")
    (tmp_path / f"{BLOB}.zone").write_text("; theirs\n")
    with pytest.raises(InputError, match=rf"already holds {BLOB}.zone, named.conf.local;"):
        export_entries(entries(), "bind", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["named.conf.local", f"{BLOB}.zone"]
    assert (tmp_path / "named.conf.local").read_text() == "// the DNS team's own\n"


def test_out_naming_a_file_is_refused(tmp_path):
    out = tmp_path / "hosts.txt"
    out.write_text("127.0.0.1 localhost\n")
    with pytest.raises(InputError, match=rf"^--out: '{out}' is a file; name a directory"):
        export_entries(entries(), "hosts", out)
    assert out.read_text() == "127.0.0.1 localhost\n"


# Azure DNS zone endpoints: {account}.zNN.blob.storage.azure.net is the name clients ask for; its record is the
# account in privatelink.blob.core.windows.net (the public CNAME's target), and {account}.blob.core.windows.net is
# no name of it

ACCOUNT = "stpartition01"


@pytest.fixture
def zoned(estate):
    """A storage account with Azure DNS zone endpoints and a blob endpoint in the spoke, as ARM shows it:
    (the endpoint's id, its entries, the zNN FQDN, the IP)."""
    account = estate.clients.storage.storage_accounts.begin_create(
        "rg-network-spoke",
        ACCOUNT,
        {
            "location": LOCATION,
            "kind": "StorageV2",
            "sku": {"name": "Standard_LRS"},
            "properties": {"dnsEndpointType": "AzureDnsZone"},
        },
    ).result()
    endpoint = make_endpoint(estate.clients, "rg-network-spoke", "pe-st-zoned", SPOKE_ENDPOINTS, account.id, "blob")
    entries = entries_for(estate.clients, [endpoint.id])
    [(fqdn, ip)] = entries[["FQDN", "PrivateIP"]].itertuples(index=False)
    assert re.fullmatch(rf"{ACCOUNT}\.z\d\d\.blob\.storage\.azure\.net", fqdn) and list(entries["DNS"]) == [BLOB]
    return endpoint.id, entries, fqdn, ip


def csv_file(entries: pd.DataFrame) -> pd.DataFrame:
    """The entries as a consultant hands them over: `runbook dns entries --format csv`, read back."""
    return parse_entries(format_entries(entries, "csv"), "entries.csv")


@pytest.mark.parametrize("fmt, option", [("hosts", "--addn-hosts"), ("dnsmasq", "--conf-file")])
def test_hosts_and_dnsmasq_answer_the_zone_name_and_not_the_standard_one(zoned, tmp_path, dnsmasq, fmt, option):
    _, entries, fqdn, ip = zoned
    [path] = export_entries(csv_file(entries), fmt, tmp_path / "out")
    assert f"{ACCOUNT}.blob.core.windows.net" not in path.read_text()
    r = resolver(dnsmasq(f"{option}={path}"))
    for name in (fqdn, f"{ACCOUNT}.{BLOB}"):
        assert [a.address for a in r.resolve(name, "A")] == [ip], name
    with pytest.raises((dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers)):
        r.resolve(f"{ACCOUNT}.blob.core.windows.net", "A")


def test_bind_puts_the_account_in_the_privatelink_blob_zone(zoned, tmp_path):
    _, entries, _, ip = zoned
    written = export_entries(csv_file(entries), "bind", tmp_path)
    assert sorted(p.name for p in written) == ["named.conf.local", f"{BLOB}.zone"]  # no storage.azure.net zone
    result = subprocess.run(
        [tool("named-checkzone"), "-D", BLOB, str(tmp_path / f"{BLOB}.zone")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [f[0::4] for f in map(str.split, result.stdout.splitlines()) if f[2:4] == ["IN", "A"]] == [
        [f"{ACCOUNT}.{BLOB}.", ip]
    ]


def test_windows_dns_names_the_privatelink_blob_zone_and_the_account(zoned, tmp_path):
    _, entries, _, ip = zoned
    export_entries(csv_file(entries), "windows-dns", tmp_path)
    records = (tmp_path / "dns-records.ps1").read_text()
    assert re.findall(r"@\{ Zone = '([^']*)'; Name = '([^']*)'; IP = '([^']*)' \}", records) == [(BLOB, ACCOUNT, ip)]
    for script in ("dns-records.ps1", "conditional-forwarders.ps1"):
        assert re.findall(r"^\$zones = @\((.*)\)$", (tmp_path / script).read_text(), re.M) == [f"'{BLOB}'"]


# an entries file that lost the FQDN (PrivateIP.ps1's lines): completed from the endpoints' NICs, or refused


def privateip_file(entries: pd.DataFrame, header: bool = True) -> pd.DataFrame:
    return parse_entries(format_entries(entries, header=header), "dnsentries.txt")


@pytest.mark.parametrize("fmt", ["hosts", "dnsmasq"])
def test_a_storage_line_without_fqdn_is_refused_naming_it_and_nothing_is_written(zoned, tmp_path, fmt):
    _, entries, _, _ = zoned
    with pytest.raises(InputError) as raised:
        export_entries(privateip_file(entries), fmt, tmp_path / "out")
    message = str(raised.value)
    assert message.startswith("dnsentries.txt line 2: no FQDN") and "\n" not in message
    assert f"{ACCOUNT}.blob.core.windows.net or {ACCOUNT}.zNN.blob.storage.azure.net" in message
    assert "--format csv" in message and "--fqdns-from" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", ["bind", "windows-dns"])
def test_zone_exports_need_no_fqdn(zoned, tmp_path, fmt):
    _, entries, _, ip = zoned
    written = export_entries(privateip_file(entries), fmt, tmp_path)
    assert any(f"{ACCOUNT}" in p.read_text() and ip in p.read_text() for p in written)


def test_the_nics_give_the_zone_name_back(estate, zoned, tmp_path):
    endpoint, entries, fqdn, ip = zoned
    completed = complete_fqdns(estate.clients, privateip_file(entries), [endpoint])
    [path] = export_entries(completed, "hosts", tmp_path)
    assert path.read_text().splitlines()[-1] == f"{ip} {fqdn} {ACCOUNT}.{BLOB}"


def test_lines_the_named_endpoints_do_not_hold_stay_refused(estate, zoned, tmp_path):
    _, entries, _, _ = zoned
    other = (
        f"/subscriptions/{estate.clients.subscription_id}/resourceGroups/rg-network-spoke/providers/"
        "Microsoft.Network/privateEndpoints/pe-asr"
    )
    text = format_entries(entries, header=True) + "stother02 privatelink.queue.core.windows.net 10.1.0.99\n"
    completed = complete_fqdns(estate.clients, parse_entries(text, "dnsentries.txt"), [other])
    with pytest.raises(InputError, match=r"^dnsentries\.txt lines 2, 3: no FQDN"):
        export_entries(completed, "dnsmasq", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("PrivateIP", "10.1.0.250", ["on its endpoint's NIC, not 10.1.0.250", "older than the endpoint"]),
        ("FQDN", f"{ACCOUNT}.blob.core.windows.net", [f"is asked for as {ACCOUNT}.z", f"not {ACCOUNT}.blob.core"]),
    ],
)
def test_a_line_the_nics_contradict_is_refused_naming_it(estate, zoned, column, value, words):
    endpoint, entries, _, _ = zoned
    stale = entries.assign(**{column: value})
    with pytest.raises(InputError) as raised:
        complete_fqdns(estate.clients, csv_file(stale), [endpoint])
    assert str(raised.value).startswith("entries.csv line 2: ")
    assert all(w in str(raised.value) for w in words), raised.value


# the command, as a consultant runs it on a vault's PrivateIP.ps1-style file


def test_export_asks_arm_for_the_fqdns_or_refuses_with_exit_2(estate, tmp_path):
    state, vault = str(estate.sandbox.path), f"{VAULTS}/rsv-backup-wus3"
    entries = tmp_path / "dnsentries.txt"
    assert runbook("dns", "entries", vault, "--out", str(entries), "--header", "--state", state).returncode == 0
    storage = [n for n, line in enumerate(entries.read_text().splitlines(), 1) if ".core.windows.net" in line]
    args = ("dns", "export", "--from", str(entries), "--format", "hosts", "--out", str(tmp_path / "out"))
    refused = runbook(*args)
    assert refused.returncode == 2
    one_line_error(refused, f"{entries} lines {', '.join(map(str, storage))}: no FQDN", "--fqdns-from")
    assert not (tmp_path / "out").exists()

    done = runbook(*args, "--fqdns-from", vault, "--state", state)
    assert done.returncode == 0, done.stderr
    arm = json.loads(runbook("dns", "entries", vault, "--json", "--state", state).stdout)
    hosts = (tmp_path / "out" / "hosts").read_text().splitlines()[2:]
    assert sorted(line.split()[:2] for line in hosts) == sorted([r["PrivateIP"], r["FQDN"]] for r in arm)


# the registry: one mapping of format -> writer, which the command line offers


def export_format_option(parser) -> argparse.Action:
    """`runbook dns export`'s --format option, as the parser builds it."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    dns_actions = next(a for a in commands.choices["dns"]._actions if isinstance(a, argparse._SubParsersAction))
    return next(a for a in dns_actions.choices["export"]._actions if "--format" in a.option_strings)


def test_the_command_line_offers_the_registered_formats_and_says_what_each_writes():
    assert (
        list(export_format_option(build_parser()).choices)
        == list(WRITERS)
        == ["hosts", "bind", "dnsmasq", "windows-dns"]
    )
    shown = " ".join(runbook("dns", "export", "--help", env={"COLUMNS": "500"}).stdout.split())
    assert all(f"{fmt}: {' '.join(writer.__doc__.split())}" in shown for fmt, writer in WRITERS.items()), shown
    refused = runbook("dns", "export", "--from", "x", "--format", "zonefile", "--out", "d")
    assert refused.returncode == 2
    one_line_error(refused, "--format", "'zonefile'", *WRITERS)


def test_a_registered_writer_is_offered_and_written_with_no_other_change(monkeypatch, tmp_path):
    def unbound_files(entries, ttl):
        """unbound local-data lines"""
        return {
            "unbound.conf": "".join(
                f'local-data: "{r.ResourceName}.{r.DNS}. {ttl} IN A {r.PrivateIP}"\n'
                for r in entries.dropna(subset=["DNS"]).itertuples()
                if r.DNS
            )
        }

    monkeypatch.setitem(WRITERS, "unbound", unbound_files)
    assert "unbound" in export_format_option(build_parser()).choices
    [path] = export_entries(entries(), "unbound", tmp_path, ttl=60)
    assert f'local-data: "stcache01.{BLOB}. 60 IN A 10.10.0.6"' in path.read_text()


# a writer registered without tests that load its files (in the real server where there is one) fails here
ACCEPTED_BY = {
    "hosts": ("test_dnsmasq_answers_every_fqdn_and_alias", "test_hosts_lists_each_ip_and_fqdn_once_with_its_alias"),
    "bind": ("test_every_zone_file_passes_named_checkzone_with_its_records", "test_named_conf_declares_each_zone_once"),
    "dnsmasq": ("test_dnsmasq_answers_every_fqdn_and_alias",),
    "windows-dns": (
        "test_windows_records_script_lists_each_record_once_and_never_overwrites",
        "test_windows_forwarders_name_every_zone_once_with_azure_dns",
    ),
}


def test_every_registered_format_has_tests_that_accept_its_files():
    assert set(ACCEPTED_BY) == set(WRITERS)
    assert all(callable(globals().get(name)) for names in ACCEPTED_BY.values() for name in names)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_registered_writer_writes_every_record_in_files_that_say_what_made_them(tmp_path, fmt):
    written = export_entries(entries(), fmt, tmp_path)
    texts = [path.read_text(encoding="utf-8") for path in written]
    assert written and all(path.parent == tmp_path for path in written)
    assert all(text.endswith("\n") and "\r" not in text and "runbook_lib" in text.splitlines()[0] for text in texts)
    everything = "".join(texts)
    assert all(ip in everything and record in everything for _, record, ip, _ in EXPECTED)


def test_the_dns_notebooks_export_choices_are_the_registrys():
    """The notebook's `export_format` is a closed choice (a dropdown in the panel): the registry's formats, and ""."""
    from typing import get_args

    from runbook_lib.dns_notebooks import DnsEntriesParameters

    assert set(get_args(DnsEntriesParameters.model_fields["export_format"].annotation)) == {"", *WRITERS}
