"""Shared fixtures: a fresh sandbox estate per test, and the real Azure SDK clients wired to it."""

from __future__ import annotations

import os
import shutil

import pytest

from runbook_lib.azure import AzureClients, Target, get_clients
from runbook_lib.sandbox import Sandbox

REQUIRE_TOOLS = "RUNBOOK_REQUIRE_TOOLS"  # .ci/run sets it: there a missing tool fails the test instead of skipping it


def require_tool(name: str, package: str) -> str:
    """The path of a Debian tool a test runs (``name``, from ``package``). Missing, the test is skipped with one line
    naming the package to install, or fails where ``$RUNBOOK_REQUIRE_TOOLS`` is set (CI proves every one)."""
    path = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"]))
    if path:
        return path
    message = f"needs {name}: apt-get install {package}"
    if os.environ.get(REQUIRE_TOOLS):
        pytest.fail(f"{message} ({REQUIRE_TOOLS} is set: .ci/run installs it)")
    pytest.skip(message)


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
    """The demo estate of `runbook sandbox reset --demo contoso` (ids in tests/contoso.py)."""
    sandbox.reset(demo="contoso")
    return sandbox


@pytest.fixture
def hub(contoso, clients) -> AzureClients:
    """The contoso hub subscription's clients, as the default caller (Owner there)."""
    from tests.contoso import HUB

    return clients.for_subscription(HUB)
