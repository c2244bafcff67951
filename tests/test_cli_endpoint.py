"""`runbook endpoint approve|reject|disconnect` as a consultant runs it (a subprocess) against the contoso estate: the
change journaled, what Azure refuses said in one line with its code, typos and bad ids named."""

from __future__ import annotations

import json

import pytest

from runbook_lib.journal import Journal
from runbook_lib.ops import endpoints
from tests.cli import one_line_error, runbook
from tests.contoso import SPOKE_ENDPOINTS, STORAGE, VAULTS, WORKLOAD

VAULT = f"{VAULTS}/rsv-backup-wus3"
ACCOUNT = f"{STORAGE}/stcontosocache7f3k"
ENDPOINT = (
    f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-ask"
)


@pytest.fixture
def pending(contoso, clients):
    """A manual endpoint to the Backup vault, waiting for the vault's owner; the estate file."""
    body = endpoints.endpoint_body("westus3", SPOKE_ENDPOINTS, VAULT, "AzureBackup", manual=True)
    endpoints.put_endpoint(clients, ENDPOINT, body)()
    return str(contoso.path)


def endpoint(state: str, verb: str, *args: str, journal: str) -> object:
    return runbook("endpoint", verb, *args, "--state", state, "--journal", journal)


def state_of(clients) -> str:
    return endpoints.connection_state(endpoints.get_endpoint(clients, ENDPOINT))


def test_approve_by_resource_and_endpoint_is_journaled(pending, clients, tmp_path):
    journal = str(tmp_path / "journal.jsonl")
    done = endpoint(pending, "approve", "--resource", VAULT, "--endpoint", "pe-ask", journal=journal)
    assert done.returncode == 0, done.stderr
    assert "Approved: pe-ask's connection to rsv-backup-wus3 (was Pending)" in done.stderr
    assert state_of(clients) == "Approved"
    entries = Journal.read(journal)
    assert [e.kind for e in entries] == ["intent", "change"]
    assert entries[1].before == "Pending" and entries[1].after == "Approved" and entries[1].request_id
    again = endpoint(pending, "approve", "--resource", VAULT, "--endpoint", "pe-ask", journal=journal)
    assert again.returncode == 0 and "nothing to do" in again.stderr and len(Journal.read(journal)) == 2


def test_reject_then_approve_is_refused_as_azure_refuses_it(pending, clients, tmp_path):
    journal = str(tmp_path / "journal.jsonl")
    listed = runbook(
        "endpoint", "reject", "--resource", VAULT, "--endpoint", "pe-ask", "--state", pending, "--json", cwd=tmp_path
    )
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["Action"], row["After"]) == ("update", "Rejected") and "/privateEndpointConnections/" in row["Resource"]
    assert state_of(clients) == "Rejected"
    assert (tmp_path / "runs" / "endpoint-journal.jsonl").is_file()  # the default journal
    refused = endpoint(pending, "approve", row["Resource"], journal=journal)
    assert refused.returncode == 3
    line = one_line_error(refused, "refused", "cannot be approved again", "BadRequest", "delete the endpoint pe-ask")
    assert line.startswith("runbook: refused: pe-ask's connection to rsv-backup-wus3 (Rejected)")
    assert state_of(clients) == "Rejected" and not (tmp_path / "journal.jsonl").exists()  # nothing was written


def test_disconnect_a_vault_connection(pending, clients, tmp_path):
    journal = str(tmp_path / "journal.jsonl")
    done = endpoint(pending, "disconnect", "--resource", VAULT, "--endpoint", ENDPOINT, journal=journal)
    assert done.returncode == 0, done.stderr
    assert state_of(clients) == "Disconnected"
    assert Journal.read(journal)[-1].after == "Disconnected"


def test_disconnect_removes_a_storage_connection(contoso, clients, tmp_path):
    body = endpoints.endpoint_body("westus3", SPOKE_ENDPOINTS, ACCOUNT, "blob", manual=False)
    endpoints.put_endpoint(clients, ENDPOINT, body)()
    journal = str(tmp_path / "journal.jsonl")
    done = endpoint(str(contoso.path), "disconnect", "--resource", ACCOUNT, "--endpoint", "pe-ask", journal=journal)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("removed: pe-ask's connection to stcontosocache7f3k")
    assert state_of(clients) == "Disconnected"
    change = Journal.read(journal)[-1]
    assert (change.action, change.before) == ("delete", "Approved")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("--resource", VAULT, "--endpoint", "pe-aks"),
            ("--endpoint", "no private endpoint connection from 'pe-aks'", "pe-ask (Pending)"),
        ),
        (
            ("--resource", f"{VAULTS}/rsv-typo", "--endpoint", "pe-ask"),
            ("--resource", "no Recovery Services vault 'rsv-typo'"),
        ),
        (("--resource", SPOKE_ENDPOINTS, "--endpoint", "pe-ask"), ("--resource", "connections are managed here on")),
        (("--resource", "rsv-backup-wus3", "--endpoint", "pe-ask"), ("--resource", "is not a resource id")),
        (("--resource", VAULT), ("--endpoint", "give the name of the endpoint")),
        ((), ("give CONNECTION_ID, or --resource ID with --endpoint NAME",)),
        ((f"{VAULT}/privateEndpointConnections/nope",), ("CONNECTION_ID", "has no connection 'nope'", "from pe-ask")),
        ((VAULT,), ("CONNECTION_ID", "not a private endpoint connection id")),
    ],
)
def test_typos_and_bad_ids_get_one_line(pending, tmp_path, args, words):
    result = endpoint(pending, "approve", *args, journal=str(tmp_path / "j.jsonl"))
    assert result.returncode == 2
    one_line_error(result, *words)


def test_an_unknown_verb_is_named(pending):
    one_line_error(runbook("endpoint", "approv", "--state", pending), "invalid choice", "approve")
