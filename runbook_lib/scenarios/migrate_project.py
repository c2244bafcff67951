"""An Azure Migrate project with private endpoint connectivity (Microsoft Learn: "Using Azure Migrate with private
endpoints"): the project and its endpoint, the
project key (the resources Azure Migrate makes then, each with an endpoint), the private DNS zones, their links
and records, the appliance installer checked against the published hashes, and the troubleshooting checks.

A project's connectivity method is chosen once: a project first used over public endpoints (its key generated
without a private endpoint) can never get one. This is not a vault scenario: the vault-endpoint steps assume a
Recovery Services vault, so its steps are small ones of their own, built on the same ops and dns functions: the
project and its endpoint (migrate_project_steps), what the key makes (migrate_keys), the DNS and the checks
(migrate_project_dns). The article, which other scenarios cite too, is in migrate_article.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from ..dns.zones import ZoneNeed, required_zones
from ..engine import ManualStep, Run, Runbook
from ..engine.fields import typed_id
from ..errors import InputError
from ..geo import region_cloud
from ..ops.installer import verify_installer
from ..ops.migrate import KEY_RESOURCES, MIGRATE_API, PROJECTS, KeyResource, project_connections  # noqa: F401
from . import steps
from .migrate_article import ARTICLE, section

# the steps, by concern; what endpoint_add and the tests import from here stays importable from here
from .migrate_keys import REQUIRED_KEY_RESOURCES, KeyResources, key_not_generated, key_resources  # noqa: F401
from .migrate_project_dns import (  # noqa: F401
    LinkProjectZones,
    ProjectDnsRecords,
    ProjectZones,
    ValidateProject,
    endpoint_ids,
)
from .migrate_project_steps import (  # noqa: F401
    ADDRESSES,
    CANNOT_GO_PRIVATE,
    GROUP_ID,
    NEVER_PRIVATE,
    ApproveProjectEndpoint,
    CreateProject,
    CreateProjectEndpoint,
    Prerequisites,
    get_project,
    used_publicly,
)
from .registry import Scenario, endpoints_and_zones

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
