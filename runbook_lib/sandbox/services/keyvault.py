"""Microsoft.KeyVault vaults (the ones Azure Migrate creates) as private-link targets."""

from __future__ import annotations

from ...private_link import Member, member_fqdn
from .base import Context, PrivateLinkTarget, Rules
from .connections import PrivateEndpointConnectionService
from .regions import cloud_of


class KeyVaultService(PrivateLinkTarget):
    types = ("Microsoft.KeyVault/vaults",)

    def private_link_groups(self, ctx: Context, record: dict) -> dict[str, tuple[Member, ...]]:
        return {"vault": (Member("vault", "default", member_fqdn("vault", cloud_of(record), record["name"].lower())),)}


class KeyVaultPrivateEndpointConnectionService(PrivateEndpointConnectionService):
    types = ("Microsoft.KeyVault/vaults/privateEndpointConnections",)
    rules = Rules(lro_put=False, created=200)
