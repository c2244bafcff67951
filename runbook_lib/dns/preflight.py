"""What `dns apply` checks before its first write, so that it writes all of a plan or none of it.

A plan row is refused when applying it would leave a record unwritten or fail for a reason known now: a record
conflict not to be overwritten, a missing zone, a VNet already linked to another zone of the same name, a name
Azure refuses, or a write the caller has no right to make in the zones' resource group.
"""

from __future__ import annotations

import pandas as pd
from azure.core.exceptions import ResourceNotFoundError

from ..azure import AzureClients
from ..names import ARM_CODES, NameKind, name_problem
from ..ops.roles import caller_may

# the action each kind of row writes, in the zones' resource group
WRITE_ACTIONS = {
    "zone": "Microsoft.Network/privateDnsZones/write",
    "link": "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",
    "record": "Microsoft.Network/privateDnsZones/A/write",
}


def writes(table: pd.DataFrame, overwrite_conflicts: bool) -> pd.Series:
    """Which rows apply writes (a boolean per row)."""
    record_conflict = (table["Action"] == "conflict") & (table["Kind"] == "record")
    return (table["Action"] == "create") | (record_conflict & overwrite_conflicts)


def refusals(
    clients: AzureClients,
    table: pd.DataFrame,
    zones_group: str,
    *,
    overwrite_conflicts: bool = False,
    check_rights: bool = True,
) -> dict[object, str]:
    """Row index -> why applying it is refused; empty when the whole plan can be applied. ``check_rights`` asks
    ARM's permissions API once for the zones' resource group."""
    refused = {index: reason for index, row in table.iterrows() if (reason := _refusal(row, overwrite_conflicts))}
    if check_rights:
        for index, reason in _missing_rights(clients, table, zones_group, overwrite_conflicts).items():
            refused.setdefault(index, reason)
    return refused


def _refusal(row: pd.Series, overwrite_conflicts: bool) -> str:
    if row["Action"] == "zone-missing":
        return "zone missing: --create-missing-zones creates it"
    if row["Action"] == "conflict" and row["Kind"] == "link":
        return row["Reason"]
    if row["Action"] == "conflict" and not overwrite_conflicts:
        return f"conflict: holds {row['Current']}, not {row['Desired']} (--overwrite-conflicts replaces it)"
    if row["Action"] not in ("create", "conflict"):
        return ""
    kind, name = {
        "zone": (NameKind.PRIVATE_DNS_ZONE, row["Zone"]),
        "link": (NameKind.VIRTUAL_NETWORK_LINK, row["Name"]),
        "record": (NameKind.RECORD_SET, row["Name"]),
    }[row["Kind"]]
    problem = name_problem(kind, name, zone=row["Zone"] if kind is NameKind.RECORD_SET else "")
    return f"{ARM_CODES[kind]}: {problem}" if problem else ""


def _missing_rights(
    clients: AzureClients, table: pd.DataFrame, zones_group: str, overwrite_conflicts: bool
) -> dict[object, str]:
    written = table[writes(table, overwrite_conflicts)]
    if written.empty:
        return {}
    needed = sorted({WRITE_ACTIONS[kind] for kind in written["Kind"]})
    try:
        missing = set(caller_may(clients, zones_group, needed))
    except ResourceNotFoundError:
        return {index: f"ResourceGroupNotFound: {zones_group} does not exist" for index in written.index}
    return {
        index: f"AuthorizationFailed: the caller may not {WRITE_ACTIONS[kind]} in {zones_group} (it needs "
        "Private DNS Zone Contributor there, or ask someone who has it to apply)"
        for index, kind in written["Kind"].items()
        if WRITE_ACTIONS[kind] in missing
    }
