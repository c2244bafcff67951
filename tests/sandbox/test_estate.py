"""The estate: reset, settings, and refusing a path that holds something else."""

from __future__ import annotations

import sqlite3

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.errors import InputError
from runbook_lib.sandbox import DEFAULT_CALLER, DEFAULT_SUBSCRIPTION, Sandbox
from tests.builders import make_endpoint, make_storage, make_vnet


def test_reset_leaves_one_subscription_owned_by_the_default_caller(sandbox, clients):
    assert sandbox.subscriptions() == [DEFAULT_SUBSCRIPTION]
    scope = f"/subscriptions/{DEFAULT_SUBSCRIPTION}"
    owners = [
        a
        for a in clients.authorization.role_assignments.list_for_scope(scope)
        if a.role_definition_id.endswith("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    ]
    assert [a.principal_id for a in owners] == [DEFAULT_CALLER.object_id]
    clients.resources.resource_groups.create_or_update("rg-gone", {"location": "eastus"})
    sandbox.reset()
    assert not clients.resources.resource_groups.check_existence("rg-gone")


def test_settings_are_shared_and_checked(sandbox, tmp_path):
    sandbox.configure(lro="realistic", lro_seconds=2.5)
    assert Sandbox(sandbox.path).settings().lro_seconds == 2.5  # another handle on the same file sees it
    with pytest.raises(ValueError, match="lro_secs"):
        sandbox.configure(lro_secs=1)


def test_a_path_holding_something_else_is_refused_untouched(tmp_path):
    other = tmp_path / "report.csv"
    other.write_text("a,b\n")
    with pytest.raises(InputError, match="not a sandbox estate"):
        Sandbox(other)
    assert other.read_text() == "a,b\n"
    with pytest.raises(InputError, match="no sandbox estate"):
        Sandbox(tmp_path / "missing.db", must_exist=True)
    assert not (tmp_path / "missing.db").exists()


def test_an_estate_made_before_the_lookup_indexes_gets_them_when_opened(tmp_path):
    """An estate file from an earlier version (no index on assignments' types or principals' names, no table of
    what each subnet holds) is brought up to date by the next process that opens it, and keeps its contents: its
    subnet still lists the endpoint's NIC, and a new endpoint does not take the address the first one holds."""
    path = tmp_path / "estate.db"
    Sandbox(path).reset()
    clients = get_clients(Target(state=str(path)))
    clients.resources.resource_groups.create_or_update("rg-old", {"location": "westus3"})
    subnet = make_vnet(clients, "rg-old", "vnet", "10.0.0.0/16", {"pe": "10.0.0.0/24"})["pe"]
    account = make_storage(clients, "rg-old", "stold")
    first = make_endpoint(clients, "rg-old", "pe-first", subnet, account.id, "blob")
    added = ("resources_by_kind", "principals_by_id", "principals_by_name")
    with sqlite3.connect(path) as old:
        for index in added:
            old.execute(f"DROP INDEX {index}")
        old.execute("DROP TABLE in_subnet")
        old.execute("PRAGMA user_version = 0")
    reopened = Sandbox(path)
    assert reopened.subscriptions() == [DEFAULT_SUBSCRIPTION]
    with sqlite3.connect(path) as conn:
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {*added, "in_subnet_by_subnet"} <= present
    clients = get_clients(Target(state=str(path)))
    nic = first.network_interfaces[0].id.rsplit("/", 1)[1]
    held = clients.network.network_interfaces.get("rg-old", nic).ip_configurations
    listed = clients.network.subnets.get("rg-old", "vnet", "pe").ip_configurations
    assert [c.id.lower() for c in listed] == [c.id.lower() for c in held]
    second = make_endpoint(clients, "rg-old", "pe-second", subnet, account.id, "blob")
    assert second.custom_dns_configs[0].ip_addresses != first.custom_dns_configs[0].ip_addresses
