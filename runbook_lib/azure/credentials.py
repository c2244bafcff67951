"""Credentials: azure-identity's, chosen by name, for real Azure; a static one naming a principal for the sandbox."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from azure.core.credentials import AccessToken, AccessTokenInfo, SupportsTokenInfo, TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from ..errors import InputError, SignInError
from .clouds import Cloud


class IdentityCredential(TokenCredential, SupportsTokenInfo, Protocol):
    """What every azure-identity credential offers: get_token, get_token_info and close."""


CREDENTIAL_NAMES = ("default", "cli", "device-code", "interactive-browser", "managed-identity")


def get_credential(name: str, cloud: Cloud) -> TokenCredential:
    """An azure-identity credential for the cloud; nothing is requested until a client needs a token."""
    # azure-identity (with msal and cryptography: 0.5 s) loads only for real Azure: `runbook --help` starts fast
    from azure.identity import (
        AzureCliCredential,
        DefaultAzureCredential,
        DeviceCodeCredential,
        InteractiveBrowserCredential,
        ManagedIdentityCredential,
    )

    authority = cloud.authority_host
    factories: dict[str, Callable[[], IdentityCredential]] = {
        "default": lambda: DefaultAzureCredential(authority=authority),
        "cli": lambda: AzureCliCredential(),  # the CLI signs in to the cloud set by `az cloud set`
        "device-code": lambda: DeviceCodeCredential(authority=authority),
        "interactive-browser": lambda: InteractiveBrowserCredential(authority=authority),
        "managed-identity": lambda: ManagedIdentityCredential(),
    }
    try:
        factory = factories[name.lower()]
    except KeyError:
        raise InputError(f"unknown credential '{name}': use one of {', '.join(CREDENTIAL_NAMES)}") from None
    return SignInCredential(factory(), name.lower())


# what to do, by credential: azure-identity's own names for what each needs (EnvironmentCredential,
# WorkloadIdentityCredential, ManagedIdentityCredential, AzureCliCredential)
_WHAT_TO_DO = {
    "default": "run `az login`, or set AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_FEDERATED_TOKEN_FILE (workload "
    "identity) or AZURE_CLIENT_CERTIFICATE_PATH (a service principal's certificate), or run where a "
    "managed identity is assigned (--credential managed-identity)",
    "cli": "install the Azure CLI and run `az login` (and `az cloud set` for another cloud)",
    "device-code": "sign in with the code it shows, from a browser that can reach Microsoft Entra ID",
    "interactive-browser": "sign in in the browser it opens, or use --credential device-code where there is none",
    "managed-identity": "run it on an Azure VM, container or function with a managed identity assigned, or use "
    "--credential cli after `az login`",
}


class SignInCredential:
    """An azure-identity credential whose failure to sign in is one line (SignInError): the credentials tried and
    what to do, instead of azure-identity's page of text."""

    def __init__(self, credential: IdentityCredential, name: str):
        self.credential, self.name = credential, name

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        try:
            with _quiet_identity():
                return self.credential.get_token(*scopes, **kwargs)
        except ClientAuthenticationError as error:
            raise self._failed(error) from None

    def get_token_info(self, *scopes: str, options=None) -> AccessTokenInfo:
        try:
            with _quiet_identity():
                return self.credential.get_token_info(*scopes, options=options)
        except ClientAuthenticationError as error:
            raise self._failed(error) from None

    def close(self) -> None:
        self.credential.close()

    def _failed(self, error: ClientAuthenticationError) -> SignInError:
        text = str(error.message or error)
        tried = re.findall(r"^\s+(\w+Credential): ", text, re.MULTILINE)
        what = f"tried {', '.join(tried)}" if tried else text.strip().splitlines()[0][:200]
        return SignInError(f"azure: could not sign in with --credential {self.name} ({what}): {_WHAT_TO_DO[self.name]}")


@contextmanager
def _quiet_identity() -> Iterator[None]:
    """azure-identity logs a failed sign-in as a warning (the whole chain's text) before it raises; the raised
    error becomes one line (SignInError), so the warning would only say it again."""
    identity = logging.getLogger("azure.identity")
    level = identity.level
    if identity.getEffectiveLevel() <= logging.WARNING:
        identity.setLevel(logging.ERROR)
    try:
        yield
    finally:
        identity.setLevel(level)


class SandboxCredential:
    """A static bearer token. The sandbox reads it as the caller: a principal's name or object id."""

    def __init__(self, principal: str = "sandbox"):
        self.principal = principal

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        return AccessToken(self.principal, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options=None) -> AccessTokenInfo:
        return AccessTokenInfo(self.principal, int(time.time()) + 3600)


CLAIMS = {
    "upn": "upn",
    "unique_name": "upn",
    "preferred_username": "upn",
    "name": "name",
    "oid": "object_id",
    "tid": "tenant",
    "appid": "app_id",
    "azp": "app_id",
}


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
