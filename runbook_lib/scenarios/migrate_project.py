"""An Azure Migrate project with private endpoint connectivity (Microsoft Learn: "Using Azure Migrate with private
endpoints"): the project and its endpoint, the
project key (the resources Azure Migrate makes then, each with an endpoint), the private DNS zones, their links
and records, the appliance installer checked against the published hashes, and the troubleshooting checks.

A project's connectivity method is chosen once: a project first used over public endpoints (its key generated
without a private endpoint) can never get one. This is not a vault scenario: the vault-endpoint steps assume a
Recovery Services vault, so the steps here are small ones of their own, built on the same ops and dns functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ..azure.errors import arm_code, arm_error, describe_arm_error
from ..azure.ids import parse_id
from ..azure.requests import Write
from ..dns.entries import entries_for, ready_entries
from ..dns.records import plan_links, plan_records
from ..dns.zones import ZoneNeed, required_zones
from ..engine import ManualStep, Row, Run, Runbook, Step, blocked, create, unchanged, update
from ..engine.fields import typed_id
from ..engine.source import Article
from ..errors import InputError, RunbookError
from ..geo import region_cloud
from ..ops import endpoints, migrate
from ..ops.installer import verify_installer
from ..ops.migrate import KEY_RESOURCES, MIGRATE_API, PROJECTS, KeyResource, project_connections  # noqa: F401
from ..private_link import zone_name
from . import steps
from .registry import Scenario, endpoints_and_zones
from .steps import free_location, record_plan_rows
from .steps.endpoint import ownership_row

ARTICLE = Article(
    "Using Azure Migrate with private endpoints",
    "https://learn.microsoft.com/azure/migrate/how-to-use-azure-migrate-with-private-endpoints",
    headings=(
        "Support requirements",
        "Create a project with private endpoint connectivity",
        "Discover and assess servers for migration using Azure private link",
        "Set up the Azure Migrate appliance",
        "Verify security",
        "Configure the appliance and start continuous discovery",
        "Migrate servers to Azure using Azure private link",
        "Set up a replication appliance for migration",
        "Replicate servers to Azure using Azure private link",
        "Grant access permissions to the Recovery Services vault",
        "Create a private endpoint for the storage account (optional)",
        "Troubleshoot network connectivity",
        "Validate private endpoints configuration",
        "Verify DNS resolution",
        "Validate the Private DNS Zone",
        "Confirm that the required Private DNS Zone resource exists",
        "Confirm that the Private DNS Zone is linked to the virtual network",
        "Confirm that the private DNS zone contains the right A records",
    ),
)
section = ARTICLE.section
# "Validate the Private DNS Zone": the project's zone, the key vault's and the storage account's, and Site Recovery's
# for the Recovery Services vault "Generate key" makes
ZONES = (
    ZoneNeed("migration", "Azure Migrate project, assessment and discovery", "Default"),
    ZoneNeed("vault", "Azure Migrate key vault", "vault"),
    ZoneNeed("blob", "Azure Migrate storage", "blob"),
)
KEY_VAULT_ZONE = ZoneNeed(
    "siterecovery",
    "Azure Migrate's Recovery Services vault",
    "AzureSiteRecovery",
    "the project key (Generate key makes the vault)",
)
GROUP_ID = "Default"  # the project's private-link group
ADDRESSES = 15  # the article: about 15 addresses for the project's endpoint and those its key generation adds
REQUIRED_KEY_RESOURCES = ("Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts")
CANNOT_GO_PRIVATE = "PrivateEndpointConnectivityCannotBeEnabled"
NEVER_PRIVATE = (
    "a project first used over public endpoints keeps that connectivity method for good: it can never "
    "get a private endpoint. Create a new project (another project id) with private endpoint "
    "connectivity, and generate its key only after its endpoint is approved"
)

if TYPE_CHECKING:  # a str to the type checker; pydantic reads the validating Annotated[str, ...] typed_id gives
    MigrateProjectId = str
else:
    MigrateProjectId = typed_id(PROJECTS)


class MigrateProjectParameters(steps.EndpointParameters):
    """An Azure Migrate project reached over private endpoint connectivity. Its zones default to the
    endpoint's resource group, where Azure Migrate makes them."""

    project: MigrateProjectId  # the Migrate project; created when it does not exist (its resource group must)
    disable_public_access: bool = False  # the article keeps the default No: other tools may need public access
    # the appliance's installer: hyperv, physical, vmware or vmware-scaleout
    appliance_scenario: Literal["hyperv", "physical", "vmware", "vmware-scaleout"] = "vmware"
    appliance_installer: str | None = None  # the downloaded installer zip: checked before 'install-appliance'

    def zone_names(self) -> list[str]:
        """The project's zones (migration, vaultcore, blob) and Site Recovery's, which the Recovery Services vault
        made at key generation needs (the article's "Validate the Private DNS Zone" lists all four)."""
        return list(dict.fromkeys(required_zones((*ZONES, KEY_VAULT_ZONE), self.location)["Zone"]))


