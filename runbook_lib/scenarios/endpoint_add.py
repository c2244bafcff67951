"""A further private endpoint for a Recovery Services vault (Azure Backup) or an Azure Migrate project already in use:
another spoke's, another network's. The shared steps and their guards, in the order of the resource's article:

- Backup ("Create and use private endpoints (v1 experience) for Azure Backup"): Before you start (rights, room);
  the vault in use (only a vault's first Backup endpoint needs a vault that never had items: the FAQ allows adding
  endpoints to a vault with protected items, and the vault guard of Create a Recovery Services vault lets a further
  one through); no zone group overwriting the records the first endpoint answers with; Create Private Endpoints for
  Azure Backup; Approve Private Endpoints; the zones, their links and records; Check VM connectivity
- Migrate ("Using Azure Migrate with private endpoints"): the project in use over private endpoints; Create a project
  with private endpoint connectivity (its endpoint); Validate private endpoints configuration (approval); the
  project's zone, its link and record; Troubleshoot network connectivity
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import field_validator

from ..azure.ids import name_of, parse_id
from ..dns.records import plan_links
from ..dns.zones import required_zones
from ..engine import Row, Run, Runbook, Step, blocked, unchanged
from ..engine.fields import AnyResourceId, ResourceGroupId
from ..errors import InputError
from ..geo import region_cloud
from ..ops import connections, endpoints, migrate, vaults
from ..private_link import zone_name
from . import backup, migrate_project, steps
from .registry import Scenario
from .steps import record_plan_rows
from .steps.endpoint import ownership_row

if TYPE_CHECKING:
    from ..dns.zones import ZoneNeed

BACKUP_SECTION = backup.ARTICLE.section
MIGRATE_SECTION = migrate_project.ARTICLE.section
PROJECT_ADDRESSES = 1  # the project's endpoint has one member (Default)


class AddEndpointParameters(steps.EndpointParameters):
    resource: AnyResourceId  # the Recovery Services vault (Backup) or Azure Migrate project in use
    zones_resource_group: ResourceGroupId  # the zones this endpoint's records go to (its own when others answer)
    dns: Literal["zone-group", "custom"] = "zone-group"  # private DNS zones, or a DNS server of your own

    @field_validator("resource")
    @classmethod
    def _vault_or_project(cls, value: str) -> str:
        rid = parse_id(value, "resource")
        if not (rid.is_a(connections.VAULTS) or rid.is_a(connections.MIGRATE_PROJECTS)):
            raise ValueError(
                f"'{value}' is a {rid.type}; give a Recovery Services vault or an Azure Migrate project "
                f"({connections.VAULTS}, {connections.MIGRATE_PROJECTS})"
            )
        return value

    @property
    def is_project(self) -> bool:
        return parse_id(self.resource).is_a(connections.MIGRATE_PROJECTS)

    @property
    def vault(self) -> str:
        """The vault (what the shared vault steps read)."""
        return self.resource

    @property
    def project(self) -> str:
        """The Migrate project (what the Migrate project's steps read)."""
        return self.resource

    def zone_names(self, location: str | None = None) -> list[str]:
        """The zones this endpoint's records go to: Backup's in the vault's region (``location``), or the project's."""
        if self.is_project:
            return [zone_name("migration", region_cloud(self.location))]
        return backup_zones(location or self.location)


def backup_zones(location: str) -> list[str]:
    """Backup's zones in ``location`` (as the backup scenario lists them)."""
    needs: tuple[ZoneNeed, ...] = backup.SCENARIO.zones
    return list(dict.fromkeys(required_zones(needs, location)["Zone"]))


class InUse(Step):
    """The vault or project exists and already has an approved endpoint: its first one comes from its own runbook
    (which sets up the identity, rights and public access that endpoint needs)."""

    id, title = "in-use", "Check that the vault or project is in use with an approved endpoint"

    def __init__(self, source=None, *, first: str, **names):
        super().__init__(source, **names)
        self.first = first  # the runbook that makes the first endpoint

    def plan(self, run: Run) -> list[Row]:
        p: AddEndpointParameters = run.params
        kind = "Migrate project" if p.is_project else "vault"
        try:
            found = connections.connections_of(run.clients, p.resource)
        except InputError as error:  # the resource does not exist
            return [blocked(p.resource, f"{error}: this runbook adds to a {kind} in use; make it with `{self.first}`")]
        others = [c for c in found if c.endpoint_id.lower() != p.endpoint_id.lower()]
        approved = [c for c in others if c.status == connections.Status.APPROVED]
        if not p.is_project:
            approved = [c for c in approved if backup.GROUP_ID in c.group_ids]
        if p.is_project and (why := migrate_project.used_publicly(run, migrate.get_project(run.clients, p.project))):
            return [blocked(p.resource, why)]
        if not approved:
            return [
                blocked(
                    p.resource,
                    f"the {kind} has no approved private endpoint yet: its first one comes from the "
                    f"`{self.first}` runbook (it prepares the {kind} for it); add further ones here",
                )
            ]
        names = ", ".join(c.endpoint_name for c in approved)
        return [unchanged(p.resource, "in use", f"approved endpoints: {names}; {name_of(p.endpoint_id)} is added")]


class ProjectZoneGuard(steps.ZoneOverwriteGuard):
    """The project endpoint's zone group may not overwrite the record the project's other endpoints answer with."""

    def zone_groups(self, run: Run) -> list[tuple[str, str, list[str]]]:
        p: AddEndpointParameters = run.params
        return [(p.project, p.endpoint_id, [p.zone_id(z) for z in p.zone_names()])]


class ProjectZone(Step):
    """The project's zone and this endpoint's zone group naming it."""

    id, title = "zones", "The project's private DNS zone, and the endpoint's zone group"

    def plan(self, run: Run) -> list[Row]:
        p: AddEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no private DNS zones")]
        zones = p.zone_names()
        return steps.zone_rows(run, p.zones_resource_group, zones) + [
            steps.zone_group_row(
                run, p.endpoint_id, [p.zone_id(z) for z in zones], "Azure writes the endpoint's record into it"
            )
        ]


class ProjectZoneLinks(Step):
    id, title = "links", "Link the zone to the endpoint's VNet and the clients' VNets"

    def plan(self, run: Run) -> list[Row]:
        p: AddEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone links")]
        plan = plan_links(run.clients, p.zone_names(), p.zones_resource_group, [p.vnet_id, *p.link_vnets])
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")


class ProjectPrerequisites(Step):
    """The caller may create the endpoint; an endpoint found by name is the project's; room for its address."""

    id, title = "prerequisites", "Check the caller's rights and the subnet's free addresses"

    def plan(self, run: Run) -> list[Row]:
        p: AddEndpointParameters = run.params
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None:
            refusal = ownership_row(run, existing, p.project, migrate_project.GROUP_ID, p.subnet)
            return [refusal or unchanged(p.endpoint_id, endpoints.connection_state(existing), "exists")]
        group = parse_id(p.endpoint_id).resource_group_id
        return [
            steps.rights_row(run, group, ["Microsoft.Network/privateEndpoints/write"]),
            steps.addresses_row(run, p.subnet, PROJECT_ADDRESSES, "the project's endpoint needs 1"),
        ]


def _zones(params: AddEndpointParameters) -> Callable[[str], list[str]]:
    return params.zone_names


def vault_steps(params: AddEndpointParameters) -> list[Step]:
    group = backup.GROUP_ID
    zones = _zones(params)
    dns_section = BACKUP_SECTION("When integrating private endpoints with Azure private DNS zones")
    return [
        steps.Prerequisites(
            BACKUP_SECTION("Before you start"),
            group_id=group,
            members=backup.MEMBERS,
            members_why=backup.MEMBERS_WHY,
            recommended=backup.MEMBERS_RECOMMENDED,
            recommended_why=backup.MEMBERS_RECOMMENDED_WHY,
        ),
        InUse(BACKUP_SECTION("Create a Recovery Services vault"), first="backup"),
        steps.CreateVault(
            BACKUP_SECTION("Create a Recovery Services vault"), group_id=group, title="Use the vault in use"
        ),
        steps.ZoneOverwriteGuard(dns_section, zones=zones),
        steps.CreateEndpoint(
            BACKUP_SECTION("Create Private Endpoints for Azure Backup"),
            group_id=group,
            # a vault in use has what its experience needs: v1's identity is on since its first endpoint (Azure
            # refuses a v1 endpoint otherwise, UserErrorManagedIdentityNotEnabled), v2 needs none
            needs_identity=False,
            title="Create the further private endpoint for Azure Backup",
        ),
        steps.ApproveEndpoint(BACKUP_SECTION("Approve Private Endpoints"), group_id=group),
        steps.IntegrateZones(dns_section, zones=zones, title="Private DNS zones for Backup, and the endpoint's group"),
        steps.LinkZones(BACKUP_SECTION("Validate virtual network links in private DNS zones"), zones=zones),
        steps.DnsRecords(
            BACKUP_SECTION("Create DNS entries when the DNS server/DNS zone is present in another subscription")
        ),
        steps.Validate(BACKUP_SECTION("Check VM connectivity")),
    ]


def project_steps(params: AddEndpointParameters) -> list[Step]:
    zones_section = MIGRATE_SECTION("Confirm that the required Private DNS Zone resource exists")
    return [
        ProjectPrerequisites(MIGRATE_SECTION("Support requirements")),
        InUse(MIGRATE_SECTION("Create a project with private endpoint connectivity"), first="migrate_project"),
        ProjectZoneGuard(zones_section, zones=_zones(params)),
        migrate_project.CreateProjectEndpoint(),
        migrate_project.ApproveProjectEndpoint(),
        ProjectZone(zones_section),
        ProjectZoneLinks(MIGRATE_SECTION("Confirm that the Private DNS Zone is linked to the virtual network")),
        steps.DnsRecords(
            MIGRATE_SECTION("Confirm that the private DNS zone contains the right A records"),
            title="Create the A record the zone lacks",
        ),
        steps.Validate(MIGRATE_SECTION("Troubleshoot network connectivity")),
    ]


def runbook(params: AddEndpointParameters) -> Runbook:
    return Runbook("add_endpoint", project_steps(params) if params.is_project else vault_steps(params))


def scope(params: AddEndpointParameters, run: Run) -> list[str]:
    vault = None if params.is_project else vaults.get_vault(run.clients, params.vault)
    location = vault.location if vault is not None else params.location
    zones = params.zone_names() if params.is_project else params.zone_names(location)
    return [params.endpoint_id, params.resource, *(params.zone_id(z) for z in zones)]


SCENARIO = Scenario(
    name="add_endpoint",
    title="A further private endpoint for a vault or Migrate project in use",
    article=backup.ARTICLE,
    summary="Another spoke's or network's endpoint for a Recovery Services vault (Azure Backup) or an Azure Migrate "
    "project that already has an approved one: rights and room, the resource in use, no zone group overwriting "
    "the records the first endpoint answers with, the endpoint, its approval, its zones, links and records, and "
    "the checks.",
    risks=(
        "Only a vault's first Backup endpoint needs a vault that never had items; a further one is allowed once the "
        "vault has an approved one.",
        "Records of the same vault or project in a shared zone would be overwritten: give the further endpoint zones "
        "of its own (zones_resource_group), linked to its clients' VNets.",
    ),
    parameters=AddEndpointParameters,
    build=runbook,
    zones=backup.SCENARIO.zones,
    scope=scope,
)
