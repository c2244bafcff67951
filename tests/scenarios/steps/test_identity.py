"""steps.GrantIdentity: the roles it grants the vault's identity, and the custom role definitions it creates, are
the ones the scenario gives it."""

from __future__ import annotations

from runbook_lib.engine import Run
from runbook_lib.ops import roles
from runbook_lib.scenarios import steps
from runbook_lib.scenarios.backup_identity import NETWORK_INTERFACE_READER
from tests.contoso import DNS_RG, WORKLOAD
from tests.scenarios.test_backup import params

SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"


def test_without_grants_nothing_is_assigned(owner):
    (row,) = steps.GrantIdentity().plan(Run(owner, params()))
    assert row.action == "unchanged" and "documents no roles on resource groups" in row.reason


def test_each_grant_is_a_row_waiting_for_the_identity(owner):
    rows = steps.GrantIdentity(grants=[(SPOKE_RG, "Contributor"), (DNS_RG, "Private DNS Zone Contributor")]).plan(
        Run(owner, params())
    )
    assert [(r.resource, r.action, r.after) for r in rows] == [
        (SPOKE_RG, "create", "Contributor for the vault's identity"),
        (DNS_RG, "create", "Private DNS Zone Contributor for the vault's identity"),
    ]
    assert all(r.reason == "once the vault and its identity exist" for r in rows)


def test_a_custom_role_given_is_defined_before_it_is_assigned(owner):
    step = steps.GrantIdentity(
        grants=[(SPOKE_RG, NETWORK_INTERFACE_READER.name)], custom_roles=[NETWORK_INTERFACE_READER]
    )
    definition, assignment = step.plan(Run(owner, params()))
    assert (
        definition.action == "create"
        and definition.after == "NetworkInterfaceReader: Microsoft.Network/networkInterfaces/read"
    )
    assert assignment.resource == SPOKE_RG and "once its role definition exists" in assignment.reason
    definition.write()
    assert roles.find_role_definition(owner, f"/subscriptions/{WORKLOAD}", NETWORK_INTERFACE_READER.name)
    definition, _ = step.plan(Run(owner, params()))
    assert definition.action == "unchanged"
