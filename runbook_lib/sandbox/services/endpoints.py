"""Microsoft.Network private endpoints and their private DNS zone groups.

An endpoint connects one subnet to one group of a private-link target. Creating it makes a NIC
``{endpoint}.nic.{guid}`` with one IP configuration per required member (its FQDNs in
``privateLinkConnectionProperties``) and a connection on the target's side. A connection is approved at once
when the caller may approve connections on the target (``.../privateEndpointConnectionsApproval/action``,
which Owner and Contributor hold); a manual request waits as Pending. A zone group writes the members'
A records into its zones while the connection is Approved, overwriting any record of the same name, as Azure does.
"""

from __future__ import annotations

import copy

from ...private_link import alias
from ..addresses import allocate
from ..authz import require_linked
from ..errors import ArmError
from ..paths import ArmPath, parse_path
from .base import HIDDEN, Context, PrivateLinkTarget, Service, new_guid

ENDPOINTS = "Microsoft.Network/privateEndpoints"
ZONE_GROUPS = f"{ENDPOINTS}/privateDnsZoneGroups"
NICS = "Microsoft.Network/networkInterfaces"
A_RECORDS = "Microsoft.Network/privateDnsZones/A"
RECORD_TTL = 10  # the TTL of the records a zone group writes
AUTO, MANUAL = "privateLinkServiceConnections", "manualPrivateLinkServiceConnections"
MAX_ZONE_CONFIGS = 5  # "Azure Private Endpoint DNS configuration": each DNS zone group supports up to 5 DNS zones
# set at creation; an update of an endpoint cannot change them
_FIXED = ("subnet", AUTO, MANUAL, "networkInterfaces", "ipConfigurations", "customNetworkInterfaceName")


class InvalidRequestFormat(ArmError):
    """ARM's answer to a body it cannot parse, with the reason in its details when there is one."""

    def __init__(self, details: list[dict]):
        super().__init__(400, "InvalidRequestFormat", "Cannot parse the request.")
        self.details = details

    def body(self) -> dict:
        return {"error": {**super().body()["error"], "details": self.details}}


