"""Microsoft.Network private DNS: zones, record sets and virtual network links."""

from __future__ import annotations

import copy

from ..errors import ArmError, OperationFailed
from ..paths import ArmPath, parse_path
from .base import Context, Rules, Service

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")
# a record set's list of records, shown empty when none is given (the Azure CLI's recorded
# test_PutRecordSet_IfNoneMatchFailure_ExpectError: a new A record set answers "aRecords": [])
_RECORD_LISTS = {
    "A": "aRecords",
    "AAAA": "aaaaRecords",
    "MX": "mxRecords",
    "PTR": "ptrRecords",
    "SRV": "srvRecords",
    "TXT": "txtRecords",
}
ZONE_TYPE = "Microsoft.Network/privateDnsZones"


def _precondition_failed(what: str, exists: bool) -> OperationFailed:
    """A zone's or link's PUT whose If-None-Match / If-Match fails is accepted (202) and its operation then fails
    with PreconditionFailed (Azure CLI's recorded tests test_PutZone_ZoneExistsIfNoneMatchFailure_ExpectError,
    test_PutLink_LinkExistsIfNoneMatchFailure_ExpectError, test_PatchZone_ZoneExistsIfMatchFailure_ExpectError);
    a record set's is refused at once with 412 (test_PutRecordSet_IfNoneMatchFailure_ExpectError)."""
    if exists:
        return OperationFailed("PreconditionFailed", f"{what} exists already and hence cannot be created again.")
    return OperationFailed("PreconditionFailed", f"{what} has been modified (etag mismatch).")


# Azure's answers: a zone or link PUT, PATCH or DELETE is accepted (202, Azure-AsyncOperation and Location) and runs
# as an operation (the Azure CLI's recorded ``network private-dns zone create`` and ``link vnet create``)
_ASYNC = Rules(lro_patch=True, async_put=202, always_async=True)
# every zone holds its SOA record set '@' from its creation, counted in numberOfRecordSets and listed with the others
# (the Azure CLI's recorded test_ListRecordSetsAcrossType_DefaultRecordSetPresent_ExpectDefaultRecordSetRetrieved);
# a private zone has no NS record set
SOA_PROPERTIES = {
    "ttl": 3600,
    "soaRecord": {
        "email": "azureprivatedns-host.microsoft.com",
        "expireTime": 2419200,
        "host": "internal.cloudapp.net",
        "minimumTtl": 300,
        "refreshTime": 3600,
        "retryTime": 300,
        "serialNumber": 1,
    },
}


class PrivateZoneService(Service):
    types = (ZONE_TYPE,)
    rules = _ASYNC

    def save(self, ctx: Context, path: ArmPath, record: dict) -> None:
        super().save(ctx, path, record)
        soa = parse_path(f"{record['id']}/SOA/@")
        if ctx.tx.get(soa.id) is None:
            records = RecordSetService()
            records.save(ctx, soa, records.prepare(ctx, soa, {"properties": copy.deepcopy(SOA_PROPERTIES)}, None))

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
            return ArmError(
                412,
                "PreconditionFailed",
                f"The Record set {path.name} exists already and hence cannot be created again.",
            )
        return super().precondition_failed(path, exists)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        if existing is None:  # the type as Azure spells it, whatever the path's casing ('/a/' -> 'A')
            kind = next(t for t in RECORD_TYPES if t.lower() == path.types[-1].lower())
            record["type"] = f"{ZONE_TYPE}/{kind}"
            record["id"] = f"{path.parent_id}/{kind}/{path.name}"
        zone = path.names[0].lower()
        name = path.name
        properties = record["properties"]
        properties["fqdn"] = f"{zone}." if name == "@" else f"{name}.{zone}."
        properties.setdefault("isAutoRegistered", False)
        records = _RECORD_LISTS.get(record["type"].rsplit("/", 1)[-1])
        if records:
            properties.setdefault(records, [])
        return record


class AllRecordSetsService(Service):
    """``.../privateDnsZones/{zone}/ALL``: every record set of the zone, whatever its type."""

    types = (f"{ZONE_TYPE}/ALL",)

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        wanted = {f"{ZONE_TYPE}/{t}".lower() for t in RECORD_TYPES}
        return [r for r in ctx.tx.children(path.parent_id) if r["type"].lower() in wanted]


class VirtualNetworkLinkService(Service):
    types = (f"{ZONE_TYPE}/virtualNetworkLinks",)
    rules = _ASYNC
    requires_location = True

    def precondition_failed(self, path: ArmPath, exists: bool) -> ArmError:
        return _precondition_failed(
            f"The Virtual Network link {path.name} for the Private DNS zone {path.names[0]}", exists
        )

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        vnet_id = (record["properties"].get("virtualNetwork") or {}).get("id", "")
        for link in ctx.tx.children(path.parent_id, f"{ZONE_TYPE}/virtualNetworkLinks"):
            other = (link["properties"].get("virtualNetwork") or {}).get("id", "")
            if link["id"].lower() != path.key and vnet_id and other.lower() == vnet_id.lower():
                raise ArmError(
                    409,
                    "Conflict",
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
        if (
            other_vnet.lower() == vnet_id.lower()
            and other_zone.lower() != zone_id
            and other_zone.rsplit("/", 1)[-1].lower() == zone_name
        ):
            name = other_zone.rsplit("/", 1)[-1]
            raise OperationFailed(
                "BadRequest",
                "A virtual network cannot be linked to multiple zones with overlapping "
                f"namespaces. You tried to link virtual network with '{path.names[0]}' "
                f"and '{name}' zones.",
            )