# --- reads ------------------------------------------------------------------------------------------------------


def get_project(run: Run):
    """The project as ARM's generic resource (properties a dict); None when it does not exist."""
    return migrate.get_project(run.clients, run.params.project)


def key_resources(run: Run) -> list[KeyResource]:
    """What key generation made: the resources in the project's resource group with an endpoint in the project
    endpoint's VNet and resource group."""
    p: MigrateProjectParameters = run.params
    return migrate.key_resources(run.clients, p.project, parse_id(p.endpoint_id).resource_group_id, p.vnet_id)


def endpoint_ids(run: Run) -> list[str]:
    """The project's endpoint (when it exists) and those of the resources key generation made."""
    p: MigrateProjectParameters = run.params
    own = [p.endpoint_id] if endpoints.get_endpoint(run.clients, p.endpoint_id) is not None else []
    return own + [r.endpoint_id for r in key_resources(run)]


def used_publicly(run: Run, project) -> str | None:
    """Why the project looks first used over public endpoints (None: it does not): it has no private endpoint
    connection, and an assessment project in its resource group (made at key generation) has none either."""
    if project is None or project_connections(project):
        return None
    for assessment in migrate.assessment_projects(run.clients, parse_id(project.id).resource_group_id):
        if not migrate.project_connections(assessment):
            return (
                f"its key was generated without a private endpoint (assessment project {assessment.name} has "
                f"none, nor has the project): {NEVER_PRIVATE}"
            )
    return None


def _refusal_in_words(write: Write) -> Write:
    """The endpoint's write, with ARM's refusal of a project used publicly said as the guard says it."""

    def guarded():
        try:
            return write()
        except HttpResponseError as error:
            if arm_code(error) != CANNOT_GO_PRIVATE:
                raise
            raise RunbookError(f"{CANNOT_GO_PRIVATE}: {NEVER_PRIVATE}") from None

    return guarded


# --- steps ------------------------------------------------------------------------------------------------------


