"""Conformance of the sandbox with Microsoft's own REST API examples.

``../shared/arm-examples/`` holds official ``x-ms-examples`` files from Azure/azure-rest-api-specs: the request
parameters of one operation and its responses by status code (SOURCES.md says where each comes from and lists the
known defects in them). ``tests/conformance/operations.yaml`` maps each file to its operation: method, path
template, body parameter. Every example is replayed as raw HTTP against the sandbox's WSGI app, each in a fresh
estate, and the sandbox *conforms* to it when

- its status code is one of the codes the example lists, and
- every key path of the example's body for that code exists in the sandbox's body. Values are not compared: the
  examples are shapes written by hand, not captured traffic. Extra keys are fine. ``a[].b`` is present when any
  element of the sandbox's list ``a`` has ``b``; an empty list in the example asks for its key and nothing of its
  elements; a ``null`` asks for nothing (the SDKs read null and absent alike); a list's ``nextLink`` is not compared
  (it says more pages follow, and the replay seeds only the items the example shows). Keys that are user data, such
  as those under ``tags``, are compared too: the sandbox echoes them.

The estate first gets what the example takes for granted (``prepare_estate``): the example's subscription with the
default caller as Owner, its resource group (PUT), the parents of the target (straight into the store), the
principal and role definition a role assignment names, the resources operations.yaml lists under ``given:``, and,
for a GET, DELETE, PATCH or ``existing:`` PUT, the target itself: the example's own 200 body PUT at the request's
path (for a list, each item under the request's collection by its name), because the ids inside some examples are
wrong. ``read_only:`` marks types ARM offers no PUT for (the provider computes them): only their parents are seeded.

Each example ends one of three ways, counted by ``test_summary``:

- **replayed**: it must conform;
- **skipped for a defect**: ``skip:`` quotes SOURCES.md word for word, and the test checks the quote is there;
- **not yet implemented**: ``service:`` names the resource type whose Service must compute what the example shows,
  and ``services.service_for`` has none for it yet. Once it has, the example is replayed and must conform.

Skipped and not-yet-implemented examples are replayed as well, and a marked example that conforms fails the test,
so a marker can neither be invented nor outlive its reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Formatter
from urllib.parse import quote, unquote

import pytest
import yaml

from runbook_lib.azure.clients import SANDBOX_HOST
from runbook_lib.azure.inprocess import wsgi_session
from runbook_lib.sandbox import Sandbox
from runbook_lib.sandbox.errors import ArmError
from runbook_lib.sandbox.estate import DEFAULT_CALLER, OWNER_ROLE, TENANT_ID, add_subscription, assign_role
from runbook_lib.sandbox.paths import ArmPath, parse_path
from runbook_lib.sandbox.services import service_for
from runbook_lib.sandbox.services.authorization import builtin_roles
from runbook_lib.sandbox.services.base import Service
from runbook_lib.sandbox.store import Principal

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "arm-examples"
SOURCES = EXAMPLES / "SOURCES.md"
OPERATIONS = Path(__file__).resolve().parent / "conformance" / "operations.yaml"
FULL_ID_PARAMETERS = {"scope", "roleId"}  # filled in as paths: their slashes stay slashes
RESOURCE_GROUP_API = "2021-04-01"
ROLE_DEFINITION_API = "2022-04-01"
SEED_LOCATION = "westus"
MISSING_SHOWN = 12  # missing key paths named in a failure or skip message


# ---------------------------------------------------------------- loading examples and their operations


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation: str
    body: str | None = None
    skip: str | None = None  # a known defect, quoted from SOURCES.md
    service: str | None = None  # the resource type whose Service must compute what the example shows
    read_only: bool = False  # ARM has no PUT for this type: only its parents are seeded
    existing: bool = False  # the PUT changes a resource that must exist already: it is seeded first
    given: dict | None = None  # other resources the example takes for granted: path template -> body to PUT
    seed: str = "api"  # "store": the assumed state is one ARM would refuse to build (the reason is in the yaml)


@cache
def operations() -> dict[str, Operation]:
    return {name: Operation(**entry) for name, entry in yaml.safe_load(OPERATIONS.read_text()).items()}


def require_examples() -> None:
    if not EXAMPLES.is_dir():
        pytest.fail(
            f"The ARM example files are missing: expected the folder {EXAMPLES} (../shared/arm-examples beside the "
            "project). Every developer and CI run has it; restore it rather than skipping conformance."
        )


def load_example(name: str) -> dict:
    require_examples()
    return json.loads((EXAMPLES / name).read_text())


@cache
def known_defects() -> str:
    """SOURCES.md with its whitespace collapsed, so a quote may span its line breaks."""
    require_examples()
    return " ".join(SOURCES.read_text().split())


def is_implemented(resource_type: str) -> bool:
    return type(service_for(resource_type)) is not Service


# ---------------------------------------------------------------- talking to the sandbox


class ReplayError(Exception):
    """The replay could not get as far as the example's request (the estate could not be prepared)."""


