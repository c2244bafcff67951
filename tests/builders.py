"""Small builders for test estates, through the real SDK clients (REST-shaped bodies, as the SDK sends dicts)."""

from __future__ import annotations

import uuid

from azure.mgmt.recoveryservices.models import IdentityData, Sku, Vault, VaultProperties

LOCATION = "westus3"
ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
}


def make_vnet(clients, rg: str, name: str, prefix: str, subnets: dict[str, str]) -> dict[str, str]:
    """A VNet with subnets; returns subnet name -> id (and '' -> the VNet's id)."""
    body = {"location": LOCATION, "properties": {
        "addressSpace": {"addressPrefixes": [prefix]},
        "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()],
    }}
    vnet = clients.network.virtual_networks.begin_create_or_update(rg, name, body).result()
    return {"": vnet.id, **{s.name: s.id for s in vnet.subnets}}


def make_vault(clients, rg: str, name: str = "rsv-demo", *, identity: str = "SystemAssigned",
               public: str = "Disabled", location: str = LOCATION) -> Vault:
    model = Vault(location=location, sku=Sku(name="Standard"), identity=IdentityData(type=identity),
                  properties=VaultProperties(public_network_access=public))
    return clients.recoveryservices.vaults.begin_create_or_update(rg, name, model).result()


def make_storage(clients, rg: str, name: str, kind: str = "StorageV2", sku: str = "Standard_LRS"):
    return clients.storage.storage_accounts.begin_create(
        rg, name, {"location": LOCATION, "kind": kind, "sku": {"name": sku}}).result()


def make_endpoint(clients, rg: str, name: str, subnet_id: str, target_id: str, group: str, *, manual: bool = False):
    kind = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    connection = {"name": name, "properties": {"privateLinkServiceId": target_id, "groupIds": [group]}}
    if manual:
        connection["properties"]["requestMessage"] = "Please approve: Backup for the spoke"
    body = {"location": LOCATION, "properties": {"subnet": {"id": subnet_id}, kind: [connection]}}
    return clients.network.private_endpoints.begin_create_or_update(rg, name, body).result()


def make_zone(clients, rg: str, zone: str, *, link_to: str | None = None) -> str:
    clients.privatedns.private_zones.begin_create_or_update(rg, zone, {"location": "global"}).result()
    if link_to:
        clients.privatedns.virtual_network_links.begin_create_or_update(
            rg, zone, f"link-{link_to.rsplit('/', 1)[-1]}",
            {"location": "global", "properties": {"virtualNetwork": {"id": link_to}, "registrationEnabled": False}},
        ).result()
    return clients.privatedns.private_zones.get(rg, zone).id


def attach_zones(clients, rg: str, endpoint: str, zone_ids: list[str], group: str = "default"):
    configs = [{"name": z.rsplit("/", 1)[-1].replace(".", "-"), "properties": {"privateDnsZoneId": z}} for z in zone_ids]
    return clients.network.private_dns_zone_groups.begin_create_or_update(
        rg, endpoint, group, {"properties": {"privateDnsZoneConfigs": configs}}).result()


def grant(clients, scope: str, role: str, principal_id: str, principal_type: str = "ServicePrincipal") -> None:
    definition = f"/subscriptions/{clients.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}"
    clients.authorization.role_assignments.create(scope, str(uuid.uuid4()), {"properties": {
        "roleDefinitionId": definition, "principalId": principal_id, "principalType": principal_type}})


def rg_scope(clients, rg: str) -> str:
    return f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"


def a_records(clients, rg: str, zone: str) -> dict[str, list[str]]:
    return {r.name: [a.ipv4_address for a in r.a_records or []]
            for r in clients.privatedns.record_sets.list_by_type(rg, zone, "A")}
