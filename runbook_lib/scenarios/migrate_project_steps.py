"""The Azure Migrate project and its private endpoint ("Support requirements", "Create a project with private
endpoint connectivity", "Validate private endpoints configuration"): the caller's rights and the subnet's room, the
project (never one first used over public endpoints: its connectivity method is chosen once), its endpoint and the
endpoint's approval."""

from __future__ import annotations

from typing import TYPE_CHECKING

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ..azure.errors import arm_code, arm_error, describe_arm_error
from ..azure.ids import parse_id
from ..azure.requests import Write
from ..engine import Row, Run, Step, blocked, create, unchanged, update
from ..errors import RunbookError
from ..ops import endpoints, migrate
from ..ops.migrate import PROJECTS, project_connections
from . import steps
from .migrate_article import section
from .migrate_keys import key_resources
from .steps import free_location
from .steps.endpoint import ownership_row

if TYPE_CHECKING:
    from .migrate_project import MigrateProjectParameters

GROUP_ID = "Default"  # the project's private-link group
ADDRESSES = 15  # the article: about 15 addresses for the project's endpoint and those its key generation adds
CANNOT_GO_PRIVATE = "PrivateEndpointConnectivityCannotBeEnabled"
NEVER_PRIVATE = (
    "a project first used over public endpoints keeps that connectivity method for good: it can never "
    "get a private endpoint. Create a new project (another project id) with private endpoint "
    "connectivity, and generate its key only after its endpoint is approved"
)


# --- reads ------------------------------------------------------------------------------------------------------


def get_project(run: Run):
    """The project as ARM's generic resource (properties a dict); None when it does not exist."""
    return migrate.get_project(run.clients, run.params.project)


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
