"""Headless runs archived as evidence: a sealed folder that verifies, names any changed byte, tells the true status
(failed, timed-out, incomplete) whatever papermill's metadata says, holds no secret, and diffs against another run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.ids import parse_id
from runbook_lib.headless import run_notebook
from runbook_lib.sandbox import Sandbox
from tests.cli import runbook
from tests.contoso import DNS_RG, VAULTS

PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
BACKUP = yaml.safe_load((PARAMETERS / "backup.sandbox.yaml").read_text())
ZONE = "privatelink.wus3.backup.windowsazure.com"


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """One Backup run applied on a new contoso estate (it stops, incomplete, at the first manual step)."""
    root = tmp_path_factory.mktemp("applied")
    state = root / "estate.db"
    Sandbox(state).reset(demo="contoso")
    done = run_notebook("backup", BACKUP, mode="apply", options={"state": str(state)}, runs=root / "runs")
    return done, state, root / "runs"


def copy_of(folder: Path, tmp_path: Path) -> Path:
    """The run folder copied, keeping its name (which ends with the run id)."""
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def test_a_run_leaves_a_sealed_folder_that_verifies_and_an_index_line(applied):
    done, _, runs = applied
    assert (done.status, done.exit_code) == ("incomplete", 3) and "first-registration" in done.message
    names = {p.relative_to(done.folder).as_posix() for p in done.folder.rglob("*") if p.is_file()}
    assert names == {
        "backup.ipynb",
        "backup.html",
        "journal.jsonl",
        "manifest.json",
        "snapshots/before.json",
        "snapshots/after.json",
        "snapshots/replaced-records.json",
    }
    manifest = json.loads((done.folder / "manifest.json").read_text())
    assert manifest["operator"] == {"principal": "owner"} and manifest["target"]["kind"] == "sandbox"
    assert manifest["status"] == "incomplete" and manifest["mode"] == "apply"
    assert [c["step"] for c in manifest["journal"] if c["kind"] == "change"][:2] == ["vault", "endpoint"]  # v2
    assert set(manifest["files"]) == names - {"manifest.json"} and manifest["tool"]["version"]
    before = json.loads((done.folder / "snapshots/before.json").read_text())
    after = json.loads((done.folder / "snapshots/after.json").read_text())
    vault = BACKUP["vault"]
    assert before[vault] is None and after[vault]["properties"]["publicNetworkAccess"] == "Disabled"
    assert not any("/roleAssignments/" in rid for rid in after)  # v2: no vault identity, so no roles
    index = [json.loads(line) for line in (runs / "index.jsonl").read_text().splitlines()]
    assert [(i["run_id"], i["status"]) for i in index] == [(manifest["run_id"], "incomplete")]
    verified = runbook("evidence", "verify", str(done.folder))
    assert verified.returncode == 0, verified.stderr


def test_the_pages_banner_lists_the_hashes_the_manifest_seals(applied):
    """ "Verified when rendered": the page names each file beside it with the SHA-256 it had then, and those are
    the manifest's (the page itself is sealed too, so it cannot list its own)."""
    folder = applied[0].folder
    page = (folder / "backup.html").read_text(encoding="utf-8")
    listed = dict(re.findall(r"<tr><td><code>([^<]+)</code></td><td><code>([0-9a-f]{64})</code></td></tr>", page))
    files = json.loads((folder / "manifest.json").read_text())["files"]
    assert listed == {name: digest for name, digest in files.items() if name != "backup.html"}
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert f"Folder verified yes: sealed with this page; the {len(listed)} files beside it" in text


@pytest.mark.parametrize(
    "name",
    ["backup.ipynb", "backup.html", "journal.jsonl", "manifest.json", "snapshots/after.json", "snapshots/before.json"],
)
def test_one_changed_byte_in_any_file_fails_verify_and_names_it(applied, tmp_path, name):
    folder = copy_of(applied[0].folder, tmp_path)
    data = bytearray((folder / name).read_bytes())
    at = data.index(b"e")  # a letter inside the content, so the file stays readable
    data[at] = ord("E")
    (folder / name).write_bytes(bytes(data))
    verified = runbook("evidence", "verify", str(folder))
    assert verified.returncode == 1 and f"{name}: changed" in verified.stderr, verified.stderr
    assert all(f": {name}: " in line for line in verified.stderr.strip().splitlines())  # no other file named


def test_an_added_or_missing_file_is_named(applied, tmp_path):
    folder = copy_of(applied[0].folder, tmp_path)
    (folder / "snapshots" / "replaced-records.json").unlink()
    (folder / "notes.txt").write_text("added later")
    verified = runbook("evidence", "verify", str(folder))
    assert verified.returncode == 1
    assert "snapshots/replaced-records.json: missing" in verified.stderr
    assert "notes.txt: not in the manifest" in verified.stderr


