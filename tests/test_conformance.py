"""Conformance of the sandbox with Microsoft's own REST API examples.

``tests/conformance/examples/`` holds official ``x-ms-examples`` files from Azure/azure-rest-api-specs: the request
parameters of one operation and its responses by status code (SOURCES.md says where each comes from and lists the
known defects in them). ``tests/conformance/operations.yaml`` maps each file to its operation: method, path
template, body parameter. Every example is replayed as raw HTTP against the sandbox's WSGI app, each in a fresh
estate, and the sandbox *conforms* to it when its status code is one of the codes the example lists, and its body
agrees with the example's body for that code (``compare``, the one place that decides how):

- every key the example shows is there, with the example's value; extra keys are fine, and a ``null`` asks for
  nothing (the SDKs read null and absent alike);
- a list of plain values agrees when it holds the same values, in any order (requiredMembers, addressPrefixes...);
- a list of objects agrees when its elements pair off one to one with the example's, in any order, each pair
  agreeing. Only a list answer's top-level ``value`` may hold more items than the example shows (the estate has
  what the replay needs besides, such as the caller's Owner assignment); its ``nextLink`` is not compared (the
  replay prefills only the items the example shows);
- ``relax:`` in operations.yaml names the key paths where a value is not compared with the example's, each with
  its reason:
  - ``instance``: the value is legitimately the instance's own (an etag, a GUID, a generated name, a timestamp, a
    count of what a new estate holds): the key must be there, and with ``match`` its value must fit that pattern;
  - ``defect``: SOURCES.md says the example is wrong here (quoted word for word, and checked);
  - ``gap``: the sandbox differs here, and SOURCES.md does not say why: a suspected sandbox bug or limitation,
    reported to its owners (with ``match``, the pattern the sandbox's value should fit and does not yet).
  A ``defect`` or ``gap`` must still differ, or the test fails and asks for it to be removed: a relaxation cannot
  outlive its reason.

The estate first gets what the example takes for granted (``prepare_estate``): the example's subscription with the
default caller as Owner, its resource group (PUT), the resources operations.yaml lists under ``given:`` (PUT in
order, each with its own subscription and resource group), the parents of the target that are still missing
(straight into the store), the principal and role definition a role assignment names, and, for a GET, DELETE,
PATCH or ``existing:`` PUT, the target itself: the example's own 200 body PUT at the request's path (for a list,
each item under the request's collection by its name), because the ids inside some examples are wrong. Prefilling
leaves out ``eTag`` and ``systemData``: ARM computes them, and a body that echoed them would prove nothing.
``read_only:`` marks types ARM offers no PUT for (the provider computes them): only their parents are prefilled.
``prefill: store`` writes the target's state as the example shows it, for a state the API refuses to build.

Each example ends one of four ways, counted by ``test_summary``:

- **replayed**: it must conform (with the relaxations its ``relax:`` gives);
- **skipped for a defect**: ``skip:`` quotes SOURCES.md word for word, and the test checks the quote is there;
- **refused as Azure refuses it**: ``refused:`` gives the ARM error code Azure answers the example's own request
  with, and the public evidence of it; the sandbox must answer with that code;
- **not yet implemented**: ``service:`` names a resource type the example needs a Service for (to compute what
  the example shows, or to be the target it uses), and ``services.service_for`` has none for it yet. Once it has,
  the example is replayed and must conform.

Skipped and not-yet-implemented examples are replayed as well, and a marked example that conforms fails the test,
so a marker can neither be invented nor outlive its reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
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

EXAMPLES = Path(__file__).resolve().parent / "conformance" / "examples"
SOURCES = EXAMPLES / "SOURCES.md"
OPERATIONS = Path(__file__).resolve().parent / "conformance" / "operations.yaml"
FULL_ID_PARAMETERS = {"scope", "roleId"}  # filled in as paths: their slashes stay slashes
RESOURCE_GROUP_API = "2021-04-01"
ROLE_DEFINITION_API = "2022-04-01"
PREFILL_LOCATION = "westus"
NOT_PREFILLED = ("eTag", "systemData")  # read-only metadata ARM computes: a prefilled body must not carry it
DIFFERENCES_SHOWN = 12  # differences named in a failure or skip message
PATTERN_MACROS = {"{guid}": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"}


# ---------------------------------------------------------------- loading examples and their operations

KeyPath = tuple[str, ...]  # a key path: ('properties', 'subnets', '[]', 'id'); '[*]' stands for a list's membership


def parse_key_path(text: str) -> KeyPath:
    """'properties.subnets[].id' -> ('properties', 'subnets', '[]', 'id'); 'value[*]' -> ('value', '[*]')."""
    if not re.fullmatch(r"[^.\[\]]+(\.[^.\[\]]+|\[\]|\[\*\])*", text):
        raise ValueError(f"not a key path: {text!r} (write 'properties.subnets[].id', or 'value[*]' for membership)")
    return tuple(re.findall(r"\[\]|\[\*\]|[^.\[\]]+", text))


def show_path(path: KeyPath) -> str:
    return ".".join(path).replace(".[", "[") or "(the body)"


def expand_macros(expression: str) -> str:
    for macro, expansion in PATTERN_MACROS.items():
        expression = expression.replace(macro, expansion)
    return expression


@dataclass(frozen=True)
class Relaxation:
    """Where a value is not compared with the example's, and why (see the module docstring)."""

    path: KeyPath
    kind: str  # instance | defect | gap
    reason: str | tuple[str, ...]  # for a defect: the quotes from SOURCES.md
    match: str | None = None  # a regular expression the sandbox's value must fit (instance) or should fit (gap)

    @classmethod
    def parse(cls, text: str, entry: dict) -> Relaxation:
        kinds = [k for k in ("instance", "defect", "gap") if k in entry]
        unknown = set(entry) - {"instance", "defect", "gap", "match"}
        if len(kinds) != 1 or unknown or ("match" in entry and kinds[0] == "defect"):
            raise ValueError(
                f"relaxation {text!r}: give one of instance, defect or gap (and match only with "
                f"instance or gap), not {sorted(entry)}"
            )
        reason = entry[kinds[0]]
        if kinds[0] == "defect":
            reason = tuple([reason] if isinstance(reason, str) else reason)
        return cls(parse_key_path(text), kinds[0], reason, entry.get("match"))

    @property
    def pattern(self) -> re.Pattern | None:
        return None if self.match is None else re.compile(expand_macros(self.match))

    def covers(self, path: KeyPath) -> bool:
        return path[: len(self.path)] == self.path


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation: str
    body: str | None = None
    skip: str | None = None  # a known defect, quoted from SOURCES.md
    refused: dict | None = None  # {code, evidence}: Azure refuses the example's own request; so must the sandbox
    service: str | None = None  # a resource type whose Service the example needs (computes it, or is its target)
    read_only: bool = False  # ARM has no PUT for this type: only its parents are prefilled
    existing: bool = False  # the PUT changes a resource that must exist already: it is prefilled first
    given: dict | None = None  # other resources the example takes for granted: path template -> body to PUT
    prefill: str = "api"  # "store": the assumed state is one ARM would refuse to build (the reason is in the yaml)
    relax: tuple[Relaxation, ...] = field(default=())  # key paths not compared with the example, with reasons

    @classmethod
    def parse(cls, entry: dict) -> Operation:
        relax = tuple(Relaxation.parse(text, rule) for text, rule in (entry.get("relax") or {}).items())
        return cls(**{**entry, "relax": relax})

    def relaxation(self, path: KeyPath) -> Relaxation | None:
        """The relaxation that decides about path: the one with the longest key path that covers it."""
        covering = [r for r in self.relax if r.covers(path)]
        return max(covering, key=lambda r: len(r.path)) if covering else None


