"""Demo estates: JSON data files in ``runbook_lib/sandbox/data/demo_estates/{name}.json``, applied to a fresh estate.

A demo estate file is one JSON object; keys starting with ``_`` are comments, anywhere outside request bodies.

``description``
    one line, printed by ``runbook sandbox reset --demo NAME``.
``subscriptions``
    ``{key: display name}``. The key ``default`` is the estate's default subscription (DEFAULT_SUBSCRIPTION); any
    other key gets the id ``sandbox_id("subscription/{name}/{key}")``.
``principals``
    ``[{"name": ..., "kind": "User" | "ServicePrincipal" | "Group"}]``, with the usual stable object ids.
``roleAssignments``
    ``[{"principal": name, "role": built-in role name or GUID, "scope": id}]``.
``tags``
    merged into the body of every PUT with a ``location`` (tracked resources) that has no tags of its own.
``requests``
    ``[{"method": ..., "path": ..., "body": {...}, "as": principal}]``, sent in order through the sandbox's WSGI app,
    so every service rule applies; ``as`` defaults to the estate's default caller. Any answer but 2xx stops the
    build.
``events``
    ``[{"event": "register-container" | "first-backup" | "generate-key", "target": id, "as": principal}]``, run
    after the requests through ``Sandbox.event``; one that does not succeed stops the build.

Strings in scopes, paths, bodies and targets may hold ``{sub:KEY}`` (a subscription's id) and ``{tenant}``.
"""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import InputError, RunbookError
from .services.authorization import builtin_roles
from .tenant import DEFAULT_SUBSCRIPTION, TENANT_ID, add_subscription, assign_role, sandbox_id

if TYPE_CHECKING:
    from .estate import Sandbox

API_VERSION = "2024-05-01"  # the sandbox's services answer every api-version alike
HOST = "management.sandbox.invalid"
_KEYS = {"description", "subscriptions", "principals", "roleAssignments", "tags", "requests", "events"}
_PLACEHOLDER = re.compile(r"\{(sub:[^{}]+|tenant)\}")


class DemoEstateError(RunbookError):
    """A demo estate could not be built: which step, and what the sandbox answered."""


@dataclass(frozen=True)
class DemoReport:
    """What a demo estate's build made."""

    name: str
    description: str
    subscriptions: dict[str, str]  # key -> subscription id
    principals: tuple[str, ...]
    requests: int
    events: int

    def summary(self) -> str:
        return (
            f"demo estate '{self.name}': {self.description} ({len(self.subscriptions)} subscriptions, "
            f"{len(self.principals)} principals, {self.requests} ARM requests, {self.events} events)"
        )


def demo_names() -> list[str]:
    """The demo estates shipped with the package, by name."""
    folder = resources.files("runbook_lib.sandbox").joinpath("data/demo_estates")
    return sorted(item.name[: -len(".json")] for item in folder.iterdir() if item.name.endswith(".json"))


@cache
def _text(name: str) -> str:
    return resources.files("runbook_lib.sandbox").joinpath(f"data/demo_estates/{name}.json").read_text()


def load_demo(name: str) -> dict:
    """The demo estate's data; an unknown name is an InputError naming --demo and the estates there are."""
    names = demo_names()
    if name not in names:
        raise InputError(f"--demo: no demo estate '{name}'; choose one of {', '.join(names) or '(none shipped)'}")
    estate = _uncommented(json.loads(_text(name)))
    unknown = set(estate) - _KEYS
    if unknown:
        raise DemoEstateError(
            f"demo estate '{name}': unknown key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(_KEYS))}"
        )
    return estate


