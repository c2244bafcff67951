"""The Hyper-V Migrate replication runbook ("Migrate Hyper-V servers to Azure by using Private Link") end to end on
the contoso demo estate.

The vault is an ASR-style vault with its identity on (tests.builders.make_vault), as Azure Migrate makes it, but
without the endpoint Migrate would add for a private project: so the runbook's own vault steps (endpoint,
approval, zones in the hub's rg-dns, links, records) are exercised here, where the agent-based tests find
Migrate's. Replication goes to the Premium account, with the Standard account as cache (the article's
rule).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from runbook_lib.azure import Target, get_clients
from runbook_lib.dns.entries import entries_for
from runbook_lib.engine import load_parameters
from runbook_lib.errors import InputError
from runbook_lib.sandbox.faults import FaultRule
from runbook_lib.scenarios.migrate_agent_based import AgentBasedParameters
from runbook_lib.scenarios.migrate_hyperv import HyperVParameters, runbook
from tests.builders import a_records, attach_zones, make_endpoint, make_storage, make_vault
from tests.contoso import DNS_RG, HUB, SPOKE_ENDPOINTS, STORAGE, VAULTS
from tests.scenarios.conftest import changed, detail, run, statuses

VAULT = f"{VAULTS}/rsv-migrate-hyperv"
PREMIUM, CACHE = f"{STORAGE}/stcontosoprem7f3k", f"{STORAGE}/stcontosocache7f3k"
MANUAL = ["install-provider", "registration-key", "host-nslookup", "register-hosts"]
PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
SPOKE_RG = SPOKE_ENDPOINTS.split("/providers/")[0]
SITE_RECOVERY_ZONE, BLOB_ZONE = "privatelink.siterecovery.windowsazure.com", "privatelink.blob.core.windows.net"


@pytest.fixture
def migrate_vault(hub) -> str:
    """The vault Azure Migrate makes for replication: Site Recovery's kind, system identity on."""
    return make_vault(hub, "rg-recovery", "rsv-migrate-hyperv").id