@cache
def operations() -> dict[str, Operation]:
    return {name: Operation.parse(entry) for name, entry in yaml.safe_load(OPERATIONS.read_text()).items()}


def require_examples() -> None:
    if not EXAMPLES.is_dir():
        pytest.fail(f"The ARM example files are missing: expected the folder {EXAMPLES}, which the project ships")


def load_example(name: str) -> dict:
    require_examples()
    return json.loads((EXAMPLES / name).read_text())


@cache
def known_defects() -> str:
    """SOURCES.md with its whitespace collapsed, so a quote may span its line breaks."""
    require_examples()
    return " ".join(SOURCES.read_text().split())


def is_quoted(quote_: str) -> bool:
    return " ".join(quote_.split()) in known_defects()


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

    def prefill(self, path: str, api_version: str, body: dict) -> None:
        """PUT body at path; a refusal means the example's assumed state cannot be built."""
        answer = self.send("PUT", path, api_version, prefillable(body))
        if answer.status not in (200, 201, 202):
            raise ReplayError(f"prefilling PUT {path} answered {answer.status}: {json.dumps(answer.body)[:300]}")


def prefillable(body: dict) -> dict:
    """A body to prefill the estate with: without the read-only metadata ARM computes (NOT_PREFILLED)."""
    return {k: v for k, v in body.items() if k not in NOT_PREFILLED}


