"""Runbooks that put Azure Backup, Site Recovery and Azure Migrate behind private endpoints."""

__version__ = "0.1.0"
