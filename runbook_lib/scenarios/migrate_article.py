"""Microsoft Learn's "Using Azure Migrate with private endpoints": the article the Migrate project's steps cite
(migrate_project, and endpoint_add for a further endpoint), and whose troubleshooting checks Site Recovery's and the
replication scenarios' validation follows."""

from __future__ import annotations

from ..engine.source import Article

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
