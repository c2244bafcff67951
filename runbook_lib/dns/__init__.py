"""DNS records for private endpoints: entries, plans, exports, zone lists and checks (after "Create and use
private endpoints (v1 experience) for Azure Backup" and "Using Azure Migrate with private endpoints")."""
