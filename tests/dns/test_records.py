"""`dns.records`: CreateDNSEntries.ps1 done right. Records go into the hub subscription's zones, planned first,
applied exactly, never overwritten unasked, and the replaced value kept in the journal."""

from __future__ import annotations

import pytest

from runbook_lib.dns.entries import entries_for
from runbook_lib.dns.records import apply_plan, plan_records
from runbook_lib.errors import InputError, RunbookError
from runbook_lib.journal import Journal
from tests.builders import a_records, add_a_record
from tests.contoso import BYPASS_VNET, DNS_RG, HUB, SPOKE_VNET

BLOB = "privatelink.blob.core.windows.net"
BACKUP = "privatelink.wus3.backup.windowsazure.com"


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
    written = {(zone, name): ips for zone in (BACKUP, BLOB, "privatelink.queue.core.windows.net")
               for name, ips in a_records(hub, "rg-dns", zone).items()}
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


def test_a_conflict_is_kept_unless_overwriting_is_asked_for(estate, hub, entries, tmp_path):
    account = entries.loc[entries["GroupId"] == "blob", "ResourceName"].iloc[0]
    add_a_record(hub, "rg-dns", BLOB, account, "10.1.1.250")  # another endpoint's, or a stale one
    plan = plan_records(estate.clients, entries, DNS_RG)
    conflict = plan.table[plan.table["Action"] == "conflict"].iloc[0]
    assert (conflict["Name"], conflict["Current"]) == (account, "10.1.1.250")
    journal = Journal(tmp_path / "journal.jsonl")
    done = apply_plan(estate.clients, plan, journal=journal)
    assert done.loc[done["Action"] == "conflict", "Result"].iloc[0].startswith("skipped: conflict")
    assert a_records(hub, "rg-dns", BLOB)[account] == ["10.1.1.250"]

    apply_plan(estate.clients, plan_records(estate.clients, entries, DNS_RG), overwrite_conflicts=True,
               journal=journal)
    assert a_records(hub, "rg-dns", BLOB)[account] == [conflict["Desired"]]
    [replaced] = [c for c in Journal.read(journal.path) if c.action == "replace"]
    assert (replaced.before, replaced.after) == (["10.1.1.250"], [conflict["Desired"]])


def test_stale_ips_piled_up_in_a_record_are_a_conflict(estate, hub, entries):
    """CreateDNSEntries.ps1's predecessor appended IPs to an existing record."""
    fc1 = entries.iloc[0]
    hub.privatedns.record_sets.create_or_update("rg-dns", BACKUP, "A", fc1["ResourceName"], {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": "10.1.1.200"}, {"ipv4Address": fc1["PrivateIP"]}]}})
    row = plan_records(estate.clients, entries, DNS_RG).table.iloc[0]
    assert (row["Action"], row["Reason"].split(";")[0]) == ("conflict", "also holds 10.1.1.200")


def test_a_record_written_after_the_plan_is_not_overwritten(estate, hub, entries):
    plan = plan_records(estate.clients, entries, DNS_RG)
    first = plan.table.iloc[0]
    add_a_record(hub, "rg-dns", first["Zone"], first["Name"], "10.1.1.222")  # someone else, meanwhile
    with pytest.raises(RunbookError, match=f"{first['Name']} in {first['Zone']} changed after it was planned"):
        apply_plan(estate.clients, plan)
    assert a_records(hub, "rg-dns", first["Zone"])[first["Name"]] == ["10.1.1.222"]


def test_missing_zones_are_reported_or_created_and_linked(estate, hub, entries):
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones = f"/subscriptions/{HUB}/resourceGroups/rg-dns-new"
    plan = plan_records(estate.clients, entries, zones, link_vnets=[SPOKE_VNET])
    assert actions(plan) == {("record", "zone-missing"): 10, ("link", "zone-missing"): 3}
    done = apply_plan(estate.clients, plan)
    assert done["Result"].str.startswith("skipped: zone missing").all()
    assert list(hub.privatedns.private_zones.list_by_resource_group("rg-dns-new")) == []

    plan = plan_records(estate.clients, entries, zones, create_missing_zones=True, link_vnets=[SPOKE_VNET, BYPASS_VNET])
    assert actions(plan) == {("zone", "create"): 3, ("record", "create"): 10, ("link", "create"): 6}
    apply_plan(estate.clients, plan)
    links = {(link.virtual_network.id, link.name) for link in hub.privatedns.virtual_network_links.list("rg-dns-new", BLOB)}
    assert links == {(SPOKE_VNET, "link-vnet-spoke"), (BYPASS_VNET, "link-vnet-bypass")}
    again = plan_records(estate.clients, entries, zones, create_missing_zones=True, link_vnets=[SPOKE_VNET, BYPASS_VNET])
    assert set(again.table["Action"]) == {"unchanged"}


def test_the_seven_steps_of_seed_002_with_zones_in_the_hub(estate, hub):
    """Discovery and backup fail until the _ecs and then the _prot records are in the hub's zones."""
    vault = estate.vault("rsv-backup-wus3")
    # the spoke resolves through the hub's zones (Azure DNS from the spoke, once linked)
    apply_plan(estate.clients, plan_records(estate.clients, entries_for(estate.clients, [vault]), DNS_RG,
                                            link_vnets=[SPOKE_VNET]))
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


@pytest.mark.parametrize("zones, kwargs, message", [
    (SPOKE_VNET, {}, "--zones: .* is a Microsoft.Network/virtualNetworks, not a resource group"),
    (DNS_RG, {"link_vnets": [DNS_RG]}, "--link: .* is a Microsoft.Resources/resourceGroups"),
    (DNS_RG, {"ttl": 0}, "--ttl: 0 is not a number of seconds"),
])
def test_bad_arguments_are_refused_before_any_request(estate, entries, zones, kwargs, message):
    with pytest.raises(InputError, match=message):
        plan_records(estate.clients, entries, zones, **kwargs)
    assert not any("privateDnsZones" in r for r in estate.requests)


def test_the_ttl_is_a_parameter(estate, hub, entries):
    apply_plan(estate.clients, plan_records(estate.clients, entries, DNS_RG, ttl=3600))
    assert {r.ttl for r in hub.privatedns.record_sets.list_by_type("rg-dns", BACKUP, "A")} == {3600}
