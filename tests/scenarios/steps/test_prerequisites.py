"""steps.Prerequisites: what it checks is what the scenario gives it (the group id, the addresses and why, the
identity's grants), not class constants of a parameter model."""

from __future__ import annotations

from runbook_lib.azure.ids import parse_id
from runbook_lib.engine import Run
from runbook_lib.ops.network import free_addresses
from runbook_lib.scenarios import steps
from tests.builders import make_endpoint, make_vault
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, WORKLOAD
from tests.scenarios.test_backup import NEW_VAULT, params


def prerequisites(**given) -> steps.Prerequisites:
    return steps.Prerequisites(
        **{"group_id": "AzureBackup", "members": 1, "members_why": "the test's endpoint", **given}
    )


def addresses(rows):
    (row,) = [r for r in rows if r.resource == SPOKE_ENDPOINTS]
    return row


def test_members_decide_whether_the_subnet_has_room(owner):
    free = free_addresses(owner, SPOKE_ENDPOINTS)
    run = Run(owner, params())
    short = addresses(prerequisites(members=free + 1).plan(run))
    assert short.action == "blocked"
    assert short.reason == (
        f"{free} free addresses, and AzureBackup needs {free + 1} (the test's endpoint): choose a larger subnet"
    )
    fits = addresses(prerequisites(members=free).plan(run))
    assert fits.action == "unchanged" and fits.reason == f"{free} free addresses, {free} needed"


def test_below_the_recommended_count_it_passes_with_a_warning(owner):
    free = free_addresses(owner, SPOKE_ENDPOINTS)
    row = addresses(
        prerequisites(members=1, recommended=free + 1, recommended_why="the article advises more").plan(
            Run(owner, params())
        )
    )
    assert row.action == "unchanged"
    assert row.reason.startswith(f"warning: {free} free addresses, 1 needed, but the article advises more")


def test_the_grants_given_decide_where_the_caller_needs_to_assign_roles(owner):
    run = Run(owner, params())
    plain = prerequisites().needs(run)
    assert not any("Microsoft.Authorization/roleAssignments/write" in actions for actions in plain.values())
    assert plain[parse_id(NEW_VAULT).resource_group_id] == ["Microsoft.RecoveryServices/vaults/write"]
    granting = prerequisites(grants=[(DNS_RG, "Contributor")]).needs(run)
    assert granting[DNS_RG] == ["Microsoft.Authorization/roleAssignments/write"]


def test_an_endpoint_by_that_name_serving_another_group_is_refused(owner):
    workload = owner.for_subscription(WORKLOAD)
    vault = make_vault(workload, "rg-network-spoke", "rsv-other")
    make_endpoint(workload, "rg-network-spoke", "pe-backup", SPOKE_ENDPOINTS, vault.id, "AzureSiteRecovery")
    rows = prerequisites(group_id="AzureBackup").plan(Run(owner, params()))
    refusal = next(r for r in rows if r.action == "blocked")
    assert refusal.resource.endswith("/privateEndpoints/pe-backup")
    assert refusal.reason.startswith(
        "pe-backup is an AzureSiteRecovery endpoint of rsv-other, not an AzureBackup endpoint of rsv-backup-new"
    )
    assert SPOKE_ENDPOINTS not in [r.resource for r in rows]  # an existing endpoint takes no new addresses