def apply_demo(sandbox: Sandbox, name: str) -> DemoReport:
    """Build a demo estate in the sandbox's estate (a freshly reset one: ``Sandbox.reset(demo=name)`` does both
    and leaves an empty estate if the build fails)."""
    estate = load_demo(name)
    subscriptions = {
        key: DEFAULT_SUBSCRIPTION if key == "default" else sandbox_id(f"subscription/{name}/{key}")
        for key in estate.get("subscriptions", {})
    }
    subscriptions.setdefault("default", DEFAULT_SUBSCRIPTION)

    def fill(value: Any, where: str) -> Any:
        return _substitute(value, subscriptions, f"demo estate '{name}' {where}")

    for entry in estate.get("principals", []):
        sandbox.add_principal(entry["name"], entry.get("kind", "User"))
    with sandbox.store.transaction() as tx:
        for key, display_name in estate.get("subscriptions", {}).items():
            add_subscription(tx, subscriptions[key], display_name)
        for index, entry in enumerate(estate.get("roleAssignments", []), 1):
            where = f"role assignment {index} ({entry.get('principal')}, {entry.get('role')})"
            principal = tx.find_principal(entry["principal"])
            if principal is None:
                raise DemoEstateError(f"demo estate '{name}' {where}: no principal '{entry['principal']}'")
            role = _role_guid(entry["role"], f"demo estate '{name}' {where}")
            assign_role(tx, fill(entry["scope"], where), role, principal)

    tags = estate.get("tags")
    requests = estate.get("requests", [])
    for index, step in enumerate(requests, 1):
        method, path = step["method"].upper(), step["path"]
        where = f"step {index} ({method} {path})"
        body = fill(step.get("body"), where)
        if tags and method == "PUT" and isinstance(body, dict) and "location" in body and "tags" not in body:
            body = {**body, "tags": dict(tags)}
        caller = _caller(sandbox, step.get("as"), f"demo estate '{name}' {where}")
        status, answer = send(sandbox, method, fill(path, where), body, caller)
        if not 200 <= status < 300:
            error = (answer or {}).get("error", {}) if isinstance(answer, dict) else {}
            raise DemoEstateError(
                f"demo estate '{name}' {where} was refused: {status} {error.get('code', '')}: "
                f"{error.get('message', '')}".rstrip(": ")
            )

    events = estate.get("events", [])
    for index, step in enumerate(events, 1):
        where = f"event {index} ({step['event']} on {step['target']})"
        caller = _caller(sandbox, step.get("as"), f"demo estate '{name}' {where}")
        result = sandbox.event(step["event"], fill(step["target"], where), caller=caller)
        if not result.succeeded:
            raise DemoEstateError(f"demo estate '{name}' {where} failed: {result.code}: {result.message}")
    return DemoReport(
        name,
        estate.get("description", ""),
        subscriptions,
        tuple(p["name"] for p in estate.get("principals", [])),
        len(requests),
        len(events),
    )


def send(sandbox: Sandbox, method: str, path: str, body: dict | None, caller: str) -> tuple[int, Any]:
    """One ARM request through the sandbox's WSGI app, as ``caller`` (a principal's object id); (status, JSON)."""
    path, _, query = path.partition("?")
    payload = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "&".join(filter(None, (query, f"api-version={API_VERSION}"))),
        "SERVER_NAME": HOST,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST,
        "HTTP_AUTHORIZATION": f"Bearer {caller}",
        "CONTENT_LENGTH": str(len(payload)),
        "CONTENT_TYPE": "application/json",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    chunks = sandbox.app(environ, lambda line, headers, exc_info=None: status.append(line))
    raw = b"".join(chunks)
    return int(status[0].split(" ", 1)[0]), (json.loads(raw) if raw else None)


def _caller(sandbox: Sandbox, name: str | None, where: str) -> str:
    """The object id of the named principal (the default caller when None): a typo must not act as the admin."""
    with sandbox.store.transaction() as tx:
        principal = tx.find_principal(name or tx.setting("default_caller", ""))
    if principal is None:
        raise DemoEstateError(f"{where}: no principal '{name}'")
    return principal.object_id


def _role_guid(role: str, where: str) -> str:
    roles = builtin_roles()
    if role.lower() in roles:
        return roles[role.lower()]["name"]
    found = [guid for guid, r in roles.items() if r["roleName"].lower() == role.lower()]
    if not found:
        raise DemoEstateError(f"{where}: no built-in role '{role}'")
    return roles[found[0]]["name"]


def _substitute(value: Any, subscriptions: dict[str, str], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, subscriptions, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, subscriptions, where) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token == "tenant":
            return TENANT_ID
        key = token.removeprefix("sub:")
        if key not in subscriptions:
            raise DemoEstateError(f"{where}: unknown subscription key '{key}' in '{value}'")
        return subscriptions[key]

    return _PLACEHOLDER.sub(replace, value)


def _uncommented(value: Any) -> Any:
    """The estate's data without ``_``-keys, except inside request bodies, which are sent as written."""
    if isinstance(value, dict):
        return {k: (v if k == "body" else _uncommented(v)) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_uncommented(v) for v in value]
    return value
