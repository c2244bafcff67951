"""Serve the sandbox over loopback HTTPS with a throw-away certificate authority (trustme)."""

from __future__ import annotations

import shutil
import ssl
import sys
import tempfile
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import trustme

from .estate import Sandbox
from .serving import say_where, until_stopped


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _TlsHandler(WSGIRequestHandler):
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

