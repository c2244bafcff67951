"""The sandbox's DNS server on loopback, queried with dnspython (a real DNS client, over UDP and TCP); `runbook sandbox
dns-server` and `runbook sandbox resolve` as a consultant runs them."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from runbook_lib.errors import InputError
from runbook_lib.sandbox.dns_server import DnsServer
from tests.builders import attach_zones, link_zone
from tests.cli import one_line_error, runbook

from .test_resolve import BACKUP_ZONE, BackupEstate, backup_alias, make_backup_estate

TIMEOUT = 5


@pytest.fixture
def estate(clients, rg) -> BackupEstate:
    """A vault's Backup endpoint in vnet-hub, its zone linked to vnet-hub and its zone group written."""
    backup = make_backup_estate(clients, rg)
    link_zone(clients, rg, BACKUP_ZONE, backup.vnet_id, name="link")  # a test deletes it by name
    attach_zones(clients, rg, "pe-backup", [backup.zone_id])
    return backup


@pytest.fixture
def server(sandbox, estate):
    with DnsServer(sandbox, estate.vnet_id) as running:
        yield running


def query(server_port: int, name: str, rdtype: str = "A", tcp: bool = False) -> dns.message.Message:
    ask = dns.query.tcp if tcp else dns.query.udp
    return ask(dns.message.make_query(name, rdtype), "127.0.0.1", port=server_port, timeout=TIMEOUT)


def records(response: dns.message.Message) -> list[tuple[str, str, int, list[str]]]:
    """The answer section as (owner, type, ttl, values)."""
    return [
        (r.name.to_text(), dns.rdatatype.to_text(r.rdtype), r.ttl, sorted(x.to_text() for x in r))
        for r in response.answer
    ]


def short(port: int, name: str, tcp: bool = False) -> list[str]:
    """What `dig +short` prints: the values of the answer's records, the CNAME chain first."""
    return [value for *_, values in records(query(port, name, tcp=tcp)) for value in values]


# --- in process: DnsServer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_a_query_gets_the_cname_then_the_private_a_record(server, estate, tcp):
    response = query(server.port, estate.fqdn, tcp=tcp)
    assert response.rcode() == dns.rcode.NOERROR and response.flags & dns.flags.RA
    assert records(response) == [
        (f"{estate.fqdn}.", "CNAME", 60, [f"{backup_alias(estate.fqdn)}."]),
        (f"{backup_alias(estate.fqdn)}.", "A", 10, [estate.members[estate.fqdn]]),
    ]


def test_names_are_answered_whatever_their_case(server, estate):
    assert short(server.port, estate.fqdn) == [f"{backup_alias(estate.fqdn)}.", estate.members[estate.fqdn]]
    assert short(server.port, estate.fqdn.upper(), tcp=True)[-1] == estate.members[estate.fqdn]


def test_a_missing_record_is_nxdomain_after_the_cname(clients, server, estate):
    clients.privatedns.record_sets.delete(estate.rg, BACKUP_ZONE, "A", backup_alias(estate.fqdn).split(".")[0])
    response = query(server.port, estate.fqdn)
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert records(response) == [(f"{estate.fqdn}.", "CNAME", 60, [f"{backup_alias(estate.fqdn)}."])]


def test_a_name_nobody_knows_is_nxdomain_with_no_answer(server):
    response = query(server.port, "intranet.contoso.example")
    assert response.rcode() == dns.rcode.NXDOMAIN and response.answer == []


def test_other_types_of_a_name_that_resolves_get_nodata(server, estate):
    aaaa = query(server.port, estate.fqdn, "AAAA")
    assert aaaa.rcode() == dns.rcode.NOERROR
    assert [r[1] for r in records(aaaa)] == ["CNAME"]  # the CNAME, as real DNS gives it, and no AAAA
    public = query(server.port, "someoneelse.blob.core.windows.net", "TXT")
    assert public.rcode() == dns.rcode.NOERROR and public.answer == []
    cname = query(server.port, estate.fqdn, "CNAME")
    assert cname.rcode() == dns.rcode.NOERROR and [r[1] for r in records(cname)] == ["CNAME"]


def test_estate_changes_after_startup_show_at_once(clients, server, estate):
    assert records(query(server.port, estate.fqdn))[-1][3] == [estate.members[estate.fqdn]]
    clients.privatedns.virtual_network_links.begin_delete(estate.rg, BACKUP_ZONE, "link").result()
    public = records(query(server.port, estate.fqdn))
    assert public[0][1] == "CNAME" and public[-1][1:3] == ("A", 60)  # public DNS now, with its TTL
    assert public[-1][3][0].startswith("20.")


