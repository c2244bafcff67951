"""What a run did, in order: every change, every check result and every manual step someone confirmed.

Kept in memory and, given a path, appended to a JSON-lines file as it happens, so an interrupted run's journal
still says what was done. Before and after are what ARM held and holds (a record's IPs, say): a replaced value is
never lost. A secret never is kept: every entry is redacted (runbook_lib.secrets) before it is kept or written.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

from .secrets import redact_value


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


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


@dataclass(frozen=True)
class CheckResult:
    check: str
    resource: str
    status: str  # pass | fail | warn
    detail: str
    step: str | None = None
    time: str = field(default_factory=utc_now)
    kind: str = "check"


@dataclass(frozen=True)
class Confirmation:
    """A manual step someone said they did."""

    step: str
    by: str
    how: str  # 'parameter confirm' (headless) or 'button' (interactive)
    time: str = field(default_factory=utc_now)
    kind: str = "confirmation"


Entry = Union[Change, CheckResult, Confirmation]
_KINDS = {"change": Change, "check": CheckResult, "confirmation": Confirmation}


class Journal:
    """Append-only. ``step`` is stamped on entries recorded while a runbook step runs."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.entries: list[Entry] = []
        self.step: str | None = None

    @property
    def changes(self) -> list[Change]:
        return [e for e in self.entries if isinstance(e, Change)]

    def record(self, entry: Entry) -> None:
        if self.step and getattr(entry, "step", "") is None:
            entry = type(entry)(**{**asdict(entry), "step": self.step})
        fields = asdict(entry)
        if (clean := redact_value(fields)) != fields:
            entry = type(entry)(**clean)
        self.entries.append(entry)
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(entry), sort_keys=True) + "\n")

    @staticmethod
    def write_all(path: str | Path, entries: list[Entry]) -> None:
        """Write ``entries`` as a journal file (JSON lines), replacing it."""
        Path(path).write_text("".join(json.dumps(asdict(e), sort_keys=True) + "\n" for e in entries),
                              encoding="utf-8")

    @staticmethod
    def read(path: str | Path) -> list[Entry]:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        items = [json.loads(line) for line in lines if line.strip()]
        return [_KINDS[item.get("kind", "change")](**item) for item in items]
