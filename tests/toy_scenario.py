"""A toy scenario a team could add without touching the library: RUNBOOK_SCENARIOS=tests.toy_scenario registers it.

Two steps: a resource group the run creates when it is missing (a tiny step of its own, planned against what is
there), then a manual step a person confirms.
"""

from __future__ import annotations

from runbook_lib.azure.ids import parse_id
from runbook_lib.azure.requests import deferred
from runbook_lib.dns.zones import ZoneNeed
from runbook_lib.engine import ManualStep, Row, Run, Runbook, ScenarioParameters, Step, create, unchanged
from runbook_lib.engine.fields import Region, ResourceGroupId
from runbook_lib.engine.source import Article
from runbook_lib.ops.arm import get_or_none
from runbook_lib.scenarios.registry import Scenario, register
from tests.contoso import WORKLOAD

ARTICLE = Article(
    "Manage Azure resource groups by using the Azure portal",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/manage-resource-groups-portal",
)
NAME = "toy"


class ToyParameters(ScenarioParameters):
    resource_group: ResourceGroupId = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-toy"  # the group to have
    location: Region = "westeurope"  # where the resource group's metadata lives


class CreateResourceGroup(Step):
    id = "resource-group"
    title = "Create the resource group"
    source = ARTICLE.section("Create resource groups")

    def plan(self, run: Run) -> list[Row]:
        group = parse_id(run.params.resource_group)
        groups = run.clients.for_subscription(group.subscription).resources.resource_groups
        if get_or_none(groups.get, group.name) is not None:
            return [unchanged(group.id, reason="exists")]
        wanted = {"location": run.params.location}
        return [create(group.id, wanted, deferred(groups.create_or_update, group.name, wanted))]


def runbook(params: ToyParameters) -> Runbook:
    return Runbook(
        NAME,
        [
            CreateResourceGroup(),
            ManualStep(
                "tell-the-team",
                "Tell the team where the group is",
                ARTICLE.section("Create resource groups"),
                "Send the resource group's id to whoever deploys into it.",
            ),
        ],
    )


SCENARIO = register(
    Scenario(
        name=NAME,
        title="A toy resource group",
        article=ARTICLE,
        summary="A resource group, then a word to the team.",
        risks=("None: a resource group costs nothing.",),
        parameters=ToyParameters,
        build=runbook,
        zones=(ZoneNeed("blob", "Toy storage (blob)", "blob"),),
        scope=lambda params, run: [params.resource_group],
    )
)
