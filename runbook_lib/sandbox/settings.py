"""Sandbox behaviour settings kept in the estate, so every process sharing it behaves the same."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

LroMode = Literal["immediate", "realistic"]


@dataclass(frozen=True)
class SandboxSettings:
    lro: LroMode = "immediate"
    lro_seconds: float = 0.0  # simulated duration of a long-running operation in realistic mode
    retry_after: int = (
        1  # Retry-After (seconds) on asynchronous answers and polls (0 makes the SDK use its own interval)
    )
    page_size: int = 100  # ARM pages collections at 100 items
    principal_delay: float = 0.0  # seconds before a new principal is visible to role assignments

    @classmethod
    def from_dict(cls, data: dict | None) -> SandboxSettings:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict:
        return asdict(self)
