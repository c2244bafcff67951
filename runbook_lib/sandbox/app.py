"""The sandbox as a WSGI application: an emulator of the ARM REST surface the toolkit uses."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from urllib.parse import parse_qsl

from . import lro, resources
from .authz import authorize
from .errors import ArmError
from .faults import draw_fault, fault_error
from .names import check_name
from .paths import ArmPath, parse_path
from .services.base import Context, Reply
from .settings import SandboxSettings
from .store import Principal, Store, Transaction


class SandboxApp:
    """Answers ARM requests from the estate in ``store``; every request is one transaction."""

    def __init__(self, store: Store):
        self.store = store

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        try:
            reply = self.answer(environ)
        except ArmError as error:
            reply = Reply(error.status, error.body(), error.headers)
        has_body = reply.body is not None and environ["REQUEST_METHOD"].upper() != "HEAD"
        payload = json.dumps(reply.body).encode() if has_body else b""
        headers = [
            ("x-ms-request-id", request_id),
            ("x-ms-correlation-request-id", environ.get("HTTP_X_MS_CLIENT_REQUEST_ID", request_id)),
            ("Content-Length", str(len(payload))),
            *reply.headers.items(),
        ]
        if has_body:
            headers.append(("Content-Type", "application/json; charset=utf-8"))
        start_response(f"{reply.status} {HTTPStatus(reply.status).phrase}", headers)
        return [payload]

    def answer(self, environ: dict) -> Reply:
        method = environ["REQUEST_METHOD"].upper()
        raw_path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        token = _bearer_token(headers.get("authorization", ""))
        api_version = query.get("api-version")
        if not api_version:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        path = parse_path(raw_path)
        body = _json_body(environ) if method in ("PUT", "PATCH", "POST") else None
        base_url = f"{environ.get('wsgi.url_scheme', 'https')}://{environ.get('HTTP_HOST') or environ['SERVER_NAME']}"
        with self.store.transaction() as tx:
            fault = draw_fault(tx, method, raw_path)
            if fault is not None and fault.answer != "lro-failed":
                status, code, message, fault_headers = fault_error(fault)
                return Reply(status, {"error": {"code": code, "message": message}}, fault_headers)
            ctx = Context(
                tx,
                _caller(tx, token),
                base_url,
                api_version,
                SandboxSettings.from_dict(tx.setting("settings")),
                time.time(),
                query,
            )
            lro.finish_due(ctx)  # ARM's operations run on their own clock, whoever asks
            return _route(ctx, method, path, body, headers, fault)


def _route(ctx: Context, method: str, path: ArmPath, body: dict | None, headers: dict[str, str], fault) -> Reply:
    types = [t.lower() for t in path.types]
    if types[:1] == ["locations"] and len(types) == 2 and types[1] in ("operations", "operationresults"):
        return lro.poll(ctx, path.names[1], as_location=types[1] == "operationresults")
    if len(path.names) == 1 and types[0] in (lro.PRIVATE_DNS_STATUSES.lower(), lro.PRIVATE_DNS_RESULTS.lower()):
        return lro.poll(ctx, path.names[0], as_location=types[0] == lro.PRIVATE_DNS_RESULTS.lower())
    if path.subscription and ctx.tx.get(f"/subscriptions/{path.subscription}") is None:
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{path.subscription}' could not be found.")
    if path.namespace is None:  # .../resources
        authorize(ctx, "GET", parse_path(path.scope))
        return resources.list_generic(ctx, path)
    authorize(ctx, method, path)
    if method == "PUT" and not path.is_collection:
        resources.require_parents(ctx, path)  # Resource Manager finds the resource group before the provider looks
        check_name(path)
    return resources.handle(ctx, method, path, body, headers, fault)


def _bearer_token(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ArmError(
            401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing a bearer token."
        )
    return token.strip()


def _caller(tx: Transaction, token: str) -> Principal:
    """The principal the token names (by name or object id); any other token is the default caller."""
    principal = tx.find_principal(token) or tx.find_principal(tx.setting("default_caller", ""))
    if principal is None:
        raise ArmError(503, "SandboxNotInitialised", "The sandbox estate is empty: run `runbook sandbox reset`.")
    return principal


def _json_body(environ: dict) -> dict | None:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArmError(
            400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {error}."
        ) from None
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return body
