"""The Site Recovery runbook ("Replicate on-premises machines by using private endpoints") end to end on the contoso
demo estate, through the real SDK."""

from __future__ import annotations

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.ids import parse_id
from runbook_lib.engine import load_parameters
from runbook_lib.errors import InputError
from runbook_lib.ops import roles
from runbook_lib.sandbox.faults import FaultRule
from runbook_lib.scenarios.site_recovery import (
    SiteRecoveryParameters,
    allowed_urls,
    export_allowed_urls,
    members,
)
from tests.builders import a_records, grant
from tests.contoso import (
    BYPASS_VNET,
    DNS_RG,
    HUB,
    RECOVERY_RG,
    SPOKE_ENDPOINTS,
    STORAGE,
    VAULTS,
    WORKLOAD,
)
from tests.scenarios.conftest import changed, detail, run, statuses

NEW_VAULT = f"{VAULTS}/rsv-asr-new"
BYPASS_ENDPOINTS = f"{BYPASS_VNET}/subnets/snet-endpoints"
BYPASS_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-bypass"
ENDPOINT = f"{BYPASS_RG}/providers/Microsoft.Network/privateEndpoints/pe-asr"
CACHE_ENDPOINT = f"{ENDPOINT}-cache-blob"
CACHE = f"{STORAGE}/stcontosocache7f3k"
PREMIUM = f"{STORAGE}/stcontosoprem7f3k"
CLASSIC = f"{RECOVERY_RG}/providers/Microsoft.ClassicStorage/storageAccounts/stcontosoclassic7f3k"
SITE_RECOVERY_ZONE = "privatelink.siterecovery.windowsazure.com"
# no roles on resource groups: the vault's identity gets the storage roles by type only
FULL_RUN = [
    "vault",
    "endpoint",
    "zones",
    "links",
    "links",
    "links",
    "storage-roles",
    "storage-roles",
    "cache-endpoint",
    "cache-endpoint",
]


def params(**change) -> SiteRecoveryParameters:
    return load_parameters(
        SiteRecoveryParameters,
        {
            "vault": NEW_VAULT,
            "subnet": BYPASS_ENDPOINTS,
            "endpoint_name": "pe-asr",
            "zones_resource_group": DNS_RG,
            **change,
        },
    )


def with_cache(**change) -> SiteRecoveryParameters:
    """The hub's shared zones, the modernized experience and the Standard cache account with its blob endpoint."""
    return params(
        **{"cache_storage": CACHE, "cache_endpoint": True, "hub_and_spoke": True, "modernized": True, **change}
    )


def principal_of(hub, vault: str = "rsv-asr-new") -> str:
    return hub.recoveryservices.vaults.get("rg-recovery", vault).identity.principal_id


def test_plan_apply_again_then_protect_the_machines(contoso, owner, hub):
    planned, journal = run(owner, with_cache(), "plan")
    assert journal.changes == [] and planned.status == "planned" and statuses(planned)["protect-vms"] == "waiting"
    rows = planned.plan_table()
    assert rows.loc[rows["Step"] == "prerequisites", "Reason"].str.contains("27 free addresses, 6 needed").any()
    warnings = rows.loc[rows["Step"] == "zone-choice", "Reason"]
    assert len(warnings) == 3 and warnings.str.startswith("warning: a zone group writing into a shared zone").all()
    assert rows.loc[rows["Step"] == "storage-roles", "After"].tolist() == [
        "Contributor for the vault's identity",
        "Storage Blob Data Contributor for the vault's identity",
    ]

    applied, journal = run(owner, with_cache())
    assert (applied.status, applied.exit_code) == ("waiting", 3), applied.table().to_string()
    assert statuses(applied)["protect-vms"] == "waiting" and statuses(applied)["validate-cache"] == "nothing to do"
    assert changed(journal) == FULL_RUN
    vault_endpoint = owner.network.private_endpoints.get("rg-network-bypass", "pe-asr")
    nic = owner.network.network_interfaces.get(
        "rg-network-bypass", vault_endpoint.network_interfaces[0].id.rsplit("/", 1)[-1]
    )
    assert len(nic.ip_configurations) == 5  # five microservices: five addresses in the bypass network
    records = a_records(hub, "rg-dns", SITE_RECOVERY_ZONE)
    assert sum("-asr-pod01-" in name and name.endswith(".wus3") for name in records) == 5
    assert a_records(hub, "rg-dns", "privatelink.blob.core.windows.net")["stcontosocache7f3k"]
    held = roles.roles_held(owner, CACHE, principal_of(hub))
    assert {"Contributor", "Storage Blob Data Contributor"} <= held
    checks = [e for e in journal.entries if getattr(e, "kind", "") == "check"]
    assert {c.step for c in checks} == {"validate", "validate-cache"} and {c.status for c in checks} <= {"pass", "warn"}

    again, journal = run(owner, with_cache())
    assert journal.changes == [] and again.status == "waiting"
    assert contoso.event("replicate", NEW_VAULT).succeeded  # replication enabled for a machine, then confirmed
    done, journal = run(owner, with_cache(confirm=["protect-vms"]))
    assert (done.status, done.exit_code) == ("done", 0) and journal.changes == []


