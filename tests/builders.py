"""Small builders for test estates, through the real SDK clients (REST-shaped bodies, as the SDK sends dicts)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from azure.mgmt.network.models import PrivateDnsZoneGroup, PrivateEndpoint, VirtualNetwork
    from azure.mgmt.privatedns.models import RecordSet, VirtualNetworkLink
    from azure.mgmt.recoveryservices.models import Vault
    from azure.mgmt.storage.models import StorageAccount

    from runbook_lib.azure import AzureClients

LOCATION = "westus3"
ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
}


def put_vnet(
    clients: AzureClients, rg: str, name: str, prefix: str, subnets: dict[str, str] | None = None
) -> VirtualNetwork:
    """PUT a VNet with these subnets (name -> prefix; none if not given); returns Azure's answer."""
    body = {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in (subnets or {}).items()],
        },
    }
    return clients.network.virtual_networks.begin_create_or_update(rg, name, body).result()


def make_vnet(
    clients: AzureClients, rg: str, name: str, prefix: str, subnets: dict[str, str] | None = None
) -> dict[str, str]:
    """A VNet as put_vnet makes it; returns subnet name -> id (and '' -> the VNet's id)."""
    vnet = put_vnet(clients, rg, name, prefix, subnets)
    return {"": vnet.id, **{s.name: s.id for s in vnet.subnets}}


def make_vault(
    clients: AzureClients,
    rg: str,
    name: str = "rsv-demo",
    *,
    identity: str = "SystemAssigned",
    public: str = "Disabled",
    location: str = LOCATION,
) -> Vault:
    body = {
        "location": location,
        "sku": {"name": "Standard"},
        "identity": {"type": identity},
        "properties": {"publicNetworkAccess": public},
    }
    return clients.recoveryservices.vaults.begin_create_or_update(rg, name, body).result()


def make_storage(
    clients: AzureClients, rg: str, name: str, kind: str = "StorageV2", sku: str = "Standard_LRS"
) -> StorageAccount:
    return clients.storage.storage_accounts.begin_create(
        rg, name, {"location": LOCATION, "kind": kind, "sku": {"name": sku}}
    ).result()


def make_endpoint(
    clients: AzureClients, rg: str, name: str, subnet_id: str, target_id: str, group: str, *, manual: bool = False
) -> PrivateEndpoint:
    kind = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    connection = {"name": name, "properties": {"privateLinkServiceId": target_id, "groupIds": [group]}}
    if manual:
        connection["properties"]["requestMessage"] = "Please approve: Backup for the spoke"
    body = {"location": LOCATION, "properties": {"subnet": {"id": subnet_id}, kind: [connection]}}
    return clients.network.private_endpoints.begin_create_or_update(rg, name, body).result()


def member_ips(endpoint: PrivateEndpoint) -> dict[str, str]:
    """An endpoint's members as its customDnsConfigs list them: FQDN -> private IP."""
    return {c.fqdn: c.ip_addresses[0] for c in endpoint.custom_dns_configs}


def make_zone(clients: AzureClients, rg: str, zone: str, *, link_to: str | None = None) -> str:
    """A private DNS zone, linked to the VNet `link_to` if given (see link_zone); returns the zone's id."""
    clients.privatedns.private_zones.begin_create_or_update(rg, zone, {"location": "global"}).result()
    if link_to:
        link_zone(clients, rg, zone, link_to)
    return clients.privatedns.private_zones.get(rg, zone).id


def link_zone(clients: AzureClients, rg: str, zone: str, vnet_id: str, name: str | None = None) -> VirtualNetworkLink:
    """Link a zone to a VNet without auto-registration; the link is named 'link-{vnet name}' unless named."""
    body = {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}
    return clients.privatedns.virtual_network_links.begin_create_or_update(
        rg, zone, name or f"link-{vnet_id.rsplit('/', 1)[-1]}", body
    ).result()


def attach_zones(
    clients: AzureClients, rg: str, endpoint: str, zone_ids: list[str], group: str = "default"
) -> PrivateDnsZoneGroup:
    configs = [
        {"name": z.rsplit("/", 1)[-1].replace(".", "-"), "properties": {"privateDnsZoneId": z}} for z in zone_ids
    ]
    return clients.network.private_dns_zone_groups.begin_create_or_update(
        rg, endpoint, group, {"properties": {"privateDnsZoneConfigs": configs}}
    ).result()


def role_id(clients: AzureClients, guid: str) -> str:
    """A role definition's id in the clients' subscription."""
    return f"/subscriptions/{clients.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def grant(
    clients: AzureClients, scope: str, role: str, principal_id: str, principal_type: str = "ServicePrincipal"
) -> None:
    """Assign a role of ROLES, by name, at scope."""
    clients.authorization.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        {
            "properties": {
                "roleDefinitionId": role_id(clients, ROLES[role]),
                "principalId": principal_id,
                "principalType": principal_type,
            }
        },
    )


def rg_scope(clients: AzureClients, rg: str) -> str:
    return f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"


def add_a_record(clients: AzureClients, rg: str, zone: str, name: str, ip: str, ttl: int = 3600) -> RecordSet:
    return clients.privatedns.record_sets.create_or_update(
        rg, zone, "A", name, {"properties": {"ttl": ttl, "aRecords": [{"ipv4Address": ip}]}}
    )


def a_records(clients: AzureClients, rg: str, zone: str) -> dict[str, list[str]]:
    return {
        r.name: [a.ipv4_address for a in r.a_records or []]
        for r in clients.privatedns.record_sets.list_by_type(rg, zone, "A")
    }
