"""`dns.records`: CreateDNSEntries.ps1 done right. Records go into the hub subscription's zones, planned first,
applied exactly, never overwritten unasked, and the replaced value kept in the journal."""

from __future__ import annotations

import pandas as pd
import pytest

from runbook_lib.dns.entries import entries_for
from runbook_lib.dns.records import apply_plan, plan_links, plan_records
from runbook_lib.errors import InputError
from runbook_lib.journal import Journal
from tests.builders import a_records, add_a_record, link_zone, make_zone, put_vnet
from tests.contoso import BYPASS_VNET, DNS_RG, HUB, HUB_VNET, SPOKE_VNET, WORKLOAD

BLOB = "privatelink.blob.core.windows.net"
BACKUP = "privatelink.wus3.backup.windowsazure.com"
QUEUE = "privatelink.queue.core.windows.net"


@pytest.fixture
def entries(estate):
    return entries_for(estate.clients, [estate.vault("rsv-backup-wus3")])


def actions(plan) -> dict[str, int]:
    return plan.table.groupby(["Kind", "Action"]).size().to_dict()


def test_plan_then_apply_writes_the_records_in_another_subscription(estate, hub, entries, tmp_path):
    estate.requests.clear()
    plan = plan_records(estate.clients, entries, DNS_RG)
    assert actions(plan) == {("record", "create"): 10}
    assert len(estate.requests) == 4  # the zone list, then one record list per zone
    journal = Journal(tmp_path / "journal.jsonl")
    done = apply_plan(estate.clients, plan, journal=journal)
    assert set(done["Result"]) == {"created"}
    expected = {(r.DNS, r.ResourceName): [r.PrivateIP] for r in entries.itertuples()}
    written = {
        (zone, name): ips
        for zone in (BACKUP, BLOB, "privatelink.queue.core.windows.net")
        for name, ips in a_records(hub, "rg-dns", zone).items()
    }
    assert written == expected
    assert {r.ttl for r in hub.privatedns.record_sets.list_by_type("rg-dns", BLOB, "A")} == {10}
    assert [c.action for c in Journal.read(journal.path)] == ["create"] * 10
    assert all(c.request_id and c.resource_id.startswith(f"/subscriptions/{HUB}/") for c in journal.changes)


def test_a_second_apply_plans_nothing_and_changes_nothing(estate, entries):
    apply_plan(estate.clients, plan_records(estate.clients, entries, DNS_RG))
    again = plan_records(estate.clients, entries, DNS_RG)
    assert actions(again) == {("record", "unchanged"): 10}
    estate.requests.clear()
    journal = Journal()
    apply_plan(estate.clients, again, journal=journal)
    assert journal.changes == [] and estate.requests == []


def zone_contents(clients, rg: str = "rg-dns") -> dict:
    """Every record set (any type) and link of every zone of a resource group, as ARM answers them."""
    dns = clients.privatedns
    return {
        zone.name: (
            {(r.type, r.name, r.etag) for r in dns.record_sets.list(rg, zone.name)},
            {(link.name, link.virtual_network.id) for link in dns.virtual_network_links.list(rg, zone.name)},
        )
        for zone in dns.private_zones.list_by_resource_group(rg)
    }


def test_a_conflict_is_kept_unless_overwriting_is_asked_for(estate, hub, entries, tmp_path):
    account = entries.loc[entries["GroupId"] == "blob", "ResourceName"].iloc[0]
    add_a_record(hub, "rg-dns", BLOB, account, "10.1.1.250")  # another endpoint's, or a stale one
    plan = plan_records(estate.clients, entries, DNS_RG)
    conflict = plan.table[plan.table["Action"] == "conflict"].iloc[0]
    assert (conflict["Name"], conflict["Current"]) == (account, "10.1.1.250")
    journal = Journal(tmp_path / "journal.jsonl")
    before = zone_contents(hub)
    done = apply_plan(estate.clients, plan, journal=journal)
    # all or nothing: the nine records that could be written are not, so no run stops half-way
    assert done.loc[done["Action"] == "conflict", "Result"].iloc[0] == (
        f"refused: conflict: holds 10.1.1.250, not {conflict['Desired']} (--overwrite-conflicts replaces it)"
    )
    assert set(done.loc[done["Action"] == "create", "Result"]) == {"not written: the apply was refused"}
    assert zone_contents(hub) == before and journal.changes == []

    apply_plan(estate.clients, plan_records(estate.clients, entries, DNS_RG), overwrite_conflicts=True, journal=journal)
    assert a_records(hub, "rg-dns", BLOB)[account] == [conflict["Desired"]]
    [replaced] = [c for c in Journal.read(journal.path) if c.action == "replace"]
    assert (replaced.before, replaced.after) == (["10.1.1.250"], [conflict["Desired"]])


