"""Remove private endpoints from a vault, storage account or Migrate project in use: a table of contents of what
"Create and use private endpoints (v1 experience) for Azure Backup" says about removing them, in the order it is
safe to do:

- Deleting Private EndPoints: only the endpoints the parameters name, each serving the resource they name; a vault's
  last Backup endpoint only when the parameters say so (a vault that had items never gets a first one again)
- When integrating private endpoints with Azure private DNS zones: the A records each endpoint owned (never one
  another endpoint still answers with), then its zone group
- Deleting Private EndPoints: the endpoints (the ``_ecs``/``_prot`` ones Azure Backup made beside a vault's first),
  their NICs going with them
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from ..azure.ids import name_of, parse_id
from ..dns.endpoints import Endpoint, backup_siblings_pattern, read_endpoints
from ..engine import Row, Run, Runbook, ScenarioParameters, Step, blocked, delete, unchanged
from ..engine.fields import AnyResourceId, ResourceGroupId, typed_id
from ..engine.source import Article
from ..names import NameKind
from ..ops import connections, endpoints, privatedns, vaults
from ..private_link import alias
from .backup import ARTICLE as BACKUP
from .backup import SCENARIO as BACKUP_SCENARIO
from .migrate_project import ZONES as MIGRATE_ZONES
from .registry import Scenario
from .steps import rights_row

ARTICLE = Article(
    BACKUP.title,
    BACKUP.url,
    headings=(
        "Deleting Private EndPoints",
        "When integrating private endpoints with Azure private DNS zones",
        "Backup and restore of workloads in Azure VM (SQL and SAP HANA)",
    ),
)
section = ARTICLE.section
ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"
BACKUP_GROUP = "AzureBackup"

if TYPE_CHECKING:
    EndpointId = str
else:
    EndpointId = typed_id(ENDPOINT_TYPE, NameKind.PRIVATE_ENDPOINT)


class RemoveEndpointParameters(ScenarioParameters):
    resource: AnyResourceId  # the vault, storage account or Migrate project the endpoints serve
    endpoints: tuple[EndpointId, ...] = Field(min_length=1)  # the endpoints to remove (ids); no other is touched
    zones_resource_group: ResourceGroupId | None = None  # also the records a runbook wrote there (no zone group)
    backup_siblings: bool = True  # a vault's Backup endpoint: with the _ecs/_prot endpoints Azure Backup made beside it
    last_backup_endpoint: bool = False  # true: a vault that had items may lose its last approved Backup endpoint

    @field_validator("resource")
    @classmethod
    def _a_target(cls, value: str) -> str:
        try:
            connections.target_type(value)
        except Exception as error:  # an InputError naming --resource: said again for this field
            raise ValueError(str(error).removeprefix("--resource: ")) from None
        return value


@dataclass(frozen=True)
class Removal:
    """One endpoint the run removes: as read, and the named endpoint it goes with (itself, or the Backup endpoint
    Azure Backup made it beside)."""

    endpoint: Endpoint
    named: str

    @property
    def sibling(self) -> bool:
        return self.endpoint.id.lower() != self.named.lower()


def removals(run: Run) -> list[Removal]:
    """The endpoints this run removes that exist now: each named one serving the resource, and (for a Backup
    endpoint, unless backup_siblings is false) the endpoints Azure Backup made beside it; siblings first."""
    p: RemoveEndpointParameters = run.params
    found: list[Removal] = []
    for named in p.endpoints:
        listed = _listed_with_siblings(run, named)
        if not listed:
            continue
        for endpoint in read_endpoints(run.clients, [e for e in listed]):
            if endpoint.id.lower() not in {e.lower() for e in listed}:
                continue
            if endpoint.id.lower() == named.lower() and not _serves_resource(endpoint, p.resource):
                return []  # the guard step blocks: nothing is removed
            found.append(Removal(endpoint, named))
    return sorted(found, key=lambda r: not r.sibling)


def _listed_with_siblings(run: Run, named: str) -> list[str]:
    """The ids of ``named`` (when it exists) and, for a Backup endpoint, its siblings (even once it is gone)."""
    p: RemoveEndpointParameters = run.params
    rid = parse_id(named)
    listed = endpoints.endpoints_in_group(run.clients, rid.resource_group_id)
    ids = [arm_id for e in listed if (arm_id := e.id or "").lower() == named.lower()]
    backup = connections.target_type(p.resource) == connections.VAULTS and p.backup_siblings
    if backup:
        pattern = backup_siblings_pattern(rid.name)
        ids += [e.id or "" for e in listed if pattern.fullmatch(e.name or "")]
    return ids


def _serves_resource(endpoint: Endpoint, resource: str) -> bool:
    return endpoint.target_id.lower() == resource.lower()


class CheckEndpoints(Step):
    """Each named endpoint serves the named resource; the caller may delete what the run removes; a vault keeps a
    Backup endpoint unless the parameters say otherwise."""

    id, title = "check", "Check what each endpoint serves, and the caller's rights"

    def plan(self, run: Run) -> list[Row]:
        p: RemoveEndpointParameters = run.params
        rows: list[Row] = []
        for named in p.endpoints:
            endpoint = endpoints.get_endpoint(run.clients, named)
            if endpoint is None:
                rows.append(unchanged(named, "gone", "no such endpoint: removed already, or never made"))
                continue
            serves = endpoints.serves(endpoint)
            if serves.target_id.lower() != p.resource.lower():
                rows.append(
                    blocked(
                        named,
                        f"{serves.words()}, not an endpoint of {name_of(p.resource)}: this run removes only "
                        f"endpoints of the resource it names (resource); leave {serves.name} out of endpoints, or "
                        "remove it in a run of its own naming its resource",
                    )
                )
                continue
            rows.append(unchanged(named, endpoints.connection_state(endpoint), f"{serves.words()}: removed"))
        groups = {parse_id(e).resource_group_id: None for e in p.endpoints}
        rows += [rights_row(run, group, [f"{ENDPOINT_TYPE}/delete"]) for group in groups]
        if p.zones_resource_group:
            rows.append(rights_row(run, p.zones_resource_group, ["Microsoft.Network/privateDnsZones/A/delete"]))
        present = any(r.before != "gone" for r in rows if r.resource in p.endpoints)
        clear = not any(r.action == "blocked" for r in rows)
        if connections.target_type(p.resource) == connections.VAULTS and present and clear:
            rows.append(self.vault_row(run))
        return rows

    def vault_row(self, run: Run) -> Row:
        """Backup's guards: the vault keeps an approved Backup endpoint, or never had items, or the parameters
        allow it; and registered SQL/SAP HANA servers must be registered again."""
        p: RemoveEndpointParameters = run.params
        removed = {e.lower() for e in p.endpoints}
        kept = [
            c
            for c in connections.connections_of(run.clients, p.resource)
            if c.status == connections.Status.APPROVED and c.endpoint_id.lower() not in removed
        ]
        backup = [c for c in kept if BACKUP_GROUP in c.group_ids]
        items = vaults.backup_items(run.clients, p.resource)
        held = vaults.items_in_words(items)
        if items and not backup and not p.last_backup_endpoint:
            return blocked(
                p.resource,
                f"the vault has items ({held}) and these are its last approved endpoints: a vault that had items "
                "never gets a first Backup endpoint again, so it could never be reached privately again; keep one, "
                "or set last_backup_endpoint: true",
            )
        if items:
            return unchanged(
                p.resource,
                held,
                "warning: SQL and SAP HANA servers registered through these endpoints must be registered with the "
                "vault again (their protection stays)",
            )
        return unchanged(p.resource, "no items", "the vault never had items")


class RemoveRecords(Step):
    """The A records each endpoint owned: in its zone group's zones and the parameters' zones resource group, each
    holding only that endpoint's addresses; a record another endpoint answers with stays."""

    id, title = "records", "Remove the A records the endpoints owned"

    def plan(self, run: Run) -> list[Row]:
        p: RemoveEndpointParameters = run.params
        found = removals(run)
        others: dict[str, list[str]] = {}
        for subscription in {parse_id(r.endpoint.id).subscription for r in found}:
            others.update(endpoints.endpoints_by_ip(run.clients, subscription))
        ours = {r.endpoint.id.lower() for r in found}
        rows: list[Row] = []
        seen: set[str] = set()
        for removal in found:
            endpoint = removal.endpoint
            ips = {a.ip for a in endpoint.addresses}
            for zone_id, name in _record_names(run, endpoint, p.zones_resource_group):
                record_id = f"{zone_id}/A/{name}"
                if record_id.lower() in seen:
                    continue
                seen.add(record_id.lower())
                record = privatedns.a_record(run.clients, zone_id, name)
                if record is None:
                    continue
                foreign = [ip for ip in record.ips if ip not in ips]
                if not foreign:
                    write = privatedns.delete_a_record(run.clients, zone_id, name, record.etag)
                    rows.append(delete(record_id, ", ".join(record.ips), write, f"{endpoint.name}'s address"))
                    continue
                holders = sorted({name_of(e) for ip in foreign for e in others.get(ip, []) if e.lower() not in ours})
                whose = f"endpoint {', '.join(holders)}" if holders else "no endpoint this run removes"
                rows.append(
                    unchanged(
                        record_id,
                        ", ".join(record.ips),
                        f"kept: it answers with {', '.join(foreign)}, of {whose}",
                    )
                )
        return rows or [unchanged(p.resource, reason="no A records left of these endpoints")]


