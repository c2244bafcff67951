"""The steps every vault-endpoint scenario shares (Backup, Site Recovery, Migrate's replication vault), in the
order the articles demand: a vault that never had items, public access denied, its identity on and allowed to
create endpoints, the endpoint, its approval, the private DNS zones (linked, records in place), validation; and the
guard that no zone group overwrites the records another endpoint of the same vault or account answers with.

One module per concern; this one gathers them, so a scenario's runbook reads ``steps.CreateVault(...)``.
A scenario's runbook lists these steps with the article sections they implement there, and gives each what varies
by scenario as constructor arguments (the group id, the addresses and why, the identity's roles, the zones).
"""

from __future__ import annotations

from .dns import DnsRecords, IntegrateZones, LinkZones, record_plan_rows, zone_rows
from .endpoint import ApproveEndpoint, CreateEndpoint, approval_row, free_location, zone_group_row
from .identity import AllowTrustedServices, EnableIdentity, GrantIdentity, GrantStorageRoles
from .parameters import EndpointParameters, VaultEndpointParameters, vault_of, vault_principal
from .prerequisites import Prerequisites, addresses_row, rights_row
from .validate import Validate, validated_endpoints
from .vault import CreateVault, DenyPublicAccess
from .zone_guard import ZoneOverwriteGuard, live_records_of_others, overwrite_reason

__all__ = [
    "AllowTrustedServices",
    "ApproveEndpoint",
    "CreateEndpoint",
    "CreateVault",
    "DenyPublicAccess",
    "DnsRecords",
    "EnableIdentity",
    "EndpointParameters",
    "GrantIdentity",
    "GrantStorageRoles",
    "IntegrateZones",
    "LinkZones",
    "Prerequisites",
    "Validate",
    "VaultEndpointParameters",
    "ZoneOverwriteGuard",
    "addresses_row",
    "approval_row",
    "free_location",
    "live_records_of_others",
    "overwrite_reason",
    "record_plan_rows",
    "rights_row",
    "validated_endpoints",
    "vault_of",
    "vault_principal",
    "zone_group_row",
    "zone_rows",
]
