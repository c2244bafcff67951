"""What a run did, in order: every change, every check result and every manual step someone confirmed.

Kept in memory and, given a path, appended to a JSON-lines file as it happens, so an interrupted run's journal
still says what was done. Before and after are what ARM held and holds (a record's IPs, say): a replaced value is
never lost. A secret never is kept: every entry is redacted (runbook_lib.secrets) before it is kept or written.

A write-ahead journal: each write is an ``Intent`` (written and fsynced just before its request goes out), then
its outcome, linked by the intent's id: a ``Change``, or a ``Failure`` with ARM's code. An intent without an
outcome is a write a run was killed or interrupted in; the next run reads the resource and journals what happened
(engine.reconcile): a ``Change`` marked ``reconciled`` ("made by an interrupted run") or ``NotMade``.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from .secrets import redact_value


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_intent_id() -> str:
    return secrets.token_hex(8)


MADE_BY_INTERRUPTED_RUN = "made by an interrupted run"


@dataclass(frozen=True)
class Intent:
    """A write about to be sent: what the plan row said, and the request (method, path and query, body)."""

    resource_id: str  # the plan row's resource
    action: str  # create | update | delete
    before: Any
    after: Any
    request: dict[str, Any] | None = None  # {"method", "url" (path and query), "body"}; None: not known
    step: str | None = None
    id: str = field(default_factory=new_intent_id)
    time: str = field(default_factory=utc_now)
    kind: str = "intent"


@dataclass(frozen=True)
class Change:
    resource_id: str
    action: str  # create | replace | update | delete
    before: Any
    after: Any
    request_id: str | None = None
    step: str | None = None
    time: str = field(default_factory=utc_now)
    kind: str = "change"
    intent: str | None = None  # the Intent it is the outcome of
    reconciled: bool = False  # True: found by a later run, made by an interrupted one (MADE_BY_INTERRUPTED_RUN)
    source: str | None = None  # the step's article and section ("Article › heading")


@dataclass(frozen=True)
class Failure:
    """A write ARM refused (its error code and message): nothing was made by it."""

    intent: str
    resource_id: str
    code: str
    message: str
    step: str | None = None
    time: str = field(default_factory=utc_now)
    kind: str = "failure"


@dataclass(frozen=True)
class NotMade:
    """An interrupted run's write that a later run found not made: the resource absent, or unchanged."""

    intent: str
    resource_id: str
    why: str  # 'absent' | 'unchanged' | 'present' (a delete): what the later run read
    step: str | None = None
    time: str = field(default_factory=utc_now)
    kind: str = "not-made"


class CheckStatus(StrEnum):
    """A check's result, in the journal, the checks tables and the evidence's validation."""

    PASS = "pass"
    WARN = "warn"  # not wrong by itself: a person looks
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    check: str
    resource: str
    status: CheckStatus
    detail: str
    step: str | None = None
    time: str = field(default_factory=utc_now)
    kind: str = "check"


@dataclass(frozen=True)
class Confirmation:
    """A manual step someone said they did, recorded once; ``detail`` says whether Azure can show it done (then an
    'observe' CheckResult records what the run saw) or not ('confirmed; not observable')."""

    step: str
    by: str
    how: str  # 'parameter confirm' (headless) or 'panel button' (interactive)
    detail: str = ""
    time: str = field(default_factory=utc_now)
    kind: str = "confirmation"
    source: str | None = None  # the step's article and section ("Article › heading")


Entry = Intent | Change | Failure | NotMade | CheckResult | Confirmation
_KINDS = {
    "intent": Intent,
    "change": Change,
    "failure": Failure,
    "not-made": NotMade,
    "check": CheckResult,
    "confirmation": Confirmation,
}
_DURABLE = (Intent, Change, Failure, NotMade)  # fsynced: a kill -9 right after must not lose them


def open_intents(entries: Iterable[Entry]) -> list[Intent]:
    """The intents no entry is the outcome of, in order: writes a run was killed or interrupted in."""
    entries = list(entries)
    settled = {getattr(e, "intent", None) for e in entries if not isinstance(e, Intent)}
    return [e for e in entries if isinstance(e, Intent) and e.id not in settled]


class Journal:
    """Append-only. ``step`` (and ``source``, where an entry has one) is stamped on entries recorded while a
    runbook step runs."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.entries: list[Entry] = []
        self.step: str | None = None
        self.source: str | None = None  # the running step's article and section

    @property
    def changes(self) -> list[Change]:
        return [e for e in self.entries if isinstance(e, Change)]

    def confirmation(self, step: str) -> Confirmation | None:
        """The confirmation of manual step ``step`` recorded so far, if any."""
        return next((e for e in self.entries if isinstance(e, Confirmation) and e.step == step), None)

    def record(self, entry: Entry) -> None:
        if self.step and getattr(entry, "step", "") is None:
            entry = type(entry)(**{**asdict(entry), "step": self.step})
        if self.source and getattr(entry, "source", "") is None:
            entry = type(entry)(**{**asdict(entry), "source": self.source})
        fields = asdict(entry)
        if (clean := redact_value(fields)) != fields:
            entry = type(entry)(**clean)
        self.entries.append(entry)
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(entry), sort_keys=True) + "\n")
                if isinstance(entry, _DURABLE):
                    out.flush()
                    os.fsync(out.fileno())

    def open_intents(self) -> list[Intent]:
        """Intents without an outcome: in the file (earlier runs' too) when there is one, else in memory."""
        return open_intents(Journal.read(self.path) if self.path and self.path.is_file() else self.entries)

    @staticmethod
    def write_all(path: str | Path, entries: Iterable[Entry]) -> None:
        """Write ``entries`` as a journal file (JSON lines), replacing it."""
        Path(path).write_text("".join(json.dumps(asdict(e), sort_keys=True) + "\n" for e in entries), encoding="utf-8")

    @staticmethod
    def read(path: str | Path) -> list[Entry]:
        """Every entry of a journal file. A last line cut short (the process was killed while writing it) is left
        out; a bad line anywhere else is an error."""
        lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        items = []
        for number, line in enumerate(lines, start=1):
            try:
                items.append(json.loads(line))
            except ValueError:
                if number < len(lines):
                    raise
        return [_KINDS[item.get("kind", "change")](**item) for item in items]
