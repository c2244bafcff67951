"""The agent-based Migrate replication runbook ("Migrate servers to Azure by using Private Link") end to end on the
contoso demo estate.

The vault comes from Azure Migrate itself: a project with a private endpoint, then the sandbox's `generate-key`
event, which makes the replication vault (identity on), its Site Recovery endpoint, zones and links as Migrate
does. That is the state a consultant finds, so the runbook must recognise Migrate's vault endpoint and zones as
done and add only the storage side (roles, trusted services, blob endpoint and its DNS).
"""

from __future__ import annotations

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.engine import load_parameters
from runbook_lib.sandbox.faults import FaultRule
from runbook_lib.scenarios.migrate_agent_based import AgentBasedParameters
from tests.builders import a_records, make_endpoint, make_vnet
from tests.contoso import SPOKE_ENDPOINTS, SPOKE_VNET, STORAGE, WORKLOAD, subnet
from tests.scenarios.conftest import detail, run, statuses

SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"
PROJECT = (
    f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload/providers/Microsoft.Migrate/migrateProjects/migrate-contoso"
)
CACHE = f"{STORAGE}/stcontosocache7f3k"
MANUAL = ["appliance-machine", "appliance-nslookup", "appliance-register", "replicate"]


@pytest.fixture
def migrate_vault(contoso, owner) -> str:
    """Generate the key of a private Migrate project: Migrate makes the replication vault and its endpoint."""
    owner.resources.resources.begin_create_or_update_by_id(
        PROJECT, {"location": "westus3", "properties": {}}, api_version="2020-05-01"
    ).result()
    make_endpoint(owner, "rg-network-spoke", "pe-migrate", SPOKE_ENDPOINTS, PROJECT, "Default")
    result = contoso.event("generate-key", PROJECT, caller="owner")
    assert result.succeeded
    return next(r for r in result.created if "/Microsoft.RecoveryServices/vaults/" in r)


def params(vault: str, **change) -> AgentBasedParameters:
    return load_parameters(
        AgentBasedParameters,
        {
            "vault": vault,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": f"{vault.rsplit('/', 1)[1]}-pe",
            "zones_resource_group": SPOKE_RG,
            "replication_storage": CACHE,
            **change,
        },
    )


def roles_of(hub, scope: str, principal: str) -> list[str]:
    names = {d.id.rsplit("/", 1)[-1]: d.role_name for d in hub.authorization.role_definitions.list(scope)}
    return sorted(
        names.get(a.role_definition_id.rsplit("/", 1)[-1], "?")
        for a in hub.authorization.role_assignments.list_for_scope(scope)
        if a.principal_id == principal and a.scope.lower() == scope.lower()
    )


def test_plan_apply_again_then_the_appliance_steps(contoso, owner, hub, migrate_vault):
    hub.storage.storage_accounts.update(
        "rg-recovery",
        "stcontosocache7f3k",
        {"properties": {"networkAcls": {"bypass": "None", "defaultAction": "Deny"}}},
    )  # selected networks only
    planned, journal = run(owner, params(migrate_vault), "plan")
    assert journal.changes == [] and planned.status == "planned"
    assert [s for s, status in statuses(planned).items() if status == "planned"] == [
        "zones",
        "storage-roles",
        "trusted-services",
        "storage-endpoints",
        "storage-zones",
    ]
    # Migrate's own endpoint, approval, links and records are found in place
    assert {statuses(planned)[s] for s in ("endpoint", "approval", "links", "dns-records")} == {"nothing to do"}

    applied, journal = run(owner, params(migrate_vault))
    assert (applied.status, applied.exit_code) == ("waiting", 3)
    assert statuses(applied)["appliance-machine"] == "waiting" and "MySQL" in detail(applied, "appliance-machine")
    assert [c.step for c in journal.changes] == [
        "zones",
        "storage-roles",
        "storage-roles",
        "trusted-services",
        "storage-endpoints",
        "storage-zones",
    ]
    principal = owner.recoveryservices.vaults.get("rg-workload", migrate_vault.rsplit("/", 1)[1]).identity.principal_id
    assert roles_of(hub, CACHE, principal) == ["Contributor", "Storage Blob Data Contributor"]
    assert (
        hub.storage.storage_accounts.get_properties("rg-recovery", "stcontosocache7f3k").network_rule_set.bypass
        == "AzureServices"
    )
    endpoint = owner.network.private_endpoints.get("rg-network-spoke", "stcontosocache7f3k-blob-pe")
    assert endpoint.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    assert "stcontosocache7f3k" in a_records(owner, "rg-network-spoke", "privatelink.blob.core.windows.net")

    again, journal = run(owner, params(migrate_vault))
    assert journal.changes == [] and again.status == "waiting"

    # the appliance registers with the vault and a machine replicates, then the consultant confirms
    assert contoso.event("register-server", migrate_vault).succeeded
    assert contoso.event("replicate", migrate_vault).succeeded
    done, journal = run(owner, params(migrate_vault, confirm=MANUAL))
    assert (done.status, done.exit_code) == ("done", 0), done.table().to_string()
    assert journal.changes == [] and [c.step for c in journal.entries if getattr(c, "kind", "") == "confirmation"]
    checks = [e for e in journal.entries if getattr(e, "kind", "") == "check"]
    assert checks and {c.status for c in checks} <= {"pass", "warn"}
    assert any("stcontosocache7f3k" in c.resource for c in checks)  # the storage endpoint is checked too


