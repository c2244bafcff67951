"""The migrate_project runbook ("Using Azure Migrate with private endpoints") end to end on the contoso demo estate,
through the real SDK."""

from __future__ import annotations

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.engine import load_parameters
from runbook_lib.sandbox.faults import FaultRule
from runbook_lib.scenarios.migrate_project import (
    MIGRATE_API,
    MigrateProjectParameters,
)
from tests.contoso import (
    BYPASS_VNET,
    DNS_RG,
    HUB_VNET,
    SPOKE_ENDPOINTS,
    WORKLOAD,
    subnet,
)
from tests.scenarios.conftest import detail, run, statuses

WORKLOAD_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload"
PROJECT = f"{WORKLOAD_RG}/providers/Microsoft.Migrate/migrateProjects/migrate-contoso"
SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"
ENDPOINT = f"{SPOKE_RG}/providers/Microsoft.Network/privateEndpoints/pe-migrate"
BOTH = ["generate-key", "install-appliance"]


def params(**change) -> MigrateProjectParameters:
    return load_parameters(
        MigrateProjectParameters,
        {"project": PROJECT, "subnet": SPOKE_ENDPOINTS, "endpoint_name": "pe-migrate", **change},
    )


@pytest.fixture
def workload(owner):
    return owner.for_subscription(WORKLOAD)


def make_public_project(contoso, workload) -> None:
    """A project whose key was generated before it had an endpoint: public for good."""
    workload.resources.resources.begin_create_or_update_by_id(
        PROJECT, {"location": "westus3", "properties": {}}, api_version=MIGRATE_API
    ).result()
    assert contoso.event("generate-key", PROJECT, caller="owner").succeeded


def test_plan_apply_generate_key_and_again(contoso, owner, workload, tmp_path):
    p = params(link_vnets=[BYPASS_VNET])
    planned, journal = run(owner, p, "plan")
    assert journal.changes == [] and planned.exit_code == 0
    assert statuses(planned)["project"] == "planned" and statuses(planned)["endpoint"] == "planned"
    assert statuses(planned)["generate-key"] == "waiting"
    zones = planned.plan_table().query("Step == 'zones' and Action == 'create'")["Resource"]
    assert {z.rsplit("/", 1)[-1] for z in zones} >= {
        "privatelink.prod.migration.windowsazure.com",
        "privatelink.vaultcore.azure.net",
        "privatelink.blob.core.windows.net",
        "privatelink.siterecovery.windowsazure.com",
    }
    assert not list(
        workload.resources.resources.list_by_resource_group(
            "rg-workload", filter="resourceType eq 'Microsoft.Migrate/migrateProjects'"
        )
    )

    applied, journal = run(owner, p)
    assert (applied.status, applied.exit_code) == ("waiting", 3)
    assert [c.step for c in journal.changes] == ["project", "endpoint"]
    assert "select Generate key" in detail(applied, "generate-key")
    assert statuses(applied)["key-resources"] == "not run"
    again, journal = run(owner, p)
    assert journal.changes == [] and again.status == "waiting"
    confirmed_too_early, journal = run(owner, params(link_vnets=[BYPASS_VNET], confirm=["generate-key"]))
    assert statuses(confirmed_too_early)["generate-key"] == "waiting" and journal.changes == []
    assert "by owner, but Azure Migrate has made no key vault or storage account of the project's" in detail(
        confirmed_too_early, "generate-key"
    )

    assert contoso.event("generate-key", PROJECT, caller="owner").succeeded  # the portal's "Generate key"
    keyed, journal = run(owner, params(link_vnets=[BYPASS_VNET], confirm=["generate-key"]))
    assert statuses(keyed)["install-appliance"] == "waiting" and statuses(keyed)["validate"] == "not run"
    # Migrate made the zones and linked them to the endpoint's VNet: the runbook adds the project endpoint's zone
    # group and the links to the appliance's VNet
    assert [c.step for c in journal.changes] == ["zones"] + ["links"] * 4
    resources = keyed.plan_table().query("Step == 'key-resources'")
    kinds = {r.split("/providers/")[1].rsplit("/", 1)[0] for r in resources["Resource"]}
    assert kinds == {
        "Microsoft.KeyVault/vaults",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.RecoveryServices/vaults",
        "Microsoft.Migrate/assessmentProjects",
    }
    assert resources["After"].str.endswith("Approved").all()

    wrong = tmp_path / "AzureMigrateInstaller-VMware-public-PrivateLink.zip"
    wrong.write_bytes(b"not the published installer")
    unverified, _ = run(owner, params(link_vnets=[BYPASS_VNET], confirm=BOTH, appliance_installer=str(wrong)))
    assert statuses(unverified)["install-appliance"] == "waiting"
    assert "is not the published hash of the vmware installer" in detail(unverified, "install-appliance")

    done, journal = run(owner, params(link_vnets=[BYPASS_VNET], confirm=BOTH))
    assert (done.status, done.exit_code) == ("done", 0), done.table().to_string()
    assert journal.changes == []
    checks = [e for e in journal.entries if getattr(e, "kind", "") == "check"]
    assert checks and {c.status for c in checks} <= {"pass", "warn"}
    assert any(c.check == "link" and "vnet-bypass" in c.detail for c in checks)
    project = workload.resources.resources.get_by_id(PROJECT, api_version=MIGRATE_API)
    assert project.properties["publicNetworkAccess"] == "Enabled"  # the article: keep the default


