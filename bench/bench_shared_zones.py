"""Benchmark: a batch of Backup runs that share the hub's private DNS zones and links, applied at the same time.

Run from the project root:

    .venv/bin/python bench/bench_shared_zones.py [--runs 8] [--jobs 8] [--lro-seconds 2]

In a temp directory: a contoso estate with realistic long-running operations (`runbook sandbox reset --demo contoso
--lro realistic --lro-seconds 2`), one /26 subnet per run added to the spoke VNet (each Backup endpoint needs 11
addresses), and one Backup parameter file per run: a new vault, its endpoint in its own subnet, zone groups in the
hub's zones (rg-dns, another subscription). Then `runbook batch --mode apply --jobs N` of all of them. Every run
links the spoke VNet to the same three zones, so they race for the same links: the one that loses a race reads the
link again and finds it "already made by another change".

Printed: runs, failures (runs failed, blocked, timed out or not started: the target is 0; a run waiting at the
first-registration manual step is where a clean apply stops), seconds of the batch, the runs' statuses, the
journals' "already made by another change" entries, and the links, endpoints and role assignments in the estate (one
each, no duplicate). ARM requests are not counted: each run's notebook kernel talks to the estate file through its
own in-process transport, and the sandbox keeps no count across processes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from runbook_lib.azure import Target, get_clients
from runbook_lib.sandbox.tenant import sandbox_id

HUB = sandbox_id("subscription/contoso/hub")
SPOKE = "rg-network-spoke"
DNS_RG = f"/subscriptions/{HUB}/resourceGroups/rg-dns"
VAULTS = f"/subscriptions/{HUB}/resourceGroups/rg-recovery/providers/Microsoft.RecoveryServices/vaults"
BACKUP_ZONES = (
    "privatelink.wus3.backup.windowsazure.com",
    "privatelink.blob.core.windows.net",
    "privatelink.queue.core.windows.net",
)
FAILED = {"failed", "blocked", "timed-out", "error"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--lro-seconds", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(Path(tmp), args.runs, args.jobs, args.lro_seconds)


def runbook(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("runbook")), *args], capture_output=True, text=True)


def measure(tmp: Path, runs: int, jobs: int, lro_seconds: float) -> None:
    state = tmp / "estate.db"
    reset = runbook(
        "sandbox",
        "reset",
        "--state",
        str(state),
        "--demo",
        "contoso",
        "--lro",
        "realistic",
        "--lro-seconds",
        str(lro_seconds),
    )
    assert reset.returncode == 0, reset.stderr
    clients = get_clients(Target(state=str(state)), polling_interval=0.2)
    subnets = add_subnets(clients, runs)
    files = []
    for n, subnet in enumerate(subnets, 1):
        path = tmp / f"backup.shared-{n}.yaml"
        path.write_text(
            json.dumps(
                {  # JSON is YAML
                    "vault": f"{VAULTS}/rsv-shared-{n}",
                    "location": "westus3",
                    "subnet": subnet,
                    "endpoint_name": f"pe-shared-{n}",
                    "zones_resource_group": DNS_RG,
                    "dns": "zone-group",
                    "identity_roles": "contributor",
                    "public_access": "deny",
                    "approval": "auto",
                    "link_vnets": [],
                    "confirm": [],
                },
                indent=1,
            )
        )
        files.append(str(path))
    started = time.perf_counter()
    batch = runbook(
        "batch",
        "--mode",
        "apply",
        "--jobs",
        str(jobs),
        "--state",
        str(state),
        "--output",
        str(tmp / "runs"),
        "--json",
        *files,
    )
    seconds = time.perf_counter() - started
    rows = json.loads(batch.stdout or "[]")
    statuses = Counter(row["Status"] for row in rows)
    failures = sum(count for status, count in statuses.items() if status in FAILED) + (runs - len(rows))
    print(f"runs {runs}, jobs {jobs}, realistic LROs of {lro_seconds:g} s")
    print(f"failures {failures} (target 0)   seconds {seconds:.1f}   exit code {batch.returncode}")
    print(f"statuses {dict(statuses)}")
    for row in rows:
        if row["Status"] in FAILED:
            print(f"  {Path(row['File']).name}: {row['Status']}: {row['Message'][:300]}")
    already = [
        json.loads(line)
        for journal in (tmp / "runs").rglob("journal.jsonl")
        for line in journal.read_text().splitlines()
        if '"already made by another change"' in line
    ]
    print(
        f"'already made by another change' in the journals: {len(already)} "
        f"({dict(Counter(entry.get('step') for entry in already))})"
    )
    report_estate(get_clients(Target(state=str(state))), runs)


def add_subnets(clients, runs: int) -> list[str]:
    """One /26 per run in the spoke VNet (10.1.16.0/26, 10.1.16.64/26, ...)."""
    subnets = clients.network.subnets
    made = []
    for n in range(runs):
        prefix = f"10.1.{16 + n // 4}.{64 * (n % 4)}/26"
        made.append(
            subnets.begin_create_or_update(
                SPOKE, "vnet-spoke", f"snet-shared-{n + 1}", {"properties": {"addressPrefix": prefix}}
            )
            .result()
            .id
        )
    return made


def report_estate(clients, runs: int) -> None:
    hub = clients.for_subscription(HUB)
    spoke_vnet = (
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{SPOKE}/providers/Microsoft.Network/"
        "virtualNetworks/vnet-spoke"
    )
    links = Counter(
        zone
        for zone in BACKUP_ZONES
        for link in hub.privatedns.virtual_network_links.list("rg-dns", zone)
        if (link.virtual_network.id or "").lower() == spoke_vnet.lower()
    )
    endpoints = [e.name for e in clients.network.private_endpoints.list(SPOKE) if e.name.startswith("pe-shared-")]
    assignments = Counter(
        (a.principal_id, a.scope.lower(), a.role_definition_id.rsplit("/", 1)[-1])
        for a in hub.authorization.role_assignments.list_for_scope(DNS_RG)
    )
    print(f"links of the spoke to the {len(BACKUP_ZONES)} Backup zones: {dict(links)} (one each)")
    print(
        f"endpoints: {len(endpoints)} of {runs}; role assignments at rg-dns named twice: "
        f"{sum(1 for count in assignments.values() if count > 1)}"
    )


if __name__ == "__main__":
    main()
