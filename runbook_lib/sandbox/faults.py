"""Fault injection for resilience tests: answer some requests with 429, 500 or 503, or fail an LRO.

Rules live in the estate's settings, so a fault set by a test applies to every process sharing the estate.
Whether a matching request is hit is decided by a pseudo-random draw from the rule's ``stream`` and its own request
counter, so a run is repeatable.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass
from typing import Literal

from .store import Transaction

Answer = Literal[429, 500, 503, "lro-failed"]
_MESSAGES = {
    429: ("TooManyRequests", "The request is being throttled (fault injected by the sandbox)."),
    500: ("InternalServerError", "The server encountered an internal error (fault injected by the sandbox)."),
    503: ("ServiceUnavailable", "The service is unavailable (fault injected by the sandbox)."),
}


@dataclass
class FaultRule:
    answer: Answer
    share: float = 1.0  # fraction of matching requests that get the fault
    method: str | None = None  # e.g. "PUT"; None matches every method
    path: str | None = None  # regular expression searched in the request path, case-insensitive
    times: int | None = None  # stop after this many faults; None: no limit
    retry_after: int = 0  # Retry-After seconds on 429/503
    stream: int = 0  # which pseudo-random draws decide the share: the same stream hits the same requests
    seen: int = 0  # matching requests so far
    hits: int = 0  # faults injected so far

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not self.path or re.search(self.path, path, re.IGNORECASE) is not None


def add_fault(tx: Transaction, rule: FaultRule) -> None:
    tx.set_setting("faults", [*tx.setting("faults", []), asdict(rule)])


def clear_faults(tx: Transaction) -> None:
    tx.set_setting("faults", [])


def draw_fault(tx: Transaction, method: str, path: str) -> FaultRule | None:
    """The rule that hits this request, if any (counters are updated in the estate)."""
    rules = [FaultRule(**r) for r in tx.setting("faults", [])]
    hit = None
    for rule in rules:
        if hit or not rule.matches(method, path) or (rule.times is not None and rule.hits >= rule.times):
            continue
        rule.seen += 1
        if random.Random(f"{rule.stream}:{rule.seen}").random() < rule.share:
            rule.hits += 1
            hit = rule
    if rules:
        tx.set_setting("faults", [asdict(r) for r in rules])
    return hit


def fault_error(rule: FaultRule) -> tuple[int, str, str, dict[str, str]]:
    """Status, ARM code, message and headers for an HTTP fault."""
    code, message = _MESSAGES[int(rule.answer)]
    headers = {"Retry-After": str(rule.retry_after)} if rule.answer in (429, 503) else {}
    return int(rule.answer), code, message, headers