def test_the_html_loads_nothing_from_the_network(applied):
    html = (applied[0].folder / "backup.html").read_text()
    assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]*href=[\"']?https?:", html)
    assert "vault" in html and "Run panel for backup" in html  # the panel's text stands in for the widget


def test_a_failing_run_is_archived_as_failed(tmp_path):
    """The troubleshooting of "Using Azure Migrate with private endpoints" over an endpoint whose records are
    missing: the checks fail, so does the run."""
    from tests.builders import make_endpoint
    from tests.contoso import SPOKE_ENDPOINTS

    state = tmp_path / "estate.db"
    Sandbox(state).reset(demo="contoso")
    clients = get_clients(Target(state=str(state), principal="sandbox-admin"))
    make_endpoint(clients, "rg-network-spoke", "pe-bkp", SPOKE_ENDPOINTS, f"{VAULTS}/rsv-backup-wus3", "AzureBackup")
    params = yaml.safe_load((PARAMETERS / "troubleshoot_private_link.sandbox.yaml").read_text())
    done = run_notebook("troubleshoot_private_link", params, options={"state": str(state)}, runs=tmp_path / "runs")
    assert (done.status, done.exit_code) == ("failed", 1) and "DnsChecksFailed" in done.message
    manifest = json.loads((done.folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and any(c["status"] == "fail" for c in manifest["validation"])


def test_a_timed_out_run_is_archived_as_timed_out_though_papermill_says_completed(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nb.cells = [
        nbformat.v4.new_code_cell(
            "seconds: int = 30  # how long the slow cell takes", metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell("import time\ntime.sleep(seconds)"),
        nbformat.v4.new_code_cell("print('never')"),
    ]
    nbformat.write(nb, notebooks / "slow.ipynb")
    done = run_notebook(
        "slow", {}, options={"state": str(tmp_path / "e.db")}, runs=tmp_path / "runs", notebooks=notebooks, timeout=2
    )
    assert (done.status, done.exit_code) == ("timed-out", 1)
    executed = nbformat.read(done.notebook, as_version=4)
    assert executed.cells[1].metadata.papermill.status == "completed"  # papermill's word for it
    assert json.loads((done.folder / "manifest.json").read_text())["status"] == "timed-out"
    assert runbook("evidence", "verify", str(done.folder)).returncode == 0


def test_planted_secrets_appear_nowhere_in_the_run_folder(tmp_path, monkeypatch):
    """Secrets in the environment, and one a consultant pasted into a parameter: every archived file is clean."""
    client_secret = "Zq" + "1" + "8Q~" + "abcdefghijklmnopqrstuvwxyz0123456789AB"
    sas = "sv=2024-05-04&ss=b&srt=co&sp=rl&se=2026-12-01&sig=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0%3D"
    pasted = "pe-Hunter2-Correct-Horse"  # a password that is also, by mistake, the endpoint's name
    monkeypatch.setenv("AZURE_CLIENT_SECRET", client_secret)
    monkeypatch.setenv("BACKUP_SHARE_URL", f"https://st.blob.core.windows.net/c?{sas}")
    monkeypatch.setenv("AZURE_PASSWORD", pasted)
    done = run_notebook(
        "backup", {**BACKUP, "endpoint_name": pasted}, options={"state": str(tmp_path / "e.db")}, runs=tmp_path / "runs"
    )
    assert done.status == "ok", done.message
    planted = [client_secret, sas, "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0", pasted]
    for path in [p for p in (tmp_path / "runs").rglob("*") if p.is_file()]:
        text = path.read_text(encoding="utf-8")
        assert not [s for s in planted if s in text or json.dumps(s)[1:-1] in text], path
    assert "[redacted]" in (done.folder / "backup.ipynb").read_text()


def test_diff_between_two_runs_shows_exactly_the_change_made_between_them(applied, tmp_path):
    _, state, _ = applied
    first = run_notebook("backup", BACKUP, options={"state": str(state)}, runs=tmp_path / "runs")
    hub = get_clients(Target(state=str(state), principal="owner")).for_subscription(parse_id(DNS_RG).subscription)
    rg = parse_id(DNS_RG).resource_group
    fab = next(r.name for r in hub.privatedns.record_sets.list_by_type(rg, ZONE, "A") if "-fab1" in r.name)
    leftover = fab.replace("-fab1", "-fab9")  # a record of the same vault that no endpoint needs
    hub.privatedns.record_sets.create_or_update(
        rg, ZONE, "A", leftover, {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.1.1.200"}]}}
    )
    second = run_notebook("backup", BACKUP, options={"state": str(state)}, runs=tmp_path / "runs")
    shown = runbook("evidence", "diff", str(first.folder), str(second.folder), "--json")
    assert shown.returncode == 0, shown.stderr
    rows = [
        (r["Kind"], r["Resource"].rsplit("/", 1)[-1], r["Change"], r["A"], r["B"]) for r in json.loads(shown.stdout)
    ]
    assert rows == [
        ("record", leftover, "added", "", "10.1.1.200"),
        ("check", f"record {leftover}.{ZONE}", "added", "", "warn"),
    ]


def test_list_and_show_read_the_runs(applied):
    done, _, runs = applied
    listed = runbook("evidence", "list", "--runs", str(runs), "--scenario", "backup", "--json")
    assert [r["status"] for r in json.loads(listed.stdout)] == ["incomplete"]
    assert (
        json.loads(runbook("evidence", "list", "--runs", str(runs), "--scenario", "migrate_project", "--json").stdout)
        == []
    )
    shown = runbook("evidence", "show", str(done.folder))
    assert shown.returncode == 0 and "incomplete" in shown.stdout and "principal owner" in shown.stdout
    bad = runbook("evidence", "show", str(runs))
    assert bad.returncode == 2 and "not a run folder" in bad.stderr


def test_the_manifest_of_a_headless_run_holds_every_field_the_readme_promises(applied):
    """README, "Evidence": run id, UTC start and end, operator, target, cloud, subscriptions, scenario, mode, tool
    version and git commit, the notebook's source hash, parameters (redacted), package versions, the journal, the
    validation results, the status (and why), the SHA-256 of every other file, its own digest."""
    import hashlib
    from datetime import datetime

    from runbook_lib.evidence.manifest import FORMAT, sha256_file
    from runbook_lib.headless import notebooks_dir
    from runbook_lib.journal import Journal

    done, _, _ = applied
    m = json.loads((done.folder / "manifest.json").read_text())
    assert m["format"] == FORMAT and done.folder.name.endswith(f"Z-sandbox-{m['run_id']}")
    assert (m["scenario"], m["mode"]) == ("backup", "apply")
    started, ended = datetime.fromisoformat(m["started"]), datetime.fromisoformat(m["ended"])
    assert started.utcoffset().total_seconds() == 0 and started <= ended
    assert done.folder.name.startswith(f"{started:%H%M%S}Z-") and done.folder.parent.name == f"{started:%Y-%m-%d}"
    assert m["operator"] == {"principal": "owner"}
    assert m["target"] == {
        "kind": "sandbox",
        "cloud": "public",
        "subscriptions": sorted({BACKUP["vault"].split("/")[2], BACKUP["subnet"].split("/")[2]}),
    }
    assert m["tool"]["name"] == "runbook-lib" and m["tool"]["version"] and "git_commit" in m["tool"]
    source = notebooks_dir() / "backup.ipynb"
    assert m["notebook"] == {
        "file": "backup.ipynb",
        "source": "backup.ipynb",
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
    }
    assert m["parameters"] == BACKUP and {"azure-core", "papermill", "pydantic"} <= set(m["packages"])
    journal = [json.loads(line) for line in (done.folder / "journal.jsonl").read_text().splitlines()]
    assert m["journal"] == journal and len(Journal.read(done.folder / "journal.jsonl")) == len(journal)
    assert m["validation"] == [e for e in journal if e["kind"] == "check"]
    assert (m["status"], m["status_detail"].split(":")[0]) == ("incomplete", "RunIncomplete")
    assert "first-registration: waiting" in m["status_detail"]
    assert m["files"] == {name: sha256_file(done.folder / name) for name in m["files"]}
    body = {k: v for k, v in m.items() if k != "manifest_sha256"}
    assert (
        m["manifest_sha256"]
        == hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    )
    assert "steps" not in m  # a headless run's steps are in its cells; the panel's runs list what ran each


def test_show_verifies_first_and_its_first_line_says_when_the_folder_does_not(applied, tmp_path):
    folder = copy_of(applied[0].folder, tmp_path)
    shown = runbook("evidence", "show", str(folder), "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["verified"] is True
    for name in ("journal.jsonl", "backup.html"):
        with (folder / name).open("a", encoding="utf-8") as out:
            out.write("\n")  # an auditor's editor added a line
    (folder / "notes.txt").write_text("added later")
    shown = runbook("evidence", "show", str(folder))
    assert shown.returncode == 1, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == (
        "does not verify: 2 files changed: backup.html, journal.jsonl; 1 file added after the run: notes.txt"
    )
    assert any(line.startswith("status ") and "incomplete" in line for line in lines[1:])  # the summary follows
    as_json = runbook("evidence", "show", str(folder), "--json")
    got = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and got["verified"] is False and got["status"] == "incomplete"
    assert "journal.jsonl: changed (SHA-256 differs from the manifest)" in got["problems"]


def test_show_of_an_edited_manifest_says_so_first(applied, tmp_path):
    folder = copy_of(applied[0].folder, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "status": "ok"}, indent=2))  # a nicer outcome
    shown = runbook("evidence", "show", str(folder))
    assert shown.returncode == 1
    assert shown.stdout.splitlines()[0] == (
        "does not verify: manifest.json changed since it was sealed (its own digest does not match)"
    )
