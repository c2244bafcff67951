"""Credentials: azure-identity's, chosen by name, for real Azure; a static one naming a principal for the sandbox."""

from __future__ import annotations

import base64
import json
import time

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
from azure.identity import (
    AzureCliCredential,
    DefaultAzureCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
    ManagedIdentityCredential,
)

from ..errors import InputError
from .clouds import Cloud

CREDENTIAL_NAMES = ("default", "cli", "device-code", "interactive-browser", "managed-identity")


def get_credential(name: str, cloud: Cloud) -> TokenCredential:
    """An azure-identity credential for the cloud; nothing is requested until a client needs a token."""
    authority = {"authority": cloud.authority_host}
    factories = {
        "default": lambda: DefaultAzureCredential(**authority),
        "cli": lambda: AzureCliCredential(),  # the CLI signs in to the cloud set by `az cloud set`
        "device-code": lambda: DeviceCodeCredential(**authority),
        "interactive-browser": lambda: InteractiveBrowserCredential(**authority),
        "managed-identity": lambda: ManagedIdentityCredential(),
    }
    try:
        return factories[name.lower()]()
    except KeyError:
        raise InputError(f"unknown credential '{name}': use one of {', '.join(CREDENTIAL_NAMES)}") from None


class SandboxCredential:
    """A static bearer token. The sandbox reads it as the caller: a principal's name or object id."""

    def __init__(self, principal: str = "sandbox"):
        self.principal = principal

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        return AccessToken(self.principal, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options=None) -> AccessTokenInfo:
        return AccessTokenInfo(self.principal, int(time.time()) + 3600)


CLAIMS = {"upn": "upn", "unique_name": "upn", "preferred_username": "upn", "name": "name", "oid": "object_id",
          "tid": "tenant", "appid": "app_id", "azp": "app_id"}


def token_claims(token: str) -> dict[str, str]:
    """Who an Entra ID access token names (upn, name, object id, tenant, app id): its payload's claims, read without
    checking the signature (ARM checks it); empty when the token is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    claims: dict[str, str] = {}
    for claim, name in CLAIMS.items():
        if isinstance(payload, dict) and payload.get(claim) and name not in claims:
            claims[name] = str(payload[claim])
    return claims
