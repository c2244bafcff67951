"""What a run changed, in order: one Change per write, kept in memory and appended to a JSON-lines file.

Before and after are what ARM held and holds (e.g. a record's IPs), so a replaced value is never lost.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


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


class Journal:
    """Append-only. With a path, every change is written (and flushed) as it happens: an interrupted run's
    journal still says what was done."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.changes: list[Change] = []

    def record(self, change: Change) -> None:
        self.changes.append(change)
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(change), sort_keys=True) + "\n")

    @staticmethod
    def read(path: str | Path) -> list[Change]:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [Change(**json.loads(line)) for line in lines if line.strip()]