# ---------------------------------------------------------------- the state an example takes for granted


def fill_path(template: str, parameters: dict) -> str:
    """The request path: each {placeholder} from the example's parameters, URL-quoted."""
    values = {}
    for _, field_, _, _ in Formatter().parse(template):
        if field_ is not None:
            safe = "/" if field_ in FULL_ID_PARAMETERS else ""
            values[field_] = quote(str(parameters[field_]), safe=safe)
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


def add_scope(arm: Arm, target: ArmPath) -> None:
    """The subscription (default caller as Owner) and resource group a resource lives in."""
    if target.subscription:
        add_subscription_with_owner(arm.sandbox, target.subscription)
    if target.resource_group:
        group = f"/subscriptions/{target.subscription}/resourceGroups/{target.resource_group}"
        with arm.sandbox.store.transaction() as tx:
            missing = tx.get(group) is None
        if missing:
            arm.prefill(url_of(group), RESOURCE_GROUP_API, {"location": PREFILL_LOCATION})


def add_parent(sandbox: Sandbox, parent: ArmPath) -> None:
    """A minimal parent resource, written straight into the store: it only has to exist."""
    with sandbox.store.transaction() as tx:
        if tx.get(parent.id) is None:
            body = {
                "id": parent.id,
                "name": parent.name,
                "type": parent.type,
                "location": PREFILL_LOCATION,
                "properties": {"provisioningState": "Succeeded"},
            }
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
        arm.prefill(
            url_of(f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            ROLE_DEFINITION_API,
            {
                "properties": {
                    "roleName": f"Example role {role}",
                    "description": "Seeded for a conformance example.",
                    "assignableScopes": [scope],
                    "permissions": [{"actions": []}],
                },
            },
        )


def collection_item_url(collection_url: str, item: dict) -> str:
    """Where a listed item lives: under the collection the request names, by the item's name (not its id, which
    some examples get wrong); an item whose type differs from the collection's (``.../ALL``) under its own type."""
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise ReplayError(f"a listed item has no name to prefill it under: {json.dumps(item)[:200]}")
    parent, _, segment = collection_url.rpartition("/")
    kind = str(item.get("type") or "").rsplit("/", 1)[-1]
    if kind and kind.lower() != segment.lower():
        segment = quote(kind, safe="")
    return f"{parent}/{segment}/{quote(name, safe='')}"


def write_state(sandbox: Sandbox, where: ArmPath, body: dict) -> None:
    """The example's state written as it stands, bypassing the API's checks."""
    with sandbox.store.transaction() as tx:
        tx.put(
            {**prefillable(body), "id": where.id, "name": where.name, "type": where.type},
            type=where.type,
            parent=where.parent_id,
            subscription=where.subscription,
        )


def prefill_target(arm: Arm, op: Operation, url: str, target: ArmPath, example: dict) -> None:
    """What the operation reads, changes or deletes, from the example's own 200 body (each listed item for a
    collection); a DELETE example has no body, so a minimal resource stands in."""
    api_version = example["parameters"]["api-version"]
    ok = example["responses"].get("200", {}).get("body")
    if target.is_collection:
        items = [(collection_item_url(url, item), item) for item in (ok or {}).get("value") or []]
    else:
        items = [(url, ok or {"location": PREFILL_LOCATION, "properties": {}})]
    for where, body in items:
        if op.prefill == "store":
            write_state(arm.sandbox, parsed(unquote(where)), body)
            continue
        if is_role_assignment(target):
            add_role_assignment_prerequisites(arm, target, body)
        arm.prefill(where, api_version, body)


def prepare_estate(arm: Arm, op: Operation, url: str, example: dict) -> None:
    """The subscription (default caller as Owner) and resource group, the resources operations.yaml says the
    example takes for granted, the parents of the target still missing, what a role assignment names, and for
    reads, deletes and updates the target itself."""
    target = parsed(unquote(url))
    if target is None:
        return  # a placeholder where an id belongs: nothing to prepare, the request itself will say so
    add_scope(arm, target)
    parameters = example["parameters"]
    for template, body in (op.given or {}).items():
        where = fill_path(template, parameters)
        given = parsed(unquote(where))
        if given is None:
            raise ReplayError(f"given: {template!r} is no resource id")
        add_scope(arm, given)
        arm.prefill(where, parameters["api-version"], body)
    for parent in ancestors(target):
        add_parent(arm.sandbox, parent)
    if op.body and is_role_assignment(target):
        add_role_assignment_prerequisites(arm, target, parameters[op.body])
    if (op.method in ("GET", "DELETE", "PATCH") or op.existing) and not op.read_only:
        prefill_target(arm, op, url, target, example)


# ---------------------------------------------------------------- comparing with the example


@dataclass(frozen=True)
class Difference:
    path: KeyPath
    message: str

    def __str__(self) -> str:
        return f"{show_path(self.path)}: {self.message}"


def brief(value: object, limit: int = 90) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_plain(value: object) -> bool:
    return not isinstance(value, (dict, list))


def compare(expected: object, actual: object, op: Operation, path: KeyPath = ()) -> list[Difference]:
    """How the sandbox's value differs from the example's at path. The module docstring says what agrees; this is
    the one place that decides it."""
    if expected is None:
        return []
    rule = op.relaxation(path)
    if rule is not None and rule.pattern is not None and rule.path == path:
        if isinstance(actual, str) and rule.pattern.fullmatch(actual):
            return []
        return [Difference(path, f"{brief(actual)} does not fit the pattern {rule.match}")]
    if rule is not None and rule.kind == "instance" and rule.pattern is None:
        return []  # the instance's own value: that the key is there was checked one level up
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Difference(path, f"is {brief(actual)}, where the example has an object")]
        found = []
        for key, value in expected.items():
            if value is None:
                continue
            if actual.get(key) is None:
                found.append(Difference((*path, key), "missing"))
            else:
                found += compare(value, actual[key], op, (*path, key))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Difference(path, f"is {brief(actual)}, where the example has a list")]
        if all(map(is_plain, expected)) and all(map(is_plain, actual)):
            return compare_values(expected, actual, path)
        return compare_elements(expected, actual, op, path)
    if json.dumps(expected) == json.dumps(actual):  # true is not 1
        return []
    return [Difference(path, f"is {brief(actual)}, where the example has {brief(expected)}")]


