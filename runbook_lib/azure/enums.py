"""An SDK enum as text. The SDK's models give a field as one of its enums (azure-core's CaseInsensitiveEnumMeta,
a str subclass whose value is what ARM sent) or, for a value the SDK's version does not know, as the plain string;
either way the toolkit compares and shows ARM's text."""

from __future__ import annotations

from enum import Enum
from typing import Any


def text_of(value: Any, default: str = "") -> str:
    """ARM's text of an SDK enum or a string ('Succeeded'); ``default`` when there is none (None or empty)."""
    if isinstance(value, Enum):
        value = value.value
    return str(value) if value not in (None, "") else default
