"""A run touches only the endpoints and zone configs it owns: an endpoint found by the name given is used only when it
serves the same resource and group id from the given subnet, and a zone group is extended, never replaced."""

from __future__ import annotations

from runbook_lib.engine import Run, load_parameters
from runbook_lib.scenarios import all_scenarios, steps
from runbook_lib.scenarios.migrate_agent_based import AgentBasedParameters
from runbook_lib.scenarios.migrate_project import MigrateProjectParameters
from runbook_lib.scenarios.site_recovery import SiteRecoveryParameters
from tests.builders import a_records, attach_zones, make_endpoint
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, STORAGE, VAULTS, WORKLOAD
from tests.scenarios.conftest import changed, detail, run, statuses
from tests.scenarios.test_migrate_agent_based import migrate_vault  # noqa: F401  (a fixture)
from tests.scenarios.test_site_recovery import BYPASS_ENDPOINTS, BYPASS_RG, CACHE

BACKUP_VAULT = f"{VAULTS}/rsv-backup-wus3"
ASR_VAULT = f"{VAULTS}/rsv-asr-wus3"
BACKUP_ZONE = "privatelink.wus3.backup.windowsazure.com"
SITE_RECOVERY_ZONE = "privatelink.siterecovery.windowsazure.com"
VAULTCORE_ZONE = "privatelink.vaultcore.azure.net"
NOT_RUN = ("vault", "identity", "endpoint", "approval", "zones", "links", "dns-records", "validate")


def steps_of(p, step_id: str):
    """The step ``step_id`` of the runbook for parameters ``p``."""
    build = next(s.build for s in all_scenarios() if type(p) is s.parameters)
    return build(p).step(step_id)


def zone(name: str) -> str:
    return f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{name}"


def site_recovery(**change) -> SiteRecoveryParameters:
    return load_parameters(
        SiteRecoveryParameters,
        {
            "vault": ASR_VAULT,
            "subnet": BYPASS_ENDPOINTS,
            "endpoint_name": "pe-asr",
            "zones_resource_group": DNS_RG,
            "hub_and_spoke": True,
            **change,
        },
    )


def dns_state(hub, workload, endpoint: str) -> dict:
    """What a Backup endpoint's DNS is: its zone groups (as ARM answers them) and the records of its zone."""
    groups = workload.network.private_dns_zone_groups.list(
        private_endpoint_name=endpoint, resource_group_name="rg-network-bypass"
    )
    return {"groups": [g.as_dict() for g in groups], "records": a_records(hub, "rg-dns", BACKUP_ZONE)}


def test_site_recovery_given_a_backup_endpoints_name_is_blocked_and_leaves_its_dns_alone(owner, hub):
    workload = owner.for_subscription(WORKLOAD)
    make_endpoint(workload, "rg-network-bypass", "pe-bkp", BYPASS_ENDPOINTS, BACKUP_VAULT, "AzureBackup")
    attach_zones(workload, "rg-network-bypass", "pe-bkp", [zone(BACKUP_ZONE)])
    before = dns_state(hub, workload, "pe-bkp")
    assert len(before["records"]) == 8  # Backup's eight members answer from the hub's zone

    for mode in ("plan", "apply"):
        report, journal = run(owner, site_recovery(endpoint_name="pe-bkp"), mode)
        # refused up front, before the vault or its identity is touched
        assert statuses(report)["prerequisites"] == "blocked" and report.exit_code == 3
        assert detail(report, "prerequisites") == (
            "pe-bkp is an AzureBackup endpoint of rsv-backup-wus3, not an AzureSiteRecovery endpoint of "
            "rsv-asr-wus3: give this runbook its own endpoint name (endpoint_name)"
        )
        assert {statuses(report)[s] for s in NOT_RUN} == {"not run"}  # the run stops at the block
        assert journal.changes == []
    assert dns_state(hub, workload, "pe-bkp") == before  # its zone group and records untouched

    # the approval step on its own never approves it, nor calls it Approved
    (row,) = steps.ApproveEndpoint(group_id="AzureSiteRecovery").plan(
        Run(owner, site_recovery(endpoint_name="pe-bkp", approve=True))
    )
    assert row.action == "blocked" and row.reason.startswith("pe-bkp is an AzureBackup endpoint of rsv-backup-wus3")


def test_an_endpoint_of_the_right_vault_in_another_subnet_is_blocked(owner):
    done, _ = run(owner, site_recovery())
    assert statuses(done)["endpoint"] == "done"
    moved = site_recovery(subnet=SPOKE_ENDPOINTS, endpoint_resource_group=BYPASS_RG)  # the same endpoint id
    report, journal = run(owner, moved)
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert detail(report, "prerequisites") == (
        "pe-asr sits in subnet snet-endpoints of vnet-bypass, not snet-endpoints of vnet-spoke (subnet); an endpoint "
        "never moves: set subnet to its subnet, or give this runbook its own endpoint name (endpoint_name)"
    )


