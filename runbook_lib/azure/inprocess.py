"""Reach a WSGI application through requests without a socket: the sandbox's in-process transport.

A requests transport adapter hands each prepared request to the app and wraps the answer in a urllib3
response, so azure-core's RequestsTransport, retry and polling run exactly as they do over the network.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse


class WsgiAdapter(HTTPAdapter):
    """Sends requests for ``host`` to a WSGI app in this process; refuses every other host."""

    def __init__(self, app: Callable, host: str):
        super().__init__()
        self.app = app
        self.host = host.lower()

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None,
             proxies=None) -> requests.Response:
        url = urlsplit(request.url)
        if (url.hostname or "").lower() != self.host:
            raise requests.ConnectionError(f"the in-process sandbox serves only {self.host}, not {url.hostname}")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):  # a file-like or iterable body
            body = body.read() if hasattr(body, "read") else b"".join(body)
        environ = {
            "REQUEST_METHOD": request.method,
            "PATH_INFO": unquote(url.path),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname,
            "SERVER_PORT": str(url.port or 443),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": url.netloc,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        answer: dict = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            answer["status"], answer["headers"] = status, headers

        chunks = self.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        code, _, reason = answer["status"].partition(" ")
        raw = HTTPResponse(
            body=io.BytesIO(payload),
            headers=answer["headers"],
            status=int(code),
            reason=reason,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,
        )
        return self.build_response(request, raw)


def wsgi_session(app: Callable, host: str) -> requests.Session:
    """A requests session whose every request goes to ``app``."""
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc to look up: nothing leaves the process
    adapter = WsgiAdapter(app, host)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
