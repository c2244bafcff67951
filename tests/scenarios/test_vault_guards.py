"""The vault guards of the Backup runbook, through the real SDK on the sandbox's demo estate: regions, cross-region
restore, the subnet's addresses (up front and before each event after which Azure Backup adds endpoints), and a further
endpoint on a vault that already has items. Each: blocked in the plan with its reason, nothing written when applied, and
the case that passes."""

from __future__ import annotations

import pytest

from runbook_lib.engine import load_parameters
from runbook_lib.scenarios.backup import BackupParameters
from runbook_lib.scenarios.site_recovery import SiteRecoveryParameters
from tests.builders import make_endpoint
from tests.contoso import BYPASS_VNET, DNS_RG, HUB_VNET, SPOKE_ENDPOINTS, STORAGE, VAULTS, WORKLOAD
from tests.scenarios.conftest import changed, detail, run, statuses

NEW_VAULT = f"{VAULTS}/rsv-backup-new"
SPOKE_RG = "rg-network-spoke"


def params(**change) -> BackupParameters:
    return load_parameters(
        BackupParameters,
        {
            "vault": NEW_VAULT,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": "pe-backup",
            "zones_resource_group": DNS_RG,
            "experience": "v1",  # the v1 experience's addresses and storage endpoints
            **change,
        },
    )


def rows(report, step: str) -> list[dict]:
    table = report.plan_table()
    return table[table["Step"] == step].to_dict("records")


def resource_ids(sandbox) -> set[str]:
    return {r["id"].lower() for r in sandbox.resources()}


def add_subnet(owner, name: str, prefix: str) -> str:
    """A subnet of the spoke VNet (westus3), through the SDK."""
    subnet = (
        owner.for_subscription(WORKLOAD)
        .network.subnets.begin_create_or_update(SPOKE_RG, "vnet-spoke", name, {"properties": {"addressPrefix": prefix}})
        .result()
    )
    return subnet.id


# --- regions ---------------------------------------------------------------------------------------------------


def test_a_uksouth_vault_with_a_westus3_subnet_is_blocked_before_anything_is_written(contoso, owner):
    before = resource_ids(contoso)
    report, journal = run(owner, params(vault=f"{VAULTS}/rsv-backup-uks"))
    assert statuses(report)["vault"] == "blocked" and report.exit_code == 3 and journal.changes == []
    reason = detail(report, "vault")
    assert "the vault is in uksouth and the endpoint's VNet vnet-spoke in westus3" in reason
    assert "choose a subnet in a uksouth VNet (subnet), or a vault in westus3 (vault)" in reason
    assert statuses(report)["endpoint"] == "not run" and resource_ids(contoso) == before


def test_a_new_vault_in_another_region_names_the_location_parameter(owner, hub):
    report, journal = run(owner, params(location="uksouth"), "plan")
    assert statuses(report)["vault"] == "blocked"
    assert "the new vault (location) is in uksouth" in detail(report, "vault")
    assert "or a vault in westus3 (vault and location)" in detail(report, "vault")
    _applied, journal = run(owner, params(location="uksouth"))
    assert journal.changes == []
    assert "rsv-backup-new" not in [v.name for v in hub.recoveryservices.vaults.list_by_resource_group("rg-recovery")]


def test_a_vault_in_its_endpoints_region_passes_and_the_plan_says_so(owner):
    report, _ = run(owner, params(vault=f"{VAULTS}/rsv-backup-wus3"), "plan")
    region = rows(report, "vault")[0]
    assert (region["Resource"], region["Action"], region["After"]) == (SPOKE_ENDPOINTS, "unchanged", "westus3")
    assert "the endpoint's VNet is in the vault's region, westus3" in region["Reason"]
    assert statuses(report)["vault"] == "nothing to do" and report.status == "planned"


def test_site_recovery_states_that_the_vault_region_is_the_failover_region(owner):
    p = load_parameters(
        SiteRecoveryParameters,
        {
            "vault": f"{VAULTS}/rsv-asr-new",
            "subnet": f"{BYPASS_VNET}/subnets/snet-endpoints",
            "endpoint_name": "pe-asr",
            "zones_resource_group": DNS_RG,
            "location": "uksouth",
        },
    )
    report, _journal = run(owner, p, "plan")
    region = rows(report, "vault")[0]
    assert region["Action"] == "unchanged" and region["After"] == "uksouth"
    assert "is the failover (target) region" in region["Reason"]
    assert "the parameters do not name the machines' source region" in region["Reason"]