def test_the_nslookup_step_names_the_endpoints_to_look_up(owner, migrate_vault):
    report, _ = run(owner, params(migrate_vault, confirm=["appliance-machine"]))
    text = detail(report, "appliance-nslookup")
    assert "runbook dns entries" in text and "stcontosocache7f3k-blob-pe" in text and "-MigrateVault-" in text


def test_without_a_migrate_vault_the_key_must_be_generated_first(owner):
    missing = f"{STORAGE.split('/providers/')[0]}/providers/Microsoft.RecoveryServices/vaults/rsv-not-made"
    report, journal = run(owner, params(missing))
    assert statuses(report)["vault"] == "blocked" and report.exit_code == 3 and journal.changes == []
    assert "generate the key in the Migrate project first" in detail(report, "vault")
    assert statuses(report)["prerequisites"] == "nothing to do"  # no vault to create: no right asked for it


@pytest.mark.parametrize(
    "account, words",
    [
        (
            "stcontosov1legacy7f3k",
            "is a general-purpose v1 account: private endpoints exist only on general-purpose v2",
        ),
        ("stcontosoblob7f3k", "is a legacy Blob storage account: private endpoints exist only on general-purpose v2"),
    ],
)
def test_an_account_that_is_not_general_purpose_v2_is_refused_before_any_change(owner, migrate_vault, account, words):
    report, journal = run(owner, params(migrate_vault, replication_storage=f"{STORAGE}/{account}"))
    assert statuses(report)["storage-check"] == "blocked" and journal.changes == []
    assert words in detail(report, "storage-check")


def test_a_premium_account_gives_the_identity_storage_blob_data_owner(owner, hub, migrate_vault):
    premium = f"{STORAGE}/stcontosoprem7f3k"
    report, _journal = run(owner, params(migrate_vault, replication_storage=premium))
    assert report.status == "waiting"
    principal = owner.recoveryservices.vaults.get("rg-workload", migrate_vault.rsplit("/", 1)[1]).identity.principal_id
    assert roles_of(hub, premium, principal) == ["Contributor", "Storage Blob Data Owner"]


def test_the_storage_endpoint_goes_in_the_same_or_a_peered_vnet(owner, migrate_vault):
    bypass = subnet(WORKLOAD, "rg-network-bypass", "vnet-bypass", "snet-endpoints")  # not peered with the spoke
    refused, journal = run(owner, params(migrate_vault, storage_subnet=bypass), "plan")
    assert statuses(refused)["storage-check"] == "blocked" and journal.changes == []
    assert "neither the vault endpoint's VNet vnet-spoke nor peered with it" in detail(refused, "storage-check")

    peered = make_vnet(owner, "rg-network-spoke", "vnet-storage", "10.9.0.0/24", {"snet-storage": "10.9.0.0/27"})
    for here, there in ((SPOKE_VNET, peered[""]), (peered[""], SPOKE_VNET)):
        owner.network.virtual_network_peerings.begin_create_or_update(
            "rg-network-spoke",
            here.rsplit("/", 1)[1],
            f"to-{there.rsplit('/', 1)[1]}",
            {"properties": {"remoteVirtualNetwork": {"id": there}, "allowVirtualNetworkAccess": True}},
        ).result()
    report, journal = run(owner, params(migrate_vault, storage_subnet=peered["snet-storage"]))
    assert report.status == "waiting", report.table().to_string()
    assert [c.step for c in journal.changes].count("storage-links") == 1  # the blob zone to vnet-storage
    endpoint = owner.network.private_endpoints.get("rg-network-spoke", "stcontosocache7f3k-blob-pe")
    assert endpoint.subnet.id == peered["snet-storage"]


def test_an_interrupted_run_finishes_without_duplicates(contoso, hub, migrate_vault):
    contoso.add_fault(FaultRule(answer=500, method="PUT", path="stcontosocache7f3k-blob-pe$"))
    failing = get_clients(Target(state=str(contoso.path), principal="owner"), retry_total=0)
    report, journal = run(failing, params(migrate_vault))
    assert statuses(report)["storage-endpoints"] == "failed" and "InternalServerError" in detail(
        report, "storage-endpoints"
    )
    assert [c.step for c in journal.changes] == ["zones", "storage-roles", "storage-roles"]
    contoso.clear_faults()
    resumed, journal = run(failing, params(migrate_vault))
    assert resumed.status == "waiting"
    assert [c.step for c in journal.changes] == ["storage-endpoints", "storage-zones"]
    principal = failing.recoveryservices.vaults.get(
        "rg-workload", migrate_vault.rsplit("/", 1)[1]
    ).identity.principal_id
    assert roles_of(hub, CACHE, principal) == ["Contributor", "Storage Blob Data Contributor"]


def test_a_caller_without_rights_is_stopped_up_front(contoso, migrate_vault):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    report, journal = run(operator, params(migrate_vault), principal="operator")
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "it needs Owner, or Contributor and User Access Administrator" in detail(report, "prerequisites")
