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
    assert isinstance(get_credential(name, get_cloud("public")).credential, kind)  # inside SignInCredential


def test_unknown_credential_names_the_choices():
    with pytest.raises(InputError) as error:
        get_credential("password", get_cloud("public"))
    assert all(name in str(error.value) for name in CREDENTIAL_NAMES)


def test_sandbox_token_names_the_principal():
    assert SandboxCredential("operator").get_token("https://x/.default").token == "operator"


def _jwt(claims: dict) -> str:
    import base64
    import json

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_the_caller_is_read_from_the_token_claims_and_the_token_is_not_kept():
    from runbook_lib.azure.credentials import token_claims

    token = _jwt(
        {
            "upn": "ana@contoso.com",
            "oid": "11111111-2222-3333-4444-555555555555",
            "tid": "66666666-7777-8888-9999-000000000000",
            "aud": "https://management.azure.com",
            "scp": "user_impersonation",
        }
    )
    assert token_claims(token) == {
        "upn": "ana@contoso.com",
        "object_id": "11111111-2222-3333-4444-555555555555",
        "tenant": "66666666-7777-8888-9999-000000000000",
    }
    service = token_claims(_jwt({"appid": "aaaaaaaa-0000-0000-0000-000000000001", "oid": "o", "tid": "t"}))
    assert service == {"object_id": "o", "tenant": "t", "app_id": "aaaaaaaa-0000-0000-0000-000000000001"}
    assert token_claims("owner") == {} and token_claims("a.b.c") == {}


def test_on_the_sandbox_the_caller_is_the_principal(contoso):
    from runbook_lib.azure import Target, get_clients

    assert get_clients(Target(state=str(contoso.path), principal="operator")).caller() == {"principal": "operator"}
