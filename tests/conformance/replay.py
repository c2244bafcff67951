"""Replaying a recording of real Azure traffic (an Azure CLI test recording, vcrpy's YAML) against the sandbox.

A recording is a list of interactions: the request the CLI sent and Azure's answer. The replay sends each ARM
request, in order, to a fresh sandbox estate (its subscription with the default caller as Owner, the resource groups
the recording's requests name, since the CLI's test framework made them before recording), and compares the answers:

- the status code, exactly;
- the ARM error code (``error.code``, or a top-level ``code`` as the Private DNS provider sometimes answers);
- the key fields the SDK reads, and those the CLI test asserts (``recorded_answers.compare_bodies``); of an
  operation's poll, only its ``status``;
- the headers the SDK reads: ``Azure-AsyncOperation`` and ``Location`` where Azure started an operation (a 202,
  or an answer with ``Azure-AsyncOperation``), ``ETag`` where Azure sent one.

Long-running operations are followed as the recording follows them, at the URLs the *sandbox* gave: a recorded
poll that was still in progress is not sent (how many polls an operation takes is timing, not behaviour), the
recorded final poll is, repeated until the sandbox's operation has ended too, and its outcome is compared. What
the sandbox generates (etags, names of connections) is learnt from its answers and put where the recording used
Azure's in later requests (If-Match, bodies, paths). Requests to other hosts than ARM (Microsoft Graph) are not
replayed: the sandbox is ARM.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from runbook_lib.azure.clients import SANDBOX_HOST
from runbook_lib.sandbox import TENANT_ID, Sandbox, SandboxSettings
from runbook_lib.sandbox.store import Principal
from tests.conformance.recorded_answers import (
    SUBSCRIPTION_IN_ID,
    brief,
    compare_bodies,
    error_code,
    is_generated,
    paired_objects,
    value_at,
)
from tests.test_conformance import Arm, add_subscription_with_owner

RECORDINGS = Path(__file__).resolve().parent / "recordings"
ARM_HOST = "management.azure.com"
SENT_HEADERS = ("If-Match", "If-None-Match")  # request headers that change ARM's answer
TERMINAL = {"succeeded", "failed", "canceled"}
POLL_LIMIT = 5  # polls of a sandbox operation before the replay gives up on it ending
DIRECTORY_KINDS = {"User": "User", "Group": "Group", "ServicePrincipal": "ServicePrincipal"}  # Graph -> ARM
GROUP_IN_PATH = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/?]+)", re.IGNORECASE)
RESOURCE_GROUP_API = "2021-04-01"
RESOURCE_GROUP_LOCATION = "westus"  # the CLI test framework's default


@dataclass(frozen=True)
class Interaction:
    number: int  # 1-based, as a reader counts them in the file
    method: str
    url: str  # path and query, without scheme and host
    host: str
    headers: dict[str, str]  # the SENT_HEADERS the CLI sent
    body: str | None
    status: int
    answer: object  # the JSON body Azure answered, or None
    answer_headers: dict[str, str]  # lower-case names, first value

    @property
    def said(self) -> str:
        return f"#{self.number} {self.method} {urlsplit(self.url).path}"


def first(values: object) -> str:
    return str(values[0]) if isinstance(values, list) and values else str(values)


def load_json(text: object) -> object:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def load_recording(name: str) -> list[Interaction]:
    data = yaml.safe_load((RECORDINGS / name).read_text())
    found = []
    for number, entry in enumerate(data["interactions"], start=1):
        request, response = entry["request"], entry["response"]
        url = urlsplit(request["uri"])
        sent = {h: first(v) for h, v in (request.get("headers") or {}).items() if h in SENT_HEADERS}
        found.append(
            Interaction(
                number,
                request["method"].upper(),
                f"{url.path}?{url.query}" if url.query else url.path,
                (url.hostname or "").lower(),
                sent,
                request.get("body"),
                int(response["status"]["code"]),
                load_json((response.get("body") or {}).get("string")),
                {k.lower(): first(v) for k, v in (response.get("headers") or {}).items()},
            )
        )
    return found


def recorded_path(url: str) -> str:
    """A recorded LRO URL as the replay matches it: path and query, lower case, without host and port."""
    parts = urlsplit(url)
    return (f"{parts.path}?{parts.query}" if parts.query else parts.path).lower()


@dataclass
class Replay:
    """One recording replayed in one fresh estate: what differed, and what was sent."""

    name: str
    fields: tuple[str, ...] = ()  # key paths compared besides KEY_FIELDS
    given: dict[str, dict] = field(default_factory=dict)  # made before recording: "path?api-version=" -> body
    differences: list[str] = field(default_factory=list)
    sent: int = 0
    polls_left_out: int = 0
    not_arm: int = 0
    aliases: dict[str, str] = field(default_factory=dict)  # what Azure generated -> what the sandbox did
    operations: dict[str, str] = field(default_factory=dict)  # recorded LRO URL -> the sandbox's

    def run(self, tmp_path: Path) -> Replay:
        interactions = load_recording(self.name)
        sandbox = Sandbox(tmp_path / "estate.db")
        sandbox.reset(SandboxSettings(lro="realistic", lro_seconds=0.0, retry_after=0))
        arm = Arm(sandbox)
        try:
            prepare(arm, interactions)
            for url, body in self.given.items():
                status, answer, _ = send(arm, "PUT", url, {}, json.dumps(body))
                assert status in (200, 201, 202), f"{self.name}: making {url} answered {status}: {brief(answer)}"
            for interaction in interactions:
                self.replay(arm, interaction)
        finally:
            sandbox.store.close()
        return self

    def replay(self, arm: Arm, recorded: Interaction) -> None:
        if recorded.host != ARM_HOST:
            self.not_arm += 1
            return
        polled = self.operations.get(recorded_path(recorded.url))
        if polled is not None:
            if not is_final(recorded):
                self.polls_left_out += 1
                return
            self.sent += 1
            self.compare(recorded, *poll_until_ended(arm, polled), fields=("status",))
            return
        status, body, headers = send(
            arm,
            recorded.method,
            self.aliased(recorded.url),
            {h: self.aliased(v) for h, v in recorded.headers.items()},
            self.aliased_body(recorded.body),
        )
        self.sent += 1
        self.learn(recorded, body, headers)
        self.compare(recorded, status, body, headers)

    def aliased(self, text: str) -> str:
        for theirs, ours in self.aliases.items():
            text = ours if text == theirs else text.replace(theirs, ours)
        return text

    def aliased_body(self, body: str | None) -> str | None:
        """The recorded request body with the sandbox's etags and names where Azure's were (in its JSON values)."""
        parsed = load_json(body)
        return body or None if parsed is None else json.dumps(self.aliased_json(parsed))

    def aliased_json(self, value: object) -> object:
        if isinstance(value, dict):
            return {k: self.aliased_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.aliased_json(v) for v in value]
        return self.aliased(value) if isinstance(value, str) else value

    def compare(
        self,
        recorded: Interaction,
        status: int,
        body: object,
        headers: dict[str, str],
        fields: tuple[str, ...] | None = None,
    ) -> None:
        """Status, error code, the headers the SDK reads, and the key fields (``fields``: of a poll, only its
        status, which is all the SDK reads of one)."""
        said = recorded.said
        if status != recorded.status:
            self.differences.append(
                f"{said}: status {status}, Azure answered {recorded.status} ({error_code(body) or brief(body)})"
            )
            return
        if error_code(recorded.answer) != error_code(body):
            self.differences.append(
                f"{said}: error code {error_code(body)}, Azure answered {error_code(recorded.answer)}"
            )
        is_lro = recorded.status == 202 or "azure-asyncoperation" in recorded.answer_headers
        for header in ("azure-asyncoperation", "location"):  # a 201's Location without an operation is no LRO
            if is_lro and header in recorded.answer_headers and header not in headers:
                self.differences.append(f"{said}: no {header} header on the {status}, where Azure sent one")
        if "etag" in recorded.answer_headers and "etag" not in headers:
            self.differences.append(f"{said}: no ETag header, where Azure sent one")
        scope = SUBSCRIPTION_IN_ID.match(urlsplit(recorded.url).path)
        subscription = scope.group(0).split("/")[2] if scope else ""
        expected = self.aliased_json(recorded.answer)  # with the names and etags the sandbox generated
        compared = self.fields if fields is None else fields
        self.differences += [
            f"{said}: {d}" for d in compare_bodies(expected, body, compared, subscription, key_fields=fields is None)
        ]

    def learn(self, recorded: Interaction, body: object, headers: dict[str, str]) -> None:
        """The sandbox's own LRO URLs, etags and generated names, for the requests that follow."""
        for header in ("azure-asyncoperation", "location"):
            if header in recorded.answer_headers and header in headers:
                self.operations[recorded_path(recorded.answer_headers[header])] = headers[header]
        if "etag" in recorded.answer_headers and "etag" in headers:
            self.alias(recorded.answer_headers["etag"], headers["etag"])
        for theirs, ours in paired_objects(recorded.answer, body):
            self.alias(theirs.get("etag"), ours.get("etag"))
            for key in ("name", "principalId", "clientId"):  # what the provider generated: a GUID in it
                if is_generated(theirs.get(key), ours.get(key)):
                    self.alias(theirs.get(key), ours.get(key))

    def alias(self, theirs: object, ours: object) -> None:
        if isinstance(theirs, str) and isinstance(ours, str) and theirs and theirs != ours:
            self.aliases[theirs] = ours