def _record_names(run: Run, endpoint: Endpoint, zones_group: str | None) -> list[tuple[str, str]]:
    """(zone id, record name) of each of the endpoint's FQDNs, in its zone group's zones and in ``zones_group``."""
    zone_ids = [
        zone
        for group in privatedns.zone_groups_of(run.clients, endpoint.id)
        for zone in privatedns.zone_configs(group).values()
    ]
    names: list[tuple[str, str]] = []
    for address in endpoint.addresses:
        answer = alias(address.fqdn)
        if answer is None:
            continue
        zone, record = answer
        candidates = [z for z in zone_ids if name_of(z).lower() == zone]
        if zones_group:
            candidates.append(privatedns.zone_id(zones_group, zone))
        names += [(z, record) for z in dict.fromkeys(candidates)]
    return names


class RemoveZoneGroups(Step):
    """Each endpoint's zone group: Azure removes the records it wrote, leaving those another endpoint overwrote."""

    id, title = "zone-groups", "Remove the endpoints' zone groups"

    def plan(self, run: Run) -> list[Row]:
        rows: list[Row] = []
        for removal in removals(run):
            for group in privatedns.zone_groups_of(run.clients, removal.endpoint.id):
                name = group.name or "default"
                zones = ", ".join(name_of(z) for z in privatedns.zone_configs(group).values())
                write = endpoints.delete_zone_group(run.clients, removal.endpoint.id, name)
                rows.append(delete(f"{removal.endpoint.id}/privateDnsZoneGroups/{name}", zones, write))
        return rows or [unchanged(run.params.resource, reason="no zone groups left on these endpoints")]


