"""Microsoft.KeyVault: what differs from generic handling for the vaults Azure Migrate creates."""

from __future__ import annotations

from .base import Rules
from .connections import PrivateEndpointConnectionService


class KeyVaultPrivateEndpointConnectionService(PrivateEndpointConnectionService):
    types = ("Microsoft.KeyVault/vaults/privateEndpointConnections",)
    rules = Rules(lro_put=False, created=200)
