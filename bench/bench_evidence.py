"""Benchmark of what archiving a run as evidence costs: ARM requests and seconds for the snapshots, as the private
DNS zone fills with records, and for the offline HTML of an executed notebook.

Run from the project root:

    .venv/bin/python bench/bench_evidence.py [--records 0 100 500]

On a contoso estate where the Backup runbook was applied (vault, endpoint, zone group, links, 8 records), with N
more A records in the Backup zone: what the run is about (evidence.snapshots.observed_ids) and one snapshot of it,
each operation's ARM requests (counted by an azure-core raw_request_hook) and milliseconds. A run takes two
snapshots (before and after). Records and links are listed a zone at a time, so their count moves the figures
only by list pages (100 records a page), not by one GET each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.ids import parse_id
from runbook_lib.engine import Run, load_parameters
from runbook_lib.evidence.scope import run_scope
from runbook_lib.evidence.snapshots import observed_ids, snapshot
from runbook_lib.sandbox import Sandbox
from runbook_lib.scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[1]
ZONE = "privatelink.wus3.backup.windowsazure.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[0, 100, 500])
    args = parser.parse_args()
    print(f"{'records':>7} {'operation':<22} {'requests':>8} {'ms':>8} {'resources':>9}")
    for extra in args.records:
        with tempfile.TemporaryDirectory() as tmp:
            _measure(extra, Path(tmp) / "estate.db")
    _measure_html()


def _measure(extra: int, state: Path) -> None:
    Sandbox(state).reset(demo="contoso")
    values = yaml.safe_load((ROOT / "parameters" / "backup.sandbox.yaml").read_text())
    backup = get_scenario("backup")
    model, build = backup.parameters, backup.build
    params = load_parameters(model, {**values, "confirm": ["first-registration", "first-backup"]})
    owner = get_clients(Target(state=str(state), principal="owner"))
    build(params).run(Run(owner, params, "apply", operator="owner", confirmed=frozenset(params.confirm)))
    zones = parse_id(params.zones_group)
    dns = owner.for_subscription(zones.subscription).privatedns
    for n in range(extra):
        dns.record_sets.create_or_update(
            zones.resource_group,
            ZONE,
            "A",
            f"extra-{n}",
            {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": f"10.9.{n // 250}.{n % 250 + 1}"}]}},
        )
    requests: list[str] = []
    clients = get_clients(
        Target(state=str(state), principal="owner"), raw_request_hook=lambda r: requests.append(r.http_request.method)
    )
    observed: dict[str, list] = {}  # the ids "observe" found, which "snapshot" reads
    for name, work in (
        ("observe", lambda: observed_ids(clients, values, *run_scope(clients, "backup", params))),
        ("snapshot", lambda: snapshot(clients, observed["ids"])),
    ):
        requests.clear()
        started = time.perf_counter()
        result = work()
        if name == "observe":
            observed["ids"] = result
        print(
            f"{extra:>7} {name:<22} {len(requests):>8} {(time.perf_counter() - started) * 1000:>8.0f} {len(result):>9}"
        )


def _measure_html() -> None:
    """The offline HTML of an executed Backup notebook (papermill, plan mode)."""
    import papermill

    from runbook_lib.evidence.html import render_html

    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / "backup.ipynb"
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "backup.ipynb"),
            str(executed),
            kernel_name="python3",
            parameters={"state": str(Path(tmp) / "e.db")},
            progress_bar=False,
        )
        started = time.perf_counter()
        html = render_html(executed, executed.with_suffix(".html"))
        print(
            f"{'':>7} {'offline html':<22} {0:>8} {(time.perf_counter() - started) * 1000:>8.0f} "
            f"{html.stat().st_size // 1024:>7}KB"
        )


if __name__ == "__main__":
    main()
