"""steps.CreateEndpoint and steps.ApproveEndpoint: the group id they connect and accept is the one the scenario
gives them."""

from __future__ import annotations

import pytest

from runbook_lib.engine import Run
from runbook_lib.ops import endpoints
from runbook_lib.scenarios import steps
from tests.builders import make_vault
from tests.contoso import VAULTS
from tests.scenarios.test_backup import params

VAULT = f"{VAULTS}/rsv-steps"


@pytest.fixture
def vault(hub):
    return make_vault(hub, "rg-recovery", "rsv-steps").id


@pytest.mark.parametrize("group_id", ["AzureBackup", "AzureSiteRecovery"])
def test_the_endpoint_connects_the_group_it_is_given(owner, vault, group_id):
    run = Run(owner, params(vault=vault))
    (row,) = steps.CreateEndpoint(group_id=group_id).plan(run)
    assert row.action == "create" and row.after == f"{group_id} endpoint in vnet-spoke"
    row.write()
    made = endpoints.serves(endpoints.get_endpoint(owner, run.params.endpoint_id))
    assert made.targets(vault, group_id)
    (again,) = steps.CreateEndpoint(group_id=group_id).plan(run)
    assert again.action == "unchanged" and again.before == "Approved"
    (other,) = steps.CreateEndpoint(group_id="AzureBackup" if group_id != "AzureBackup" else "AzureSiteRecovery").plan(
        run
    )
    assert other.action == "blocked" and f"pe-backup is an {group_id} endpoint of rsv-steps" in other.reason


def test_approval_accepts_only_an_endpoint_of_its_group(owner, vault):
    run = Run(owner, params(vault=vault, approval="manual", approve=True))
    steps.CreateEndpoint(group_id="AzureBackup").plan(run)[0].write()
    (refused,) = steps.ApproveEndpoint(group_id="AzureSiteRecovery").plan(run)
    assert refused.action == "blocked" and "not an AzureSiteRecovery endpoint of rsv-steps" in refused.reason
    (approve,) = steps.ApproveEndpoint(group_id="AzureBackup").plan(run)
    assert (approve.action, approve.before, approve.after) == ("update", "Pending", "Approved")
    approve.write()
    assert endpoints.connection_state(endpoints.get_endpoint(owner, run.params.endpoint_id)) == "Approved"
