"""The `runbook` command run as a consultant runs it: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys


def runbook(*args: str, cwd=None, env=None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runbook_lib.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """The command failed with one line on stderr holding every word; that line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), result.stderr
    return lines[0]