class PrivateEndpointService(Service):
    types = (ENDPOINTS,)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        refuse_while_in_progress(ctx, existing)
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        if existing:
            before = existing["properties"]
            for key in _FIXED:
                if key in before:
                    properties[key] = copy.deepcopy(before[key])
                else:
                    properties.pop(key, None)
            return record
        subnet = _referenced(ctx, (properties.get("subnet") or {}).get("id", ""), path)
        vnet = ctx.tx.get(subnet["id"].rsplit("/subnets/", 1)[0]) or {}
        if vnet.get("location") and vnet["location"] != record.get("location"):
            raise ArmError(
                400,
                "InvalidPrivateEndpointLocation",
                f"The endpoint's location '{record.get('location')}' must be its virtual network's, "
                f"'{vnet['location']}'.",
            )
        require_linked(ctx, "Microsoft.Network/virtualNetworks/subnets/join/action", subnet["id"], path)
        kind, connection = _single_connection(properties)
        target_id = (connection.get("properties") or {}).get("privateLinkServiceId", "")
        target = _referenced(ctx, target_id, path)
        target_service = _target_service(target)
        groups = target_service.private_link_groups(ctx, target)
        asked = [g.lower() for g in connection["properties"].get("groupIds") or []]
        group = next((g for g in groups if [g.lower()] == asked), None)
        if group is None:
            offered = ", ".join(groups) or "none"
            raise ArmError(
                400,
                "PrivateEndpointBadRequest",
                f"The group ids {asked or '[]'} are not valid for '{target_id}': it offers {offered}.",
            )
        target_service.check_private_endpoint(ctx, target, group)
        if kind == AUTO:
            require_linked(ctx, f"{target['type']}/privateEndpointConnectionsApproval/action", target_id, path)
            state = {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}
        else:
            message = connection["properties"].get("requestMessage") or ""
            state = {"status": "Pending", "description": message, "actionsRequired": "None"}
        members = groups[group]
        static = {
            (c.get("properties") or {}).get("memberName", "").lower(): c["properties"].get("privateIPAddress")
            for c in properties.get("ipConfigurations") or []
        }
        addresses = allocate(ctx.tx, subnet, [static.get(m.name.lower()) for m in members])

        guid = new_guid(ctx, "private-endpoint")
        connection.setdefault("name", path.name)
        connection["id"] = f"{path.id}/{kind}/{connection['name']}"
        connection["properties"]["privateLinkServiceConnectionState"] = state
        connection["properties"]["provisioningState"] = "Succeeded"
        connection["type"] = f"{ENDPOINTS}/{kind}"
        properties[AUTO if kind == MANUAL else MANUAL] = []
        nic = _nic(ctx, path, record, subnet, members, addresses, static, guid)
        properties["networkInterfaces"] = [{"id": nic["id"]}]
        target_connection_name = target_service.connection_name(target, path.name, group, guid)
        record[HIDDEN] = {
            "target": target_id,
            "connection": f"{target_id}/privateEndpointConnections/{target_connection_name}",
            "new": {"nic": nic, "state": state, "group": group},
        }
        return record

    def save(self, ctx: Context, path: ArmPath, record: dict) -> None:
        new = record.get(HIDDEN, {}).pop("new", None)
        super().save(ctx, path, record)
        if new is None:
            return
        nic_path = parse_path(new["nic"]["id"])
        nic_service = _service(NICS)
        nic_service.save(ctx, nic_path, nic_service.prepare(ctx, nic_path, new["nic"], None))
        hidden = record[HIDDEN]
        connection_path = parse_path(hidden["connection"])
        ctx.tx.put(
            {
                "id": connection_path.id,
                "name": connection_path.name,
                "type": connection_path.type,
                "properties": {
                    "provisioningState": "Succeeded",
                    "privateEndpoint": {"id": record["id"]},
                    "groupIds": [new["group"]],
                    "privateLinkServiceConnectionState": new["state"],
                },
            },
            type=connection_path.type,
            parent=connection_path.parent_id,
            subscription=connection_path.subscription,
        )
        target_changed(ctx, hidden["target"])

    def render(self, ctx: Context, record: dict) -> dict:
        properties = record["properties"]
        # a zone group takes the configs over; while being made, Azure lists none yet (the Azure CLI's recording
        # test_storage_account_private_endpoint.yaml: the 201 'Updating' answer has "customDnsConfigs": [])
        if ctx.tx.children(record["id"], ZONE_GROUPS) or properties.get("provisioningState") in (
            "Updating",
            "Creating",
        ):
            properties["customDnsConfigs"] = []
        else:
            properties["customDnsConfigs"] = [
                {"fqdn": fqdn, "ipAddresses": [ip]} for _, _, fqdn, ip in endpoint_members(ctx.tx, record)
            ]
        return record

    def remove(self, ctx: Context, path: ArmPath, record: dict) -> None:
        for group in ctx.tx.children(record["id"], ZONE_GROUPS):
            for zone_id in _group_zones(group):
                remove_records(ctx, record, zone_id)
        for nic in record["properties"].get("networkInterfaces") or []:
            ctx.tx.delete_tree(nic["id"])
        hidden = record.get(HIDDEN) or {}
        if hidden.get("connection"):
            ctx.tx.delete_tree(hidden["connection"])
            target_changed(ctx, hidden["target"])
        super().remove(ctx, path, record)


