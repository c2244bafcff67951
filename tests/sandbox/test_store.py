"""One estate shared by separate processes: what one writes the others read, and concurrent writers lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from azure.mgmt.privatedns.models import PrivateZone

ZONE = "privatelink.siterecovery.windowsazure.com"


def run_python(code: str, state) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=_env(state),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _env(state) -> dict:
    import os

    return {**os.environ, "RUNBOOK_SANDBOX": str(state)}


def test_what_one_process_writes_another_reads(sandbox, clients):
    child = run_python(
        """
        from runbook_lib.azure import get_clients, Target
        get_clients(Target()).resources.resource_groups.create_or_update("rg-from-child", {"location": "uksouth"})
        """,
        sandbox.path,
    )
    assert child.wait(timeout=60) == 0, child.stderr.read()
    assert clients.resources.resource_groups.get("rg-from-child").location == "uksouth"


def test_concurrent_writers_lose_nothing(sandbox, clients):
    clients.resources.resource_groups.create_or_update("rg-dns", {"location": "eastus"})
    clients.privatedns.private_zones.begin_create_or_update("rg-dns", ZONE, PrivateZone(location="global")).result()
    writer = f"""
        import sys
        from azure.mgmt.privatedns.models import ARecord, RecordSet
        from runbook_lib.azure import get_clients, Target
        records = get_clients(Target()).privatedns.record_sets
        for n in range(25):
            records.create_or_update("rg-dns", "{ZONE}", "A", f"w{{sys.argv[1]}}-{{n}}",
                                     RecordSet(ttl=10, a_records=[ARecord(ipv4_address="10.0.0.4")]))
    """
    children = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(writer), str(w)],
            env=_env(sandbox.path),
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    for child in children:
        assert child.wait(timeout=120) == 0, child.stderr.read()
    names = {r.name for r in clients.privatedns.record_sets.list_by_type("rg-dns", ZONE, "A")}
    assert names == {f"w{w}-{n}" for w in range(4) for n in range(25)}
