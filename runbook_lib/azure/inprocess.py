"""Reach a WSGI application without a socket: the sandbox's in-process transport.

``WsgiTransport`` is an azure-core transport that hands each request straight to the app and wraps its answer in
an azure-core response, so the SDK's pipeline (retry, redirects, authentication, LRO polling, the product's own
policies) runs exactly as it does over the network, without going through ``requests`` and ``urllib3``.
``wsgi_session`` (the older path: a requests adapter under azure-core's RequestsTransport) is kept for comparison
in bench/bench_sandbox.py and as a fallback: ``get_clients(target, transport=RequestsTransport(session=...))``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline._tools import is_rest  # azure-core's own transports tell the two request kinds apart so
from azure.core.pipeline.transport import HttpResponse as LegacyHttpResponse
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import HttpResponseImpl  # ...and build rest responses on this base
from azure.core.utils import CaseInsensitiveDict
from requests.adapters import HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse

BLOCK_SIZE = 4096  # azure-core's default block size for streamed bodies
_UNPREFIXED = ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")  # WSGI carries these without the HTTP_ prefix


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):  # a file-like body
        return body.read()
    return b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in body)


def _environ(method: str, url: str, headers: Iterable[tuple[str, str | bytes]], body: bytes) -> dict[str, Any]:
    """The WSGI environ of one request (PEP 3333)."""
    parts = urlsplit(url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": unquote(parts.path),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port or 443),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = "HTTP_" + name.upper().replace("-", "_")
        if key == "HTTP_CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key not in _UNPREFIXED:
            environ[key] = value
    return environ


def _call(app: Callable, environ: dict[str, Any]) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """The app's answer: status code, reason, headers, body."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        answer["status"], answer["headers"] = status, headers

    chunks = app(environ, start_response)
    try:
        payload = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    code, _, reason = answer["status"].partition(" ")
    return int(code), reason, answer["headers"], payload


def _headers(pairs: list[tuple[str, str]]) -> CaseInsensitiveDict:
    headers = CaseInsensitiveDict()
    for name, value in pairs:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _blocks(payload: bytes, size: int = BLOCK_SIZE) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


class _Answer:
    """What an in-process response wraps: the body the app returned (there is no connection to close)."""

    def __init__(self, payload: bytes):
        self.payload = payload

    def close(self) -> None:
        pass


def _stream_answer(pipeline: Any = None, response: Any = None, **kwargs: Any) -> Iterator[bytes]:
    """The stream download generator of a rest response: its body in blocks (nothing to decompress)."""
    return _blocks(response.internal_response.payload)


class WsgiResponse(HttpResponseImpl):
    """An ``azure.core.rest.HttpResponse`` holding the app's answer (read(), text(), json(), iter_bytes(),
    and the legacy body() and stream_download(pipeline) that LRO pollers may still call)."""

    def __init__(
        self, request: Any, status: int, reason: str, headers: CaseInsensitiveDict, payload: bytes, stream: bool
    ):
        super().__init__(
            request=request,
            internal_response=_Answer(payload),
            status_code=status,
            reason=reason,
            headers=headers,
            content_type=headers.get("Content-Type"),
            stream_download_generator=_stream_answer,
        )
        if "charset=utf-8" in (self.content_type or "").lower():
            self._encoding = "utf-8"  # what azure-core would parse out of the header, through email.message
        if not stream:  # what azure-core's transports do for a non-streamed rest response: read, then close
            self._content = payload
            self._set_read_checks()


class LegacyWsgiResponse(LegacyHttpResponse):
    """The same answer for a legacy ``azure.core.pipeline.transport.HttpRequest``."""

    def __init__(self, request: Any, status: int, reason: str, headers: CaseInsensitiveDict, payload: bytes):
        super().__init__(request, _Answer(payload))
        self.status_code, self.reason, self.headers = status, reason, headers
        self.content_type = headers.get("Content-Type")

    def body(self) -> bytes:
        return self.internal_response.payload

    def stream_download(self, pipeline: Any, **kwargs: Any) -> Iterator[bytes]:
        return _blocks(self.internal_response.payload, self.block_size)


class WsgiTransport(HttpTransport):
    """Sends requests for ``host`` to a WSGI app in this process; refuses every other host with a
    ServiceRequestError, as a connection that cannot be made is refused. Holds no per-request state: one
    transport serves any number of clients and threads."""

    def __init__(self, app: Callable, host: str):
        self.app = app
        self.host = host.lower()

    def __enter__(self) -> WsgiTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, *, stream: bool = False, **kwargs: Any) -> Any:
        hostname = (urlsplit(request.url).hostname or "").lower()
        if hostname != self.host:
            raise ServiceRequestError(f"the in-process sandbox serves only {self.host}, not {hostname}")
        rest = is_rest(request)
        body = _body_bytes(request.content if rest else request.body)
        environ = _environ(request.method, request.url, request.headers.items(), body)
        status, reason, pairs, payload = _call(self.app, environ)
        headers = _headers(pairs)
        if rest:
            return WsgiResponse(request, status, reason, headers, payload, stream)
        return LegacyWsgiResponse(request, status, reason, headers, payload)


class WsgiAdapter(HTTPAdapter):
    """The older path: a requests adapter sending requests for ``host`` to a WSGI app; refuses every other host."""

    def __init__(self, app: Callable, host: str):
        super().__init__()
        self.app = app
        self.host = host.lower()

    def send(
        self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ) -> requests.Response:
        if request.url is None or request.method is None:  # requests prepares both before an adapter sends
            raise requests.ConnectionError("the in-process sandbox got a request without a method or url")
        url = urlsplit(request.url)
        if (url.hostname or "").lower() != self.host:
            raise requests.ConnectionError(f"the in-process sandbox serves only {self.host}, not {url.hostname}")
        body = _body_bytes(request.body)
        status, reason, pairs, payload = _call(
            self.app, _environ(request.method, request.url, request.headers.items(), body)
        )
        raw = HTTPResponse(
            body=io.BytesIO(payload),
            headers=HTTPHeaderDict(pairs),  # keeps repeated headers, as HTTPResponse does with the pairs
            status=status,
            reason=reason,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,
        )
        return self.build_response(request, raw)


def wsgi_session(app: Callable, host: str) -> requests.Session:
    """A requests session whose every request goes to ``app`` (for azure-core's RequestsTransport)."""
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc to look up: nothing leaves the process
    adapter = WsgiAdapter(app, host)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
