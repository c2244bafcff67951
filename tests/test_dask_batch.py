"""`runbook batch --scheduler ADDRESS`: a batch's runs on a Dask cluster of worker processes (a LocalCluster on
loopback, started once for the module), landed under --output as verified run folders, each indexed once, with the
same table and exit codes as a local batch; a bad file, a wrong address and a missing Dask each say so in one line.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from subprocess import PIPE

import pytest

from runbook_lib.errors import EvidenceError
from runbook_lib.evidence.manifest import INDEX, MANIFEST, folder_files, read_index
from tests.cli import runbook

distributed = pytest.importorskip("distributed", reason="needs Dask: pip install 'runbook-lib[dask]'")

PARAMETERS = Path(__file__).resolve().parents[1] / "parameters"
QUIET = {"dashboard": False, "dashboard_address": ":0"}  # the scheduler's HTTP server on any free port, not 8787


@pytest.fixture(scope="module")
def scheduler() -> str:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs=QUIET,
    ) as cluster:
        yield cluster.scheduler_address


def bad_files(folder: Path) -> list[str]:
    """A typo in a parameter name, a file that is not there, a file named for no notebook: as named from ``folder``."""
    typo = folder / "backup.typo.yaml"
    typo.write_text((PARAMETERS / "backup.sandbox.yaml").read_text() + "vualt: x\n")
    (folder / "contoso.yaml").write_text("vault: x\n")
    return [typo.name, "backup.missing.yaml", "contoso.yaml"]


def start(*args: str, cwd: Path) -> subprocess.Popen:
    """`runbook ARGS` started as a consultant starts it (tests.cli.runbook, not waited for)."""
    return subprocess.Popen(
        [sys.executable, "-m", "runbook_lib.cli", *args], cwd=cwd, stdout=PIPE, stderr=PIPE, text=True
    )


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def batches(scheduler, tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """At once, to keep the module under a minute: a batch of two plan runs on the demo estate and three files
    refused before anything is sent; a batch of one run with --shared-output; the three bad files alone on the
    cluster; and, to compare, a local batch of the Backup run and the three bad files."""
    folders = {name: tmp_path_factory.mktemp(name) for name in ("main", "shared", "local", "remote_bad")}
    other = folders["main"] / "migrate_project.contoso.yaml"
    other.write_text((PARAMETERS / "migrate_project.sandbox.yaml").read_text())
    backup = str(PARAMETERS / "backup.sandbox.yaml")
    on_cluster = ("--scheduler", scheduler, "--state", "e.db", "--json")
    started = {
        "main": start("batch", backup, str(other), *bad_files(folders["main"]), *on_cluster, cwd=folders["main"]),
        "shared": start("batch", backup, *on_cluster, "--shared-output", "--output", "shared", cwd=folders["shared"]),
        "local": start(
            "batch", backup, *bad_files(folders["local"]), "--state", "e.db", "--json", cwd=folders["local"]
        ),
        "remote_bad": start("batch", *bad_files(folders["remote_bad"]), *on_cluster, cwd=folders["remote_bad"]),
    }
    return {name: (folders[name], finish(process)) for name, process in started.items()}


def test_the_runs_land_under_output_verified_and_indexed_once(batches):
    folder, done = batches["main"]
    assert done.returncode == 1, done.stderr  # as a local batch: a file that did not go through fails the batch
    assert "runbook: 3 of 5 runs did not go through" in done.stderr
    rows = {Path(r["File"]).name: r for r in json.loads(done.stdout)}
    ran = ("backup.sandbox.yaml", "migrate_project.contoso.yaml")
    assert [(rows[n]["Status"], rows[n]["Exit"]) for n in ran] == [("ok", 0)] * 2, done.stdout
    runs = folder / "runs"
    landed = [Path(rows[n]["Notebook"]) for n in ran]
    assert all(not n.is_absolute() and (folder / n).is_file() for n in landed)  # under --output, as given
    for notebook in landed:
        verified = runbook("evidence", "verify", str(notebook.parent), cwd=folder)
        assert verified.returncode == 0 and "every file matches its manifest" in verified.stdout, verified.stderr
    index = read_index(runs)
    # each run once, and nothing of the workers' temporary runs folders
    assert sorted(line["folder"] for line in index) == sorted(n.parent.relative_to("runs").as_posix() for n in landed)
    for line in index:
        manifest = json.loads((runs / line["folder"] / MANIFEST).read_text())
        assert [line[k] for k in ("run_id", "status", "scenario")] == [
            manifest[k] for k in ("run_id", "status", "scenario")
        ]
    assert sorted(p.name for p in runs.iterdir()) == ["backup", INDEX, "migrate_project"]
    kept = [p for line in index for p in Path(tempfile.gettempdir()).glob(f"runbook-runs-*/*/*/*-{line['run_id']}")]
    assert kept == []  # landed: the workers' copies are gone


def test_a_bad_file_is_its_rows_one_line_and_nothing_is_sent_as_in_a_local_batch(batches):
    rows = {Path(r["File"]).name: r for r in json.loads(batches["main"][1].stdout)}
    assert "vualt: unknown parameter" in rows["backup.typo.yaml"]["Message"]
    assert "cannot read it" in rows["backup.missing.yaml"]["Message"]
    assert "name the file after its notebook" in rows["contoso.yaml"]["Message"]
    (remote_folder, remote), (_, local) = batches["remote_bad"], batches["local"]
    assert json.loads(remote.stdout) == json.loads(local.stdout)[1:]
    assert remote.returncode == local.returncode == 1
    assert {(r["Status"], r["Exit"]) for r in json.loads(remote.stdout)} == {("error", 2)}
    assert remote.stderr.splitlines()[-1] == "runbook: 3 of 3 runs did not go through"
    assert local.stderr.splitlines()[-1] == "runbook: 3 of 4 runs did not go through"
    assert not (remote_folder / "runs").exists()


def test_a_runs_evidence_is_the_same_on_a_worker_as_here(batches):
    """The same Backup plan on the same demo estate, run by a worker and by a local batch."""
    manifests = []
    for name in ("main", "local"):
        folder, done = batches[name]
        (row,) = [r for r in json.loads(done.stdout) if r["File"].endswith("backup.sandbox.yaml")]
        manifests.append(json.loads((folder / row["Notebook"]).with_name(MANIFEST).read_text()))
    remote, local = manifests
    assert remote.keys() == local.keys() and remote["files"].keys() == local["files"].keys()
    same = ("scenario", "mode", "target", "operator", "notebook", "parameters", "status", "status_detail")
    assert [remote[k] for k in same] == [local[k] for k in same]
    assert [e["kind"] for e in remote["journal"]] == [e["kind"] for e in local["journal"]]
    assert [(v["check"], v["status"]) for v in remote["validation"]] == [
        (v["check"], v["status"]) for v in local["validation"]
    ]


def test_a_folder_changed_on_the_way_is_not_landed_nor_indexed(batches, tmp_path):
    from runbook_lib.dask_batch.batch import land
    from runbook_lib.dask_batch.worker import Outcome

    runs = batches["main"][0] / "runs"
    line = read_index(runs)[0]
    sent = runs / line["folder"]
    files = {name: path.read_bytes() for name, path in folder_files(sent).items()}
    files[MANIFEST] = (sent / MANIFEST).read_bytes()
    outcome = Outcome("ok", 0, "", line["folder"], "", "tcp://127.0.0.1:1", files, json.dumps(line))
    assert land(outcome, tmp_path / "a") == tmp_path / "a" / line["folder"]  # as sent: lands
    assert read_index(tmp_path / "a") == [line]
    bent = {**files, "snapshots/after.json": files["snapshots/after.json"].replace(b"{", b"{ ", 1)}
    with pytest.raises(EvidenceError, match=r"does not verify: 1 file changed: snapshots/after.json"):
        land(replace(outcome, files=bent), tmp_path / "b")
    assert not (tmp_path / "b" / INDEX).exists()


def test_shared_output_is_written_by_the_workers_directly(batches):
    """Sent at the same time as the main batch, with the same Backup file: a run of its own, written where it said."""
    folder, done = batches["shared"]
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    notebook = Path(row["Notebook"])  # under --output as given, as a local batch names it
    assert row["Status"] == "ok" and notebook.is_relative_to("shared") and (folder / notebook).is_file()
    assert runbook("evidence", "verify", str(notebook.parent), cwd=folder).returncode == 0
    # the worker's own archive indexed it: once
    assert [line["folder"] for line in read_index(folder / "shared")] == [
        notebook.parent.relative_to("shared").as_posix()
    ]
    assert notebook.parent.name not in {Path(line["folder"]).name for line in read_index(batches["main"][0] / "runs")}


@pytest.fixture
def refused(capsys, monkeypatch, tmp_path):
    """`runbook ARGS` run in this process from an empty folder: it exits 2 with one line; that line."""
    from runbook_lib.cli import main

    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> str:
        code = main(list(args))
        lines = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(lines) == 1, lines
        assert not (tmp_path / "runs").exists()  # nothing sent, nothing written
        return lines[0]

    return run


def test_shared_output_needs_a_scheduler(refused):
    assert "--shared-output: only with --scheduler" in refused("batch", "backup.x.yaml", "--shared-output")


def test_the_azure_target_needs_its_subscription_before_anything_is_sent(scheduler, refused):
    line = refused("batch", "backup.x.yaml", "--target", "azure", "--scheduler", scheduler)
    assert "subscription" in line and "--subscription" in line


def test_no_scheduler_at_the_address_is_one_line(refused):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = refused("batch", str(PARAMETERS / "backup.sandbox.yaml"), "--scheduler", f"tcp://127.0.0.1:{port}")
    assert f"--scheduler: no Dask scheduler answers at tcp://127.0.0.1:{port}" in line and "dask scheduler" in line
    assert "is not a scheduler address" in refused("batch", "backup.x.yaml", "--scheduler", "scheduler")


@pytest.mark.parametrize("listening", [False, True], ids=["refused", "silent"])
def test_a_scheduler_that_does_not_answer_is_given_up_within_the_connect_timeout(listening):
    """Nothing on the port, or a listener that never speaks (Dask's own client would wait on it for good)."""
    from runbook_lib.dask_batch.scheduler import connect
    from runbook_lib.errors import SchedulerUnreachable

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        if listening:
            server.listen(1)
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(SchedulerUnreachable, match="no Dask scheduler answers"):
            connect(address, timeout=1)
        assert time.monotonic() - started < 3


def test_without_dask_the_option_says_what_to_install(refused, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it raises ImportError
    assert "pip install 'runbook-lib[dask]'" in refused("batch", "backup.x.yaml", "--scheduler", "tcp://127.0.0.1:8786")
