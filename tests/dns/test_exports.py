"""Custom-DNS exports load in the real servers (named-checkzone, dnsmasq) and answer every FQDN and alias."""

from __future__ import annotations

import os
import re
import shutil
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

from runbook_lib.dns.choices import EXPORT_FORMATS as FORMATS
from runbook_lib.dns.exports import export_entries
from runbook_lib.errors import InputError

BACKUP, ASR = "privatelink.wus3.backup.windowsazure.com", "privatelink.siterecovery.windowsazure.com"
BLOB, QUEUE = "privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net"
VAULT, GOV_BACKUP = "privatelink.vaultcore.azure.net", "privatelink.ugv.backup.windowsazure.us"

# (zone, record, ip, fqdn): what the exports must hold, written out by hand
EXPECTED = [
    (BACKUP, "3412345678901234567-ab-pod01-fc1", "10.10.0.4",
     "3412345678901234567-ab-pod01-fc1.wus3.backup.windowsazure.com"),
    (ASR, "3412345678901234567-asr-pod01-rcm1.wus3", "10.10.0.5",
     "3412345678901234567-asr-pod01-rcm1.wus3.siterecovery.windowsazure.com"),
    (BLOB, "stcache01", "10.10.0.6", "stcache01.blob.core.windows.net"),
    (QUEUE, "stcache01", "10.10.0.7", "stcache01.queue.core.windows.net"),
    (BLOB, "abcpod01prot120", "10.10.0.8", "abcpod01prot120.z22.blob.storage.azure.net"),
    (VAULT, "kv-migrate", "10.10.0.9", "kv-migrate.vault.azure.net"),
    (GOV_BACKUP, "5512345678901234567-ab-pod01-fc1", "10.20.0.4",
     "5512345678901234567-ab-pod01-fc1.ugv.backup.windowsazure.us"),
    (QUEUE, "abcpod01ecs120", "10.10.0.10", "abcpod01ecs120.queue.core.windows.net"),  # given without its FQDN
]
ZONES = sorted({zone for zone, *_ in EXPECTED})


def entries(rows=None) -> pd.DataFrame:
    rows = rows if rows is not None else [
        {"ResourceName": record, "DNS": zone, "PrivateIP": ip, "FQDN": None if "ecs" in record else fqdn}
        for zone, record, ip, fqdn in EXPECTED
    ] + [
        {"ResourceName": "3412345678901234567-ab-pod01-fc1", "DNS": BACKUP, "PrivateIP": "10.10.0.4",  # duplicate
         "FQDN": "3412345678901234567-ab-pod01-fc1.wus3.backup.windowsazure.com"},
        {"ResourceName": "", "DNS": "", "PrivateIP": "10.10.0.11", "FQDN": "app.contoso.com"},  # no zone: skipped
    ]
    return pd.DataFrame(rows)


def tool(name: str) -> str:
    """The path of a Debian tool the test runs. Missing, the test fails rather than skips: CI must never pass
    without the real tool (`.ci/run` installs it)."""
    path = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"]))
    if not path:
        package = "dnsmasq-base" if name == "dnsmasq" else "bind9-utils"
        pytest.fail(f"{name} is not installed (Debian: apt-get install {package}; .ci/run does)")
    return path


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

    def start(*options: str) -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = open(tmp_path / f"dnsmasq-{port}.log", "w+")
        user = ["--user=root"] if os.geteuid() == 0 else []  # a container may lack the user dnsmasq switches to
        process = subprocess.Popen([binary, "--no-daemon", "--no-resolv", "--no-hosts", f"--port={port}",
                                    "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=",
                                    "--log-facility=-", *user, *options], stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
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
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
    assert {(ip, fqdn, *aliases) for ip, fqdn, *aliases in lines} == \
        {(ip, fqdn, f"{record}.{zone}") for zone, record, ip, fqdn in EXPECTED}


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
    guard = script[script.index("$found ="):]
    assert "-notcontains $r.IP" in guard and "Write-Warning" in guard and "Add-" not in guard
    assert not re.search(r"Remove-DnsServer|Set-DnsServerResourceRecord|-Force", script)


def test_windows_forwarders_name_every_zone_once_with_azure_dns(tmp_path):
    export_entries(entries(), "windows-dns", tmp_path)
    script = (tmp_path / "conditional-forwarders.ps1").read_text(encoding="utf-8")
    zones = re.findall(r"'([^']+)'", re.search(r"^\$zones = @\((.*)\)$", script, re.M)[1])
    assert zones == ZONES
    assert "Add-DnsServerConditionalForwarderZone -Name $zone -MasterServers 168.63.129.16 -ReplicationScope Forest" \
        in script
    assert "Azure VNet" in script  # the comment saying where it can work


# bad input: named, and nothing written

@pytest.mark.parametrize("column, value", [
    ("ResourceName", "x'; Remove-Item C:\\ -Recurse; '"),
    ("DNS", "privatelink.blob.core.windows.net\nzone \"evil\""),
    ("DNS", "privatelink blob.core.windows.net"),
    ("FQDN", "stcache01.blob.core.windows.net,10.6.6.6"),
    ("PrivateIP", "10.10.0.6 evil.example"),
])
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
    with pytest.raises(InputError, match=rf"stcache01\.{re.escape(BLOB)} -> 10\.99\.0\.6, but row 3 gives 10\.10\.0\.6"):
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
    rows = [{"ResourceName": "stcache01", "DNS": BLOB, "PrivateIP": "10.10.0.99"}]
    with pytest.raises(InputError, match=rf"^--out: '{tmp_path}' already holds dnsmasq.conf; choose another "
                                         r"directory, or --force to overwrite$"):
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
