"""The backup runbook in its v1 experience ("Create and use private endpoints (v1 experience) for Azure Backup") end
to end on the contoso demo estate, through the real SDK (v2: test_backup_v2.py)."""

from __future__ import annotations

import uuid

from runbook_lib.azure import Target, get_clients
from runbook_lib.engine import load_parameters
from runbook_lib.ops import roles
from runbook_lib.sandbox.faults import FaultRule
from runbook_lib.scenarios.backup import BackupParameters
from tests.builders import grant
from tests.cli import runbook as runbook_command
from tests.contoso import DNS_RG, HUB, RECOVERY_RG, SPOKE_ENDPOINTS, VAULTS, WORKLOAD, subnet
from tests.scenarios.conftest import detail, run, statuses

NEW_VAULT = f"{VAULTS}/rsv-backup-new"


def params(**change) -> BackupParameters:
    return load_parameters(
        BackupParameters,
        {
            "vault": NEW_VAULT,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": "pe-backup",
            "zones_resource_group": DNS_RG,
            "experience": "v1",
            **change,
        },
    )


def test_plan_apply_again_and_the_seven_steps(contoso, owner, hub):
    planned, journal = run(owner, params(), "plan")
    assert journal.changes == []
    assert statuses(planned)["vault"] == "planned" and statuses(planned)["endpoint"] == "planned"
    assert not any(
        v.name == "rsv-backup-new" for v in hub.recoveryservices.vaults.list_by_resource_group("rg-recovery")
    )

    applied, journal = run(owner, params())
    assert (applied.status, applied.exit_code) == ("waiting", 3)  # at the first registration, a manual step
    assert statuses(applied)["first-registration"] == "waiting" and statuses(applied)["validate"] == "not run"
    assert [c.step for c in journal.changes] == [
        "vault",
        "identity-roles",
        "identity-roles",
        "endpoint",
        "zones",
        "links",
        "links",
        "links",
    ]
    vault = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new")
    assert vault.properties.public_network_access == "Disabled" and vault.identity.principal_id

    again, journal = run(owner, params())
    assert journal.changes == [] and again.status == "waiting"

    assert contoso.event("register-container", NEW_VAULT).succeeded  # the identity writes the _ecs records itself
    after_registration, journal = run(owner, params(confirm=["first-registration"]))
    assert statuses(after_registration)["first-registration"] == "confirmed"
    assert statuses(after_registration)["first-backup"] == "waiting"
    assert contoso.event("first-backup", NEW_VAULT).succeeded
    done, journal = run(owner, params(confirm=["first-registration", "first-backup"]))
    assert (done.status, done.exit_code) == ("done", 0), done.table().to_string()
    checks = [e for e in journal.entries if getattr(e, "kind", "") == "check"]
    assert checks and {c.status for c in checks} <= {"pass", "warn"}
    assert {c.step for c in checks if c.check != "observe"} == {"validate"}
    # what the run saw in Azure after each confirmation: the endpoints Azure Backup made
    assert [(c.step, c.status) for c in checks if c.check == "observe"] == [
        ("first-registration", "pass"),
        ("first-backup", "pass"),
    ]


def test_zones_the_identity_may_not_write_get_their_records_from_the_runbook(contoso, owner, hub):
    """The Backup article's workaround: the storage endpoints' records go in by the runbook's dns steps."""
    run(owner, params())
    for assignment in hub.authorization.role_assignments.list_for_scope(DNS_RG):
        if assignment.principal_type == "ServicePrincipal":
            hub.authorization.role_assignments.delete(DNS_RG, assignment.name)
    assert contoso.event("register-container", NEW_VAULT).code == "UserErrorVMInternetConnectivityIssue"
    _report, journal = run(owner, params(confirm=["first-registration"]))
    # the identity-roles step grants the zone role again, and the first dns step writes the two _ecs records
    assert [c.step for c in journal.changes] == ["identity-roles", "dns-records", "dns-records"]
    assert contoso.event("register-container", NEW_VAULT).succeeded


def test_a_vault_that_had_items_is_refused(owner):
    report, journal = run(owner, params(vault=f"{VAULTS}/rsv-legacy-wus3"))
    assert statuses(report)["vault"] == "blocked" and report.exit_code == 3 and journal.changes == []
    assert "private endpoints can only be created for vaults that never had one" in report.steps[1].detail


def test_a_subnet_too_small_is_refused_before_anything_changes(owner):
    tiny = subnet(WORKLOAD, "rg-network-bypass", "vnet-bypass", "snet-tiny")
    report, journal = run(owner, params(subnet=tiny))
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "3 free addresses, and AzureBackup needs 11 (8 for the vault's endpoint" in report.steps[0].detail