def test_stale_ips_piled_up_in_a_record_are_a_conflict(estate, hub, entries):
    """CreateDNSEntries.ps1's predecessor appended IPs to an existing record."""
    fc1 = entries.iloc[0]
    hub.privatedns.record_sets.create_or_update(
        "rg-dns",
        BACKUP,
        "A",
        fc1["ResourceName"],
        {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.1.1.200"}, {"ipv4Address": fc1["PrivateIP"]}]}},
    )
    row = plan_records(estate.clients, entries, DNS_RG).table.iloc[0]
    assert (row["Action"], row["Reason"].split(";")[0]) == ("conflict", "also holds 10.1.1.200")


def test_a_record_written_after_the_plan_is_not_overwritten(estate, hub, entries, tmp_path):
    plan = plan_records(estate.clients, entries, DNS_RG)
    first = plan.table.iloc[0]
    add_a_record(hub, "rg-dns", first["Zone"], first["Name"], "10.1.1.222")  # someone else, meanwhile
    journal = Journal(tmp_path / "journal.jsonl")
    done = apply_plan(estate.clients, plan, journal=journal)
    # read again and planned once more: it still differs, so it is a conflict saying what is there; the rest goes on
    assert done.loc[0, "Result"] == (
        f"conflict: another change made {first['Name']} in {first['Zone']} after the plan: it holds 10.1.1.222, not "
        f"{first['Desired']}; check it, then plan again (--overwrite-conflicts replaces it)"
    )
    assert set(done.loc[1:, "Result"]) == {"created"}
    assert a_records(hub, "rg-dns", first["Zone"])[first["Name"]] == ["10.1.1.222"]
    failed = [e for e in Journal.read(journal.path) if e.kind == "check"]
    assert [(e.check, e.status) for e in failed] == [("concurrent change", "fail")]
    assert "10.1.1.222" in failed[0].detail and len(journal.changes) == 9


def test_missing_zones_are_reported_or_created_and_linked(estate, hub, entries):
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones = f"/subscriptions/{HUB}/resourceGroups/rg-dns-new"
    plan = plan_records(estate.clients, entries, zones, link_vnets=[SPOKE_VNET])
    assert actions(plan) == {("record", "zone-missing"): 10, ("link", "zone-missing"): 3}
    done = apply_plan(estate.clients, plan)
    assert done["Result"].str.startswith("refused: zone missing: --create-missing-zones").all()
    assert list(hub.privatedns.private_zones.list_by_resource_group("rg-dns-new")) == []

    plan = plan_records(estate.clients, entries, zones, create_missing_zones=True, link_vnets=[SPOKE_VNET, BYPASS_VNET])
    assert actions(plan) == {("zone", "create"): 3, ("record", "create"): 10, ("link", "create"): 6}
    assert set(plan.table.loc[plan.table["Kind"] == "zone", "Zone"]) == {BACKUP, BLOB, QUEUE}
    apply_plan(estate.clients, plan)
    links = {
        (link.virtual_network.id, link.name) for link in hub.privatedns.virtual_network_links.list("rg-dns-new", BLOB)
    }
    assert links == {(SPOKE_VNET, "link-vnet-spoke"), (BYPASS_VNET, "link-vnet-bypass")}
    again = plan_records(
        estate.clients, entries, zones, create_missing_zones=True, link_vnets=[SPOKE_VNET, BYPASS_VNET]
    )
    assert set(again.table["Action"]) == {"unchanged"}


def test_the_backup_articles_seven_steps_with_zones_in_the_hub(estate, hub):
    """Discovery and backup fail until the _ecs and then the _prot records are in the hub's zones."""
    vault = estate.vault("rsv-backup-wus3")
    # the spoke resolves through the hub's zones (Azure DNS from the spoke, once linked)
    apply_plan(
        estate.clients,
        plan_records(estate.clients, entries_for(estate.clients, [vault]), DNS_RG, link_vnets=[SPOKE_VNET]),
    )
    assert estate.sandbox.event("register-container", vault).succeeded  # step 4: discovery works
    backup = estate.sandbox.event("first-backup", vault)  # step 5: fails, the _prot endpoints are new
    assert backup.code == "UserErrorVMInternetConnectivityIssue"
    entries = entries_for(estate.clients, [vault])
    partitioned = entries[entries["FQDN"].str.endswith(".blob.storage.azure.net")]
    assert len(partitioned) == 2 and set(partitioned["DNS"]) == {BLOB}  # *.zNN.blob.storage.azure.net accounts
    assert (partitioned["ResourceName"] == partitioned["FQDN"].str.split(".").str[0]).all()
    plan = plan_records(estate.clients, entries, DNS_RG)
    assert actions(plan) == {("record", "create"): 3, ("record", "unchanged"): 10}
    assert set(plan.table.loc[plan.table["Action"] == "create", "Zone"]) == {BLOB}  # partitioned names too
    apply_plan(estate.clients, plan)  # step 6
    assert estate.sandbox.event("first-backup", vault).succeeded  # step 7


@pytest.mark.parametrize(
    "zones, kwargs, message",
    [
        (SPOKE_VNET, {}, "--zones: .* is a Microsoft.Network/virtualNetworks, not a resource group"),
        (DNS_RG, {"link_vnets": [DNS_RG]}, "--link: .* is a Microsoft.Resources/resourceGroups"),
        (DNS_RG, {"ttl": 0}, "--ttl: 0 is not a number of seconds"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(estate, entries, zones, kwargs, message):
    with pytest.raises(InputError, match=message):
        plan_records(estate.clients, entries, zones, **kwargs)
    assert not any("privateDnsZones" in r for r in estate.requests)


def test_the_ttl_is_a_parameter(estate, hub, entries):
    apply_plan(estate.clients, plan_records(estate.clients, entries, DNS_RG, ttl=3600))
    assert {r.ttl for r in hub.privatedns.record_sets.list_by_type("rg-dns", BACKUP, "A")} == {3600}


def zone_requests(estate) -> list[str]:
    return [
        r.split(" ", 1)[1].split("/providers/", 1)[0] + " " + r.rsplit("/", 1)[-1]
        for r in estate.requests
        if "privateDnsZones" in r
    ]


def test_a_vnet_linked_to_a_zone_of_the_same_name_elsewhere_is_a_conflict(estate, hub, entries):
    """The hub's VNet is linked to rg-dns's zones: zones of the same names in the workload subscription cannot be
    linked to it (Azure's link operation fails with BadRequest); the plan says so, with the fix, and apply refuses
    before writing anything."""
    workload = estate.clients
    workload.resources.resource_groups.create_or_update("rg-dns-spoke", {"location": "westus3"})
    zones = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-dns-spoke"
    estate.requests.clear()
    plan = plan_records(workload, entries, zones, create_missing_zones=True, link_vnets=[HUB_VNET, SPOKE_VNET])
    assert actions(plan) == {
        ("zone", "create"): 3,
        ("record", "create"): 10,
        ("link", "conflict"): 3,
        ("link", "create"): 3,
    }
    conflict = plan.table[plan.table["Action"] == "conflict"].set_index("Zone")
    assert conflict.loc[BLOB, "Current"] == f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{BLOB}"
    assert conflict.loc[BLOB, "Reason"] == (
        f"vnet-hub is already linked to another {BLOB}, in rg-dns (subscription {HUB}), and a VNet resolves a name "
        "through one zone only: use that zone's resource group as zones_resource_group (or --zones), or unlink it "
        "there"
    )
    # one zone list in rg-dns-spoke, one per subscription (workload, hub), the links of the three same-name zones
    lists = [r for r in estate.requests if r.startswith("GET")]
    assert len(lists) == len(estate.requests) == 6
    assert sum(r.endswith("/privateDnsZones") for r in lists) == 3
    assert sorted(r.rsplit("/", 2)[-2] for r in lists if r.endswith("/virtualNetworkLinks")) == sorted(
        [BACKUP, BLOB, QUEUE]
    )

    before = zone_contents(workload, "rg-dns-spoke"), zone_contents(hub)
    done = apply_plan(workload, plan)
    assert done.loc[done["Action"] == "conflict", "Result"].str.startswith("refused: vnet-hub is already linked").all()
    assert (zone_contents(workload, "rg-dns-spoke"), zone_contents(hub)) == before == ({}, before[1])

    # the fix the plan gives: the zones' own resource group, where vnet-hub is linked already
    fixed = plan_records(workload, entries, DNS_RG, link_vnets=[HUB_VNET, SPOKE_VNET])
    assert actions(fixed) == {("record", "create"): 10, ("link", "unchanged"): 3, ("link", "create"): 3}


def test_the_links_step_blocks_on_a_vnet_linked_elsewhere(estate):
    """The scenarios' LinkZones step (dns_steps.record_plan_rows) turns the conflict into a blocked row."""
    from types import SimpleNamespace

    from runbook_lib.dns.records import plan_links
    from runbook_lib.scenarios.steps.dns import record_plan_rows

    estate.clients.resources.resource_groups.create_or_update("rg-dns-spoke", {"location": "westus3"})
    zones = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-dns-spoke"
    plan = plan_links(estate.clients, [BLOB], zones, [HUB_VNET], create_missing_zones=True)
    run = SimpleNamespace(clients=estate.clients, will_change=lambda step: False)
    zone_id = f"{zones}/providers/Microsoft.Network/privateDnsZones/{BLOB}"
    [row] = record_plan_rows(run, plan, lambda row: f"{zone_id}/virtualNetworkLinks/{row['Name']}")
    assert (row.action, row.resource) == ("blocked", f"{zone_id}/virtualNetworkLinks/link-vnet-hub")
    assert "use that zone's resource group as zones_resource_group" in row.reason


@pytest.mark.parametrize(
    "zone, close",
    [
        ("privatelink.wus3.backup.windowsazure.cm", "privatelink.wus3.backup.windowsazure.com"),
        ("privatelink.blob.core.windows.nt", "privatelink.blob.core.windows.net"),
        ("privatelink.contoso.internal", ""),
    ],
)
def test_create_missing_zones_makes_only_the_zones_the_runbooks_use(estate, hub, zone, close):
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones = f"/subscriptions/{HUB}/resourceGroups/rg-dns-new"
    typo = pd.DataFrame([{"ResourceName": "rec", "DNS": zone, "PrivateIP": "10.1.1.9"}])
    with pytest.raises(InputError) as error:
        plan_records(estate.clients, typo, zones, create_missing_zones=True)
    message = str(error.value)
    assert message.startswith(f"--create-missing-zones: {zone} is not a private-link zone the runbooks use")
    assert (f"did you mean {close}" in message) if close else "did you mean" not in message
    assert message.endswith(f"add --allow-zone {zone}") and "\n" not in message
    plan = plan_records(estate.clients, typo, zones, create_missing_zones=True, allowed_zones=[zone])
    apply_plan(estate.clients, plan)
    assert [z.name for z in hub.privatedns.private_zones.list_by_resource_group("rg-dns-new")] == [zone]


def test_zones_of_every_cloud_and_geo_code_are_known(estate, hub):
    """US Gov's Backup zone carries its own geo code and suffix: no --allow-zone needed."""
    hub.resources.resource_groups.create_or_update("rg-dns-gov", {"location": "westus3"})
    zones = f"/subscriptions/{HUB}/resourceGroups/rg-dns-gov"
    gov = pd.DataFrame(
        [
            {
                "ResourceName": "123-ab-pod01-fc1",
                "DNS": "privatelink.ugv.backup.windowsazure.us",
                "PrivateIP": "10.1.1.9",
            },
            {"ResourceName": "kv1", "DNS": "privatelink.vaultcore.azure.cn", "PrivateIP": "10.1.1.10"},
        ]
    )
    plan = plan_records(estate.clients, gov, zones, create_missing_zones=True)
    assert actions(plan) == {("zone", "create"): 2, ("record", "create"): 2}


def test_apply_without_the_right_to_write_the_zones_writes_nothing(estate, hub, entries):
    """The operator may only read the hub's zones: refused up front, not at the first 403."""
    from runbook_lib.azure import Target, get_clients
    from tests.builders import grant

    principal = next(p for p in estate.sandbox.principals() if p.name == "operator")
    grant(hub, DNS_RG, "Reader", principal.object_id, "User")
    operator = get_clients(Target(state=str(estate.sandbox.path), principal="operator"))
    plan = plan_records(operator, entries, DNS_RG)
    before = zone_contents(hub)
    done = apply_plan(operator, plan)
    assert (
        done["Result"]
        .str.startswith("refused: AuthorizationFailed: the caller may not Microsoft.Network/privateDnsZones/A/write in")
        .all()
    )
    assert zone_contents(hub) == before


def test_a_name_azure_refuses_is_refused_before_the_first_write(estate, hub, entries):
    """A record name of DNS's characters may still be too long with its zone (253 characters): Azure DNS answers
    BadRequest; apply says so before writing the other records."""
    long_name = ".".join(["a" * 60] * 4)
    rows = pd.concat(
        [
            entries[["ResourceName", "DNS", "PrivateIP"]],
            pd.DataFrame([{"ResourceName": long_name, "DNS": BLOB, "PrivateIP": "10.1.1.99"}]),
        ]
    )
    plan = plan_records(estate.clients, rows, DNS_RG)
    assert actions(plan) == {("record", "create"): 11}
    before = zone_contents(hub)
    done = apply_plan(estate.clients, plan)
    [refused] = done.loc[done["Result"].str.startswith("refused"), "Result"]
    assert refused.startswith(
        f"refused: BadRequest: '{long_name}' is not a valid DNS record set name (it makes a name of "
    )
    assert zone_contents(hub) == before


# Runs of a batch share the hub's zones: what another run made between this run's plan and its write converges.


def test_a_record_another_run_made_meanwhile_is_already_made(estate, hub, entries, tmp_path):
    plan = plan_records(estate.clients, entries, DNS_RG)
    first = plan.table.iloc[0]
    add_a_record(hub, "rg-dns", first["Zone"], first["Name"], first["Desired"])  # the same change, by another run
    journal = Journal(tmp_path / "journal.jsonl")
    done = apply_plan(estate.clients, plan, journal=journal)
    assert done.loc[0, "Result"] == "already made by another change"
    assert set(done.loc[1:, "Result"]) == {"created"}
    entries_read = Journal.read(journal.path)
    made = [e for e in entries_read if e.kind == "check"]
    assert [(e.check, e.status) for e in made] == [("already made by another change", "pass")]
    assert made[0].resource == (
        f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{first['Zone']}/A/{first['Name']}"
    )
    assert first["Desired"] in made[0].detail
    assert len([e for e in entries_read if e.kind == "change"]) == 9  # this run's own writes only
    assert a_records(hub, "rg-dns", first["Zone"])[first["Name"]] == [first["Desired"]]


def test_a_link_another_run_made_meanwhile_is_already_made(estate, hub, entries):
    plan = plan_records(estate.clients, entries, DNS_RG, link_vnets=[SPOKE_VNET])
    links = plan.table[plan.table["Kind"] == "link"]
    assert set(links["Action"]) == {"create"} and len(links) == 3
    for zone in links["Zone"]:  # another run links the spoke meanwhile, under the same name
        link_zone(hub, "rg-dns", zone, SPOKE_VNET)
    estate.requests.clear()
    journal = Journal()
    done = apply_plan(estate.clients, plan, journal=journal)
    assert set(done.loc[links.index, "Result"]) == {"already made by another change"}
    # Azure accepts the PUT with If-None-Match (202) and its operation fails with PreconditionFailed: read again
    puts = [r for r in estate.requests if r.startswith("PUT") and "/virtualNetworkLinks/" in r]
    assert len(puts) == 3
    assert {c.resource_id.rsplit("/", 2)[-2] for c in journal.changes} == {"A"}
    assert {
        (link.name, link.virtual_network.id)
        for zone in links["Zone"]
        for link in hub.privatedns.virtual_network_links.list("rg-dns", zone)
        if link.virtual_network.id == SPOKE_VNET
    } == {("link-vnet-spoke", SPOKE_VNET)}


def test_a_link_name_another_vnet_took_meanwhile_is_planned_once_more(estate, hub, entries):
    plan = plan_links(estate.clients, [BLOB], DNS_RG, [SPOKE_VNET])
    assert plan.table["Name"].tolist() == ["link-vnet-spoke"]
    other = put_vnet(hub, "rg-network-hub", "vnet-spoke", "10.9.0.0/16")  # the same name, another VNet
    link_zone(hub, "rg-dns", BLOB, other.id)
    journal = Journal()
    done = apply_plan(estate.clients, plan, journal=journal)
    assert done["Result"].tolist() == ["created"]
    made = {link.virtual_network.id: link.name for link in hub.privatedns.virtual_network_links.list("rg-dns", BLOB)}
    assert made[other.id] == "link-vnet-spoke" and made[SPOKE_VNET].startswith("link-vnet-spoke-")
    assert journal.changes[0].resource_id.endswith(f"/virtualNetworkLinks/{made[SPOKE_VNET]}")


def test_a_zone_another_run_made_meanwhile_is_already_made(estate, hub, entries):
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones = f"/subscriptions/{HUB}/resourceGroups/rg-dns-new"
    plan = plan_records(estate.clients, entries, zones, create_missing_zones=True)
    assert actions(plan) == {("zone", "create"): 3, ("record", "create"): 10}
    make_zone(hub, "rg-dns-new", BLOB)  # another run, meanwhile
    journal = Journal()
    done = apply_plan(estate.clients, plan, journal=journal)
    zones_done = dict(zip(done.loc[done["Kind"] == "zone", "Zone"], done.loc[done["Kind"] == "zone", "Result"]))
    assert zones_done == {BLOB: "already made by another change", BACKUP: "created", QUEUE: "created"}
    assert set(done.loc[done["Kind"] == "record", "Result"]) == {"created"}  # the records go into the zone it made
    assert len(journal.changes) == 12