def compare_values(expected: list, actual: list, path: KeyPath) -> list[Difference]:
    """Lists of plain values agree when they hold the same values, in any order."""
    want, have = Counter(map(json.dumps, expected)), Counter(map(json.dumps, actual))
    lacks, extra = sorted((want - have).elements()), sorted((have - want).elements())
    if not lacks and not extra:
        return []
    said = [f"lacks {', '.join(lacks)}"] if lacks else []
    said += [f"also has {', '.join(extra)}"] if extra else []
    return [Difference((*path, "[*]"), "; ".join(said))]


def compare_elements(expected: list, actual: list, op: Operation, path: KeyPath) -> list[Difference]:
    """Lists of objects agree when their elements pair off one to one, in any order, each pair agreeing. The pairs
    are chosen closest first (fewest differences not explained by a relaxation, then fewest in all)."""
    element = (*path, "[]")
    candidates = []
    for i, wanted in enumerate(expected):
        for j, had in enumerate(actual):
            found = compare(wanted, had, op, element)
            unexplained = sum(1 for d in found if not is_explained(op, d))
            candidates.append((unexplained, len(found), i, j, found))
    paired_expected, paired_actual, differences = set(), set(), []
    for _, _, i, j, found in sorted(candidates, key=lambda c: c[:4]):
        if i not in paired_expected and j not in paired_actual:
            paired_expected.add(i)
            paired_actual.add(j)
            differences += found
    membership = (*path, "[*]")
    for i, wanted in enumerate(expected):
        if i not in paired_expected and wanted is not None:
            differences.append(Difference(membership, f"lacks an element like the example's {brief(wanted)}"))
    extra = [had for j, had in enumerate(actual) if j not in paired_actual]
    if extra and path != ("value",):  # a list answer may hold more than the example shows
        differences.append(
            Difference(membership, f"has {len(extra)} element(s) the example does not show: {brief(extra)}")
        )
    return differences


