"""ops.connections through the real SDK against the contoso estate: a connection approved, rejected and disconnected
on a Recovery Services vault, a storage account and a Migrate project, and what Azure refuses (a rejected
connection approved again; a storage account's Disconnected state)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from runbook_lib.azure import Target, get_clients
from runbook_lib.engine import Run
from runbook_lib.errors import InputError
from runbook_lib.ops import connections, endpoints, migrate
from runbook_lib.ops.connections import Status, Verb
from tests.contoso import SPOKE_ENDPOINTS, STORAGE, VAULTS, WORKLOAD

SPOKE_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke"
VAULT = f"{VAULTS}/rsv-backup-wus3"
ACCOUNT = f"{STORAGE}/stcontosocache7f3k"
PROJECT = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload/providers/{migrate.PROJECTS}/migrate-conn"
TARGETS = {"vault": (VAULT, "AzureBackup"), "storage": (ACCOUNT, "blob"), "migrate": (PROJECT, "Default")}


@pytest.fixture
def owner(contoso):
    return get_clients(Target(state=str(contoso.path), principal="owner"), retry_backoff_factor=0.01)


def endpoint_to(owner, kind: str, name: str = "", manual: bool = True) -> str:
    """A manual (Pending) endpoint in the spoke to the ``kind`` target; its id."""
    target, group = TARGETS[kind]
    if kind == "migrate" and migrate.get_project(owner, PROJECT) is None:
        migrate.create_project(owner, PROJECT, "westus3", "Disabled")()
    endpoint_id = f"{SPOKE_RG}/providers/Microsoft.Network/privateEndpoints/{name or f'pe-{kind}'}"
    endpoints.put_endpoint(
        owner, endpoint_id, endpoints.endpoint_body("westus3", SPOKE_ENDPOINTS, target, group, manual)
    )()
    return endpoint_id


def state_of(owner, endpoint_id: str) -> str:
    return endpoints.connection_state(endpoints.get_endpoint(owner, endpoint_id))


def change(owner, kind: str, endpoint_id: str, verb: Verb):
    connection = connections.find_connection(owner, TARGETS[kind][0], endpoint_id)
    assert connections.refusal(connection, verb) is None
    return connections.set_state(owner, connection, verb, f"{verb} by the test")()


@pytest.mark.parametrize("kind", TARGETS)
def test_approve_then_reject_and_the_endpoint_follows(owner, kind):
    endpoint_id = endpoint_to(owner, kind)
    connection = connections.find_connection(owner, TARGETS[kind][0], "pe-" + kind)
    assert (connection.status, connection.endpoint_id.lower()) == ("Pending", endpoint_id.lower())
    change(owner, kind, endpoint_id, Verb.APPROVE)
    assert state_of(owner, endpoint_id) == "Approved"
    change(owner, kind, endpoint_id, Verb.REJECT)
    assert state_of(owner, endpoint_id) == "Rejected"
    assert connections.find_connection(owner, TARGETS[kind][0], endpoint_id).status == "Rejected"


@pytest.mark.parametrize("kind", TARGETS)
def test_a_rejected_connection_is_never_approved_again(owner, kind):
    endpoint_id = endpoint_to(owner, kind)
    change(owner, kind, endpoint_id, Verb.REJECT)
    connection = connections.find_connection(owner, TARGETS[kind][0], endpoint_id)
    reason = connections.refusal(connection, Verb.APPROVE)
    expected = "InvalidValuesForRequestParameters" if kind == "storage" else "BadRequest"
    assert reason and expected in reason and "delete the endpoint pe-" in reason
    # and Azure refuses it when sent anyway: the toolkit's refusal is ARM's
    with pytest.raises(HttpResponseError) as refused:
        connections.set_state(owner, connection, Verb.APPROVE, "again")()
    assert refused.value.status_code == 400 and refused.value.error.code == expected
    assert state_of(owner, endpoint_id) == "Rejected"


def test_disconnect_puts_a_vault_connection_disconnected(owner):
    endpoint_id = endpoint_to(owner, "vault", manual=False)
    assert state_of(owner, endpoint_id) == "Approved"
    change(owner, "vault", endpoint_id, Verb.DISCONNECT)
    assert state_of(owner, endpoint_id) == "Disconnected"
    connection = connections.find_connection(owner, VAULT, endpoint_id)
    assert connection.status == "Disconnected" and not connections.removes(connection, Verb.DISCONNECT)
    assert "cannot be approved again" in connections.refusal(connection, Verb.APPROVE)


@pytest.mark.parametrize("kind", ["storage", "migrate"])
def test_disconnect_removes_a_storage_or_project_connection(owner, kind):
    endpoint_id = endpoint_to(owner, kind, manual=False)
    connection = connections.find_connection(owner, TARGETS[kind][0], endpoint_id)
    assert connections.removes(connection, Verb.DISCONNECT)
    change(owner, kind, endpoint_id, Verb.DISCONNECT)
    assert state_of(owner, endpoint_id) == "Disconnected"  # "Manage a Private Endpoint connection": Remove
    assert connections.connections_of(owner, TARGETS[kind][0]) == []


def test_a_storage_account_has_no_disconnected_state(owner):
    endpoint_id = endpoint_to(owner, "storage")
    body = connections.state_body(Status.DISCONNECTED, "no")
    connection = connections.find_connection(owner, ACCOUNT, endpoint_id)
    rid = ACCOUNT.split("/")
    with pytest.raises(HttpResponseError) as refused:
        owner.for_subscription(rid[2]).storage.private_endpoint_connections.put(rid[4], rid[-1], connection.name, body)
    assert refused.value.error.code == "InvalidValuesForRequestParameters"


def test_typos_are_named(owner):
    endpoint_to(owner, "vault")
    with pytest.raises(
        InputError, match="has no private endpoint connection from 'pe-vualt'; its connections: pe-vault"
    ):
        connections.find_connection(owner, VAULT, "pe-vualt")
    with pytest.raises(InputError, match="no Recovery Services vault 'rsv-nope'"):
        connections.connections_of(owner, f"{VAULTS}/rsv-nope")
    with pytest.raises(InputError, match=r"is a Microsoft\.Network/virtualNetworks; connections are managed"):
        connections.target_type(SPOKE_ENDPOINTS.rsplit("/subnets/", 1)[0])
    with pytest.raises(InputError, match="is not a private endpoint connection id"):
        connections.connection_by_id(owner, VAULT)
    with pytest.raises(InputError, match="has no connection 'nope'"):
        connections.connection_by_id(owner, f"{VAULT}/privateEndpointConnections/nope")


def test_the_step_plans_once_and_then_nothing(owner):
    from runbook_lib.scenarios.connection_state import SetConnectionState

    endpoint_id = endpoint_to(owner, "storage")
    step = SetConnectionState(verb=Verb.APPROVE, target=lambda run: ACCOUNT, endpoint=lambda run: endpoint_id)
    run = Run(owner, None, "apply")
    (row,) = step.plan(run)
    assert (row.action, row.before, row.after) == ("update", "Pending", "Approved")
    row.write()
    assert step.verify(run) == [] and state_of(owner, endpoint_id) == "Approved"
    gone = SetConnectionState(verb=Verb.APPROVE, target=lambda run: ACCOUNT, endpoint=lambda run: f"{endpoint_id}x")
    assert gone.plan(run)[0].action == "blocked"


def test_a_refusal_between_plan_and_write_is_journaled_with_arms_code(owner):
    """Another owner rejects the connection after the plan: the approval's write is refused by ARM, and the journal
    keeps the intent and the failure with ARM's code (nothing changed)."""
    from runbook_lib.engine.writes import write_row
    from runbook_lib.journal import Failure, Journal
    from runbook_lib.scenarios.connection_state import connection_row

    endpoint_id = endpoint_to(owner, "vault")
    run = Run(owner, None, "apply", Journal())
    row = connection_row(run, connections.find_connection(owner, VAULT, endpoint_id), Verb.APPROVE)
    change(owner, "vault", endpoint_id, Verb.REJECT)
    with pytest.raises(HttpResponseError):
        write_row(run, row)
    kinds = [e.kind for e in run.journal.entries]
    assert kinds == ["intent", "failure"] and run.journal.changes == []
    failure = run.journal.entries[-1]
    assert isinstance(failure, Failure) and failure.code == "BadRequest"
    assert state_of(owner, endpoint_id) == "Rejected"