def test_a_caller_without_rights_is_stopped_up_front(contoso):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    report, journal = run(operator, params(), principal="operator")
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "it needs Owner, or Contributor and User Access Administrator" in report.steps[0].detail
    assert "AuthorizationFailed" in report.steps[0].detail  # it may not even read the hub's vaults


def test_an_identity_that_is_off_is_turned_on_before_the_endpoint(owner, hub):
    hub.recoveryservices.vaults.begin_create_or_update(
        "rg-recovery",
        "rsv-backup-new",
        {
            "location": "westus3",
            "sku": {"name": "Standard"},
            "identity": {"type": "None"},
            "properties": {"publicNetworkAccess": "Enabled"},
        },
    ).result()
    planned, _ = run(owner, params(), "plan")
    rows = planned.plan_table()
    assert rows.loc[rows["Step"] == "identity", "Action"].tolist() == ["update"]
    assert rows.loc[rows["Step"] == "deny-public-access", ["Before", "After"]].values.tolist() == [
        ["Enabled", "Disabled"]
    ]
    _applied, journal = run(owner, params())
    steps = [c.step for c in journal.changes]
    assert steps.index("identity") < steps.index("endpoint")


def test_the_manual_approval_path(contoso, owner, hub):
    """The vault's owner prepares the vault; the operator asks for an endpoint; the owner approves it."""
    vault = f"{VAULTS}/rsv-backup-wus3"
    prepared, _ = run(owner, params(vault=vault, endpoint_name="pe-prepared"))  # identity roles, zones, links
    assert statuses(prepared)["identity-roles"] == "done"
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    operator_id = next(p.object_id for p in contoso.principals() if p.name == "operator")
    for group in ("rg-recovery", "rg-dns"):
        grant(hub, f"/subscriptions/{HUB}/resourceGroups/{group}", "Reader", operator_id, "User")
    asked, journal = run(operator, params(vault=vault, approval="manual"), principal="operator")
    assert statuses(asked)["approval"] == "blocked" and "the vault's owner approves it" in asked.steps[6].detail
    assert [c.step for c in journal.changes] == ["endpoint"]
    approved, journal = run(owner, params(vault=vault, approval="manual", approve=True))
    assert statuses(approved)["approval"] == "done" and approved.status == "waiting"


def test_throttling_and_server_errors_are_retried_by_azure_core(contoso, owner):
    contoso.add_fault(FaultRule(answer=429, share=0.3, method="PUT", stream=3))
    contoso.add_fault(FaultRule(answer=503, share=0.2, method="GET", stream=4))
    report, journal = run(owner, params())
    assert report.status == "waiting" and len(journal.changes) == 8
    assert sum(rule.hits for rule in contoso.faults()) >= 3


def test_an_interrupted_run_finishes_without_duplicates(contoso, hub):
    contoso.add_fault(FaultRule(answer=500, method="PUT", path="privateDnsZoneGroups"))
    failing = get_clients(Target(state=str(contoso.path), principal="owner"), retry_total=0)
    report, journal = run(failing, params())
    assert statuses(report)["zones"] == "failed" and "InternalServerError" in report.steps[7].detail
    assert [c.step for c in journal.changes] == ["vault", "identity-roles", "identity-roles", "endpoint"]
    contoso.clear_faults()
    resumed, journal = run(failing, params())
    assert resumed.status == "waiting" and [c.step for c in journal.changes] == ["zones", "links", "links", "links"]
    principal = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new").identity.principal_id
    held = [a for a in hub.authorization.role_assignments.list_for_scope(DNS_RG) if a.principal_id == principal]
    assert len(held) == 1


def test_the_cli_plans_applies_and_refuses_bad_parameters(contoso, tmp_path):
    state = str(contoso.path)
    planned = runbook_command(
        "plan",
        "backup",
        "-f",
        "parameters/backup.v1.sandbox.yaml",
        "--state",
        state,
        "--as",
        "owner",
        "--journal",
        str(tmp_path / "j.jsonl"),
    )
    assert planned.returncode == 0, planned.stderr
    assert "backup: planned" in planned.stderr or "backup: waiting" in planned.stderr
    applied = runbook_command(
        "apply",
        "backup",
        "-f",
        "parameters/backup.v1.sandbox.yaml",
        "--state",
        state,
        "--as",
        "owner",
        "--journal",
        str(tmp_path / "j.jsonl"),
    )
    assert applied.returncode == 3 and "first-registration: waiting" in applied.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("vualt: x\n")
    refused = runbook_command("plan", "backup", "-f", str(bad), "--state", state)
    assert refused.returncode == 2 and "vualt: unknown parameter" in refused.stderr