@dataclass
class Answer:
    status: int
    body: object


class Arm:
    """Raw HTTP to one sandbox estate, as the default caller."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.session = wsgi_session(sandbox.app, SANDBOX_HOST)

    def send(self, method: str, path: str, api_version: str, body: object = None) -> Answer:
        response = self.session.request(
            method,
            f"https://{SANDBOX_HOST}{path}?api-version={api_version}",
            headers={"Authorization": "Bearer sandbox", "Content-Type": "application/json"},
            data=None if body is None else json.dumps(body),
        )
        return Answer(response.status_code, response.json() if response.content else None)

    def seed(self, path: str, api_version: str, body: dict) -> None:
        """PUT body at path; a refusal means the example's assumed state cannot be built."""
        answer = self.send("PUT", path, api_version, body)
        if answer.status not in (200, 201, 202):
            raise ReplayError(f"seeding PUT {path} answered {answer.status}: {json.dumps(answer.body)[:300]}")


# ---------------------------------------------------------------- the state an example takes for granted


def fill_path(template: str, parameters: dict) -> str:
    """The request path: each {placeholder} from the example's parameters, URL-quoted."""
    values = {}
    for _, field, _, _ in Formatter().parse(template):
        if field is not None:
            safe = "/" if field in FULL_ID_PARAMETERS else ""
            values[field] = quote(str(parameters[field]), safe=safe)
    return template.format(**values)


def url_of(resource_id: str) -> str:
    """A resource id as a URL path: every segment quoted."""
    return "/" + "/".join(quote(segment, safe="") for segment in resource_id.strip("/").split("/"))


def parsed(resource_id: str) -> ArmPath | None:
    """The id as ARM reads it, or None for what is no resource id (the examples' placeholders)."""
    try:
        return parse_path(resource_id)
    except ArmError:
        return None


def is_role_assignment(target: ArmPath) -> bool:
    return target.type.lower() == "microsoft.authorization/roleassignments"


def ancestors(target: ArmPath) -> list[ArmPath]:
    """The provider resources a resource or collection hangs off, outermost first (not its subscription or group).
    For an extension resource (a role assignment on a database account) that is the resource it extends."""
    parent = parsed(target.parent_id) if target.parent_id else None
    if parent is None or parent.namespace is None or parent.namespace.lower() == "microsoft.resources":
        return []
    return [*ancestors(parent), parent]


def add_subscription_with_owner(sandbox: Sandbox, subscription: str) -> None:
    with sandbox.store.transaction() as tx:
        if tx.get(f"/subscriptions/{subscription}") is None:
            add_subscription(tx, subscription, f"Example subscription {subscription}")
            assign_role(tx, f"/subscriptions/{subscription}", OWNER_ROLE, DEFAULT_CALLER)


def add_parent(sandbox: Sandbox, parent: ArmPath) -> None:
    """A minimal parent resource, written straight into the store: it only has to exist."""
    with sandbox.store.transaction() as tx:
        if tx.get(parent.id) is None:
            body = {"id": parent.id, "name": parent.name, "type": parent.type, "location": SEED_LOCATION,
                    "properties": {"provisioningState": "Succeeded"}}
            tx.put(body, type=parent.type, parent=parent.parent_id, subscription=parent.subscription)