def count(interactions: list[Interaction]) -> Counter:
    """How a replay treats each interaction, from the recording alone: replayed (sent, or the final poll of an
    operation), an operation's poll left out (it was still in progress), or not ARM."""
    kinds: Counter = Counter()
    operations: set[str] = set()
    for interaction in interactions:
        if interaction.host != ARM_HOST:
            kinds["not ARM"] += 1
        elif recorded_path(interaction.url) in operations and not is_final(interaction):
            kinds["polls left out"] += 1
        else:
            kinds["replayed"] += 1
        operations |= {
            recorded_path(interaction.answer_headers[h])
            for h in ("azure-asyncoperation", "location")
            if h in interaction.answer_headers
        }
    return kinds


def prepare(arm: Arm, interactions: list[Interaction]) -> None:
    """The subscriptions and resource groups the recording's requests name, as the CLI's test framework made them
    before it recorded; a group Azure said was not there (ResourceGroupNotFound) is left out."""
    missing = {group_of(i.url) for i in interactions if error_code(i.answer) == "ResourceGroupNotFound"}
    groups: dict[str, str] = {}  # the group's path -> its location (Azure's answer to a GET of it, else westus)
    for interaction in interactions:
        found = GROUP_IN_PATH.match(urlsplit(interaction.url).path)
        if interaction.host != ARM_HOST or not found:
            continue
        add_subscription_with_owner(arm.sandbox, found.group(1))
        if group_of(interaction.url) not in missing:
            location = value_at(interaction.answer, "location") if is_group_read(interaction) else None
            groups[found.group(0)] = location or groups.get(found.group(0)) or RESOURCE_GROUP_LOCATION
    for interaction in interactions:
        add_directory_object(arm, interaction)
    for group, location in groups.items():
        status, body, _ = send(
            arm, "PUT", f"{group}?api-version={RESOURCE_GROUP_API}", {}, json.dumps({"location": location})
        )
        assert status in (200, 201), f"creating resource group {group} answered {status}: {brief(body)}"