# --- cross-region restore --------------------------------------------------------------------------------------


@pytest.fixture
def crr_vault(hub):
    """A vault that never had items, public access on and cross-region restore on (a geo-redundant vault)."""
    return hub.recoveryservices.vaults.begin_create_or_update(
        "rg-recovery",
        "rsv-backup-crr",
        {
            "location": "westus3",
            "sku": {"name": "Standard"},
            "identity": {"type": "SystemAssigned"},
            "properties": {
                "publicNetworkAccess": "Enabled",
                "redundancySettings": {
                    "standardTierStorageRedundancy": "GeoRedundant",
                    "crossRegionRestore": "Enabled",
                },
            },
        },
    ).result()


def test_denying_public_access_on_a_vault_with_cross_region_restore_is_blocked_with_the_choice(
    contoso, owner, hub, crr_vault
):
    before = resource_ids(contoso)
    report, journal = run(owner, params(vault=crr_vault.id))
    assert statuses(report)["deny-public-access"] == "blocked" and journal.changes == []
    reason = detail(report, "deny-public-access")
    assert "cross-region restore is on, and denying public network access is not supported with it" in reason
    assert "turn cross-region restore off" in reason and "set public_access: keep" in reason
    assert "'Deny public network access to the vault'" in reason
    assert resource_ids(contoso) == before
    assert (
        hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-crr").properties.public_network_access == "Enabled"
    )


def test_a_vault_that_already_denies_public_access_with_cross_region_restore_on_is_blocked(owner, hub, crr_vault):
    hub.recoveryservices.vaults.begin_update(
        "rg-recovery", "rsv-backup-crr", {"properties": {"publicNetworkAccess": "Disabled"}}
    ).result()  # Azure accepts it: the article says no
    report, journal = run(owner, params(vault=crr_vault.id))
    assert statuses(report)["deny-public-access"] == "blocked" and journal.changes == []
    assert detail(report, "deny-public-access").startswith(
        "the vault denies public network access while cross-region restore is on, which is not supported"
    )
    assert "allow public access again and set public_access: keep" in detail(report, "deny-public-access")


def test_keeping_public_access_is_recorded_in_the_plan_and_the_run_goes_on(owner, hub, crr_vault):
    report, journal = run(owner, params(vault=crr_vault.id, public_access="keep"))
    kept = rows(report, "deny-public-access")[0]
    assert kept["Action"] == "unchanged" and kept["After"] == "Enabled"
    assert kept["Reason"].startswith(
        "public_access: keep: public network access stays Enabled (cross-region restore is on and needs it)"
    )
    assert report.status == "waiting" and "endpoint" in changed(journal)
    vault = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-crr")
    assert vault.properties.public_network_access == "Enabled"
    assert vault.properties.redundancy_settings.cross_region_restore == "Enabled"


def test_with_cross_region_restore_turned_off_public_access_is_denied(owner, hub, crr_vault):
    hub.recoveryservices.vaults.begin_update(
        "rg-recovery", "rsv-backup-crr", {"properties": {"redundancySettings": {"crossRegionRestore": "Disabled"}}}
    ).result()
    planned, _ = run(owner, params(vault=crr_vault.id), "plan")
    deny = rows(planned, "deny-public-access")[0]
    assert (deny["Action"], deny["Before"], deny["After"]) == ("update", "Enabled", "Disabled")


def test_a_new_vault_that_keeps_public_access_is_created_with_it(owner, hub):
    report, _journal = run(owner, params(public_access="keep"))
    assert rows(report, "vault")[-1]["After"].endswith("public access kept (public_access: keep)")
    assert (
        hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new").properties.public_network_access == "Enabled"
    )
    assert "public_access: keep" in rows(report, "deny-public-access")[0]["Reason"]


# --- addresses -------------------------------------------------------------------------------------------------


def test_the_articles_minimum_passes_with_a_warning_below_its_recommendation(owner):
    small = add_subnet(owner, "snet-small", "10.1.2.0/28")  # 16 - 5 reserved = 11 free
    report, _journal = run(owner, params(subnet=small), "plan")
    subnet = next(r for r in rows(report, "prerequisites") if r["Resource"] == small)
    assert subnet["Action"] == "unchanged" and subnet["After"] == "11"
    assert subnet["Reason"].startswith(
        "warning: 11 free addresses, 11 needed, but Azure Backup uses up to 25 in "
        "some regions, and Microsoft advises a /26"
    )
    assert statuses(report)["prerequisites"] == "nothing to do" and report.status == "planned"


