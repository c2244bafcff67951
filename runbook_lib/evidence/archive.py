"""A run folder made into evidence: the executed notebook (redacted), its offline HTML, snapshots before and after,
the DNS records the run replaced, and the sealed manifest; then a line in the runs' index.

Layout: runs/{scenario}/{YYYY-MM-DD}/{HHMMSS}Z-{target}-{run id}/ and runs/index.jsonl.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

from ..azure import AzureClients
from ..errors import EvidenceError
from ..journal import CheckResult, Journal
from ..secrets import environment_secrets, find_secrets, redact_notebook, redact_value
from .html import render_html
from .manifest import INDEX, folder_files, seal, sha256_file
from .snapshots import before_from_journal, changed_ids, replaced_records, snapshot
from .status import derive_status

_SUBSCRIPTION = re.compile(r"/subscriptions/([0-9A-Fa-f-]{36})")
PACKAGES = (
    "runbook-lib",
    "azure-identity",
    "azure-core",
    "azure-mgmt-core",
    "azure-mgmt-network",
    "azure-mgmt-privatedns",
    "azure-mgmt-recoveryservices",
    "azure-mgmt-authorization",
    "azure-mgmt-storage",
    "azure-mgmt-resource",
    "papermill",
    "nbclient",
    "nbformat",
    "nbconvert",
    "ipykernel",
    "ipywidgets",
    "pandas",
    "pydantic",
)


@dataclass
class RunRecord:
    """What the runner knows of a run, from its start."""

    scenario: str
    mode: str
    target: str  # sandbox | azure
    cloud: str
    parameters: dict[str, Any]
    source: Path  # the notebook as stored (its hash is recorded)
    runs: Path
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def folder(self) -> Path:
        return (
            self.runs
            / self.scenario
            / f"{self.started:%Y-%m-%d}"
            / f"{self.started:%H%M%S}Z-{self.target}-{self.run_id}"
        )


def archive_run(
    record: RunRecord,
    notebook: Path,
    clients: AzureClients,
    before: dict[str, Any],
    observe: Callable[[], list[str]],
    *,
    timed_out: bool = False,
    status: tuple[str, str] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Seal ``record``'s folder: ``notebook`` (executed, in the folder), the journal the run wrote there
    (journal.jsonl), ``before`` (the snapshot taken before the run); ``observe`` names what the run is about now
    (snapshots.observed_ids). ``status``: (status, why) when the run knows it (an interactive run, from its steps),
    else derived from the notebook's cells; ``fields``: more for the manifest (an interactive run's steps).
    Returns the manifest."""
    folder = record.folder
    journal_path = folder / "journal.jsonl"
    entries = Journal.read(journal_path) if journal_path.exists() else []
    after = snapshot(clients, [*before, *observe(), *changed_ids(entries)])
    _write_json(folder / "snapshots" / "before.json", redact_value({**before, **before_from_journal(entries, before)}))
    _write_json(folder / "snapshots" / "after.json", redact_value(after))
    _write_json(folder / "snapshots" / "replaced-records.json", redact_value(replaced_records(entries)))

    executed = redact_notebook(nbformat.read(notebook, as_version=4))
    state, why = status or derive_status(executed, entries, timed_out)
    nbformat.write(executed, notebook)

    manifest = {
        "run_id": record.run_id,
        "scenario": record.scenario,
        "mode": record.mode,
        "target": {
            "kind": record.target,
            "cloud": record.cloud,
            "subscriptions": _subscriptions(record, entries, clients),
        },
        "started": record.started.isoformat(),
        "ended": datetime.now(UTC).isoformat(),
        "operator": clients.caller(),
        "tool": tool_version(),
        "notebook": {
            "file": notebook.name,
            "source": record.source.name,
            "source_sha256": hashlib.sha256(record.source.read_bytes()).hexdigest(),
        },
        "parameters": redact_value(record.parameters),
        "packages": package_versions(),
        "journal": [asdict(e) for e in entries],
        "validation": [asdict(e) for e in entries if isinstance(e, CheckResult)],
        **(fields or {}),
        "status": state,
        "status_detail": why,
    }
    page = notebook.with_suffix(".html")
    beside = {name: sha256_file(path) for name, path in folder_files(folder).items() if path != page}
    render_html(notebook, page, banner={**redact_value(manifest), "verified": None, "files": beside})
    left = find_secrets(folder, environment_secrets())
    if left:
        raise EvidenceError(
            f"{folder}: a secret survived redaction in {', '.join(sorted({f for f, _ in left}))}; "
            "the folder is not sealed"
        )
    sealed = seal(folder, redact_value(manifest))
    changed = sorted(name for name, digest in beside.items() if sealed["files"].get(name) != digest)
    if changed:  # the page lists these hashes as the sealed ones: it must not say less than what happened
        raise EvidenceError(f"{folder}: {', '.join(changed)} changed while the folder was sealed; run it again")
    _index(record, sealed)
    return sealed


def tool_version() -> dict[str, Any]:
    """This toolkit's version and, when run from a git checkout, its commit (and whether it had local edits)."""
    root = Path(__file__).resolve().parents[2]
    found: dict[str, Any] = {"name": "runbook-lib", "version": metadata.version("runbook-lib"), "git_commit": None}
    try:
        found["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        found["git_dirty"] = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    return found


def package_versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):  # an optional package not installed
            found[name] = metadata.version(name)
    return found


def _subscriptions(record: RunRecord, entries, clients: AzureClients) -> list[str]:
    """The subscriptions the run worked in: the clients', its parameters' and its changes'."""
    text = json.dumps(record.parameters) + json.dumps([getattr(e, "resource_id", "") for e in entries])
    return sorted({clients.subscription_id, *_SUBSCRIPTION.findall(text)})


def _index(record: RunRecord, manifest: dict[str, Any]) -> None:
    line = {
        "run_id": record.run_id,
        "scenario": record.scenario,
        "mode": record.mode,
        "target": record.target,
        "started": manifest["started"],
        "ended": manifest["ended"],
        "status": manifest["status"],
        "folder": record.folder.relative_to(record.runs).as_posix(),
        "operator": next(iter(manifest["operator"].values()), ""),
        **({"undoes": manifest["undoes"]} if manifest.get("undoes") else {}),
    }  # an undo names the run it undid
    with (record.runs / INDEX).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")


index_run = _index  # a run sealed without a notebook (runbook_lib.undo) is indexed the same way


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
