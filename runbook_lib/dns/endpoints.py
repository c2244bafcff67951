"""Private endpoints and their members' addresses, read the way PrivateIP.ps1 should have: by listing.

An id names a private endpoint, a Recovery Services vault (its endpoints) or a resource group (every endpoint in it). A
Backup endpoint comes with the storage endpoints Azure Backup creates beside it, matched by their naming pattern
``{endpoint}_ecs…_blob|_queue`` and ``{endpoint}_prot…_blob`` (Azure Backup's private endpoints article), never by a
bare prefix: ``pe-bkp`` does not pick up ``pe-bkp2``. Endpoints and NICs are listed once per resource group, so the
number of ARM requests grows with the resource groups read, not with the endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import RESOURCE_GROUP, ResourceId, parse_id
from ..errors import InputError
from ..ops.arm import arm_set

ENDPOINT = "Microsoft.Network/privateEndpoints"
VAULT = "Microsoft.RecoveryServices/vaults"


@dataclass(frozen=True)
class Address:
    """One FQDN of an endpoint and the private IP its NIC holds for it."""

    fqdn: str
    ip: str
    group_id: str
    member: str  # requiredMemberName


@dataclass(frozen=True)
class Endpoint:
    id: str
    name: str
    subnet_id: str
    target_id: str  # the private-link resource (vault, storage account, ...)
    group_id: str
    connection_state: str  # Approved | Pending | Rejected | Disconnected
    provisioning_state: str
    manual: bool  # a manual (approval-requested) connection
    addresses: tuple[Address, ...]

    @property
    def vnet_id(self) -> str:
        return self.subnet_id.rsplit("/subnets/", 1)[0]


def backup_siblings_pattern(endpoint_name: str) -> re.Pattern[str]:
    """Names of the storage endpoints Azure Backup creates beside the vault endpoint ``endpoint_name``."""
    return re.compile(rf"{re.escape(endpoint_name)}_(ecs|prot)[^_]*_(blob|queue)", re.IGNORECASE)


def read_endpoints(clients: AzureClients, ids: Sequence[str], field: str = "ID") -> list[Endpoint]:
    """The endpoints the ids name (see the module docstring), each once, in the order asked for."""
    reader = _Reader(clients)
    found: dict[str, Endpoint] = {}
    for text in ids:
        for endpoint in reader.endpoints_for(parse_id(text, field), field):
            found.setdefault(endpoint.id.lower(), endpoint)
    return list(found.values())


class _Reader:
    """Lists endpoints and NICs per resource group, once each."""

    def __init__(self, clients: AzureClients):
        self._clients = clients
        self._listed: dict[str, list] = {}
        self._nics: dict[str, dict[str, object]] = {}

    def endpoints_for(self, rid: ResourceId, field: str) -> list[Endpoint]:
        if rid.is_a(RESOURCE_GROUP):
            return [self._read(e, rid) for e in self._list(rid)]
        if rid.is_a(ENDPOINT):
            return self._with_siblings(rid, field)
        if rid.is_a(VAULT):
            vault = self._client(rid).recoveryservices.vaults.get(rid.resource_group, rid.name)
            connections = (vault.properties.private_endpoint_connections or []) if vault.properties else []
            endpoint_ids = [
                arm_set(c.properties.private_endpoint.id)
                for c in connections
                if c.properties and c.properties.private_endpoint
            ]
            return [e for endpoint_id in endpoint_ids for e in self._with_siblings(parse_id(endpoint_id), field)]
        raise InputError(
            f"{field}: '{rid.id}' is a {rid.type}; give a private endpoint, a Recovery Services vault "
            "or a resource group"
        )

    def _with_siblings(self, rid: ResourceId, field: str) -> list[Endpoint]:
        listed = self._list(rid)
        named = [e for e in listed if e.id.lower() == rid.id.lower()]
        if not named:
            raise InputError(f"{field}: no private endpoint '{rid.name}' in resource group {rid.resource_group}")
        siblings = backup_siblings_pattern(rid.name)
        return [self._read(e, rid) for e in named + [e for e in listed if siblings.fullmatch(e.name)]]

    def _client(self, rid: ResourceId) -> AzureClients:
        return self._clients.for_subscription(rid.subscription)

    def _list(self, rid: ResourceId) -> list:
        key = rid.resource_group_id.lower()
        if key not in self._listed:
            network = self._client(rid).network
            self._listed[key] = list(network.private_endpoints.list(rid.resource_group))
            self._nics[key] = {arm_set(n.id).lower(): n for n in network.network_interfaces.list(rid.resource_group)}
        return self._listed[key]

    def _nic(self, nic_id: str):
        rid = parse_id(nic_id)
        self._list(rid)
        nics = self._nics[rid.resource_group_id.lower()]
        if nic_id.lower() not in nics:  # a NIC outside the endpoint's resource group: Azure never does this
            nics[nic_id.lower()] = self._client(rid).network.network_interfaces.get(rid.resource_group, rid.name)
        return nics[nic_id.lower()]

    def _read(self, endpoint, asked: ResourceId) -> Endpoint:
        manual = bool(endpoint.manual_private_link_service_connections)
        connection = (
            endpoint.manual_private_link_service_connections or endpoint.private_link_service_connections or [None]
        )[0]
        state = connection.private_link_service_connection_state if connection else None
        group = (connection.group_ids or [""])[0] if connection else ""
        nics = [self._nic(n.id) for n in endpoint.network_interfaces or []]
        return Endpoint(
            id=endpoint.id,
            name=endpoint.name,
            subnet_id=endpoint.subnet.id if endpoint.subnet else "",
            target_id=connection.private_link_service_id if connection else "",
            group_id=group,
            connection_state=text_of(state.status if state else None, "Unknown"),
            provisioning_state=text_of(endpoint.provisioning_state, "Unknown"),
            manual=manual,
            addresses=tuple(_addresses(nics, endpoint, group)),
        )


def _addresses(nics: Iterable, endpoint, group: str) -> Iterable[Address]:
    """From every NIC's IP configurations (all of them, not the first); customDnsConfigs only as a fallback
    (Azure empties it once a zone group is attached)."""
    found = False
    for nic in nics:
        for config in nic.ip_configurations or []:
            link = config.private_link_connection_properties
            for fqdn in (link.fqdns or []) if link else []:
                found = True
                yield Address(
                    fqdn.lower().rstrip("."),
                    config.private_ip_address,
                    link.group_id or group,
                    link.required_member_name or "",
                )
    if not found:
        for config in endpoint.custom_dns_configs or []:
            for ip in config.ip_addresses or []:
                yield Address(config.fqdn.lower().rstrip("."), ip, group, "")