def test_the_bypass_subnet_must_hold_five_addresses_and_one_for_the_cache(owner):
    tiny = f"{BYPASS_VNET}/subnets/snet-tiny"
    report, journal = run(owner, params(subnet=tiny))
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "3 free addresses, and AzureSiteRecovery needs 5 (5 for Site Recovery's microservices)" in detail(
        report, "prerequisites"
    )
    report, _ = run(owner, params(subnet=tiny, cache_storage=CACHE, cache_endpoint=True), "plan")
    assert "needs 6 (5 for Site Recovery's microservices, 1 for the cache storage account's endpoint)" in detail(
        report, "prerequisites"
    )


@pytest.mark.parametrize(
    "account, expected",
    [
        (PREMIUM, {"Contributor", "Storage Blob Data Owner"}),
        (CLASSIC, {"Classic Storage Account Contributor", "Classic Storage Account Key Operator Service Role"}),
    ],
)
def test_the_identity_gets_the_cache_roles_its_type_needs(owner, hub, account, expected):
    report, journal = run(owner, params(cache_storage=account))
    assert report.status == "waiting" and changed(journal).count("storage-roles") == 2
    assert roles.roles_held(owner, account, principal_of(hub)) >= expected


@pytest.mark.parametrize("name, kind", [("stcontosov1legacy7f3k", "Storage"), ("stcontosoblob7f3k", "BlobStorage")])
def test_an_account_that_is_not_general_purpose_v2_gets_no_endpoint(owner, name, kind):
    report, journal = run(owner, params(cache_storage=f"{STORAGE}/{name}", cache_endpoint=True))
    assert statuses(report)["cache-prerequisites"] == "blocked" and journal.changes == []
    assert f"{name} is a {kind} account: private endpoints exist only for general-purpose v2" in detail(
        report, "cache-prerequisites"
    )
    roles_only, _ = run(owner, params(cache_storage=f"{STORAGE}/{name}"), "plan")  # roles alone are fine
    assert statuses(roles_only)["storage-roles"] == "planned"


def test_trusted_microsoft_services_are_let_through_when_they_were_not(owner, hub):
    hub.storage.storage_accounts.update(
        "rg-recovery",
        "stcontosocache7f3k",
        {"properties": {"networkAcls": {"bypass": "None", "defaultAction": "Deny"}}},
    )
    planned, _ = run(owner, params(cache_storage=CACHE), "plan")
    rows = planned.plan_table()
    assert rows.loc[rows["Step"] == "trusted-services", "Action"].tolist() == ["update"]
    _applied, journal = run(owner, params(cache_storage=CACHE))
    assert "trusted-services" in changed(journal)
    rules = hub.storage.storage_accounts.get_properties("rg-recovery", "stcontosocache7f3k").network_rule_set
    assert (rules.bypass, rules.default_action) == ("AzureServices", "Deny")  # the firewall stays closed otherwise


def test_one_zone_per_endpoint_or_one_endpoint_for_the_hub(owner, hub):
    """A second endpoint to the same vault may not overwrite the first one's records in a zone."""
    first, _ = run(owner, params(hub_and_spoke=True))
    assert first.status == "waiting"
    second = {"endpoint_name": "pe-asr-spoke", "subnet": SPOKE_ENDPOINTS}
    for hub_and_spoke, advice in (
        (False, "give this endpoint a new zone of its own"),
        (True, "one endpoint serves the whole setup: use pe-asr"),
    ):
        report, journal = run(owner, params(hub_and_spoke=hub_and_spoke, **second))
        assert statuses(report)["zone-choice"] == "blocked" and journal.changes == []
        assert "holds 5 records of endpoint pe-asr" in detail(report, "zone-choice")
        assert advice in detail(report, "zone-choice")
    hub.resources.resource_groups.create_or_update("rg-dns-spoke", {"location": "westus3"})
    own_zone, _ = run(
        owner, params(zones_resource_group=f"/subscriptions/{HUB}/resourceGroups/rg-dns-spoke", **second), "plan"
    )
    assert statuses(own_zone)["zone-choice"] == "nothing to do" and statuses(own_zone)["zones"] == "planned"