def is_group_read(interaction: Interaction) -> bool:
    path = urlsplit(interaction.url).path
    return interaction.method == "GET" and GROUP_IN_PATH.fullmatch(path) is not None


def add_directory_object(arm: Arm, interaction: Interaction) -> None:
    """A user, group or service principal the CLI made through Microsoft Graph (not replayed: the sandbox is ARM),
    put into the sandbox's tenant, so that a role assignment naming it finds it as ARM would."""
    body = interaction.answer
    if interaction.host == ARM_HOST or not isinstance(body, dict) or interaction.status not in (200, 201):
        return
    object_id, kind = body.get("objectId") or body.get("id"), body.get("objectType")
    if not object_id or kind not in DIRECTORY_KINDS:
        return
    name = body.get("userPrincipalName") or body.get("displayName") or object_id
    with arm.sandbox.store.transaction() as tx:
        tx.add_principal(Principal(object_id, name, DIRECTORY_KINDS[kind], TENANT_ID))


def group_of(url: str) -> str | None:
    found = GROUP_IN_PATH.match(urlsplit(url).path)
    return found.group(2).lower() if found else None


def is_final(recorded: Interaction) -> bool:
    """A recorded poll that saw the operation end: its status is terminal, or a Location poll no longer 202."""
    status = value_at(recorded.answer, "status")
    if isinstance(status, str):
        return status.lower() in TERMINAL
    return recorded.status != 202


def poll_until_ended(arm: Arm, url: str) -> tuple[int, object, dict[str, str]]:
    for _ in range(POLL_LIMIT):
        status, body, headers = send(arm, "GET", url, {}, None)
        state = value_at(body, "status")
        if status != 202 and not (isinstance(state, str) and state.lower() not in TERMINAL):
            break
    return status, body, headers


def send(
    arm: Arm, method: str, url: str, headers: dict[str, str], body: str | None
) -> tuple[int, object, dict[str, str]]:
    parts = urlsplit(url)
    target = f"https://{SANDBOX_HOST}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    response = arm.session.request(
        method,
        target,
        data=body.encode() if body else None,
        headers={"Authorization": "Bearer sandbox", "Content-Type": "application/json", **headers},
    )
    answer = load_json(response.text) if response.content else None
    return response.status_code, answer, {k.lower(): v for k, v in response.headers.items()}