def add_role_assignment_prerequisites(arm: Arm, target: ArmPath, assignment: dict) -> None:
    """A role assignment names a principal and a role definition; the example takes both for granted."""
    properties = assignment.get("properties") or {}
    principal_id = properties.get("principalId")
    if principal_id:
        with arm.sandbox.store.transaction() as tx:
            if tx.find_principal(principal_id) is None:
                kind = properties.get("principalType") or "User"
                tx.add_principal(Principal(principal_id, f"example-{principal_id}", kind, TENANT_ID))
    role = (properties.get("roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1]
    if role and role.lower() not in builtin_roles() and target.subscription:
        scope = f"/subscriptions/{target.subscription}"
        arm.seed(url_of(f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}"), ROLE_DEFINITION_API, {
            "properties": {"roleName": f"Example role {role}", "description": "Seeded for a conformance example.",
                           "assignableScopes": [scope], "permissions": [{"actions": []}]},
        })


def collection_item_url(collection_url: str, item: dict) -> str:
    """Where a listed item lives: under the collection the request names, by the item's name (not its id, which
    some examples get wrong); an item whose type differs from the collection's (``.../ALL``) under its own type."""
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise ReplayError(f"a listed item has no name to seed it under: {json.dumps(item)[:200]}")
    parent, _, segment = collection_url.rpartition("/")
    kind = str(item.get("type") or "").rsplit("/", 1)[-1]
    if kind and kind.lower() != segment.lower():
        segment = quote(kind, safe="")
    return f"{parent}/{segment}/{quote(name, safe='')}"


def write_state(sandbox: Sandbox, where: ArmPath, body: dict) -> None:
    """The example's state written as it stands, bypassing the API's checks."""
    with sandbox.store.transaction() as tx:
        tx.put({**body, "id": where.id, "name": where.name, "type": where.type}, type=where.type,
               parent=where.parent_id, subscription=where.subscription)


def seed_target(arm: Arm, op: Operation, url: str, target: ArmPath, example: dict) -> None:
    """What the operation reads, changes or deletes, from the example's own 200 body (each listed item for a
    collection); a DELETE example has no body, so a minimal resource stands in."""
    api_version = example["parameters"]["api-version"]
    ok = example["responses"].get("200", {}).get("body")
    if target.is_collection:
        for item in (ok or {}).get("value") or []:
            if op.seed == "store":
                write_state(arm.sandbox, parsed(unquote(collection_item_url(url, item))), item)
                continue
            if is_role_assignment(target):
                add_role_assignment_prerequisites(arm, target, item)
            arm.seed(collection_item_url(url, item), api_version, item)
        return
    if is_role_assignment(target) and ok:
        add_role_assignment_prerequisites(arm, target, ok)
    arm.seed(url, api_version, ok or {"location": SEED_LOCATION, "properties": {}})


def prepare_estate(arm: Arm, op: Operation, url: str, example: dict) -> None:
    """The subscription (default caller as Owner), the resource group, the parents of the target, the resources
    operations.yaml says the example takes for granted, what a role assignment names, and for reads, deletes and
    updates the target itself."""
    target = parsed(unquote(url))
    if target is None:
        return  # a placeholder where an id belongs: nothing to prepare, the request itself will say so
    if target.subscription:
        add_subscription_with_owner(arm.sandbox, target.subscription)
    if target.resource_group:
        group = f"/subscriptions/{target.subscription}/resourceGroups/{target.resource_group}"
        arm.seed(url_of(group), RESOURCE_GROUP_API, {"location": SEED_LOCATION})
    for parent in ancestors(target):
        add_parent(arm.sandbox, parent)
    for template, body in (op.given or {}).items():
        arm.seed(fill_path(template, example["parameters"]), example["parameters"]["api-version"], body)
    if op.body and is_role_assignment(target):
        add_role_assignment_prerequisites(arm, target, example["parameters"][op.body])
    if op.method in ("GET", "DELETE", "PATCH") or op.existing:
        if not op.read_only:
            seed_target(arm, op, url, target, example)


# ---------------------------------------------------------------- comparing shapes


def key_paths(value: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a JSON value: ('properties',), ('properties', 'subnets'), ('properties', 'subnets', '[]',
    'id'), ... A key whose value is null is left out; an empty list or object yields its own key only."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            if child is None:
                continue
            found.append((*prefix, key))
            found += key_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for element in value:
            found += key_paths(element, (*prefix, "[]"))
    return found


def has_path(value: object, path: tuple[str, ...]) -> bool:
    """True when value has the key path; '[]' is satisfied by any one element of a list."""
    if not path:
        return True
    head, rest = path[0], path[1:]
    if head == "[]":
        return isinstance(value, list) and any(has_path(element, rest) for element in value)
    return isinstance(value, dict) and head in value and has_path(value[head], rest)


def without_paging(body: object) -> object:
    """A list body without its ``nextLink``: that says more pages follow, and the replay seeds only the items the
    example shows, which fit on one page of the sandbox's."""
    if isinstance(body, dict) and "value" in body:
        return {k: v for k, v in body.items() if k != "nextLink"}
    return body


def missing_paths(expected: object, actual: object) -> list[str]:
    """The example's key paths that the sandbox's body lacks, as 'properties.subnets[].id'."""
    missing = dict.fromkeys(p for p in key_paths(expected) if not has_path(actual, p))
    return [".".join(p).replace(".[]", "[]") for p in missing]


# ---------------------------------------------------------------- one replay


@dataclass
class Outcome:
    conforms: bool
    detail: str


def replay(name: str, tmp_path: Path) -> Outcome:
    """Replay one example in a fresh estate and say whether the sandbox conforms, and if not, how it differs."""
    op = operations()[name]
    example = load_example(name)
    parameters = example["parameters"]
    path = fill_path(op.path, parameters)
    sandbox = Sandbox(tmp_path / "estate.db")
    sandbox.reset()
    arm = Arm(sandbox)
    try:
        prepare_estate(arm, op, path, example)
        answer = arm.send(op.method, path, parameters["api-version"], parameters[op.body] if op.body else None)
    except ReplayError as error:
        return Outcome(False, f"{op.method} {path}: {error}")
    finally:
        sandbox.store.close()
    listed = sorted(example["responses"])
    if str(answer.status) not in example["responses"]:
        return Outcome(False, f"{op.method} {path} answered {answer.status} (the example lists {', '.join(listed)}):"
                              f" {json.dumps(answer.body)[:400]}")
    expected = example["responses"][str(answer.status)].get("body")
    missing = missing_paths(without_paging(expected), answer.body)
    if missing:
        shown = ", ".join(missing[:MISSING_SHOWN]) + (f" and {len(missing) - MISSING_SHOWN} more"
                                                       if len(missing) > MISSING_SHOWN else "")
        return Outcome(False, f"{op.method} {path} answered {answer.status}, whose body lacks {shown}")
    return Outcome(True, f"{op.method} {path} answered {answer.status} with every key of the example")


# ---------------------------------------------------------------- the tests


def classify(name: str) -> str:
    op = operations()[name]
    if op.skip:
        return "skipped for a defect"
    if op.service and not is_implemented(op.service):
        return "not yet implemented"
    return "replayed"


@pytest.mark.parametrize("name", sorted(operations()), ids=lambda name: name.rsplit("/", 1)[-1])
def test_example(name: str, tmp_path: Path) -> None:
    op = operations()[name]
    if op.skip:
        assert " ".join(op.skip.split()) in known_defects(), (
            f"{name}: the skip reason must quote SOURCES.md's known defects word for word: {op.skip!r}"
        )
    outcome = replay(name, tmp_path)
    kind = classify(name)
    if kind == "replayed":
        assert outcome.conforms, f"{name}: {outcome.detail}"
        return
    assert not outcome.conforms, (
        f"{name} conforms although it is marked {kind}: remove its "
        f"{'skip' if op.skip else 'service'} entry from operations.yaml ({outcome.detail})"
    )
    if op.skip:
        pytest.skip(f"known defect (SOURCES.md): {op.skip} [{outcome.detail}]")
    pytest.skip(f"not yet implemented: no Service for {op.service} [{outcome.detail}]")


def test_every_example_has_an_operation() -> None:
    require_examples()
    on_disk = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.json")}
    mapped = set(operations())
    assert on_disk - mapped == set(), f"example files with no entry in {OPERATIONS.name}: {sorted(on_disk - mapped)}"
    assert mapped - on_disk == set(), f"{OPERATIONS.name} entries with no example file: {sorted(mapped - on_disk)}"


def test_operations_fit_their_examples() -> None:
    problems = []
    for name, op in operations().items():
        parameters = load_example(name)["parameters"]
        placeholders = {f for _, f, _, _ in Formatter().parse(op.path) if f is not None}
        problems += [f"{name}: path parameter {p!r} is not in the example" for p in placeholders - set(parameters)]
        if op.body and op.body not in parameters:
            problems.append(f"{name}: body parameter {op.body!r} is not in the example")
        if op.method not in ("GET", "PUT", "PATCH", "DELETE"):
            problems.append(f"{name}: method {op.method!r} is not replayed by this test")
        if op.service and not re.fullmatch(r"\w+(\.\w+)+(/\w+)+", op.service):
            problems.append(f"{name}: service {op.service!r} is not a full resource type")
    assert problems == []


def test_summary() -> None:
    """One line (and one per skip) saying how the examples end; run with -s to see it."""
    require_examples()
    kinds = {name: classify(name) for name in operations()}
    counts = Counter(kinds.values())
    print(
        f"\nARM example conformance: {len(kinds)} examples: {counts['replayed']} replayed, "
        f"{counts['skipped for a defect']} skipped for a defect, {counts['not yet implemented']} not yet implemented"
    )
    for name, kind in sorted(kinds.items()):
        op = operations()[name]
        if kind == "skipped for a defect":
            print(f"  skipped  {name}: {op.skip}")
        elif kind == "not yet implemented":
            print(f"  no service for {op.service}: {name}")
    assert sum(counts.values()) == len(operations())
