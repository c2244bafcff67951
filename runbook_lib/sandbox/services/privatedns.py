"""Microsoft.Network private DNS: zones, record sets and virtual network links."""

from __future__ import annotations

from ..errors import ArmError, OperationFailed
from ..paths import ArmPath
from .base import Context, Rules, Service

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")
ZONE_TYPE = "Microsoft.Network/privateDnsZones"


def _precondition_failed(what: str, exists: bool) -> OperationFailed:
    """A zone's or link's PUT whose If-None-Match / If-Match fails is accepted (202) and its operation then fails
    with PreconditionFailed (Azure CLI's recorded tests test_PutZone_ZoneExistsIfNoneMatchFailure_ExpectError,
    test_PutLink_LinkExistsIfNoneMatchFailure_ExpectError, test_PatchZone_ZoneExistsIfMatchFailure_ExpectError);
    a record set's is refused at once with 412 (test_PutRecordSet_IfNoneMatchFailure_ExpectError)."""
    if exists:
        return OperationFailed("PreconditionFailed", f"{what} exists already and hence cannot be created again.")
    return OperationFailed("PreconditionFailed", f"{what} has been modified (etag mismatch).")


class PrivateZoneService(Service):
    types = (ZONE_TYPE,)

    def precondition_failed(self, path: ArmPath, exists: bool) -> ArmError:
        return _precondition_failed(f"The Zone {path.name}", exists)

    def render(self, ctx: Context, record: dict) -> dict:
        children = ctx.tx.children(record["id"])
        links = [c for c in children if c["type"].lower() == f"{ZONE_TYPE}/virtualNetworkLinks".lower()]
        properties = record.setdefault("properties", {})
        properties["numberOfRecordSets"] = len(children) - len(links)
        properties["numberOfVirtualNetworkLinks"] = len(links)
        properties["numberOfVirtualNetworkLinksWithRegistration"] = sum(
            1 for link in links if link["properties"].get("registrationEnabled")
        )
        properties.setdefault("maxNumberOfRecordSets", 25000)  # Azure's documented per-zone limits
        properties.setdefault("maxNumberOfVirtualNetworkLinks", 1000)
        properties.setdefault("maxNumberOfVirtualNetworkLinksWithRegistration", 100)
        return record


class RecordSetService(Service):
    """Record sets are synchronous, and their names are stored lower-case (as Azure DNS does)."""

    types = tuple(f"{ZONE_TYPE}/{t}" for t in RECORD_TYPES)
    rules = Rules(lro_put=False, lro_delete=False, lower_case_name=True)

    def precondition_failed(self, path: ArmPath, exists: bool) -> ArmError:
        if exists:
            return ArmError(412, "PreconditionFailed",
                            f"The Record set {path.name} exists already and hence cannot be created again.")
        return super().precondition_failed(path, exists)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        zone = path.names[0].lower()
        name = path.name
        properties = record["properties"]
        properties["fqdn"] = f"{zone}." if name == "@" else f"{name}.{zone}."
        properties.setdefault("isAutoRegistered", False)
        return record


class AllRecordSetsService(Service):
    """``.../privateDnsZones/{zone}/ALL``: every record set of the zone, whatever its type."""

    types = (f"{ZONE_TYPE}/ALL",)

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        wanted = {f"{ZONE_TYPE}/{t}".lower() for t in RECORD_TYPES}
        return [r for r in ctx.tx.children(path.parent_id) if r["type"].lower() in wanted]


class VirtualNetworkLinkService(Service):
    types = (f"{ZONE_TYPE}/virtualNetworkLinks",)
    requires_location = True

    def precondition_failed(self, path: ArmPath, exists: bool) -> ArmError:
        return _precondition_failed(f"The Virtual Network link {path.name} for the Private DNS zone {path.names[0]}",
                                    exists)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        vnet_id = (record["properties"].get("virtualNetwork") or {}).get("id", "")
        for link in ctx.tx.children(path.parent_id, f"{ZONE_TYPE}/virtualNetworkLinks"):
            other = (link["properties"].get("virtualNetwork") or {}).get("id", "")
            if link["id"].lower() != path.key and vnet_id and other.lower() == vnet_id.lower():
                raise ArmError(
                    409, "Conflict",
                    f"A virtual network cannot be linked to the same zone more than once: '{vnet_id}' is already "
                    f"linked to '{path.names[0]}' by '{link['name']}'.",
                )
        if vnet_id:
            _refuse_same_name_elsewhere(ctx, path, vnet_id)
        record["properties"]["virtualNetworkLinkState"] = "Completed"
        record["properties"].setdefault("registrationEnabled", False)
        return record


def _refuse_same_name_elsewhere(ctx: Context, path: ArmPath, vnet_id: str) -> None:
    """A VNet resolves a name through one zone only: linking it to a zone while it is linked to another zone of the
    same name (any resource group or subscription) is accepted (202), then its operation fails: status Failed,
    BadRequest and this message, as Azure's operation status answers (Microsoft Learn, "Azure Private Link
    frequently asked questions": "Can we link multiple private DNS zones with the same name?" No)."""
    zone_id, zone_name = path.parent_id.lower(), path.names[0].lower()
    for link in ctx.tx.of_type(f"{ZONE_TYPE}/virtualNetworkLinks"):
        other_zone = link["id"].rsplit("/virtualNetworkLinks/", 1)[0]
        other_vnet = (link["properties"].get("virtualNetwork") or {}).get("id") or ""
        if (other_vnet.lower() == vnet_id.lower() and other_zone.lower() != zone_id
                and other_zone.rsplit("/", 1)[-1].lower() == zone_name):
            name = other_zone.rsplit("/", 1)[-1]
            raise OperationFailed("BadRequest", "A virtual network cannot be linked to multiple zones with overlapping "
                                                f"namespaces. You tried to link virtual network with '{path.names[0]}' "
                                                f"and '{name}' zones.")
