"""ops/ owns every SDK call: the scenarios and their steps get SDK clients but never reach into them, and the writes
their plan rows carry are built by ops functions (each returns a Write)."""

from __future__ import annotations

import re
from pathlib import Path

import runbook_lib

SCENARIOS = Path(runbook_lib.__file__).parent / "scenarios"
# a subscription's SDK clients, or a write built by hand
SDK_USE = re.compile(r"\.for_subscription\(|\bdeferred\(|\bcall_with_request_id\(")


def test_no_scenario_module_calls_the_sdk_itself():
    found = [
        f"{path.relative_to(SCENARIOS)}:{number}: {line.strip()}"
        for path in sorted(SCENARIOS.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SDK_USE.search(line)
    ]
    assert found == []
