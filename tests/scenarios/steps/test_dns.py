"""steps.IntegrateZones, steps.LinkZones and steps.ZoneOverwriteGuard: the zones they make, link and guard are the
ones the scenario names for the vault's region (``zones``)."""

from __future__ import annotations

from runbook_lib.engine import Run
from runbook_lib.scenarios import steps
from tests.builders import attach_zones, make_endpoint
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, VAULTS, WORKLOAD
from tests.scenarios.test_backup import params

FILE_ZONE = "privatelink.file.core.windows.net"  # not in the contoso hub
BACKUP_ZONE = "privatelink.wus3.backup.windowsazure.com"
QUEUE_ZONE = "privatelink.queue.core.windows.net"
BACKUP_VAULT = f"{VAULTS}/rsv-backup-wus3"


def zone(name: str) -> str:
    return f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{name}"


def test_the_zones_made_are_those_named_for_the_vaults_region(owner):
    asked = []

    def zones(region: str) -> list[str]:
        asked.append(region)
        return [FILE_ZONE, BACKUP_ZONE]

    rows = steps.IntegrateZones(zones=zones).plan(Run(owner, params(location="westus3")))
    assert asked == ["westus3"]  # no vault yet: the parameters' location
    assert [(r.resource, r.action) for r in rows[:2]] == [(zone(FILE_ZONE), "create"), (zone(BACKUP_ZONE), "unchanged")]
    group = rows[2]
    assert group.resource.endswith("/privateEndpoints/pe-backup/privateDnsZoneGroups/default")
    assert group.action == "create" and group.after == f"{FILE_ZONE}, {BACKUP_ZONE}"
    rows[0].write()
    again = steps.IntegrateZones(zones=zones).plan(Run(owner, params(location="westus3")))
    assert again[0].action == "unchanged"


def test_the_zones_linked_are_those_named(owner):
    run = Run(owner, params(vault=BACKUP_VAULT, endpoint_name="pe-new"))
    links = steps.LinkZones(zones=lambda region: [FILE_ZONE]).plan(run)
    # the zone is not there: the link waits for it (blocked outside a run that creates it)
    assert {r.resource.split("/virtualNetworkLinks/")[0] for r in links} == {zone(FILE_ZONE)}
    linked = steps.LinkZones(zones=lambda region: [BACKUP_ZONE]).plan(run)
    assert {r.resource.split("/virtualNetworkLinks/")[0] for r in linked} == {zone(BACKUP_ZONE)}
    assert all(r.action in ("unchanged", "create") for r in linked)


def test_the_guard_checks_the_zones_named_and_no_others(owner):
    """pe-bkp, an endpoint of the contoso Backup vault, answers from the hub's Backup zone: a second endpoint's zone
    group there would overwrite its records; the queue zone holds none of them."""
    workload = owner.for_subscription(WORKLOAD)
    make_endpoint(workload, "rg-network-spoke", "pe-bkp", SPOKE_ENDPOINTS, BACKUP_VAULT, "AzureBackup")
    attach_zones(workload, "rg-network-spoke", "pe-bkp", [zone(BACKUP_ZONE)])
    run = Run(owner, params(vault=BACKUP_VAULT, endpoint_name="pe-new"))
    (blocked,) = steps.ZoneOverwriteGuard(zones=lambda region: [BACKUP_ZONE]).plan(run)
    assert blocked.action == "blocked" and blocked.resource == zone(BACKUP_ZONE)
    assert "of endpoint pe-bkp" in blocked.reason and "reuse that endpoint (endpoint_name: pe-bkp" in blocked.reason
    (fine,) = steps.ZoneOverwriteGuard(zones=lambda region: [QUEUE_ZONE]).plan(run)
    assert fine.action == "unchanged" and fine.before == QUEUE_ZONE
