"""Which private-endpoint experience (v1 or v2) a Recovery Services vault's Backup endpoints use, from what ARM shows.

ARM names no experience on the vault (its properties have none; backupStorageVersion is the storage's) nor on the
endpoint request. It shows it in what the endpoints carry:
- v2: the vault's endpoint itself carries the FQDNs of Backup's storage (blob, queue) beside Backup's own, about
  10 addresses ("Overview and concepts of private endpoints (v2 experience) for Azure Backup", "Difference in network
  connections for private endpoints": 'The private IP mappings for the storage account are listed in the private
  endpoint created for the Recovery Services vault'; "Considerations before you start": 10 private IPs);
- v1: the vault's endpoint carries only Backup's FQDNs (8), and Azure Backup makes ``{endpoint}_ecs…``/``_prot…``
  endpoints to its storage beside it ("Create and use private endpoints (v1 experience) for Azure Backup").
The NIC is read, not the endpoint's customDnsConfigs: Azure empties those once a zone group holds the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import parse_id
from ..dns.endpoints import backup_siblings_pattern
from .arm import arm_set
from .endpoints import endpoints_in_group, get_endpoint

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateEndpoint
    from azure.mgmt.recoveryservices.models import Vault

BACKUP_GROUPS = ("azurebackup", "azurebackup_secondary")


class Experience(StrEnum):
    V1 = "v1"
    V2 = "v2"


@dataclass(frozen=True)
class BackupEndpoint:
    """One of the vault's Backup endpoints as ARM shows it."""

    id: str
    group_id: str
    fqdns: tuple[str, ...]
    static_ips: tuple[str, ...]  # addresses set by hand (privateIPAllocationMethod Static)
    siblings: tuple[str, ...] = field(default=())  # ids of the _ecs/_prot endpoints Azure Backup made beside it

    @property
    def experience(self) -> Experience:
        return Experience.V2 if any(".backup." not in f.lower() for f in self.fqdns) else Experience.V1


def backup_endpoints(clients: AzureClients, vault: Vault) -> list[BackupEndpoint]:
    """The vault's Backup endpoints (primary and secondary), in any connection state, each with its NIC's FQDNs and
    the storage endpoints Azure Backup made beside it; an endpoint that no longer exists is left out."""
    found = []
    for connection in (vault.properties.private_endpoint_connections or []) if vault.properties else []:
        properties = connection.properties
        groups = [text_of(g) for g in (properties.group_ids or [])] if properties else []
        if not properties or not properties.private_endpoint or not {g.lower() for g in groups} & set(BACKUP_GROUPS):
            continue
        endpoint = get_endpoint(clients, arm_set(properties.private_endpoint.id))
        if endpoint is None:
            continue
        fqdns, static = _nic_members(clients, endpoint)
        found.append(BackupEndpoint(arm_set(endpoint.id), groups[0], fqdns, static, _siblings(clients, endpoint)))
    return found


def vault_experience(endpoints: list[BackupEndpoint]) -> Experience | None:
    """v1 when any Backup endpoint is v1 (a vault that has one cannot be upgraded), v2 when all are; None without
    any (a vault whose next endpoint decides)."""
    if not endpoints:
        return None
    return Experience.V1 if any(e.experience == Experience.V1 for e in endpoints) else Experience.V2


def _nic_members(clients: AzureClients, endpoint: PrivateEndpoint) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fqdns: list[str] = []
    static: list[str] = []
    for reference in endpoint.network_interfaces or []:
        rid = parse_id(arm_set(reference.id))
        nic = clients.for_subscription(rid.subscription).network.network_interfaces.get(rid.resource_group, rid.name)
        for config in nic.ip_configurations or []:
            link = config.private_link_connection_properties
            fqdns += list((link.fqdns or []) if link else [])
            if text_of(config.private_ip_allocation_method) == "Static" and config.private_ip_address:
                static.append(config.private_ip_address)
    return tuple(fqdns), tuple(static)


def _siblings(clients: AzureClients, endpoint: PrivateEndpoint) -> tuple[str, ...]:
    rid = parse_id(arm_set(endpoint.id))
    pattern = backup_siblings_pattern(rid.name)
    return tuple(
        arm_set(e.id) for e in endpoints_in_group(clients, rid.resource_group_id) if pattern.fullmatch(e.name or "")
    )


def group_zones(clients: AzureClients, vault_id: str, group_id: str) -> list[str] | None:
    """The private DNS zones the vault's private-link resource ``group_id`` requires (its requiredZoneNames: for
    AzureBackup_secondary, the paired region's Backup zone first); None when the vault offers no such group."""
    rid = parse_id(vault_id)
    resources = clients.for_subscription(rid.subscription).recoveryservices.private_link_resources.list(
        rid.resource_group, rid.name
    )
    for resource in resources:
        properties = resource.properties
        if properties is not None and (properties.group_id or "").lower() == group_id.lower():
            return list(properties.required_zone_names or [])
    return None
