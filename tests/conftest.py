"""Shared fixtures: a fresh sandbox estate per test, and the real Azure SDK clients wired to it."""

from __future__ import annotations

import pytest

from runbook_lib.azure import AzureClients, Target, get_clients
from runbook_lib.sandbox import Sandbox


@pytest.fixture
def sandbox(tmp_path) -> Sandbox:
    estate = Sandbox(tmp_path / "estate.db")
    estate.reset()
    return estate


@pytest.fixture
def target(sandbox) -> Target:
    return Target(state=str(sandbox.path))


@pytest.fixture
def clients(target) -> AzureClients:
    return get_clients(target)


@pytest.fixture
def rg(clients) -> str:
    """A resource group in westus3 (its Backup geo code, wus3, differs from its name)."""
    clients.resources.resource_groups.create_or_update("rg-test", {"location": "westus3"})
    return "rg-test"


@pytest.fixture
def contoso(sandbox) -> Sandbox:
    """The demo estate of `runbook sandbox reset --seed contoso` (ids in tests/contoso.py)."""
    sandbox.reset(seed="contoso")
    return sandbox


@pytest.fixture
def hub(contoso, clients) -> AzureClients:
    """The contoso hub subscription's clients, as the default caller (Owner there)."""
    from tests.contoso import HUB

    return clients.for_subscription(HUB)
