"""A run folder's manifest.json: what ran, where, by whom, how it ended, and the SHA-256 of every other file in the
folder; and the check that nothing in the folder changed since (``verify_folder``).

The manifest carries its own digest (``manifest_sha256``: SHA-256 of its canonical JSON without that field), so an
edit to the manifest itself is found too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from .status import STATUSES

MANIFEST = "manifest.json"
INDEX = "index.jsonl"  # in the runs folder: a line per run (evidence.archive)
FORMAT = "runbook-evidence/1"
REQUIRED = (
    "format",
    "run_id",
    "scenario",
    "mode",
    "target",
    "started",
    "ended",
    "operator",
    "tool",
    "notebook",
    "parameters",
    "packages",
    "journal",
    "validation",
    "status",
    "files",
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_files(folder: Path) -> dict[str, Path]:
    """Every file in the run folder but the manifest, by its path relative to the folder (POSIX)."""
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }


def seal(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write manifest.json with the hash of every other file and its own digest; returns what was written."""
    sealed = {
        "format": FORMAT,
        **manifest,
        "files": {name: sha256_file(path) for name, path in folder_files(folder).items()},
    }
    sealed["manifest_sha256"] = _digest(sealed)
    (folder / MANIFEST).write_text(json.dumps(sealed, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return sealed


def read_manifest(folder: Path) -> dict[str, Any]:
    """The run's manifest; an InputError in one line naming the file when it is not a JSON object (unreadable,
    truncated, edited by hand)."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text: not a manifest this tool wrote; "
            f"`runbook evidence verify {folder}` checks the folder"
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON at line {error.lineno} ({error.msg}); "
            f"`runbook evidence verify {folder}` checks the folder"
        ) from None
    if not isinstance(manifest, dict):
        raise InputError(
            f"{path}: not a JSON object: not a manifest this tool wrote; "
            f"`runbook evidence verify {folder}` checks the folder"
        )
    return manifest


def read_index(runs: Path) -> list[dict[str, Any]]:
    """The runs listed in ``runs``/index.jsonl (none when it does not exist); an InputError naming the file and the
    line that is not a JSON object."""
    path = runs / INDEX
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        why = error.reason if isinstance(error, UnicodeDecodeError) else error.strerror or error
        raise InputError(f"{path}: cannot be read as UTF-8 text ({why})") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{path}: line {number}: not valid JSON ({error.msg}); remove or repair that line "
                "(each run folder keeps its own manifest.json)"
            ) from None
        if not isinstance(row, dict):
            raise InputError(f"{path}: line {number}: not a JSON object; remove or repair that line")
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Problem:
    """One way a run folder differs from its manifest: a file ``changed``, ``missing`` or ``added`` after the run,
    or the manifest itself (``manifest``: edited, unreadable, a field missing)."""

    file: str
    kind: Literal["changed", "missing", "added", "manifest"]
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.detail}"


def verify_folder(folder: Path) -> list[str]:
    """What does not match the manifest, one line per file or field; empty when the folder is as sealed."""
    return [str(problem) for problem in check_folder(folder)]


def check_folder(folder: Path) -> list[Problem]:
    """What does not match the manifest (verify_folder's lines, as data)."""
    try:
        manifest = read_manifest(folder)
    except InputError as error:
        return [Problem(MANIFEST, "manifest", str(error).replace(f"{folder / MANIFEST}: ", "", 1))]
    problems = [Problem(MANIFEST, "manifest", f"missing field '{name}'") for name in REQUIRED if name not in manifest]
    if manifest.get("manifest_sha256") != _digest(manifest):
        problems.append(Problem(MANIFEST, "manifest", "changed since it was sealed (its own digest does not match)"))
    if manifest.get("status") not in STATUSES:
        problems.append(
            Problem(MANIFEST, "manifest", f"status '{manifest.get('status')}' is not one of {', '.join(STATUSES)}")
        )
    if manifest.get("run_id") and not folder.name.endswith(str(manifest["run_id"])):
        problems.append(
            Problem(MANIFEST, "manifest", f"run id {manifest['run_id']} is not this folder's ({folder.name})")
        )
    listed: dict[str, str] = manifest.get("files", {})
    if not isinstance(listed, dict):
        problems.append(Problem(MANIFEST, "manifest", "'files' is not a mapping of file names to SHA-256 hashes"))
        listed = {}
    present = folder_files(folder)
    for name, expected in sorted(listed.items()):
        if name not in present:
            problems.append(Problem(name, "missing", "missing"))
        elif sha256_file(present[name]) != expected:
            problems.append(Problem(name, "changed", "changed (SHA-256 differs from the manifest)"))
    problems += [
        Problem(name, "added", "not in the manifest (added after the run)") for name in present if name not in listed
    ]
    return problems


def describe_problems(problems: list[Problem]) -> str:
    """One line for a folder that does not verify: 'does not verify: 2 files changed: journal.jsonl, x.html; ...'."""
    parts = []
    if any(p.kind == "manifest" for p in problems):
        parts.append(f"{MANIFEST} " + ", ".join(p.detail for p in problems if p.kind == "manifest"))
    for kind, words in (("changed", "changed"), ("missing", "missing"), ("added", "added after the run")):
        names = [p.file for p in problems if p.kind == kind]
        if names:
            parts.append(f"{len(names)} file{'s' if len(names) > 1 else ''} {words}: {', '.join(names)}")
    return "does not verify: " + "; ".join(parts)


def _digest(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