def test_the_manual_approval_path(contoso, owner, hub):
    """The owner prepares the vault's identity; the operator asks for the endpoints; the owner approves them."""
    vault = f"{VAULTS}/rsv-asr-wus3"
    principal = principal_of(hub, "rsv-asr-wus3")
    grant(owner.for_subscription(WORKLOAD), BYPASS_RG, "Contributor", principal)
    grant(hub, DNS_RG, "Private DNS Zone Contributor", principal)
    for role in ("Contributor", "Storage Blob Data Contributor"):
        roles.assign_role(owner, CACHE, role, principal)
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    operator_id = next(p.object_id for p in contoso.principals() if p.name == "operator")
    for group in ("rg-recovery", "rg-dns"):
        grant(hub, f"/subscriptions/{HUB}/resourceGroups/{group}", "Reader", operator_id, "User")
    asking = {"vault": vault, "approval": "manual", "cache_storage": CACHE, "cache_endpoint": True}
    asked, journal = run(operator, params(**asking), principal="operator")
    assert statuses(asked)["approval"] == "blocked" and "the vault's owner approves it" in detail(asked, "approval")
    assert changed(journal) == ["endpoint"]
    approved, journal = run(owner, params(**asking, approve=True))
    assert statuses(approved)["approval"] == "done" and statuses(approved)["cache-approval"] == "done"
    assert approved.status == "waiting" and statuses(approved)["validate-cache"] == "nothing to do"
    assert changed(journal) == [
        "approval",
        "zones",
        "links",
        "links",
        "cache-endpoint",
        "cache-endpoint",
        "cache-approval",
    ]


def test_an_interrupted_run_finishes_without_duplicates(contoso, hub):
    contoso.add_fault(FaultRule(answer=500, method="PUT", path="privateDnsZoneGroups"))
    failing = get_clients(Target(state=str(contoso.path), principal="owner"), retry_total=0)
    report, journal = run(failing, with_cache())
    assert statuses(report)["zones"] == "failed" and "InternalServerError" in detail(report, "zones")
    assert changed(journal) == FULL_RUN[:2]
    contoso.clear_faults()
    resumed, journal = run(failing, with_cache())
    assert resumed.status == "waiting" and changed(journal) == FULL_RUN[2:]
    held = [a for a in hub.authorization.role_assignments.list_for_scope(CACHE) if a.principal_id == principal_of(hub)]
    assert len(held) == 2  # Contributor and Storage Blob Data Contributor, each once


def test_throttling_is_retried_by_azure_core(contoso, owner):
    contoso.add_fault(FaultRule(answer=429, share=0.3, method="PUT", stream=5))
    report, journal = run(owner, with_cache())
    assert report.status == "waiting" and changed(journal) == FULL_RUN
    assert sum(rule.hits for rule in contoso.faults()) >= 2


def test_the_allow_list_per_cloud(tmp_path):
    public = allowed_urls("public")
    assert list(public.columns) == ["cloud", "url", "purpose"] and set(public["cloud"]) == {"public"}
    assert {
        "portal.azure.com",
        "management.azure.com",
        "*.siterecovery.windowsazure.com",
        "*.microsoftonline.com",
    } <= set(public["url"])
    usgov = allowed_urls("usgov")
    assert set(usgov["url"]) == {
        "login.microsoftonline.us/*",
        "graph.windows.net",
        "*.portal.azure.us",
        "management.usgovcloudapi.net",
    }
    written = export_allowed_urls("usgov", tmp_path / "allow.txt").read_text().splitlines()
    assert written == usgov["url"].tolist()
    with pytest.raises(InputError, match="unknown cloud 'azure'"):
        allowed_urls("azure")


def test_parameters_and_zones_per_cloud():
    p = params(cache_storage=CACHE, cache_endpoint=True, modernized=True)
    assert members(p) == 6 and members(params()) == 5 and p.cache_endpoint_id == CACHE_ENDPOINT
    assert p.zone_names("usgovvirginia") == [
        "privatelink.siterecovery.windowsazure.us",
        "privatelink.prod.migration.windowsazure.us",
        "privatelink.blob.core.usgovcloudapi.net",
    ]
    assert params().zone_names("westus3") == [SITE_RECOVERY_ZONE]
    assert params(cache_storage=CLASSIC).cache_storage == CLASSIC
    with pytest.raises(InputError, match="cache_endpoint: an endpoint for the cache needs cache_storage"):
        params(cache_endpoint=True)
    with pytest.raises(InputError, match=r"cache_storage: .* is a Microsoft.Network/virtualNetworks, not a"):
        params(cache_storage=BYPASS_VNET)