def is_explained(op: Operation, difference: Difference) -> bool:
    rule = op.relaxation(difference.path)
    return rule is not None and rule.kind in ("defect", "gap")


def without_paging(body: object) -> object:
    """A list body without its ``nextLink``: that says more pages follow, and the replay prefills only the items the
    example shows, which fit on one page of the sandbox's."""
    if isinstance(body, dict) and "value" in body:
        return {k: v for k, v in body.items() if k != "nextLink"}
    return body


def key_paths(value: object, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every key path of a JSON value: ('properties',), ('properties', 'subnets'), ('properties', 'subnets', '[]',
    'id'), ... A key whose value is null is left out; a list also yields its membership path (..., '[*]')."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            if child is None:
                continue
            found.append((*prefix, key))
            found += key_paths(child, (*prefix, key))
    elif isinstance(value, list):
        found.append((*prefix, "[*]"))
        for element in value:
            found += key_paths(element, (*prefix, "[]"))
    return found


# ---------------------------------------------------------------- one replay


@dataclass
class Outcome:
    conforms: bool
    detail: str
    stale: list[Relaxation] = field(default_factory=list)  # a defect or gap where the sandbox now agrees


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
    said = f"{op.method} {path} answered {answer.status}"
    if str(answer.status) not in example["responses"]:
        return Outcome(False, f"{said} (the example lists {', '.join(listed)}): {json.dumps(answer.body)[:400]}")
    expected = without_paging(example["responses"][str(answer.status)].get("body"))
    differences = compare(expected, answer.body, op)
    unexplained = [d for d in differences if not is_explained(op, d)]
    explaining = {op.relaxation(d.path) for d in differences if is_explained(op, d)}
    stale = [r for r in op.relax if r.kind != "instance" and r not in explaining]
    if unexplained:
        shown = "; ".join(map(str, unexplained[:DIFFERENCES_SHOWN]))
        more = f"; and {len(unexplained) - DIFFERENCES_SHOWN} more" if len(unexplained) > DIFFERENCES_SHOWN else ""
        return Outcome(False, f"{said}, whose body differs from the example's: {shown}{more}", stale)
    relaxed = f" ({len(differences)} difference(s) explained by relax)" if differences else ""
    return Outcome(True, f"{said} and agrees with the example{relaxed}", stale)


# ---------------------------------------------------------------- the tests


def classify(name: str) -> str:
    op = operations()[name]
    if op.skip:
        return "skipped for a defect"
    if op.refused:
        return "refused as Azure refuses it"
    if op.service and not is_implemented(op.service):
        return "not yet implemented"
    return "replayed"


@pytest.mark.parametrize("name", sorted(operations()), ids=lambda name: name.rsplit("/", 1)[-1])
def test_example(name: str, tmp_path: Path) -> None:
    op = operations()[name]
    if op.skip:
        assert is_quoted(op.skip), (
            f"{name}: the skip reason must quote SOURCES.md's known defects word for word: {op.skip!r}"
        )
    outcome = replay(name, tmp_path)
    kind = classify(name)
    if kind == "refused as Azure refuses it":
        code = op.refused["code"]
        assert op.refused.get("evidence"), f"{name}: a refused example names the evidence that Azure refuses it"
        assert not outcome.conforms and f'"code": "{code}"' in outcome.detail, (
            f"{name}: Azure answers {code} to this request ({op.refused['evidence']}); the sandbox: {outcome.detail}"
        )
        return
    if kind == "replayed":
        assert outcome.conforms, f"{name}: {outcome.detail}"
        assert not outcome.stale, (
            f"{name}: the sandbox now agrees with the example where relax says it differs: remove "
            f"{', '.join(show_path(r.path) for r in outcome.stale)} from its relax entry ({outcome.detail})"
        )
        return
    assert not outcome.conforms, (
        f"{name} conforms although it is marked {kind}: remove its "
        f"{'skip' if op.skip else 'service'} entry from operations.yaml ({outcome.detail})"
    )
    if op.skip:
        pytest.skip(f"known defect (SOURCES.md): {op.skip} [{outcome.detail}]")
    pytest.skip(f"not yet implemented: no Service for {op.service} [{outcome.detail}]")


def test_compare_finds_what_differs() -> None:
    """The comparison itself: what agrees, and each kind of difference it must find (at which key path)."""
    op = Operation(
        "GET",
        "/",
        "Example_Get",
        relax=(
            Relaxation.parse("etag", {"instance": "a new etag on every write"}),
            Relaxation.parse("properties.when", {"instance": "a timestamp", "match": r"\d{4}-\d\d"}),
            Relaxation.parse("properties.count", {"gap": "not computed yet"}),
        ),
    )
    example = {
        "etag": "1",
        "properties": {
            "when": "2020-01",
            "state": "Ready",
            "names": ["a", "b"],
            "gone": None,
            "count": 3,
            "items": [{"n": 1, "on": True}, {"n": 2, "on": False}],
        },
    }
    agreeing = {
        "etag": "2",
        "extra": 1,
        "properties": {
            "when": "2031-12",
            "state": "Ready",
            "names": ["b", "a"],
            "count": 0,
            "items": [{"n": 2, "on": False}, {"n": 1, "on": True}],
        },
    }
    assert [str(d) for d in compare(example, agreeing, op)] == ["properties.count: is 0, where the example has 3"]

    def differs(change) -> list[str]:
        actual = json.loads(json.dumps(agreeing))
        change(actual)
        return [show_path(d.path) for d in compare(example, actual, op) if not is_explained(op, d)]

    assert differs(lambda a: a.pop("etag")) == ["etag"]  # an instance value must still be there
    assert differs(lambda a: a["properties"].update(when="soon")) == ["properties.when"]
    assert differs(lambda a: a["properties"].update(state="Failed")) == ["properties.state"]
    assert differs(lambda a: a["properties"].pop("state")) == ["properties.state"]
    assert differs(lambda a: a["properties"]["names"].append("c")) == ["properties.names[*]"]
    assert differs(lambda a: a["properties"]["names"].pop()) == ["properties.names[*]"]
    assert differs(lambda a: a["properties"]["items"][0].update(on=1)) == ["properties.items[].on"]  # 1 is not true
    assert differs(lambda a: a["properties"]["items"].pop()) == ["properties.items[*]"]
    assert differs(lambda a: a["properties"]["items"].append({"n": 3})) == ["properties.items[*]"]
    listed = {"value": [{"name": "x"}]}
    assert compare(listed, {"value": [{"name": "y"}, {"name": "x"}]}, op) == []  # a list answer may hold more
    assert [show_path(d.path) for d in compare(listed, {"value": [{"name": "y"}]}, op)] == ["value[].name"]


def test_every_example_has_an_operation() -> None:
    require_examples()
    on_disk = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.json")}
    mapped = set(operations())
    assert on_disk - mapped == set(), f"example files with no entry in {OPERATIONS.name}: {sorted(on_disk - mapped)}"
    assert mapped - on_disk == set(), f"{OPERATIONS.name} entries with no example file: {sorted(mapped - on_disk)}"


def test_operations_fit_their_examples() -> None:
    problems = []
    for name, op in operations().items():
        example = load_example(name)
        parameters = example["parameters"]
        placeholders = {f for _, f, _, _ in Formatter().parse(op.path) if f is not None}
        problems += [f"{name}: path parameter {p!r} is not in the example" for p in placeholders - set(parameters)]
        for template in op.given or {}:
            wanted = {f for _, f, _, _ in Formatter().parse(template) if f is not None}
            problems += [f"{name}: given {template!r} uses {p!r}, not in the example" for p in wanted - set(parameters)]
        if op.body and op.body not in parameters:
            problems.append(f"{name}: body parameter {op.body!r} is not in the example")
        if op.method not in ("GET", "PUT", "PATCH", "DELETE"):
            problems.append(f"{name}: method {op.method!r} is not replayed by this test")
        if op.service and not re.fullmatch(r"\w+(\.\w+)+(/\w+)+", op.service):
            problems.append(f"{name}: service {op.service!r} is not a full resource type")
        if op.prefill not in ("api", "store"):
            problems.append(f"{name}: prefill {op.prefill!r} is neither api nor store")
        shown = {p for response in example["responses"].values() for p in key_paths(response.get("body"))}
        for rule in op.relax:
            if rule.path not in shown:
                problems.append(f"{name}: relax {show_path(rule.path)!r} is no key path of the example's responses")
            if rule.kind == "defect":
                problems += [
                    f"{name}: relax {show_path(rule.path)!r} must quote SOURCES.md word for word: {q!r}"
                    for q in rule.reason
                    if not is_quoted(q)
                ]
            if rule.match is not None:
                try:
                    re.compile(expand_macros(rule.match))
                except re.error as error:
                    problems.append(f"{name}: relax {show_path(rule.path)!r}: match is no regular expression: {error}")
    assert problems == []


def test_summary() -> None:
    """One line (and one per skip and per gap) saying how the examples end; run with -s to see it."""
    require_examples()
    kinds = {name: classify(name) for name in operations()}
    counts = Counter(kinds.values())
    gaps: dict[str, list[str]] = {}  # reason -> where ("example: key path")
    for name, op in sorted(operations().items()):
        for rule in op.relax:
            if rule.kind == "gap":
                gaps.setdefault(" ".join(rule.reason.split()), []).append(f"{name}: {show_path(rule.path)}")
    print(
        f"\nARM example conformance: {len(kinds)} examples: {counts['replayed']} replayed, "
        f"{counts['skipped for a defect']} skipped for a defect, {counts['refused as Azure refuses it']} refused as "
        f"Azure refuses it, {counts['not yet implemented']} not yet implemented; "
        f"{len(gaps)} known gap(s) of the sandbox, at {sum(map(len, gaps.values()))} key path(s)"
    )
    for name, kind in sorted(kinds.items()):
        op = operations()[name]
        if kind == "skipped for a defect":
            print(f"  skipped  {name}: {op.skip}")
        elif kind == "not yet implemented":
            print(f"  no service for {op.service}: {name}")
    for reason, where in gaps.items():
        print(f"  gap      {reason}\n           at {'; '.join(where)}")
    assert sum(counts.values()) == len(operations())
