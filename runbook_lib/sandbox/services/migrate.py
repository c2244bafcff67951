"""Microsoft.Migrate projects as private-link targets ("Using Azure Migrate with private endpoints").

A project's connectivity is chosen once: a project that got a private endpoint stays private, and a project
that was first used over public endpoints (its key generated without one) refuses private endpoints for good.
"""

from __future__ import annotations

from ...private_link import Member, member_fqdn
from ..errors import ArmError
from ..paths import ArmPath
from .base import Context, PrivateLinkTarget, Rules, hidden, new_guid
from .connections import PrivateEndpointConnectionService
from .regions import cloud_of, geo_of

PROJECTS = "Microsoft.Migrate/migrateProjects"
ASSESSMENT_PROJECTS = "Microsoft.Migrate/assessmentProjects"
_HOST_KIND = {PROJECTS.lower(): "isv", ASSESSMENT_PROJECTS.lower(): "assessment"}


class MigrateProjectService(PrivateLinkTarget):
    types = (PROJECTS, ASSESSMENT_PROJECTS)
    rules = Rules(lro_put=False)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        record.pop("etag", None)
        state = hidden(record)
        if "projectId" not in state:
            state["projectId"] = new_guid(ctx, "migrate-project")
        state.setdefault("connectivity", None)  # None until chosen: "private" or "public"
        properties = record["properties"]
        properties.pop("privateEndpointConnections", None)
        properties.setdefault("publicNetworkAccess", "Enabled")
        return record

    def render(self, ctx: Context, record: dict) -> dict:
        record = super().render(ctx, record)
        if record["type"].lower() == PROJECTS.lower():
            member = self.private_link_groups(ctx, record)["Default"][0]
            host = member.fqdn if hidden(record)["connectivity"] != "private" else f"{member.record}.{member.zone}"
            record["properties"]["serviceEndpoint"] = f"https://{host}/resources/{hidden(record)['projectId']}"
        return record

    def private_link_groups(self, ctx: Context, record: dict) -> dict[str, tuple[Member, ...]]:
        host = f"{hidden(record)['projectId']}-{_HOST_KIND[record['type'].lower()]}"
        fqdn = member_fqdn("migration", cloud_of(record), f"{host}.{geo_of(record)}.hub")
        return {"Default": (Member("Default", "Default", fqdn),)}

    def check_private_endpoint(self, ctx: Context, record: dict, group_id: str) -> None:
        if hidden(record)["connectivity"] == "public":
            raise ArmError(
                400,
                "PrivateEndpointConnectivityCannotBeEnabled",
                f"Migrate project '{record['name']}' already uses public endpoints: the connectivity method "
                "of an existing project cannot be changed to private endpoints. Create a new project.",
            )

    def connections_changed(self, ctx: Context, record: dict) -> dict:
        if self.connections(ctx, record):
            hidden(record)["connectivity"] = "private"
        return record


class MigrateConnectionService(PrivateEndpointConnectionService):
    types = (f"{PROJECTS}/privateEndpointConnections", f"{ASSESSMENT_PROJECTS}/privateEndpointConnections")
    rules = Rules(lro_put=False, created=200)
