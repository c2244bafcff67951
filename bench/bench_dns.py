"""Benchmark of the DNS tools against the sandbox: ARM requests and seconds as the number of endpoints grows.

Run from the project root:

    .venv/bin/python bench/bench_dns.py [--endpoints 10 50 100]

For N Backup endpoints (8 members each, one resource group, zones in another subscription), through the real SDK
clients in-process, each operation's ARM requests (counted by an azure-core raw_request_hook) and milliseconds:
`dns entries` for the resource group; the same read done endpoint by endpoint (a GET per endpoint and per NIC, as
PrivateIP.ps1 does), for comparison; `dns plan`, `dns apply` (one PUT per record: ARM has no batch write for
record sets), the second plan (nothing to do) and `dns check` on every endpoint. Against real Azure each request
costs 100 ms or more and counts against ARM's read or write throttling limits.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from runbook_lib.azure import Target, get_clients
from runbook_lib.dns.checks import check_endpoints
from runbook_lib.dns.entries import entries_for
from runbook_lib.dns.records import apply_plan, plan_records
from runbook_lib.sandbox import Sandbox

ZONES = ("privatelink.wus3.backup.windowsazure.com",)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, nargs="+", default=[10, 50, 100])
    args = parser.parse_args()
    print(f"{'endpoints':>9} {'operation':<26} {'requests':>8} {'ms':>9}")
    for count in args.endpoints:
        with tempfile.TemporaryDirectory() as tmp:
            _measure(count, Path(tmp) / "estate.db")


def _measure(count: int, state: Path) -> None:
    sandbox = Sandbox(state)
    sandbox.reset()
    requests: list[str] = []
    clients = get_clients(Target(state=str(state)), raw_request_hook=lambda r: requests.append(r.http_request.method))
    sub = clients.subscription_id
    for rg in ("rg-pe", "rg-dns"):
        clients.resources.resource_groups.create_or_update(rg, {"location": "westus3"})
    subnet = (
        clients.network.virtual_networks.begin_create_or_update(
            "rg-pe",
            "vnet",
            {
                "location": "westus3",
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [{"name": "pe", "properties": {"addressPrefix": "10.0.0.0/20"}}],
                },
            },
        )
        .result()
        .subnets[0]
    )
    for zone in ZONES:
        clients.privatedns.private_zones.begin_create_or_update("rg-dns", zone, {"location": "global"}).result()
    for n in range(count):
        vault = clients.recoveryservices.vaults.begin_create_or_update(
            "rg-pe",
            f"rsv-{n}",
            {
                "location": "westus3",
                "sku": {"name": "Standard"},
                "identity": {"type": "SystemAssigned"},
                "properties": {"publicNetworkAccess": "Disabled"},
            },
        ).result()
        clients.network.private_endpoints.begin_create_or_update(
            "rg-pe",
            f"pe-{n}",
            {
                "location": "westus3",
                "properties": {
                    "subnet": {"id": subnet.id},
                    "privateLinkServiceConnections": [
                        {"name": "c", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["AzureBackup"]}}
                    ],
                },
            },
        ).result()

    group = f"/subscriptions/{sub}/resourceGroups/rg-pe"
    zones = f"/subscriptions/{sub}/resourceGroups/rg-dns"

    def per_endpoint():
        for n in range(count):
            endpoint = clients.network.private_endpoints.get("rg-pe", f"pe-{n}")
            clients.network.network_interfaces.get("rg-pe", endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])

    entries = _timed(count, "entries (resource group)", requests, lambda: entries_for(clients, [group]))
    _timed(count, "read endpoint by endpoint", requests, per_endpoint)
    plan = _timed(count, "plan", requests, lambda: plan_records(clients, entries, zones))
    _timed(count, f"apply ({len(entries)} records)", requests, lambda: apply_plan(clients, plan))
    _timed(count, "plan again (all unchanged)", requests, lambda: plan_records(clients, entries, zones))
    _timed(count, "check", requests, lambda: check_endpoints(clients, [group], zone_groups=[zones]))


def _timed(count: int, label: str, requests: list, call):
    requests.clear()
    started = time.perf_counter()
    result = call()
    print(f"{count:>9} {label:<26} {len(requests):>8} {(time.perf_counter() - started) * 1000:>9.1f}")
    return result


if __name__ == "__main__":
    main()
