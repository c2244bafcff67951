"""Azure Backup behind a private endpoint (seed 002), in the order the document demands: a vault that never had
items, public access denied, its identity on and allowed to create endpoints, the endpoint, its approval, the
private DNS zones (linked, records in place, again after the first registration and the first backup), validation.
"""

from __future__ import annotations

from ..engine import ManualStep, Runbook
from ..geo import geo_code, region_cloud
from ..private_link import zone_name
from . import vault_steps as steps

SEED = "002"


class BackupParameters(steps.VaultEndpointParameters):
    GROUP_ID = "AzureBackup"
    # fc1 fab1 prot1 rec2 ecs1 id1 tel1 wbcm1; then Azure Backup adds _ecs blob + queue and _prot110/120/121 blob
    MEMBERS = 8 + 5
    MEMBERS_WHY = "8 for the vault's endpoint, 5 for the storage endpoints Azure Backup adds"

    def zone_names(self, vault_location: str) -> list[str]:
        cloud = region_cloud(vault_location)
        return [zone_name("backup", cloud, geo_code(vault_location)), zone_name("blob", cloud),
                zone_name("queue", cloud)]


def runbook(params: BackupParameters) -> Runbook:
    use = f"{SEED} Use Private Endpoints for Backup"
    return Runbook("backup", [
        steps.Prerequisites(f"{SEED} Before you start"),
        steps.CreateVault(f"{SEED} Create a Recovery Services vault"),
        steps.DenyPublicAccess(f"{SEED} Deny public network access"),
        steps.EnableIdentity(f"{SEED} Enable the managed identity for your vault"),
        steps.GrantIdentity(f"{SEED} Grant permissions to the vault to create required private endpoints"),
        steps.CreateEndpoint(f"{SEED} Create private endpoints for Azure Backup",
                             title="Create the private endpoint for Azure Backup"),
        steps.ApproveEndpoint(f"{SEED} Approve private endpoints"),
        steps.IntegrateZones(f"{SEED} When integrating private endpoints with Azure private DNS zones",
                             title="Private DNS zones for Backup, blob and queue, and the endpoint's zone group"),
        steps.LinkZones(f"{SEED} Validate virtual network links in private DNS zones"),
        steps.DnsRecords(f"{SEED} Create DNS entries when the DNS server/DNS zone is present in another "
                         "subscription"),
        ManualStep("first-registration", "Register the first server or VM with the vault", use,
                   "Configure backup of the first workload (discovery / container registration) through the "
                   "endpoint. Azure Backup then adds the <endpoint>_ecs blob and queue endpoints."),
        steps.DnsRecords(f"{SEED} DNS records for blobs and queues after the first registration",
                         id="dns-after-registration", title="DNS records for blobs and queues after the first "
                                                            "registration"),
        ManualStep("first-backup", "Run the first backup", use,
                   "Run the first backup. Azure Backup then adds the <endpoint>_prot blob endpoints."),
        steps.DnsRecords(f"{SEED} DNS records for blobs after the first backup", id="dns-after-backup",
                         title="DNS records for blobs after the first backup"),
        steps.Validate(f"{SEED} Check VM connectivity"),
    ])