class PrivateDnsZoneGroupService(Service):
    """At most one zone group per endpoint, of at most five zones ("Azure Private Endpoint DNS configuration",
    section "Private DNS zone group"). A PUT replaces the group's configs: the records of a zone it no longer names
    are removed, and it writes the members' records into each zone it names."""

    types = (ZONE_GROUPS,)
    requires_location = False

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        refuse_while_in_progress(ctx, existing)
        refuse_while_in_progress(ctx, ctx.tx.get(path.parent_id))  # a dependent resource: the group's endpoint
        record = super().prepare(ctx, path, body, existing)
        others = [g for g in ctx.tx.children(path.parent_id, ZONE_GROUPS) if g["id"].lower() != path.key]
        if others:  # Azure's message; the article says adding a second zone group is not supported
            raise ArmError(
                400,
                "PrivateEndpointCannotHaveMoreThanOneDnsZoneGroup",
                f"Cannot create more than one private dns zone groups in the private endpoint "
                f"{parse_path(path.parent_id).name}: it has '{others[0]['name']}'; add the zones to it.",
            )
        configs = record["properties"].get("privateDnsZoneConfigs") or []
        if len(configs) > MAX_ZONE_CONFIGS:
            raise ArmError(
                400,
                "PrivateDnsZoneGroupHasTooManyZones",
                f"A private DNS zone group supports up to {MAX_ZONE_CONFIGS} DNS zones; {len(configs)} were given.",
            )
        config_names: list[str] = []
        names = []
        for config in configs:
            if not config.get("name"):  # Azure cannot parse a config without a name (azure-rest-api-specs #23831)
                raise InvalidRequestFormat([])
            config_names.append(config["name"].lower())
            zone_id = (config.get("properties") or {}).get("privateDnsZoneId", "")
            zone = _referenced(ctx, zone_id, path)
            require_linked(ctx, "Microsoft.Network/privateDnsZones/join/action", zone["id"], path)
            config["properties"]["privateDnsZoneId"] = zone["id"]
            names.append(zone["name"].lower())
        if len(set(config_names)) != len(config_names):
            twice = next(n for n in config_names if config_names.count(n) > 1)
            raise InvalidRequestFormat(
                [
                    {
                        "code": "DuplicateResourceName",
                        "message": (f"Resource {path.id} has two child resources with the same name ({twice})."),
                    }
                ]
            )
        if len(set(names)) != len(names):  # the portal refuses it as well: one zone of a name answers a VNet
            raise ArmError(400, "DuplicatePrivateDnsZoneInGroup", "A zone group names each private DNS zone once.")
        return record

    def save(self, ctx: Context, path: ArmPath, record: dict) -> None:
        before = ctx.tx.get(path.id)
        super().save(ctx, path, record)
        endpoint = ctx.tx.get(path.parent_id)
        now = _group_zones(record)
        for zone_id in _group_zones(before) if before else []:
            if zone_id.lower() not in {z.lower() for z in now}:
                remove_records(ctx, endpoint, zone_id)
        if endpoint is not None and endpoint_status(endpoint) == "Approved":  # as render: no endpoint, no records
            for zone_id in now:
                write_records(ctx, endpoint, zone_id)

    def render(self, ctx: Context, record: dict) -> dict:
        endpoint = ctx.tx.get(parse_path(record["id"]).parent_id)
        approved = endpoint is not None and endpoint_status(endpoint) == "Approved"
        for config in record["properties"].get("privateDnsZoneConfigs") or []:
            # each config shows its id and type (as `az network private-endpoint dns-zone-group list` prints them)
            if config.get("name"):
                config["id"] = f"{record['id']}/privateDnsZoneConfigs/{config['name']}"
                config["type"] = f"{ZONE_GROUPS}/privateDnsZoneConfigs"
            zone_id = config["properties"]["privateDnsZoneId"]
            config["properties"]["recordSets"] = [
                {
                    "recordType": "A",
                    "recordSetName": name,
                    "fqdn": f"{name}.{_zone_name(zone_id)}",
                    "ttl": RECORD_TTL,
                    "ipAddresses": ips,
                    "provisioningState": "Succeeded",
                }
                for name, ips in (_records_for(ctx, endpoint, zone_id).items() if approved else ())
            ]
        return record

    def remove(self, ctx: Context, path: ArmPath, record: dict) -> None:
        endpoint = ctx.tx.get(path.parent_id)
        for zone_id in _group_zones(record):
            remove_records(ctx, endpoint, zone_id)
        super().remove(ctx, path, record)


