"""The remove_endpoint runbook through the real SDK on the contoso estate: exactly the named endpoints, their NICs,
zone groups and the A records they owned go; a record another endpoint answers with stays; an endpoint of another
resource is refused; a Backup endpoint goes with the endpoints Azure Backup made beside it."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError

from runbook_lib.azure.ids import parse_id
from runbook_lib.dns.endpoints import read_endpoints
from runbook_lib.engine import load_parameters
from runbook_lib.errors import InputError
from runbook_lib.ops import endpoints, privatedns
from runbook_lib.scenarios.endpoint_remove import RemoveEndpointParameters
from tests.contoso import DNS_RG, HUB_VNET, SPOKE_ENDPOINTS, STORAGE, VAULTS, WORKLOAD
from tests.scenarios.conftest import detail, run, statuses

ACCOUNT = f"{STORAGE}/stcontosocache7f3k"
BLOB_ZONE = f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"
HUB_RG = HUB_VNET.split("/providers/")[0]


def endpoint_id(group: str, name: str) -> str:
    return f"{group}/providers/Microsoft.Network/privateEndpoints/{name}"


def blob_endpoint(owner, name: str, subnet: str = SPOKE_ENDPOINTS, group: str = SPOKE_RG) -> str:
    """An approved blob endpoint to the cache account, with a zone group writing its record into the hub's zone."""
    made = endpoint_id(group, name)
    location = "westus3"
    endpoints.put_endpoint(owner, made, endpoints.endpoint_body(location, subnet, ACCOUNT, "blob", manual=False))()
    privatedns.put_zone_group(owner, made, "default", privatedns.zone_group_body([BLOB_ZONE]))()
    return made


def params(**values) -> RemoveEndpointParameters:
    return load_parameters(RemoveEndpointParameters, {"resource": ACCOUNT, **values})


def nic_of(owner, endpoint: str) -> str:
    return endpoints.get_endpoint(owner, endpoint).network_interfaces[0].id


def test_plan_shows_then_apply_removes_exactly_the_endpoint_its_nic_group_and_record(owner):
    spoke = blob_endpoint(owner, "pe-blob-spoke")
    other = blob_endpoint(owner, "pe-blob-other")  # overwrites the record: the account's name answers with its IP
    other_ip = privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k").ips
    nic = nic_of(owner, spoke)

    planned, journal = run(owner, params(endpoints=[other]), "plan")
    assert journal.changes == [] and planned.status == "planned", planned.table().to_string()
    rows = {(r.resource.lower(), r.action) for s in planned.steps for r in s.rows}
    assert (f"{BLOB_ZONE}/A/stcontosocache7f3k".lower(), "delete") in rows
    assert (f"{other}/privateDnsZoneGroups/default".lower(), "delete") in rows
    assert (other.lower(), "delete") in rows and (nic_of(owner, other).lower(), "delete") in rows
    assert not any(spoke.lower() in r for r, _ in rows)  # never the endpoint it was not given

    done, journal = run(owner, params(endpoints=[other]))
    assert done.status == "done", done.table().to_string()
    assert [c.action for c in journal.changes] == ["delete"] * 4
    assert endpoints.get_endpoint(owner, other) is None
    assert endpoints.get_endpoint(owner, spoke) is not None and nic_of(owner, spoke) == nic
    assert privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k") is None  # it held other's address only
    assert other_ip  # (what the record held before)

    again, journal = run(owner, params(endpoints=[other]))
    assert journal.changes == [] and again.status == "done"
    assert statuses(again)["check"] == "nothing to do"


def test_a_record_another_endpoint_answers_with_is_kept(owner):
    first = blob_endpoint(owner, "pe-blob-first")
    second = blob_endpoint(owner, "pe-blob-second")  # the record now answers with second's address
    held = privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k").ips

    planned, _ = run(owner, params(endpoints=[first]), "plan")
    records = next(s for s in planned.steps if s.id == "records").rows
    (row,) = records
    assert row.action == "unchanged" and "kept: it answers with" in row.reason and "pe-blob-second" in row.reason

    done, journal = run(owner, params(endpoints=[first]))
    assert done.status == "done", done.table().to_string()
    assert endpoints.get_endpoint(owner, first) is None and endpoints.get_endpoint(owner, second) is not None
    assert privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k").ips == held
    assert all("/A/" not in c.resource_id for c in journal.changes)


def test_an_endpoint_of_another_resource_is_refused_before_anything_changes(owner):
    blob = blob_endpoint(owner, "pe-blob-mine")
    vault = f"{VAULTS}/rsv-backup-wus3"
    report, journal = run(owner, params(resource=vault, endpoints=[blob]))
    assert statuses(report)["check"] == "blocked" and journal.changes == []
    assert "pe-blob-mine is a blob endpoint of stcontosocache7f3k, not an endpoint of rsv-backup-wus3" in detail(
        report, "check"
    )
    assert endpoints.get_endpoint(owner, blob) is not None