def test_a_zone_group_made_elsewhere_is_extended_and_keeps_its_zones(owner, hub):
    """The portal named the endpoint's zone group and gave it a zone this run does not own: the run adds its zone to
    that group (no second group) and the other zone stays, records and all."""
    workload = owner.for_subscription(WORKLOAD)
    make_endpoint(workload, "rg-network-bypass", "pe-asr", BYPASS_ENDPOINTS, ASR_VAULT, "AzureSiteRecovery")
    attach_zones(workload, "rg-network-bypass", "pe-asr", [zone(VAULTCORE_ZONE)], group="from-the-portal")
    planned, _ = run(owner, site_recovery(), "plan")
    rows = planned.plan_table().query("Step == 'zones' and Action != 'unchanged'")
    assert rows[["Action", "Before", "After"]].values.tolist() == [
        ["update", VAULTCORE_ZONE, f"{VAULTCORE_ZONE}, {SITE_RECOVERY_ZONE}"]
    ]
    assert rows["Resource"].iloc[0].endswith("/pe-asr/privateDnsZoneGroups/from-the-portal")

    applied, journal = run(owner, site_recovery())
    assert statuses(applied)["zones"] == "done" and "zones" in changed(journal)
    groups = list(
        workload.network.private_dns_zone_groups.list(
            private_endpoint_name="pe-asr", resource_group_name="rg-network-bypass"
        )
    )
    assert [g.name for g in groups] == ["from-the-portal"]
    assert [c.private_dns_zone_id.rsplit("/", 1)[-1] for c in groups[0].private_dns_zone_configs] == [
        VAULTCORE_ZONE,
        SITE_RECOVERY_ZONE,
    ]
    assert sum(name.endswith(".wus3") for name in a_records(hub, "rg-dns", SITE_RECOVERY_ZONE)) == 5
    again, journal = run(owner, site_recovery())
    assert statuses(again)["zones"] == "nothing to do" and journal.changes == []


def test_a_zone_group_is_never_extended_past_what_azure_allows(owner):
    workload = owner.for_subscription(WORKLOAD)
    make_endpoint(workload, "rg-network-bypass", "pe-asr", BYPASS_ENDPOINTS, ASR_VAULT, "AzureSiteRecovery")
    full = [
        "privatelink.wus3.backup.windowsazure.com",
        "privatelink.uks.backup.windowsazure.com",
        "privatelink.blob.core.windows.net",
        "privatelink.queue.core.windows.net",
        VAULTCORE_ZONE,
    ]
    attach_zones(workload, "rg-network-bypass", "pe-asr", [zone(z) for z in full])
    report, journal = run(owner, site_recovery())
    assert statuses(report)["zones"] == "blocked" and "zones" not in changed(journal)
    assert "the zone group would name 6 zones, and Azure allows 5" in detail(report, "zones")


def test_a_migrate_storage_endpoint_of_another_account_is_blocked(owner, migrate_vault):  # noqa: F811
    """A blob endpoint already named as the runbook names the account's ({account}-blob-pe) but to another account."""
    make_endpoint(
        owner, "rg-network-spoke", "stcontosocache7f3k-blob-pe", SPOKE_ENDPOINTS, f"{STORAGE}/stcontosoprem7f3k", "blob"
    )
    p = load_parameters(
        AgentBasedParameters,
        {
            "vault": migrate_vault,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": f"{migrate_vault.rsplit('/', 1)[1]}-pe",
            "zones_resource_group": f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke",
            "replication_storage": CACHE,
        },
    )
    report, journal = run(owner, p)
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert statuses(report)["storage-endpoints"] == statuses(report)["storage-zones"] == "not run"
    assert detail(report, "prerequisites").startswith(
        "stcontosocache7f3k-blob-pe is a blob endpoint of stcontosoprem7f3k, not a blob endpoint of "
        "stcontosocache7f3k: the storage endpoints are named {account}-blob-pe"
    )
    # the step itself refuses it too (a panel may run it on its own)
    (row,) = [r for r in steps_of(p, "storage-endpoints").plan(Run(owner, p)) if r.action == "blocked"]
    assert row.reason == detail(report, "prerequisites")


def test_a_migrate_project_endpoint_name_that_serves_something_else_is_blocked(owner):
    project = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload/providers/Microsoft.Migrate/migrateProjects/mp"
    make_endpoint(owner, "rg-network-spoke", "pe-kv", SPOKE_ENDPOINTS, CACHE, "blob")
    p = load_parameters(
        MigrateProjectParameters,
        {"project": project, "subnet": SPOKE_ENDPOINTS, "endpoint_name": "pe-kv", "zones_resource_group": DNS_RG},
    )
    report, journal = run(owner, p)
    assert statuses(report)["prerequisites"] == "blocked" and statuses(report)["endpoint"] == "not run"
    assert detail(report, "prerequisites") == (
        "pe-kv is a blob endpoint of stcontosocache7f3k, not a Default endpoint "
        "of mp: give this runbook its own endpoint name (endpoint_name)"
    )
    assert journal.changes == []  # not even the project: refused before the first write
