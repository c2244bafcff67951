"""Credentials by name from azure-identity, and the sandbox's static credential."""

from __future__ import annotations

import pytest
from azure.identity import (
    AzureCliCredential,
    DefaultAzureCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
    ManagedIdentityCredential,
)

from runbook_lib.azure import CREDENTIAL_NAMES, get_cloud, get_credential
from runbook_lib.azure.credentials import SandboxCredential
from runbook_lib.errors import InputError


@pytest.mark.parametrize(
    "name, kind",
    [
        ("default", DefaultAzureCredential),
        ("cli", AzureCliCredential),
        ("device-code", DeviceCodeCredential),
        ("interactive-browser", InteractiveBrowserCredential),
        ("managed-identity", ManagedIdentityCredential),
    ],
)
def test_credential_by_name(name, kind):
    assert isinstance(get_credential(name, get_cloud("public")), kind)


def test_unknown_credential_names_the_choices():
    with pytest.raises(InputError) as error:
        get_credential("password", get_cloud("public"))
    assert all(name in str(error.value) for name in CREDENTIAL_NAMES)


def test_sandbox_token_names_the_principal():
    assert SandboxCredential("operator").get_token("https://x/.default").token == "operator"