def test_role_assignments_for_a_new_identity_need_not_wait_for_it_to_become_visible(contoso):
    """Microsoft Entra ID shows a new vault identity only after a while; the assignments name principalType
    ServicePrincipal, so ARM skips the lookup and takes each at once instead of answering PrincipalNotFound."""
    contoso.configure(principal_delay=1.5)
    puts: list[str] = []
    owner = get_clients(
        Target(state=str(contoso.path), principal="owner"),
        raw_request_hook=lambda r: (
            puts.append(r.http_request.url)
            if r.http_request.method == "PUT" and "roleAssignments" in r.http_request.url
            else None
        ),
    )
    report, journal = run(owner, params())
    assert report.status == "waiting" and [c.step for c in journal.changes][:3] == [
        "vault",
        "identity-roles",
        "identity-roles",
    ]
    assert len(puts) == 2  # two assignments, neither tried again while the identity was not visible


# --- the vault identity keeps what it has, and gets exactly the rights the article documents -------------------

SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"


def identity_roles_of(hub, principal: str) -> dict[str, set[str]]:
    """Resource group -> the roles (by name) ``principal`` holds there, on the spoke's and the zones' groups."""
    return {group: roles.roles_held(hub, group, principal) for group in (SPOKE_RG, DNS_RG)}


def test_a_user_assigned_identity_stays_when_the_system_identity_is_turned_on(owner, hub):
    """The user-assigned identity a customer-managed key uses must survive: a PATCH of type SystemAssigned alone
    would drop it (as Azure does; tests/sandbox/test_recoveryservices.py)."""
    cmk = hub.resources.resources.begin_create_or_update_by_id(
        f"{RECOVERY_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-rsv-cmk",
        {"location": "westus3"},
        api_version="2023-01-31",
    ).result()
    hub.recoveryservices.vaults.begin_create_or_update(
        "rg-recovery",
        "rsv-backup-new",
        {
            "location": "westus3",
            "sku": {"name": "Standard"},
            "properties": {"publicNetworkAccess": "Enabled"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {cmk.id: {}}},
        },
    ).result()

    planned, _ = run(owner, params(), "plan")
    rows = planned.plan_table()
    assert rows.loc[rows["Step"] == "identity", ["Action", "Before", "After"]].values.tolist() == [
        ["update", "UserAssigned (id-rsv-cmk)", "SystemAssigned, UserAssigned (id-rsv-cmk)"]
    ]
    run(owner, params())
    identity = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new").identity
    assert identity.type == "SystemAssigned, UserAssigned" and identity.principal_id
    assert list(identity.user_assigned_identities) == [cmk.id]
    assert identity.user_assigned_identities[cmk.id].principal_id == cmk.properties["principalId"]
    again, _journal = run(owner, params(), "plan")
    rows = again.plan_table()
    assert rows.loc[rows["Step"] == "identity", ["Action", "Before"]].values.tolist() == [
        ["unchanged", "SystemAssigned, UserAssigned (id-rsv-cmk)"]
    ]


def test_contributor_on_the_three_resource_groups_and_nothing_else(owner, hub):
    run(owner, params())
    principal = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new").identity.principal_id
    # the endpoint's and the VNet's group are the spoke's; the zones' is rg-dns
    assert identity_roles_of(hub, principal) == {SPOKE_RG: {"Contributor"}, DNS_RG: {"Contributor"}}


def test_granular_roles_create_the_documented_definitions_and_assign_them(contoso, owner, hub):
    planned, journal = run(owner, params(identity_roles="granular"), "plan")
    rows = planned.plan_table()
    grants = rows.loc[rows["Step"] == "identity-roles"]
    assert grants["Action"].tolist() == ["create"] * 7  # three definitions, four assignments
    assert grants["After"].tolist()[:3] == [
        "PrivateEndpointContributor: Microsoft.Network/privateEndpoints/*",
        "NetworkInterfaceReader: Microsoft.Network/networkInterfaces/read",
        "PrivateEndpointSubnetContributor: Microsoft.Network/virtualNetworks/subnets/join/action",
    ]
    prerequisites = rows.loc[rows["Step"] == "prerequisites", "Resource"].tolist()
    assert SPOKE_RG in prerequisites  # the caller's right to write role definitions there is checked

    _applied, journal = run(owner, params(identity_roles="granular"))
    assert [c.step for c in journal.changes][:8] == ["vault"] + ["identity-roles"] * 7
    principal = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new").identity.principal_id
    assert identity_roles_of(hub, principal) == {
        SPOKE_RG: {"PrivateEndpointContributor", "NetworkInterfaceReader", "PrivateEndpointSubnetContributor"},
        DNS_RG: {"Private DNS Zone Contributor"},
    }
    definition = roles.find_role_definition(owner, f"/subscriptions/{WORKLOAD}", "PrivateEndpointContributor")
    assert definition.role_type == "CustomRole" and definition.assignable_scopes == [f"/subscriptions/{WORKLOAD}"]

    _again, journal = run(owner, params(identity_roles="granular"))
    assert journal.changes == []
    # the custom roles are enough for Azure Backup to create its storage endpoints and their records
    assert contoso.event("register-container", NEW_VAULT).succeeded