def test_bad_parameters_are_named():
    with pytest.raises(InputError, match="endpoints"):
        params(endpoints=[])
    with pytest.raises(InputError, match="resource"):
        params(resource=SPOKE_ENDPOINTS, endpoints=[endpoint_id(SPOKE_RG, "pe-x")])
    with pytest.raises(InputError, match="endpoints"):
        params(endpoints=[SPOKE_ENDPOINTS])


def test_a_backup_endpoint_goes_with_the_endpoints_backup_made_beside_it(contoso, owner):
    from tests.scenarios.test_backup import NEW_VAULT
    from tests.scenarios.test_backup import params as backup_params

    run(owner, backup_params())
    assert contoso.event("register-container", NEW_VAULT).succeeded
    assert contoso.event("first-backup", NEW_VAULT).succeeded
    backup = endpoint_id(SPOKE_RG, "pe-backup")
    siblings = [e.id for e in endpoints.endpoints_in_group(owner, SPOKE_RG) if e.name.lower().startswith("pe-backup_")]
    assert len(siblings) >= 3  # _ecs blob and queue, one or more _prot blob

    addresses = {a.ip for e in read_endpoints(owner, [backup]) for a in e.addresses}
    zones = [z.id for z in privatedns.zones_in_group(owner, DNS_RG)]
    held = [ip for z in zones for r in privatedns.a_records(owner, z).values() for ip in r.ips]
    assert addresses & set(held)  # the zone group and the vault's identity wrote them

    refused, journal = run(owner, params(resource=NEW_VAULT, endpoints=[backup]))
    assert statuses(refused)["check"] == "blocked" and journal.changes == []
    assert "never gets a first Backup endpoint again" in detail(refused, "check")

    done, journal = run(owner, params(resource=NEW_VAULT, endpoints=[backup], last_backup_endpoint=True))
    assert done.status == "done", done.table().to_string()
    deleted = [c.resource_id.lower() for c in journal.changes if "/networkInterfaces/" not in c.resource_id]
    endpoints_deleted = [d for d in deleted if d.count("/") == 8]
    assert set(endpoints_deleted) == {e.lower() for e in [*siblings, backup]}
    assert endpoints_deleted[-1] == backup.lower()  # the siblings first
    assert not [e for e in endpoints.endpoints_in_group(owner, SPOKE_RG) if e.name.lower().startswith("pe-backup")]
    held = [ip for z in zones for r in privatedns.a_records(owner, z).values() for ip in r.ips]
    assert not addresses & set(held)  # no record answers with a removed endpoint's address
    assert any("/A/" in c.resource_id for c in journal.changes)
    check = next(s for s in done.steps if s.id == "check")
    assert any("must be registered with the vault again" in r.reason for r in check.rows)


def test_azure_deletes_the_nic_and_the_zone_groups_records_with_the_endpoint(owner):
    """What the runbook counts on: an endpoint's DELETE takes its NIC and the records its zone group wrote, but not
    a record another endpoint's zone group has overwritten since."""
    first = blob_endpoint(owner, "pe-blob-a")
    nic = nic_of(owner, first)
    endpoints.delete_endpoint(owner, first)()
    assert privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k") is None
    rid = parse_id(nic)
    with pytest.raises(ResourceNotFoundError):
        owner.for_subscription(rid.subscription).network.network_interfaces.get(rid.resource_group, rid.name)
    second = blob_endpoint(owner, "pe-blob-b")
    third = blob_endpoint(owner, "pe-blob-c")
    held = privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k").ips
    endpoints.delete_endpoint(owner, second)()
    assert privatedns.a_record(owner, BLOB_ZONE, "stcontosocache7f3k").ips == held  # third's
    assert endpoints.get_endpoint(owner, third) is not None


@pytest.mark.parametrize("name", ["add_endpoint", "remove_endpoint"])
def test_every_step_cites_a_section_of_its_article(name):
    """As the built-in scenarios do (tests/scenarios/test_registry.py): each step's heading is its article's."""
    from pathlib import Path

    from runbook_lib.scenarios import get_scenario

    scenario = get_scenario(name)
    parameters = Path(__file__).resolve().parents[2] / "parameters" / f"{name}.sandbox.yaml"
    steps = scenario.build(load_parameters(scenario.parameters, parameters)).steps
    for step in steps:
        assert step.source.heading in step.source.article.headings, (step.id, step.source.heading)
        assert step.source.url == f"{step.source.article.url}#{step.source.anchor}"
    assert steps[0].source.article == scenario.article


def test_a_caller_who_may_not_delete_is_stopped_before_anything_changes(contoso, owner):
    from runbook_lib.azure import Target, get_clients

    blob = blob_endpoint(owner, "pe-blob-theirs")
    operator = get_clients(Target(state=str(contoso.path), principal="operator"), retry_backoff_factor=0.01)
    report, journal = run(operator, params(endpoints=[blob], zones_resource_group=DNS_RG), principal="operator")
    assert statuses(report)["check"] == "blocked" and journal.changes == []
    assert "may not Microsoft.Network/privateDnsZones/A/delete" in detail(report, "check")
    assert endpoints.get_endpoint(owner, blob) is not None