class Prerequisites(Step):
    id, title, source = (
        "prerequisites",
        "Check the caller's rights and the subnet's free addresses",
        section("Support requirements"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        try:
            needs = self.needs(run)
            rows = [steps.rights_row(run, scope, actions) for scope, actions in needs.items()]
            generated = bool(key_resources(run))
        except ResourceNotFoundError as error:
            return [blocked(p.subnet, f"{describe_arm_error(error)}: check the subnet's and the resource groups' ids")]
        except HttpResponseError as error:
            if error.status_code != 403:
                raise
            return [
                blocked(
                    p.project,
                    f"the caller may not even read what this runbook works on "
                    f"({arm_error(error)[0]}): it needs Owner, or Contributor and "
                    "User Access Administrator, on the subscription",
                )
            ]
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None and (refusal := ownership_row(run, existing, p.project, GROUP_ID, p.subnet)):
            rows.append(refusal)  # before the project is created for nothing
        if not generated:
            needed = ADDRESSES - (existing is not None)
            rows.append(
                steps.addresses_row(
                    run,
                    p.subnet,
                    needed,
                    f"Azure Migrate needs about {needed} (the "
                    "project's endpoint and those key generation adds for its key vault, "
                    "storage, Recovery Services vault and assessment project)",
                )
            )
        return rows

    @staticmethod
    def needs(run: Run) -> dict[str, list[str]]:
        """Scope -> the actions this run needs there, for what is not in place yet. Key generation grants the
        project's identity access to its storage account, hence the role assignment right (the article's "Required
        permissions")."""
        p: MigrateProjectParameters = run.params
        needs: dict[str, list[str]] = {}
        project_group = parse_id(p.project).resource_group_id
        if get_project(run) is None:
            needs.setdefault(project_group, []).append(f"{PROJECTS}/write")
        if not key_resources(run):
            needs.setdefault(project_group, []).append("Microsoft.Authorization/roleAssignments/write")
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            needs.setdefault(parse_id(p.endpoint_id).resource_group_id, []).append(
                "Microsoft.Network/privateEndpoints/write"
            )
        return needs


class CreateProject(Step):
    id, title, source = (
        "project",
        "Create the Migrate project (private endpoint connectivity)",
        section("Create a project with private endpoint connectivity"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        access = "Disabled" if p.disable_public_access else "Enabled"
        project = get_project(run)
        if project is None:
            write = migrate.create_project(run.clients, p.project, p.location, access)
            return [
                create(
                    p.project,
                    f"a project in {p.location}, public network access {access}",
                    write,
                    "its private endpoint comes next, before anything uses the project",
                )
            ]
        if project.location.replace(" ", "").lower() != p.location:
            return [
                blocked(
                    p.project,
                    f"the project is in {project.location}, not {p.location}: set location: {project.location}",
                )
            ]
        why = used_publicly(run, project)
        if why:
            return [blocked(p.project, why)]
        rows = [unchanged(p.project, project.location, "exists")]
        now = migrate.public_network_access(project)
        if now != access:
            write = migrate.set_public_access(run.clients, p.project, access)
            rows.append(
                update(
                    p.project,
                    f"public network access {now}",
                    f"public network access {access}",
                    write,
                    "tools that upload usage data need it Enabled" if access == "Disabled" else "",
                )
            )
        return rows


class CreateProjectEndpoint(Step):
    id, title, source = (
        "endpoint",
        "Create the project's private endpoint",
        section("Create a project with private endpoint connectivity"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None:
            refusal = ownership_row(run, existing, p.project, GROUP_ID, p.subnet)
            return [refusal or unchanged(p.endpoint_id, endpoints.connection_state(existing))]
        body = endpoints.endpoint_body(
            free_location(run, p.subnet), p.subnet, p.project, GROUP_ID, p.approval == "manual"
        )
        write = endpoints.put_endpoint(run.clients, p.endpoint_id, body)
        return [
            create(
                p.endpoint_id,
                f"{GROUP_ID} endpoint in {p.subnet.rsplit('/', 3)[-3]}",
                _refusal_in_words(write),
                "a request for the project's owner to approve" if p.approval == "manual" else "",
            )
        ]


class ApproveProjectEndpoint(Step):
    id, title, source = (
        "approval",
        "Approve the project endpoint's connection",
        section("Validate private endpoints configuration"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        return [
            steps.approval_row(
                run,
                p.endpoint_id,
                p.project,
                GROUP_ID,
                "the project's owner",
                "Azure Migrate > Properties > private endpoint > Approve; generate the key only after that",
                migrate.approval(run.clients, p.project, p.endpoint_id),
            )
        ]


def key_not_generated(run: Run) -> str | None:
    """What 'generate-key' left unseen in Azure (None: the project's key vault and storage account exist, each with
    an endpoint in the project endpoint's VNet)."""
    p: MigrateProjectParameters = run.params
    kinds = {r.kind for r in key_resources(run)}
    missing = [KEY_RESOURCES[t] for t in REQUIRED_KEY_RESOURCES if KEY_RESOURCES[t] not in kinds]
    if not missing:
        return None
    return (
        f"Azure Migrate has made no {' or '.join(missing)} of the project's with an endpoint in "
        f"{p.vnet_id.rsplit('/', 1)[-1]} yet: key generation may still be running, or failed; generate the key "
        "in the portal (Discover > Generate key), wait until it is done, then confirm 'generate-key' again"
    )


class KeyResources(Step):
    """What key generation made, read back: each resource with its endpoint, which must be Approved."""

    id, title, source = (
        "key-resources",
        "The resources the project key made, and their endpoints",
        section("Set up the Azure Migrate appliance"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        found = key_resources(run)
        if not found:
            return [unchanged(p.project, reason="after the key is generated (step generate-key)")]
        rows = [
            unchanged(r.id, f"{r.kind}: endpoint {r.endpoint_name} {r.state}")
            if r.state == "Approved"
            else blocked(
                r.id,
                f"the {r.kind}'s endpoint {r.endpoint_name} is {r.state}: approve it on the {r.kind} "
                "(Networking > Private endpoint connections)",
            )
            for r in found
        ]
        kinds = {r.kind for r in found}
        rows += [
            blocked(
                p.project,
                f"key generation made no {KEY_RESOURCES[t]} with an endpoint in the project "
                "endpoint's VNet: generate the key again (it reuses what exists)",
            )
            for t in REQUIRED_KEY_RESOURCES
            if KEY_RESOURCES[t] not in kinds
        ]
        if KEY_RESOURCES["Microsoft.RecoveryServices/vaults"] not in kinds:
            rows.append(
                unchanged(
                    p.project,
                    reason="no Recovery Services vault: Azure Migrate makes one for agentless VMware migrations only",
                )
            )
        return rows


class ProjectZones(Step):
    id, title, source = (
        "zones",
        "The four private DNS zones, and the project endpoint's zone group",
        section("Confirm that the required Private DNS Zone resource exists"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        own = p.zone_id(zone_name("migration", region_cloud(p.location)))
        return steps.zone_rows(
            run,
            p.zones_group,
            p.zone_names(),
            "Azure Migrate makes it at key generation only in the endpoint's resource group",
        ) + [
            steps.zone_group_row(run, p.endpoint_id, [own], "Azure writes the project endpoint's record into the zone")
        ]


class LinkProjectZones(Step):
    id, title, source = (
        "links",
        "Link the zones to the endpoint's VNet and the appliance's VNets",
        section("Confirm that the Private DNS Zone is linked to the virtual network"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        plan = plan_links(run.clients, p.zone_names(), p.zones_group, [p.vnet_id, *p.link_vnets])
        # a VNet already linked to a zone of the same name elsewhere is a conflict in the plan: blocked, with the fix
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")


class ProjectDnsRecords(Step):
    id, title, source = (
        "dns-records",
        "Create the A records the zones lack",
        section("Confirm that the private DNS zone contains the right A records"),
    )

    def plan(self, run: Run) -> list[Row]:
        p: MigrateProjectParameters = run.params
        ids = endpoint_ids(run)
        if not ids:
            return [unchanged(p.endpoint_id, reason="after the endpoint exists")]
        entries = ready_entries(entries_for(run.clients, ids))
        plan = plan_records(run.clients, entries, p.zones_group, ttl=p.ttl)
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/A/{row['Name']}")


def installer_not_verified(run: Run) -> str | None:
    """Why 'install-appliance' cannot be confirmed yet: the installer given is not the published one."""
    p: MigrateProjectParameters = run.params
    if p.appliance_installer is None:
        return None
    try:
        check = verify_installer(p.appliance_installer, p.appliance_scenario, region_cloud(p.location))
    except InputError as error:
        return str(error)
    return None if check.matches else check.message


class ValidateProject(steps.Validate):
    source = section("Troubleshoot network connectivity")

    def endpoint_ids(self, run: Run) -> list[str]:
        return endpoint_ids(run)


def _manual(
    id: str,
    title: str,
    heading: str,
    instructions: str,
    *,
    check: Callable[[Run], str | None] | None = None,
    observe: Callable[[Run], str | None] | None = None,
    observes: str = "",
) -> ManualStep:
    return ManualStep(id, title, section(heading), instructions, check=check, observe=observe, observes=observes)


def runbook(params: MigrateProjectParameters) -> Runbook:
    return Runbook(
        "migrate_project",
        [
            Prerequisites(),
            CreateProject(),
            CreateProjectEndpoint(),
            ApproveProjectEndpoint(),
            _manual(
                "generate-key",
                "Generate the project key",
                "Set up the Azure Migrate appliance",
                "In the portal, Azure Migrate > Discover: choose the servers' platform, name the appliance and "
                "select Generate key; keep the page open while Azure Migrate makes its key vault, storage account "
                "and Recovery Services vault with endpoints in the project endpoint's VNet. Copy the key.",
                observe=key_not_generated,
                observes="the project's key vault and storage account exist, with endpoints in the project "
                "endpoint's VNet",
            ),
            KeyResources(),
            ProjectZones(),
            LinkProjectZones(),
            ProjectDnsRecords(),
            _manual(
                "install-appliance",
                "Install the appliance from a verified installer",
                "Verify security",
                f"Download the {params.appliance_scenario} private-link installer zip, check its SHA256 against "
                f"the published one (`runbook verify-installer FILE --scenario {params.appliance_scenario}`, or "
                "appliance_installer: FILE here), run AzureMigrateInstaller.ps1 and register the appliance with "
                "the key.",
                check=installer_not_verified,
            ),
            ValidateProject(),
        ],
    )


SCENARIO = Scenario(
    name="migrate_project",
    title="An Azure Migrate project with private endpoint connectivity",
    article=ARTICLE,
    summary="The project, its endpoint, what Generate key makes (key vault, storage, vault, assessment project) with "
    "their endpoints, the four zones, the appliance installer's hash, and the checks.",
    risks=(
        "A project first used over public endpoints can never go private.",
        "Generate the key only once the project's endpoint is approved.",
    ),
    parameters=MigrateProjectParameters,
    build=runbook,
    zones=(*ZONES, KEY_VAULT_ZONE),
    scope=endpoints_and_zones(runbook),
)
