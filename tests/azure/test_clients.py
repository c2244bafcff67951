"""The client factory: real SDK clients for both targets; the sandbox in-process opens no socket."""

from __future__ import annotations

import socket

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.core.pipeline.transport import RequestsTransport

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.inprocess import wsgi_session
from runbook_lib.errors import InputError
from runbook_lib.sandbox import DEFAULT_SUBSCRIPTION


class RecordingCredential:
    """Hands out a token naming the default caller, and remembers which scopes were asked for."""

    def __init__(self):
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken("sandbox", 2_000_000_000)


def test_sandbox_clients_work_without_opening_a_socket(target, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    clients = get_clients(target)
    assert clients.subscription_id == DEFAULT_SUBSCRIPTION
    clients.resources.resource_groups.create_or_update("rg-nosocket", {"location": "eastus"})
    assert [g.name for g in clients.resources.resource_groups.list()] == ["rg-nosocket"]


@pytest.mark.parametrize(
    "cloud, host, scope",
    [
        ("public", "management.azure.com", "https://management.azure.com/.default"),
        ("usgov", "management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/.default"),
        ("china", "management.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"),
    ],
)
def test_azure_target_calls_the_clouds_arm_with_its_scope(sandbox, cloud, host, scope):
    # the sandbox stands in for that cloud's ARM host, so the request really travels the azure-target path
    credential = RecordingCredential()
    transport = RequestsTransport(session=wsgi_session(sandbox.app, host), session_owner=False)
    clients = get_clients(
        Target("azure", subscription_id=DEFAULT_SUBSCRIPTION, cloud=cloud), credential=credential, transport=transport
    )
    assert clients.resources.resource_groups.create_or_update("rg-cloud", {"location": "eastus"}).name == "rg-cloud"
    assert credential.scopes == [(scope,)]


def test_azure_target_needs_a_subscription():
    with pytest.raises(InputError, match="subscription"):
        get_clients(Target("azure"))


def test_other_subscription_same_connection(clients):
    other = clients.for_subscription("11111111-2222-3333-4444-555555555555")
    with pytest.raises(ResourceNotFoundError) as error:  # the request really names the other subscription
        other.resources.resource_groups.get("rg")
    assert error.value.error.code == "SubscriptionNotFound"
    assert "11111111-2222-3333-4444-555555555555" in error.value.error.message