def test_every_storage_account_gets_the_roles_its_type_needs_and_nothing_else(owner, hub):
    """ "Grant required permissions to the vault": all the cache/log and target accounts, each by its type; the vault's
    identity gets no rights on resource groups."""
    p = params(storage_accounts=[CACHE, PREMIUM], cache_storage=CACHE, cache_endpoint=True)
    assert p.accounts == [CACHE, PREMIUM] and params(storage_accounts=[PREMIUM], cache_storage=CACHE).accounts == [
        PREMIUM,
        CACHE,
    ]  # the cache account counts among them, listed or not
    planned, _ = run(owner, p, "plan")
    rows = planned.plan_table()
    assert rows.loc[rows["Step"] == "cache-prerequisites", "After"].tolist()[:2] == [
        "StorageV2, standard",
        "StorageV2, premium",
    ]
    grants = rows[rows["Step"] == "storage-roles"]
    assert list(zip(grants["Resource"], grants["After"].str.removesuffix(" for the vault's identity"))) == [
        (CACHE, "Contributor"),
        (CACHE, "Storage Blob Data Contributor"),
        (PREMIUM, "Contributor"),
        (PREMIUM, "Storage Blob Data Owner"),
    ]
    assert "identity-roles" not in {s.id for s in planned.steps}

    applied, journal = run(owner, p)
    assert applied.status == "waiting" and changed(journal).count("storage-roles") == 4
    principal = principal_of(hub)
    assert roles.roles_held(owner, CACHE, principal) >= {"Contributor", "Storage Blob Data Contributor"}
    assert roles.roles_held(owner, PREMIUM, principal) >= {"Contributor", "Storage Blob Data Owner"}
    assert "Storage Blob Data Owner" not in roles.roles_held(owner, CACHE, principal)
    for scope in (BYPASS_RG, DNS_RG):  # no rights on the endpoint's, VNet's or zones' resource groups
        assert not [
            a
            for a in owner.for_subscription(parse_id(scope).subscription).authorization.role_assignments.list_for_scope(
                scope
            )
            if a.principal_id == principal and a.scope.lower() == scope.lower()
        ]


def test_a_missing_storage_account_stops_the_run_before_any_change(owner):
    gone = f"{STORAGE}/stcontosogone7f3k"
    report, journal = run(owner, params(storage_accounts=[CACHE, gone]))
    assert statuses(report)["cache-prerequisites"] == "blocked" and journal.changes == []
    assert (
        "the storage account stcontosogone7f3k does not exist: Site Recovery needs its cache/log and target "
        "accounts created in advance" in detail(report, "cache-prerequisites")
    )


def test_each_account_where_the_caller_may_not_grant_is_named_up_front(contoso, owner, hub):
    """The operator may write in the network but only read the storage accounts: each account is named before any
    change (the vault is prepared by its owner)."""
    operator_id = next(p.object_id for p in contoso.principals() if p.name == "operator")
    grant(owner.for_subscription(WORKLOAD), BYPASS_RG, "Owner", operator_id, "User")
    for scope in (DNS_RG, f"/subscriptions/{HUB}/resourceGroups/rg-recovery"):
        grant(hub, scope, "Reader", operator_id, "User")
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    report, journal = run(
        operator, params(vault=f"{VAULTS}/rsv-asr-wus3", storage_accounts=[CACHE, PREMIUM]), principal="operator"
    )
    assert statuses(report)["cache-prerequisites"] == "blocked" and journal.changes == []
    reason = detail(report, "cache-prerequisites")
    for name in ("stcontosocache7f3k", "stcontosoprem7f3k"):
        assert (
            f"may not Microsoft.Authorization/roleAssignments/write on {name}: it needs Owner, or Contributor "
            "and User Access Administrator, on each storage account" in reason
        )


def test_a_role_held_on_the_account_itself_counts(contoso, owner, hub):
    """Owner granted on the cache account alone (not its resource group) is enough there: ARM's permissions API is
    asked at the account, so only the other account is named."""
    operator_id = next(p.object_id for p in contoso.principals() if p.name == "operator")
    grant(owner.for_subscription(WORKLOAD), BYPASS_RG, "Owner", operator_id, "User")
    for scope in (DNS_RG, f"/subscriptions/{HUB}/resourceGroups/rg-recovery"):
        grant(hub, scope, "Reader", operator_id, "User")
    grant(hub, CACHE, "Owner", operator_id, "User")
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    report, journal = run(
        operator, params(vault=f"{VAULTS}/rsv-asr-wus3", storage_accounts=[CACHE, PREMIUM]), principal="operator"
    )
    assert statuses(report)["cache-prerequisites"] == "blocked" and journal.changes == []
    reason = detail(report, "cache-prerequisites")
    assert "on stcontosoprem7f3k" in reason and "on stcontosocache7f3k" not in reason