def test_a_custom_role_of_that_name_with_other_actions_is_never_overwritten(owner):
    wider = {
        "properties": {
            "roleName": "NetworkInterfaceReader",
            "description": "someone else's",
            "permissions": [{"actions": ["Microsoft.Network/*"]}],
            "assignableScopes": [f"/subscriptions/{WORKLOAD}"],
        }
    }
    owner.authorization.role_definitions.create_or_update(f"/subscriptions/{WORKLOAD}", str(uuid.uuid4()), wider)
    report, journal = run(owner, params(identity_roles="granular"))
    assert statuses(report)["identity-roles"] == "blocked"
    assert "a custom role named NetworkInterfaceReader exists with the actions Microsoft.Network/*" in detail(
        report, "identity-roles"
    )
    assert "identity-roles" not in [c.step for c in journal.changes]
    kept = roles.find_role_definition(owner, f"/subscriptions/{WORKLOAD}", "NetworkInterfaceReader")
    assert roles.actions_of(kept) == {"microsoft.network/*"}


def test_granular_roles_need_the_right_to_write_role_definitions_before_anything_changes(contoso, owner, hub):
    """An operator who may build and assign roles, but not define them: granular is refused up front, the
    built-in Contributor is not."""
    operator_id = next(p.object_id for p in contoso.principals() if p.name == "operator")
    workload = owner.for_subscription(WORKLOAD)
    for clients, subscription in ((hub, HUB), (workload, WORKLOAD)):
        scope = f"/subscriptions/{subscription}"
        if "Contributor" not in roles.roles_held(clients, scope, operator_id):
            grant(clients, scope, "Contributor", operator_id, "User")
        assigner = clients.authorization.role_definitions.create_or_update(
            scope,
            str(uuid.uuid4()),
            {
                "properties": {
                    "roleName": f"Role assigner {subscription[:8]}",
                    "description": "assigns roles",
                    "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/*"]}],
                    "assignableScopes": [scope],
                }
            },
        )
        clients.authorization.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {"properties": {"roleDefinitionId": assigner.id, "principalId": operator_id, "principalType": "User"}},
        )
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))

    refused, journal = run(operator, params(identity_roles="granular"), principal="operator")
    assert statuses(refused)["prerequisites"] == "blocked" and journal.changes == []
    assert "the caller may not Microsoft.Authorization/roleDefinitions/write here" in detail(refused, "prerequisites")
    allowed, _ = run(operator, params(), "plan", principal="operator")
    assert statuses(allowed)["prerequisites"] != "blocked", allowed.table().to_string()


def test_a_custom_role_assignable_only_in_another_subscription_is_refused_before_apply(owner, hub):
    """Custom role names are unique in the directory: the run cannot make a second PrivateEndpointContributor for
    the workload subscription when the hub's already has the name (Azure: RoleDefinitionWithSameNameExists)."""
    hub_scope = f"/subscriptions/{HUB}"
    hub.authorization.role_definitions.create_or_update(
        hub_scope,
        str(uuid.uuid4()),
        {
            "properties": {
                "roleName": "PrivateEndpointContributor",
                "description": "Allows management of Private Endpoint",
                "permissions": [{"actions": ["Microsoft.Network/privateEndpoints/*"]}],
                "assignableScopes": [hub_scope],
            }
        },
    )
    planned, _ = run(owner, params(identity_roles="granular"), "plan")
    assert statuses(planned)["identity-roles"] == "blocked"
    assert (
        f"a custom role named PrivateEndpointContributor exists in this directory, assignable in {hub_scope} "
        f"but not in subscription {WORKLOAD}"
    ) in detail(planned, "identity-roles")