def test_a_project_first_used_publicly_is_refused_in_words(contoso, owner, workload):
    make_public_project(contoso, workload)
    report, journal = run(owner, params())
    assert statuses(report)["project"] == "blocked" and report.exit_code == 3 and journal.changes == []
    assert "first used over public endpoints keeps that connectivity method for good" in detail(report, "project")
    assert "Create a new project" in detail(report, "project")

    # without the sign the plan reads, Azure's refusal still comes back in the same words
    assessment = next(
        workload.resources.resources.list_by_resource_group(
            "rg-workload", filter="resourceType eq 'Microsoft.Migrate/assessmentProjects'"
        )
    )
    workload.resources.resources.begin_delete_by_id(assessment.id, api_version=MIGRATE_API).result()
    report, journal = run(owner, params())
    assert statuses(report)["endpoint"] == "failed" and journal.changes == []
    assert detail(report, "endpoint").startswith("PrivateEndpointConnectivityCannotBeEnabled: a project first used")


def test_a_caller_without_rights_is_stopped_up_front(contoso):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    report, journal = run(operator, params(), principal="operator")
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "Microsoft.Authorization/roleAssignments/write" in detail(report, "prerequisites")
    assert "it needs Owner, or Contributor and User Access Administrator" in detail(report, "prerequisites")


def test_a_subnet_too_small_is_refused_before_anything_changes(owner):
    tiny = subnet(WORKLOAD, "rg-network-bypass", "vnet-bypass", "snet-tiny")
    report, journal = run(owner, params(subnet=tiny))
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "3 free addresses, and Azure Migrate needs about 15" in detail(report, "prerequisites")


def test_the_manual_approval_path(owner):
    asked, journal = run(owner, params(approval="manual"))
    assert statuses(asked)["approval"] == "blocked" and [c.step for c in journal.changes] == ["project", "endpoint"]
    assert "the project's owner approves it" in detail(asked, "approval")
    approved, journal = run(owner, params(approval="manual", approve=True))
    assert statuses(approved)["approval"] == "done" and approved.status == "waiting"  # at generate-key


def test_zones_elsewhere_cannot_be_linked_beside_migrates_own(contoso, owner):
    """Azure Migrate makes its zones in the endpoint's resource group, linked to the endpoint's VNet: the hub's
    zones of the same names cannot be linked there too."""
    run(owner, params(zones_resource_group=DNS_RG))
    assert contoso.event("generate-key", PROJECT, caller="owner").succeeded
    report, journal = run(owner, params(zones_resource_group=DNS_RG, confirm=["generate-key"]))
    assert statuses(report)["links"] == "blocked"
    assert "vnet-spoke is already linked to another privatelink.vaultcore.azure.net" in detail(report, "links")
    assert "rg-network-spoke" in detail(report, "links")
    assert [c.step for c in journal.changes] == ["zones"]  # the project endpoint's zone group (hub zone)

    # Migrate's own zones now: the endpoint's zone group names the hub's zone of that name, which it keeps
    hub_too, journal = run(owner, params(link_vnets=[HUB_VNET], confirm=["generate-key"]))
    assert statuses(hub_too)["zones"] == "blocked" and journal.changes == []
    assert "already names privatelink.prod.migration.windowsazure.com in resource group rg-dns" in detail(
        hub_too, "zones"
    )


def test_an_interrupted_run_finishes_without_duplicates(contoso, workload):
    failing = get_clients(Target(state=str(contoso.path), principal="owner"), retry_total=0)
    run(failing, params())
    assert contoso.event("generate-key", PROJECT, caller="owner").succeeded
    contoso.add_fault(FaultRule(answer=500, method="PUT", path="virtualNetworkLinks"))
    report, journal = run(failing, params(link_vnets=[BYPASS_VNET], confirm=BOTH))
    assert statuses(report)["links"] == "failed" and "InternalServerError" in detail(report, "links")
    assert [c.step for c in journal.changes] == ["zones"]
    contoso.clear_faults()
    resumed, journal = run(failing, params(link_vnets=[BYPASS_VNET], confirm=BOTH))
    assert resumed.status == "done" and [c.step for c in journal.changes] == ["links"] * 4
    groups = list(workload.network.private_dns_zone_groups.list("pe-migrate", "rg-network-spoke"))
    assert len(groups) == 1