# --- what other services and the lifecycle events use ---------------------------------------------------------


def refuse_while_in_progress(ctx: Context, resource: dict | None) -> None:
    """A write on an endpoint or zone group while an operation on it (or on the endpoint of the group) still runs
    is refused with 409 AnotherOperationInProgress, naming the operation (as Azure answers: e.g.
    hashicorp/terraform-provider-azurerm#28715, microsoft/AzureTRE#3193, for zone groups)."""
    state = ((resource or {}).get("properties") or {}).get("provisioningState")
    if resource is None or state not in ("Creating", "Updating", "Deleting"):
        return
    running = next(
        (op for op in ctx.tx.due_operations(float("inf")) if op["resource_id"].lower() == resource["id"].lower()), None
    )
    if running is None:
        return
    where = (
        f"/subscriptions/{resource['id'].split('/')[2]}/providers/Microsoft.Network/locations/"
        f"{resource.get('location') or 'global'}/operations/{running['id']}"
    )
    raise ArmError(
        409,
        "AnotherOperationInProgress",
        "Another operation on this or dependent resource is in "
        f"progress. To retrieve status of the operation use uri: {ctx.base_url}{where}"
        f"?api-version={ctx.api_version}.",
    )


def endpoint_members(tx, endpoint: dict) -> list[tuple[str, str, str, str]]:
    """(group id, member name, fqdn, ip) of each FQDN on the endpoint's NIC."""
    rows = []
    for nic in endpoint["properties"].get("networkInterfaces") or []:
        for config in tx.children(nic["id"], f"{NICS}/ipConfigurations"):
            link = config["properties"].get("privateLinkConnectionProperties") or {}
            for fqdn in link.get("fqdns") or []:
                rows.append(
                    (
                        link.get("groupId", ""),
                        link.get("requiredMemberName", ""),
                        fqdn,
                        config["properties"]["privateIPAddress"],
                    )
                )
    return rows


def endpoint_status(endpoint: dict) -> str:
    _, connection = _single_connection(endpoint["properties"])
    return connection["properties"]["privateLinkServiceConnectionState"]["status"]


def set_endpoint_status(ctx: Context, endpoint_id: str, state: dict) -> None:
    """The target's owner approved, rejected or removed the connection: the endpoint's side follows."""
    endpoint = ctx.tx.get(endpoint_id)
    if endpoint is None:
        return
    _, connection = _single_connection(endpoint["properties"])
    connection["properties"]["privateLinkServiceConnectionState"] = {
        "status": state.get("status", "Pending"),
        "description": state.get("description") or "",
        "actionsRequired": state.get("actionsRequired") or "None",
    }
    ctx.tx.update(endpoint)
    for group in ctx.tx.children(endpoint_id, ZONE_GROUPS):
        for zone_id in _group_zones(group):
            (write_records if state.get("status") == "Approved" else remove_records)(ctx, endpoint, zone_id)


def target_changed(ctx: Context, target_id: str) -> None:
    target = ctx.tx.get(target_id)
    if target is None:
        return
    ctx.tx.update(_target_service(target).connections_changed(ctx, target))


def write_records(ctx: Context, endpoint: dict, zone_id: str) -> None:
    """Write (or overwrite) the A record of each member whose FQDN the zone answers."""
    records = _service(A_RECORDS)
    for name, ips in _records_for(ctx, endpoint, zone_id).items():
        path = parse_path(f"{zone_id}/A/{name}")
        body = {"properties": {"ttl": RECORD_TTL, "aRecords": [{"ipv4Address": ip} for ip in ips]}}
        records.save(ctx, path, records.prepare(ctx, path, body, ctx.tx.get(path.id)))