class RemoveEndpoints(Step):
    """The endpoints (Backup's siblings first), each with its NIC, which Azure deletes with it."""

    id, title = "endpoints", "Delete the private endpoints and their NICs"

    def plan(self, run: Run) -> list[Row]:
        rows: list[Row] = []
        for removal in removals(run):
            endpoint = removal.endpoint
            why = (
                f"made by Azure Backup beside {name_of(removal.named)}"
                if removal.sibling
                else f"{endpoint.group_id} endpoint of {name_of(endpoint.target_id)}"
            )
            rows.append(
                delete(
                    endpoint.id,
                    endpoint.connection_state,
                    endpoints.delete_endpoint(run.clients, endpoint.id),
                    why,
                )
            )
            read = endpoints.get_endpoint(run.clients, endpoint.id)
            for nic in (read.network_interfaces or []) if read is not None else []:
                nic_id = nic.id or ""
                rows.append(
                    delete(
                        nic_id,
                        ", ".join(a.ip for a in endpoint.addresses),
                        endpoints.nic_removed(run.clients, nic_id),
                        "with its endpoint",
                    )
                )
        return rows or [unchanged(run.params.resource, reason="none of these endpoints is left")]


def runbook(params: RemoveEndpointParameters) -> Runbook:
    return Runbook(
        "remove_endpoint",
        [
            CheckEndpoints(section("Deleting Private EndPoints")),
            RemoveRecords(section("When integrating private endpoints with Azure private DNS zones")),
            RemoveZoneGroups(section("When integrating private endpoints with Azure private DNS zones")),
            RemoveEndpoints(section("Deleting Private EndPoints")),
        ],
    )


def scope(params: RemoveEndpointParameters, run: Run) -> list[str]:
    return [*params.endpoints, params.resource]


SCENARIO = Scenario(
    name="remove_endpoint",
    title="Remove private endpoints from a vault, storage account or Migrate project",
    article=ARTICLE,
    summary="The named endpoints of one resource (a vault's Backup endpoint with the endpoints Azure Backup made "
    "beside it), the A records they owned, their zone groups and their NICs; records another endpoint answers "
    "with are kept.",
    risks=(
        "Clients that resolve to a removed endpoint lose their private path to the resource.",
        "A vault that had items never gets a first Backup endpoint again: its last one is kept unless the "
        "parameters say last_backup_endpoint: true.",
        "SQL and SAP HANA servers registered through a removed Backup endpoint must be registered again.",
    ),
    parameters=RemoveEndpointParameters,
    build=runbook,
    # the zones whose records it removes: Backup's (and blob, queue for the endpoints Backup made), Migrate's
    zones=(*BACKUP_SCENARIO.zones, *(z for z in MIGRATE_ZONES if z.service == "migration")),
    scope=scope,
)