def test_the_recommended_size_passes_without_a_warning(owner):
    report, _ = run(owner, params(), "plan")
    subnet = next(r for r in rows(report, "prerequisites") if r["Resource"] == SPOKE_ENDPOINTS)
    assert subnet["Reason"] == "59 free addresses, 11 needed"


def test_below_the_minimum_the_run_stops_before_writing(contoso, owner):
    tiny = add_subnet(owner, "snet-ten", "10.1.3.0/28")
    make_endpoint(
        owner.for_subscription(WORKLOAD), SPOKE_RG, "pe-other", tiny, f"{STORAGE}/stcontosocache7f3k", "blob"
    )  # one address taken: 10 left
    before = resource_ids(contoso)
    report, journal = run(owner, params(subnet=tiny))
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert (
        "10 free addresses, and AzureBackup needs 11 (8 for the vault's endpoint, 2 for the _ecs blob and "
        "queue endpoints" in detail(report, "prerequisites")
    )
    assert resource_ids(contoso) == before


def test_the_subnet_is_checked_again_before_the_first_registration(contoso, owner):
    """The endpoint took 8 of the /28's 11; other endpoints took 2 more: no room for the 2 _ecs endpoints."""
    small = add_subnet(owner, "snet-small", "10.1.2.0/28")
    applied, _ = run(owner, params(subnet=small))
    assert applied.status == "waiting"
    workload = owner.for_subscription(WORKLOAD)
    for name in ("pe-other-1", "pe-other-2"):
        make_endpoint(workload, SPOKE_RG, name, small, f"{STORAGE}/stcontosocache7f3k", "blob")
    planned, _ = run(owner, params(subnet=small), "plan")
    assert (
        "snet-small has 1 free addresses, and Azure Backup adds 2 _ecs endpoint(s) there at the first "
        "registration" in detail(planned, "first-registration")
    )
    confirmed, journal = run(owner, params(subnet=small, confirm=["first-registration"]))
    assert statuses(confirmed)["first-registration"] == "waiting" and journal.changes == []
    assert [c for c in journal.entries if getattr(c, "kind", "") == "confirmation"] == []
    refused = contoso.event("register-container", NEW_VAULT)  # what Azure Backup then meets
    assert not refused.succeeded and refused.code == "SubnetIsFull"

    workload.network.private_endpoints.begin_delete(SPOKE_RG, "pe-other-2").result()
    workload.network.private_endpoints.begin_delete(SPOKE_RG, "pe-other-1").result()
    assert contoso.event("register-container", NEW_VAULT).succeeded
    after, _ = run(owner, params(subnet=small, confirm=["first-registration"]))
    assert statuses(after)["first-registration"] == "confirmed"
    assert statuses(after)["first-backup"] == "waiting"  # 1 free for the _prot endpoint: the instructions
    assert detail(after, "first-backup").startswith("Run the first backup.")


# --- a further endpoint ----------------------------------------------------------------------------------------


def test_a_further_endpoint_on_a_vault_with_items_and_an_endpoint_is_allowed(contoso, owner):
    run(owner, params())
    assert contoso.event("register-container", NEW_VAULT).succeeded
    assert contoso.event("first-backup", NEW_VAULT).succeeded
    hub_endpoints = f"{HUB_VNET}/subnets/snet-endpoints"
    planned, _ = run(owner, params(subnet=hub_endpoints, endpoint_name="pe-backup-hub"), "plan")
    vault = rows(planned, "vault")[-1]
    assert vault["Action"] == "unchanged" and "a further endpoint is allowed" in vault["Reason"]
    assert "1 protected item (ProtectedItemCount), 1 registered container (MABContainersCount)" in vault["Reason"]
    applied, journal = run(owner, params(subnet=hub_endpoints, endpoint_name="pe-backup-hub"))
    assert "endpoint" in changed(journal) and statuses(applied)["endpoint"] == "done"


def test_a_first_endpoint_on_a_vault_that_had_items_names_what_azure_counts(contoso, owner):
    before = resource_ids(contoso)
    report, journal = run(owner, params(vault=f"{VAULTS}/rsv-legacy-wus3"))
    assert statuses(report)["vault"] == "blocked" and journal.changes == [] and resource_ids(contoso) == before
    assert (
        "the vault has items: 1 protected item (ProtectedItemCount), 1 registered container "
        "(MABContainersCount); private endpoints can only be created for vaults that never had one"
        in detail(report, "vault")
    )
