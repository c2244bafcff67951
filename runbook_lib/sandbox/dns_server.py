"""A real DNS server on loopback that answers as Azure DNS (168.63.129.16) would for a client in one VNet.

Every query is answered from the estate at query time (``Sandbox.resolve``), so a zone link, a zone group or a
deleted endpoint shows at once, as ``dig`` or ``nslookup`` pointed at the server will see. An A query gets the
CNAME chain and the addresses; a name with no address gets NXDOMAIN (after its CNAME chain, if any); another
type for a name that resolves gets NOERROR and no record of that type (NODATA). Packets that are not DNS are
ignored. UDP and TCP are served on the same port, from background threads.
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
from typing import Self, TextIO

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from ..errors import InputError
from .estate import Sandbox
from .resolve import Resolution
from .serving import say_where, until_stopped

PRIVATE_TTL = 10  # the TTL of the A records a private endpoint's zone group writes
PUBLIC_TTL = 60
UDP_LIMIT = 512  # the most a UDP answer may carry when the query does not say more (EDNS)
_POLL_SECONDS = 0.05  # how often a serving thread checks for stop(): stopping takes no longer
_BIND_ATTEMPTS = 20  # tries at finding a free port for UDP and TCP both, when the port is 0


def answer(sandbox: Sandbox, vnet_id: str, query: dns.message.Message) -> dns.message.Message:
    """The response to one query, resolved from the estate now."""
    response = dns.message.make_response(query, recursion_available=True)
    if query.opcode() != dns.opcode.QUERY:
        return _with_rcode(response, dns.rcode.NOTIMP)
    if len(query.question) != 1:
        return _with_rcode(response, dns.rcode.FORMERR)
    question = query.question[0]
    if question.rdclass != dns.rdataclass.IN:
        return _with_rcode(response, dns.rcode.REFUSED)
    try:
        resolution = sandbox.resolve(question.name.to_text(omit_final_dot=True), vnet_id)
    except Exception:
        return _with_rcode(response, dns.rcode.SERVFAIL)
    response.answer = answer_records(question.name, question.rdtype, resolution)
    exists = resolution.found or (question.rdtype == dns.rdatatype.CNAME and resolution.chain)
    return _with_rcode(response, dns.rcode.NOERROR if exists else dns.rcode.NXDOMAIN)


def _with_rcode(response: dns.message.Message, rcode: dns.rcode.Rcode) -> dns.message.Message:
    response.set_rcode(rcode)
    return response


def answer_records(qname: dns.name.Name, qtype: int, resolution: Resolution) -> list[dns.rrset.RRset]:
    """The answer section: the CNAME chain (public DNS gives it), then A records for an A (or ANY) query."""
    records = []
    owner = qname  # the question's own spelling: resolvers randomise its case and expect it back
    for target in resolution.chain:
        records.append(dns.rrset.from_text(owner, PUBLIC_TTL, "IN", "CNAME", f"{target}."))
        owner = dns.name.from_text(target)
        if qtype == dns.rdatatype.CNAME:
            return records  # a CNAME query is answered by the name's own CNAME only
    if qtype in (dns.rdatatype.A, dns.rdatatype.ANY) and resolution.addresses:
        ttl = PRIVATE_TTL if resolution.answered_by.startswith("private zone") else PUBLIC_TTL
        records.append(dns.rrset.from_text(owner, ttl, "IN", "A", *resolution.addresses))
    return records


def reply(sandbox: Sandbox, vnet_id: str, packet: bytes, udp: bool = False) -> bytes | None:
    """The wire response to a wire query; None when the packet is not a DNS query.

    Over UDP an answer too big for the client (512 bytes, or its EDNS payload) is truncated with TC set.
    """
    try:
        query = dns.message.from_wire(packet)
    except (dns.exception.DNSException, ValueError):
        return None
    if query.flags & dns.flags.QR:
        return None  # a response, not a query: answering it could loop
    limit = max(UDP_LIMIT, query.payload if query.edns >= 0 else 0) if udp else 65535
    return answer(sandbox, vnet_id, query).to_wire(max_size=limit, prefer_truncation=True)


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _UdpServer

    def handle(self) -> None:
        packet, sock = self.request
        wire = self.server.dns.reply(packet, udp=True)
        if wire is not None:
            sock.sendto(wire, self.client_address)


class _TcpHandler(socketserver.StreamRequestHandler):
    server: _TcpServer
    timeout = 10  # an idle connection is dropped

    def handle(self) -> None:
        """Queries on one connection, each prefixed by its two-byte length (RFC 1035 4.2.2)."""
        while len(prefix := self.rfile.read(2)) == 2:
            wire = self.server.dns.reply(self.rfile.read(int.from_bytes(prefix, "big")))
            if wire is None:
                return
            self.wfile.write(len(wire).to_bytes(2, "big") + wire)


class _Quiet:
    """socketserver prints a traceback per failed request; a stray packet or a dropped connection is no news."""

    dns: DnsServer  # set by DnsServer.start before the server serves

    def handle_error(self, request, client_address) -> None:
        pass


class _UdpServer(_Quiet, socketserver.UDPServer):  # one thread, so one SQLite connection for every query
    pass


class _TcpServer(_Quiet, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class DnsServer:
    """The sandbox's DNS for one VNet on host:port (UDP and TCP); a context manager for tests.

    ``start`` refuses a VNet that is not in the estate (InputError naming --vnet) before binding.
    """

    def __init__(self, sandbox: Sandbox, vnet_id: str, host: str = "127.0.0.1", port: int = 0):
        self.sandbox, self.vnet_id, self.host = sandbox, vnet_id, host
        self.port = port
        self._servers: list[_UdpServer | _TcpServer] = []
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()

    def reply(self, packet: bytes, udp: bool = False) -> bytes | None:
        return reply(self.sandbox, self.vnet_id, packet, udp)

    def start(self) -> Self:
        self.sandbox.resolve("vnet-check.invalid", self.vnet_id)  # InputError naming --vnet for an unknown VNet
        self._servers = self._bind()
        self.port = self._servers[0].server_address[1]
        for server in self._servers:
            server.dns = self
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL_SECONDS},
                name=f"dns-{self.port}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _bind(self) -> list[_UdpServer | _TcpServer]:
        """UDP and TCP servers on one port: the given one, else a port free for both."""
        attempts = _BIND_ATTEMPTS if self.port == 0 else 1
        for attempt in range(attempts):
            try:
                udp = _UdpServer((self.host, self.port), _UdpHandler)
            except OSError as error:
                where = f"{self.host}:{self.port}"
                raise InputError(f"--host/--port: cannot serve DNS on {where}: {_reason(error)}") from None
            try:
                return [udp, _TcpServer((self.host, udp.server_address[1]), _TcpHandler)]
            except OSError as error:
                udp.server_close()
                if attempt == attempts - 1:
                    raise InputError(
                        f"--host/--port: cannot serve DNS over TCP on {self.host}:"
                        f"{udp.server_address[1]}: {_reason(error)}"
                    ) from None
        raise AssertionError("unreachable")

    def wait(self) -> None:
        """Block until stop() (or a signal's exception in the main thread)."""
        self._stopped.wait()

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []
        self._stopped.set()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def serve_dns(
    sandbox: Sandbox, vnet_id: str, host: str = "127.0.0.1", port: int = 0, announce: TextIO = sys.stdout
) -> None:
    """Serve until SIGTERM or Ctrl-C. Before serving, write one JSON line: host and port."""
    with until_stopped(), DnsServer(sandbox, vnet_id, host, port) as server:
        say_where(announce, {"host": host, "port": server.port})
        server.wait()


def _reason(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return f"not an IPv4 address or known host name ({error.strerror})"
    return error.strerror or str(error)
