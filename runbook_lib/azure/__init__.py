"""The Azure SDK management clients for a target (real Azure or the sandbox), clouds and credentials."""

from .clients import AzureClients, Target, get_clients
from .clouds import CLOUD_NAMES, Cloud, get_cloud
from .credentials import CREDENTIAL_NAMES, get_credential

__all__ = [
    "CLOUD_NAMES",
    "CREDENTIAL_NAMES",
    "AzureClients",
    "Cloud",
    "Target",
    "get_clients",
    "get_cloud",
    "get_credential",
]
