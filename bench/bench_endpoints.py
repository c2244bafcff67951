"""Benchmark of private endpoints in the sandbox: seconds and ARM requests as the estate grows.

Run from the project root:

    .venv/bin/python bench/bench_endpoints.py [--vaults N]

For each of N vaults (in one /20 subnet): create the vault, a Backup private endpoint (8 IPs) and its zone
group, through the real SDK clients in-process. Printed per block of 10 vaults: median milliseconds of the
endpoint create and of the zone-group create, and ARM requests per call (counted by an azure-core
raw_request_hook, so LRO polls would count). Then the time of Sandbox.resolve for one member name, and of one
register-container event, on the full estate. The sandbox scans NIC IP configurations to allocate addresses,
so endpoint creation grows with the number of endpoints; these figures show by how much.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from runbook_lib.azure import Target, get_clients
from runbook_lib.sandbox import Sandbox

RG = "bench-rg"
ZONE = "privatelink.wus3.backup.windowsazure.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vaults", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = Sandbox(Path(tmp) / "estate.db")
        sandbox.reset()
        requests = []
        clients = get_clients(
            Target(state=str(sandbox.path)), raw_request_hook=lambda r: requests.append(r.http_request.method)
        )
        clients.resources.resource_groups.create_or_update(RG, {"location": "westus3"})
        vnet = clients.network.virtual_networks.begin_create_or_update(
            RG,
            "vnet",
            {
                "location": "westus3",
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [{"name": "pe", "properties": {"addressPrefix": "10.0.0.0/20"}}],
                },
            },
        ).result()
        clients.privatedns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}).result()
        zone_id = clients.privatedns.private_zones.get(RG, ZONE).id
        clients.privatedns.virtual_network_links.begin_create_or_update(
            RG,
            ZONE,
            "link",
            {"location": "global", "properties": {"virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}},
        ).result()

        print(f"{'vaults':>8} {'endpoint ms':>12} {'req/call':>9} {'zone group ms':>14} {'req/call':>9}")
        block: dict[str, list[float]] = {"endpoint": [], "group": []}
        counts: dict[str, list[int]] = {"endpoint": [], "group": []}
        fqdn = ""
        for n in range(1, args.vaults + 1):
            vault = clients.recoveryservices.vaults.begin_create_or_update(
                RG,
                f"rsv-{n}",
                {
                    "location": "westus3",
                    "sku": {"name": "Standard"},
                    "identity": {"type": "SystemAssigned"},
                    "properties": {"publicNetworkAccess": "Disabled"},
                },
            ).result()
            body = {
                "location": "westus3",
                "properties": {
                    "subnet": {"id": vnet.subnets[0].id},
                    "privateLinkServiceConnections": [
                        {"name": "c", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["AzureBackup"]}}
                    ],
                },
            }
            endpoint = _timed(
                block,
                counts,
                "endpoint",
                requests,
                lambda n=n, body=body: clients.network.private_endpoints.begin_create_or_update(
                    RG, f"pe-{n}", body
                ).result(),
            )
            _timed(
                block,
                counts,
                "group",
                requests,
                lambda n=n: clients.network.private_dns_zone_groups.begin_create_or_update(
                    RG,
                    f"pe-{n}",
                    "default",
                    {
                        "properties": {
                            "privateDnsZoneConfigs": [{"name": "backup", "properties": {"privateDnsZoneId": zone_id}}]
                        }
                    },
                ).result(),
            )
            fqdn = endpoint.custom_dns_configs[0].fqdn if endpoint.custom_dns_configs else fqdn
            if n % 10 == 0 or n == args.vaults:
                print(
                    f"{n:>8} {statistics.median(block['endpoint']):>12.1f} {statistics.mean(counts['endpoint']):>9.1f}"
                    f" {statistics.median(block['group']):>14.1f} {statistics.mean(counts['group']):>9.1f}"
                )
                block = {"endpoint": [], "group": []}
                counts = {"endpoint": [], "group": []}

        members = [
            c.private_link_connection_properties.fqdns[0]
            for nic in clients.network.network_interfaces.list(RG)
            for c in nic.ip_configurations
        ][:1]
        started = time.perf_counter()
        answer = sandbox.resolve(members[0], vnet.id)
        print(
            f"resolve one name on {args.vaults * 8} records: {(time.perf_counter() - started) * 1000:.1f} ms "
            f"({answer.addresses[0] if answer.addresses else 'NXDOMAIN'})"
        )
        started = time.perf_counter()
        result = sandbox.event("register-container", vault.id)
        print(
            f"register-container on the last vault: {(time.perf_counter() - started) * 1000:.1f} ms ({result.code or 'ok'})"
        )


def _timed(times, counts, key, requests, call):
    before = len(requests)
    started = time.perf_counter()
    result = call()
    times[key].append((time.perf_counter() - started) * 1000)
    counts[key].append(len(requests) - before)
    return result


if __name__ == "__main__":
    main()