def key_generated(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def params(**change) -> HyperVParameters:
    return load_parameters(
        HyperVParameters,
        {
            "vault": VAULT,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": "pe-migrate-asr",
            "zones_resource_group": DNS_RG,
            "replication_storage": PREMIUM,
            "cache_storage": CACHE,
            **change,
        },
    )


def roles_of(hub, scope: str) -> list[str]:
    principal = hub.recoveryservices.vaults.get("rg-recovery", "rsv-migrate-hyperv").identity.principal_id
    names = {d.id.rsplit("/", 1)[-1]: d.role_name for d in hub.authorization.role_definitions.list(scope)}
    return sorted(
        names.get(a.role_definition_id.rsplit("/", 1)[-1], "?")
        for a in hub.authorization.role_assignments.list_for_scope(scope)
        if a.principal_id == principal and a.scope.lower() == scope.lower()
    )


def test_plan_apply_again_then_the_hosts(contoso, owner, hub, migrate_vault):
    planned, journal = run(owner, params(), "plan")
    assert journal.changes == [] and planned.status == "planned"
    assert statuses(planned)["endpoint"] == "planned" and statuses(planned)["storage-endpoints"] == "planned"
    assert not list(owner.network.private_endpoints.list("rg-network-spoke"))

    applied, journal = run(owner, params())
    assert (applied.status, applied.exit_code) == ("waiting", 3)
    assert statuses(applied)["install-provider"] == "waiting"
    steps = [c.step for c in journal.changes]
    assert steps[:2] == ["endpoint", "zones"] and steps.count("storage-roles") == 4
    assert steps.count("storage-endpoints") == 2 and steps.count("storage-zones") == 2
    # the article: the identity's access to both accounts, by their type
    assert roles_of(hub, PREMIUM) == ["Contributor", "Storage Blob Data Owner"]
    assert roles_of(hub, CACHE) == ["Contributor", "Storage Blob Data Contributor"]
    assert {e.name for e in owner.network.private_endpoints.list("rg-network-spoke")} == {
        "pe-migrate-asr",
        "stcontosoprem7f3k-blob-pe",
        "stcontosocache7f3k-blob-pe",
    }

    again, journal = run(owner, params())
    assert journal.changes == [] and again.status == "waiting"

    machines = [f"vm-{n:02d}" for n in range(1, 13)]
    confirmed = MANUAL + ["replicate-batch-1", "replicate-batch-2"]
    # what the consultant does before confirming: the hosts register, then twelve machines replicate
    assert contoso.event("register-server", VAULT).succeeded
    for _ in machines[:10]:
        assert contoso.event("replicate", VAULT).succeeded
    first_batch, journal = run(
        owner, params(confirm=confirmed, machines=machines, registration_key_generated=key_generated(1))
    )
    assert statuses(first_batch)["replicate-batch-1"] == "confirmed"
    assert statuses(first_batch)["replicate-batch-2"] == "waiting" and first_batch.exit_code == 3
    assert "holds 10 replicated item(s) (protectedItemCount), 12 expected by now" in detail(
        first_batch, "replicate-batch-2"
    )
    for _ in machines[10:]:
        assert contoso.event("replicate", VAULT).succeeded
    done, journal = run(
        owner, params(confirm=confirmed, machines=machines, registration_key_generated=key_generated(1))
    )
    assert (done.status, done.exit_code) == ("done", 0), done.table().to_string()
    checks = [e for e in journal.entries if getattr(e, "kind", "") == "check"]
    assert checks and {c.status for c in checks} <= {"pass", "warn"}


def test_a_registration_key_older_than_five_days_is_refused(contoso, owner, migrate_vault):
    stale, _journal = run(owner, params(confirm=MANUAL, registration_key_generated=key_generated(6)))
    assert statuses(stale)["install-provider"] == "confirmed" and statuses(stale)["registration-key"] == "waiting"
    assert "generated 6 days ago" in detail(stale, "registration-key")
    assert "valid for five days" in detail(stale, "registration-key")
    unknown, _ = run(owner, params(confirm=MANUAL))
    assert "say when the registration key was generated" in detail(unknown, "registration-key")
    fresh, _ = run(owner, params(confirm=MANUAL, registration_key_generated=key_generated(4.5)))
    assert statuses(fresh)["registration-key"] == "confirmed" and statuses(fresh)["register-hosts"] == "waiting"
    assert "but the vault rsv-migrate-hyperv shows no registered server yet" in detail(fresh, "register-hosts")
    assert contoso.event("register-server", VAULT).succeeded  # the hosts register with the key
    registered, _ = run(owner, params(confirm=MANUAL, registration_key_generated=key_generated(4.5)))
    assert statuses(registered)["register-hosts"] == "confirmed" and statuses(registered)["replicate"] == "waiting"


def test_more_than_ten_machines_replicate_in_batches_of_ten(migrate_vault):
    machines = [f"vm-{n:02d}" for n in range(1, 24)]
    book = runbook(params(machines=machines))
    batches = [s for s in book.steps if s.id.startswith("replicate")]
    assert [s.id for s in batches] == ["replicate-batch-1", "replicate-batch-2", "replicate-batch-3"]
    assert "vm-10" in batches[0].instructions and "vm-11" not in batches[0].instructions
    assert batches[2].title == "Replicate batch 3 of 3 (3 machines)"
    assert "stcontosocache7f3k as cache" in batches[2].instructions
    with pytest.raises(InputError, match="machines: named more than once: vm-01, VM-01"):
        params(machines=["vm-01", "VM-01"])


def test_a_premium_replication_account_needs_a_standard_cache(owner, hub, migrate_vault):
    alone, journal = run(owner, params(cache_storage=None), "plan")
    assert statuses(alone)["storage-check"] == "blocked" and journal.changes == []
    assert "stcontosoprem7f3k is Premium: Hyper-V replication then needs another, Standard account" in detail(
        alone, "storage-check"
    )
    make_storage(hub, "rg-recovery", "stcontosoprem2nd7f3k", sku="Premium_LRS")
    premium_cache, journal = run(
        owner, params(replication_storage=f"{STORAGE}/stcontosoprem2nd7f3k", cache_storage=PREMIUM)
    )
    assert statuses(premium_cache)["storage-check"] == "blocked" and journal.changes == []
    assert "the cache account stcontosoprem7f3k is Premium" in detail(premium_cache, "storage-check")


def test_a_cache_that_is_not_general_purpose_v2_is_refused(owner, migrate_vault):
    report, journal = run(owner, params(cache_storage=f"{STORAGE}/stcontosov1legacy7f3k"))
    assert statuses(report)["storage-check"] == "blocked" and journal.changes == []
    assert "stcontosov1legacy7f3k is a general-purpose v1 account" in detail(report, "storage-check")


def test_without_a_migrate_vault_the_key_must_be_generated_first(owner):
    report, journal = run(owner, params())
    assert statuses(report)["vault"] == "blocked" and journal.changes == []
    assert "generate the key in the Migrate project first" in detail(report, "vault")


def test_the_manual_approval_path(owner, migrate_vault):
    asked, journal = run(owner, params(approval="manual"))
    assert statuses(asked)["approval"] == "blocked" and [c.step for c in journal.changes] == ["endpoint"]
    approved, journal = run(owner, params(approval="manual", approve=True))
    assert statuses(approved)["approval"] == "done" and statuses(approved)["storage-approval"] == "done"
    assert [c.step for c in journal.changes].count("storage-approval") == 2 and approved.status == "waiting"


def test_an_interrupted_run_finishes_without_duplicates(contoso, hub, migrate_vault):
    contoso.add_fault(FaultRule(answer=500, method="PUT", path="stcontosocache7f3k-blob-pe/privateDnsZoneGroups"))
    failing = get_clients(Target(state=str(contoso.path), principal="owner"), retry_total=0)
    report, journal = run(failing, params())
    assert statuses(report)["storage-zones"] == "failed" and "InternalServerError" in detail(report, "storage-zones")
    assert [c.step for c in journal.changes].count("storage-zones") == 1  # the Premium account's zone group
    contoso.clear_faults()
    resumed, journal = run(failing, params())
    assert resumed.status == "waiting" and [c.step for c in journal.changes] == ["storage-zones"]
    assert roles_of(hub, CACHE) == ["Contributor", "Storage Blob Data Contributor"]


def test_a_caller_without_rights_is_stopped_up_front(contoso, migrate_vault):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    report, journal = run(operator, params(), principal="operator")
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "AuthorizationFailed" in detail(report, "prerequisites")  # it may not even read the hub's vault


def from_file(model, notebook: str, **change):
    """The sandbox parameter file of ``notebook`` (parameters/{notebook}.sandbox.yaml), with ``change``."""
    return load_parameters(model, {**yaml.safe_load((PARAMETERS / f"{notebook}.sandbox.yaml").read_text()), **change})


def answered(hub, endpoint_id: str, zone: str) -> dict[str, str]:
    """Record -> IP of the endpoint's entries in the hub's ``zone``, as the endpoint's NIC gives them."""
    entries = entries_for(hub, [endpoint_id])
    return dict(
        zip(entries.loc[entries["DNS"] == zone, "ResourceName"], entries.loc[entries["DNS"] == zone, "PrivateIP"])
    )


def test_a_second_vault_endpoint_may_not_overwrite_the_first_ones_records(owner, hub):
    """migrate_agent_based then migrate_hyperv on the same vault (rsv-asr-wus3, the hub's zones): another
    endpoint_name is refused before any change; the same endpoint goes through."""
    first, _ = run(owner, from_file(AgentBasedParameters, "migrate_agent_based"))
    assert first.status == "waiting", first.table().to_string()
    endpoint = f"{SPOKE_RG}/providers/Microsoft.Network/privateEndpoints/pe-migrate-asr"
    held = answered(owner, endpoint, SITE_RECOVERY_ZONE)
    assert len(held) == 5 and all(a_records(hub, "rg-dns", SITE_RECOVERY_ZONE)[r] == [ip] for r, ip in held.items())

    second = from_file(HyperVParameters, "migrate_hyperv", endpoint_name="pe-migrate-asr2")
    for mode in ("plan", "apply"):
        report, journal = run(owner, second, mode)
        assert statuses(report)["zone-guard"] == "blocked" and report.exit_code == 3 and journal.changes == []
        assert statuses(report)["endpoint"] == "not run"
        text = detail(report, "zone-guard")
        assert "holds 5 records of endpoint pe-migrate-asr (e.g. " in text
        assert "the zone group of pe-migrate-asr2 would overwrite them (the same vault rsv-asr-wus3" in text
        assert "reuse that endpoint (endpoint_name: pe-migrate-asr, in resource group rg-network-spoke)" in text
        assert "or give pe-migrate-asr2 zones of its own" in text
    assert {e.name for e in owner.network.private_endpoints.list("rg-network-spoke")} == {
        "pe-migrate-asr",
        "stcontosocache7f3k-blob-pe",
    }
    records = a_records(hub, "rg-dns", SITE_RECOVERY_ZONE)
    assert all(records[r] == [ip] for r, ip in held.items())  # the first endpoint's records hold their IPs

    custom, _ = run(
        owner, from_file(HyperVParameters, "migrate_hyperv", endpoint_name="pe-migrate-asr2", dns="custom"), "plan"
    )
    assert statuses(custom)["zone-guard"] == "nothing to do"  # no zone group writes records

    same, journal = run(owner, from_file(HyperVParameters, "migrate_hyperv"))  # the vault's one endpoint
    assert statuses(same)["zone-guard"] == "nothing to do" and same.status == "waiting", same.table().to_string()
    assert changed(journal).count("storage-zones") == 1  # the Premium account's new endpoint; the cache's is its own
    assert a_records(hub, "rg-dns", SITE_RECOVERY_ZONE) == records
    blob = a_records(hub, "rg-dns", BLOB_ZONE)
    assert blob["stcontosoprem7f3k"] and blob["stcontosocache7f3k"]


def test_a_storage_endpoint_may_not_overwrite_another_endpoints_record_of_the_account(owner, hub, migrate_vault):
    other = make_endpoint(owner, "rg-network-spoke", "pe-cache-other", SPOKE_ENDPOINTS, CACHE, "blob")
    attach_zones(
        owner,
        "rg-network-spoke",
        "pe-cache-other",
        [f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{BLOB_ZONE}"],
    )
    ip = answered(owner, other.id, BLOB_ZONE)["stcontosocache7f3k"]
    assert a_records(hub, "rg-dns", BLOB_ZONE)["stcontosocache7f3k"] == [ip]

    report, journal = run(owner, params())
    assert statuses(report)["zone-guard"] == "blocked" and journal.changes == []
    text = detail(report, "zone-guard")
    assert f"holds 1 record of endpoint pe-cache-other (stcontosocache7f3k = {ip})" in text
    assert "the zone group of stcontosocache7f3k-blob-pe would overwrite it (the same storage account" in text
    assert "keep that endpoint and give stcontosocache7f3k-blob-pe zones of its own" in text
    assert "stcontosoprem7f3k" not in text and "pe-migrate-asr" not in text  # those overwrite nothing
    assert a_records(hub, "rg-dns", BLOB_ZONE)["stcontosocache7f3k"] == [ip]

    hub.resources.resource_groups.create_or_update("rg-dns-migrate", {"location": "westus3"})
    own_zones, journal = run(owner, params(zones_resource_group=f"/subscriptions/{HUB}/resourceGroups/rg-dns-migrate"))
    assert statuses(own_zones)["zone-guard"] == "nothing to do" and own_zones.status == "waiting"
    assert a_records(hub, "rg-dns", BLOB_ZONE)["stcontosocache7f3k"] == [ip]
    assert a_records(hub, "rg-dns-migrate", BLOB_ZONE)["stcontosocache7f3k"] != [ip]