def remove_records(ctx: Context, endpoint: dict | None, zone_id: str) -> None:
    """Remove the endpoint's records from the zone, leaving any that another endpoint has since overwritten."""
    if endpoint is None:
        return
    for name, ips in _records_for(ctx, endpoint, zone_id).items():
        existing = ctx.tx.get(f"{zone_id}/A/{name}")
        held = {a.get("ipv4Address") for a in (existing or {}).get("properties", {}).get("aRecords") or []}
        if existing is not None and held <= set(ips):
            ctx.tx.delete_tree(existing["id"])


def _records_for(ctx: Context, endpoint: dict | None, zone_id: str) -> dict[str, list[str]]:
    zone = _zone_name(zone_id)
    records: dict[str, list[str]] = {}
    for _, _, fqdn, ip in endpoint_members(ctx.tx, endpoint) if endpoint else []:
        answer = alias(fqdn)
        if answer and answer[0] == zone and ip not in records.setdefault(answer[1], []):
            records[answer[1]].append(ip)
    return records


def _zone_name(zone_id: str) -> str:
    return zone_id.rstrip("/").rsplit("/", 1)[-1].lower()


def _group_zones(group: dict) -> list[str]:
    return [c["properties"]["privateDnsZoneId"] for c in group["properties"].get("privateDnsZoneConfigs") or []]


def _single_connection(properties: dict) -> tuple[str, dict]:
    auto, manual = properties.get(AUTO) or [], properties.get(MANUAL) or []
    if len(auto) + len(manual) != 1:
        raise ArmError(
            400,
            "PrivateEndpointBadRequest",
            "A private endpoint needs exactly one connection, in privateLinkServiceConnections or "
            "manualPrivateLinkServiceConnections.",
        )
    return (AUTO, auto[0]) if auto else (MANUAL, manual[0])


def _referenced(ctx: Context, resource_id: str, path: ArmPath) -> dict:
    found = ctx.tx.get(resource_id) if resource_id else None
    if found is None:
        raise ArmError(
            400,
            "InvalidResourceReference",
            f"Resource '{resource_id or '(none)'}' referenced by resource '{path.id}' was not found.",
        )
    return found


def _nic(
    ctx: Context, path: ArmPath, endpoint: dict, subnet: dict, members, addresses: list[str], static: dict, guid: str
) -> dict:
    name = endpoint["properties"].get("customNetworkInterfaceName") or f"{path.name}.nic.{guid}"
    nic_id = f"/subscriptions/{path.subscription}/resourceGroups/{path.resource_group}/providers/{NICS}/{name}"
    configurations = [
        {
            "name": f"privateEndpointIpConfig.{new_guid(ctx, 'ip-configuration')}",
            "properties": {
                "privateIPAddress": address,
                "privateIPAllocationMethod": "Static" if static.get(member.name.lower()) else "Dynamic",
                "privateIPAddressVersion": "IPv4",
                "subnet": {"id": subnet["id"]},
                "primary": index == 0,
                "privateLinkConnectionProperties": {
                    "groupId": member.group_id,
                    "requiredMemberName": member.name,
                    "fqdns": [member.fqdn],
                },
            },
        }
        for index, (member, address) in enumerate(zip(members, addresses))
    ]
    return {
        "id": nic_id,
        "location": endpoint.get("location"),
        "properties": {
            "ipConfigurations": configurations,
            "privateEndpoint": {"id": path.id},
            "nicType": "Standard",
            "enableAcceleratedNetworking": False,
            "enableIPForwarding": False,
        },
    }


def _service(resource_type: str) -> Service:
    from . import service_for  # the registry imports this module

    return service_for(resource_type)


def _target_service(target: dict) -> PrivateLinkTarget:
    service = _service(target["type"])
    if not isinstance(service, PrivateLinkTarget):
        raise ArmError(400, "PrivateEndpointBadRequest", f"'{target['type']}' does not offer private endpoints.")
    return service