def test_malformed_packets_are_ignored_and_the_server_keeps_answering(server, estate):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        for junk in (b"", b"\x00", b"not a dns packet at all", b"\xff" * 600):
            sock.sendto(junk, ("127.0.0.1", server.port))
        with pytest.raises(TimeoutError):
            sock.recvfrom(4096)
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as conn:
        conn.sendall(b"\x00\x05hello")
        assert conn.recv(100) == b""  # the server hangs up on a connection that is not DNS
    assert query(server.port, estate.fqdn).rcode() == dns.rcode.NOERROR


def test_an_unknown_vnet_is_refused_before_binding(sandbox, estate):
    with pytest.raises(InputError, match="--vnet"):
        DnsServer(sandbox, estate.vnet_id.replace("vnet-hub", "vnet-nowhere")).start()


# --- the CLI -------------------------------------------------------------------------------------------------------


def test_dns_server_command_announces_answers_and_stops_on_sigterm(sandbox, estate):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook_lib.cli",
            "sandbox",
            "dns-server",
            "--state",
            str(sandbox.path),
            "--vnet",
            estate.vnet_id,
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        announced = json.loads(process.stdout.readline())
        assert announced["host"] == "127.0.0.1" and set(announced) == {"host", "port"}
        response = query(announced["port"], estate.fqdn)
        assert records(response)[-1][3] == [estate.members[estate.fqdn]]
        assert short(announced["port"], estate.fqdn, tcp=True)[-1] == estate.members[estate.fqdn]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == "" and process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_dns_server_command_refuses_a_missing_estate_an_unknown_vnet_and_a_busy_port(tmp_path, sandbox, estate):
    missing = tmp_path / "nowhere" / "estate.db"
    one_line_error(runbook("sandbox", "dns-server", "--state", str(missing), "--vnet", estate.vnet_id), "--state")
    assert not missing.parent.exists()
    one_line_error(
        runbook("sandbox", "dns-server", "--state", str(sandbox.path), "--vnet", "/subscriptions/x"), "--vnet"
    )
    one_line_error(runbook("sandbox", "dns-server", "--state", str(sandbox.path)), "--vnet")  # argparse: required
    with DnsServer(sandbox, estate.vnet_id) as busy:
        one_line_error(
            runbook(
                "sandbox",
                "dns-server",
                "--state",
                str(sandbox.path),
                "--vnet",
                estate.vnet_id,
                "--port",
                str(busy.port),
            ),
            "--port",
            str(busy.port),
        )


def test_resolve_command_prints_the_answer_and_exits_0(sandbox, estate):
    done = runbook("sandbox", "resolve", estate.fqdn, "--vnet", estate.vnet_id, "--state", str(sandbox.path))
    assert done.returncode == 0 and done.stderr == ""
    rows = dict(
        line.split(None, 1) if not line.startswith("answered by") else ("answered by", line[12:].strip())
        for line in done.stdout.splitlines()
    )
    assert rows == {
        "name": estate.fqdn,
        "cname": backup_alias(estate.fqdn),
        "addresses": estate.members[estate.fqdn],
        "answered by": f"private zone {BACKUP_ZONE}",
    }
    as_json = runbook(
        "sandbox", "resolve", estate.fqdn, "--vnet", estate.vnet_id, "--state", str(sandbox.path), "--json"
    )
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout) == sandbox.resolve(estate.fqdn, estate.vnet_id).to_dict()


def test_resolve_command_exits_1_on_nxdomain_saying_so_in_one_line(sandbox, estate):
    done = runbook(
        "sandbox",
        "resolve",
        "intranet.contoso.example",
        "--vnet",
        estate.vnet_id,
        "--state",
        str(sandbox.path),
        "--json",
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["addresses"] == []
    one_line_error(done, "NXDOMAIN", "intranet.contoso.example")


def test_resolve_command_errors_name_the_option_and_change_nothing(tmp_path, sandbox, estate):
    missing = tmp_path / "nowhere" / "estate.db"
    one_line_error(
        runbook("sandbox", "resolve", estate.fqdn, "--vnet", estate.vnet_id, "--state", str(missing)),
        "--state",
        "reset",
    )
    assert not missing.parent.exists()
    before = sandbox.resources()
    done = runbook("sandbox", "resolve", estate.fqdn, "--vnet", estate.vnet_id + "-typo", "--state", str(sandbox.path))
    assert done.returncode == 2
    one_line_error(done, "--vnet", "vnet-hub-typo")
    assert sandbox.resources() == before
