"""The project's private DNS ("Validate the Private DNS Zone" and the sections under it): the four zones and the
project endpoint's zone group, their links, the A records the zones lack, and the troubleshooting checks over the
project's endpoint and those key generation made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..dns.entries import entries_for, ready_entries
from ..dns.records import plan_links, plan_records
from ..engine import Row, Run, Step, unchanged
from ..geo import region_cloud
from ..ops import endpoints
from ..private_link import zone_name
from . import steps
from .migrate_article import section
from .migrate_keys import key_resources
from .steps import record_plan_rows

if TYPE_CHECKING:
    from .migrate_project import MigrateProjectParameters


def endpoint_ids(run: Run) -> list[str]:
    """The project's endpoint (when it exists) and those of the resources key generation made."""
    p: MigrateProjectParameters = run.params
    own = [p.endpoint_id] if endpoints.get_endpoint(run.clients, p.endpoint_id) is not None else []
    return own + [r.endpoint_id for r in key_resources(run)]


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


class ValidateProject(steps.Validate):
    source = section("Troubleshoot network connectivity")

    def endpoint_ids(self, run: Run) -> list[str]:
        return endpoint_ids(run)
