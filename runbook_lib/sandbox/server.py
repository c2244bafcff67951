"""Serve the sandbox over loopback HTTPS with a throw-away certificate authority (trustme)."""

from __future__ import annotations

import io
import shutil
import socket
import ssl
import sys
import tempfile
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import IO, TextIO, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

import trustme

from .estate import Sandbox
from .serving import say_where, until_stopped


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _KeepAliveAnswer(ServerHandler):
    http_version = "1.1"  # every answer carries Content-Length, so the connection can serve the next request
    request_handler: WSGIRequestHandler  # set before run(); wsgiref's ServerHandler.close logs the request through it


class _TlsHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive: the SDK's session sends its next request on the same TLS connection, so only the
    first request of a client pays for a TCP connect and a TLS handshake (and this thread's SQLite connection is
    reused)."""

    server: WSGIServer  # make_server gives every handler the _ThreadingServer it made
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle connection is closed after a minute

    def setup(self) -> None:
        super().setup()
        # an answer goes out in several small writes (status line, headers, body): without this, Nagle's algorithm
        # holds the last one until the client's delayed ACK, some 40 ms, on every request of a kept-alive connection
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        self.close_connection = True
        self._answer_one()
        while not self.close_connection:
            self._answer_one()

    def _answer_one(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():  # an error was sent
            return
        # the body is read here, exactly Content-Length bytes, so the next request starts where this one ends
        body = io.BytesIO(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        # typeshed types wfile as BufferedIOBase, not IO[bytes]; the handler only writes and flushes it
        stdout = cast(IO[bytes], self.wfile)
        answer = _KeepAliveAnswer(body, stdout, self.get_stderr(), self.get_environ(), multithread=True)
        answer.request_handler = self
        app = self.server.get_app()
        if app is None:  # make_server sets the app before the server serves
            raise RuntimeError("the sandbox's HTTPS server has no WSGI application")
        answer.run(app)

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ["wsgi.url_scheme"] = "https"  # wsgiref cannot tell the socket is TLS; LRO URLs must say https
        environ["HTTPS"] = "on"
        return environ

    def log_message(self, format: str, *args) -> None:  # one line per request would drown the JSON line
        pass


def serve(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, announce: TextIO = sys.stdout) -> None:
    """Serve until SIGTERM or Ctrl-C. Before serving, write one JSON line: base_url and ca_bundle."""
    workdir = Path(tempfile.mkdtemp(prefix="runbook-sandbox-"))
    server = None
    try:
        authority = trustme.CA()
        ca_bundle = workdir / "ca.pem"
        authority.cert_pem.write_to_path(str(ca_bundle))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        authority.issue_cert(host, "localhost", "127.0.0.1").configure_cert(context)
        server = make_server(host, port, sandbox.app, server_class=_ThreadingServer, handler_class=_TlsHandler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        bound = server.server_address[1]
        with until_stopped():  # before the announcement: a caller may send SIGTERM as soon as it reads it
            say_where(announce, {"base_url": f"https://{host}:{bound}", "ca_bundle": str(ca_bundle)})
            server.serve_forever()
    finally:
        if server is not None:
            server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)
