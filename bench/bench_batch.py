"""Benchmark of a batch: 20 Backup runs at ``--jobs 8`` against the same runs one after the other.

Run from the project root:

    .venv/bin/python bench/bench_batch.py [--runs 20] [--jobs 8] [--lro-seconds 5] [--sequential N]

What is measured, and how to read it:

- The estate: the contoso demo estate (``runbook sandbox reset --demo contoso``), then per run a subnet of its own in
  the spoke VNet (10.1.{16+n}.0/26) and a resource group of its own in the hub for its vault; every run links the
  spoke to the hub's same three private DNS zones (shared: runs meet on them). The long-running operations are then
  made realistic, ``--lro-seconds`` each (``Sandbox.configure(lro="realistic", ...)``: what ``runbook sandbox reset
  --lro realistic --lro-seconds 5`` sets).
- The parameter files: ``backup.bench-{n}.yaml``, each a new vault ``rsv-bench-{n}`` in ``rg-bench-{n}`` with its
  endpoint ``pe-bench-{n}`` in its subnet.
- In parallel: ``runbook batch --jobs J --mode apply`` on all of them (one process: a pool of J started kernels,
  forked from a template process that imported the notebook's modules once, each serving one run and replaced in
  the background). While it runs, the memory of the batch process, the template and each kernel is sampled from
  /proc every 0.2 s: RSS, and PSS (a page a kernel shares with its template counts in part). The figure per run is a
  kernel's peak PSS (median over kernels) plus the batch process's and the template's peak RSS over the runs.
- One after the other: ``runbook run backup -f FILE --mode apply`` per file on a fresh estate made the same way;
  with ``--sequential N`` smaller than the number of runs, only the first N run and the whole is estimated (printed
  as an estimate): the first run's time (it makes the shared zones and links) plus the others' mean for each of the
  remaining runs.
- The ratio: one after the other over in parallel (issue 19's target: at least 6). Failures: a run whose status is
  neither ``incomplete`` (a clean apply stops at the first registration, a manual step) nor ``ok`` (must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_RATIO = 6.0
GOOD = {"incomplete", "ok"}  # a clean apply stops at the first registration (a manual step): incomplete
PAGE = os.sysconf("SC_PAGE_SIZE")


def prepare(folder: Path, runs: int, lro_seconds: float) -> tuple[Path, list[Path]]:
    """A fresh contoso estate with a subnet and a resource group per run; the parameter files."""
    from runbook_lib.azure import Target, get_clients
    from runbook_lib.sandbox import Sandbox
    from tests.contoso import DNS_RG, HUB

    state = folder / "estate.db"
    subprocess.run(
        [BIN / "runbook", "sandbox", "reset", "--demo", "contoso", "--state", state], check=True, capture_output=True
    )
    clients = get_clients(Target(state=str(state)))
    hub = clients.for_subscription(HUB)
    files = []
    for n in range(1, runs + 1):
        subnet = clients.network.subnets.begin_create_or_update(
            "rg-network-spoke",
            "vnet-spoke",
            f"snet-bench-{n}",
            {"properties": {"addressPrefix": f"10.1.{15 + n}.0/26"}},
        ).result()
        hub.resources.resource_groups.create_or_update(f"rg-bench-{n}", {"location": "westus3"})
        vault = f"/subscriptions/{HUB}/resourceGroups/rg-bench-{n}/providers/Microsoft.RecoveryServices/vaults/rsv-bench-{n}"
        path = folder / f"backup.bench-{n}.yaml"
        parameters = {
            "vault": vault,
            "location": "westus3",
            "subnet": subnet.id,
            "endpoint_name": f"pe-bench-{n}",
            "zones_resource_group": DNS_RG,
        }
        path.write_text(json.dumps(parameters, indent=1) + "\n", encoding="utf-8")  # JSON is YAML
        files.append(path)
    Sandbox(state).configure(lro="realistic", lro_seconds=lro_seconds)
    return state, files


class MemorySampler:
    """The peak RSS (bytes) of a process and of each of its descendants, sampled every ``every`` seconds."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every = pid, every
        self.peaks: dict[int, int] = {}
        self.proportional: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.parents: dict[int, int] = {}
        self.children: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            found = _descendants(self.pid)
            self.parents.update(found)
            self.children.update(child for child, parent in found.items() if parent == self.pid)
            for pid in [self.pid, *found]:
                rss = _rss(pid)
                if rss:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), rss)
                    self.proportional[pid] = max(self.proportional.get(pid, 0), _pss(pid))
                    self.names.setdefault(pid, _command(pid))
            time.sleep(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _templates(self) -> set[int]:
        """The kernels' template process (runbook_lib.forked_kernels): a child of the batch process."""
        return {
            pid for pid, name in self.names.items() if "IPKernelApp.launch_instance" in name and pid in self.children
        }

    def kernels(self, peaks: dict[int, int]) -> list[int]:
        """Each kernel's peak: started as one (ipykernel_launcher) or forked from the template."""
        templates = self._templates()
        return [
            peak
            for pid, peak in peaks.items()
            if "ipykernel_launcher" in self.names.get(pid, "") or self.parents.get(pid) in templates
        ]

    def template(self, peaks: dict[int, int]) -> int:
        return sum(peaks.get(pid, 0) for pid in self._templates())


def _descendants(pid: int) -> dict[int, int]:
    """Every process under ``pid``, with its parent."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child in children.get(parent, []):
            found[child] = parent
            todo.append(child)
    return found


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size: a page shared by N processes (a forked kernel's, with its template) counts 1/N."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def in_parallel(folder: Path, runs: int, jobs: int, lro_seconds: float) -> dict:
    work = folder / "parallel"
    work.mkdir()
    state, files = prepare(work, runs, lro_seconds)
    command = [BIN / "runbook", "batch", "--jobs", str(jobs), "--mode", "apply", "--state", state, "--json"]
    command += ["--output", work / "runs", *files]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(process.pid)
    out, err = process.communicate()
    took = time.perf_counter() - started
    sampler.stop()
    try:
        rows = json.loads(out)
    except ValueError:
        raise SystemExit(f"the batch printed no table (exit {process.returncode}):\n{err[-3000:]}") from None
    kernels, shared = sampler.kernels(sampler.peaks), sampler.kernels(sampler.proportional)
    return {
        "seconds": took,
        "statuses": Counter(row["Status"] for row in rows),
        "failed": [f"{row['File']}: {row['Status']}: {row['Message']}" for row in rows if row["Status"] not in GOOD],
        "kernel_mib": statistics.median(kernels) / 2**20 if kernels else 0.0,
        "kernel_pss_mib": statistics.median(shared) / 2**20 if shared else 0.0,
        "template_mib": sampler.template(sampler.peaks) / 2**20,
        "kernels": len(kernels),
        "parent_mib": sampler.peaks.get(process.pid, 0) / 2**20,
    }


def one_after_the_other(folder: Path, runs: int, sample: int, lro_seconds: float) -> dict:
    work = folder / "sequential"
    work.mkdir()
    state, files = prepare(work, runs, lro_seconds)
    times, statuses = [], Counter()
    for path in files[:sample]:
        command = [BIN / "runbook", "run", "backup", "-f", path, "--mode", "apply", "--state", state]
        started = time.perf_counter()
        done = subprocess.run([*command, "--output", work / "runs"], cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        statuses[_status(done.stderr)] += 1
        print(f"  {path.name}: {times[-1]:6.2f} s, {_status(done.stderr)}", flush=True)
    # the first run makes the shared zones and links (the others find them): it counts once, the others' mean for the rest
    whole = sum(times) if sample >= runs else times[0] + statistics.mean(times[1:] or times) * (runs - 1)
    return {"seconds": whole, "sample": len(times), "statuses": statuses}


def _status(stderr: str) -> str:
    """The status `runbook run` prints on stderr ("status: incomplete: ...")."""
    lines = [line for line in stderr.splitlines() if line.startswith("status: ")]
    return lines[-1].removeprefix("status: ").split(":")[0] if lines else "error"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--lro-seconds", type=float, default=5.0)
    parser.add_argument("--sequential", type=int, default=3, metavar="N", help="runs timed one after the other")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # tests.contoso: the demo estate's ids
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    folder = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        print(
            f"in parallel: runbook batch --jobs {args.jobs} --mode apply, {args.runs} files, LROs of {args.lro_seconds} s"
        )
        parallel = in_parallel(folder, args.runs, args.jobs, args.lro_seconds)
        print(f"  {parallel['seconds']:.1f} s; statuses {dict(parallel['statuses'])}")
        sample = min(args.sequential, args.runs)
        print(f"one after the other: runbook run, {sample} of {args.runs} files")
        sequential = one_after_the_other(folder, args.runs, sample, args.lro_seconds)
        estimated = "" if sample >= args.runs else f" (estimated from {sample} runs)"
        ratio = sequential["seconds"] / parallel["seconds"]
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(f"\n{'':<36} {'seconds':>8}")
        print(f"{'one after the other' + estimated:<36} {sequential['seconds']:8.1f}")
        print(f"{f'runbook batch --jobs {args.jobs}':<36} {parallel['seconds']:8.1f}")
        print(f"ratio {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})")
        print(f"failures: {len(parallel['failed'])}" + "".join(f"\n  {line}" for line in parallel["failed"]))
        per_run = parallel["kernel_pss_mib"] + (parallel["parent_mib"] + parallel["template_mib"]) / args.runs
        print(
            f"memory per run: {per_run:.0f} MiB: a kernel's peak {parallel['kernel_pss_mib']:.0f} MiB proportional "
            f"(PSS: the pages it shares with its template count in part; RSS {parallel['kernel_mib']:.0f} MiB, "
            f"median of {parallel['kernels']} kernels), plus the batch process ({parallel['parent_mib']:.0f} MiB) "
            f"and the kernels' template ({parallel['template_mib']:.0f} MiB) over {args.runs} runs"
        )
        print(f"load average {os.getloadavg()[0]:.2f} at end")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
