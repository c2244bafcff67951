"""DNS entries: each FQDN of an endpoint with its private IP, privatelink zone and record name (PrivateIP.ps1's
table, done right: every NIC, every cloud, Site Recovery's geo kept in the record name, and no duplicates)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..azure import AzureClients
from ..errors import InputError
from ..private_link import alias
from .endpoints import Endpoint, read_endpoints
from .entry_file import REMAKE, check_entries, lines_of

# PrivateIP.ps1's three columns first
COLUMNS = ["ResourceName", "DNS", "PrivateIP", "FQDN", "GroupId", "PrivateEndpoint", "ConnectionState", "Note"]


def entries_for(clients: AzureClients, ids: Sequence[str], field: str = "ID") -> pd.DataFrame:
    """The entries of the endpoints that ``ids`` name (endpoints, vaults, resource groups: see dns.endpoints)."""
    return entries_frame(read_endpoints(clients, ids, field))


def entries_frame(endpoints: Sequence[Endpoint]) -> pd.DataFrame:
    rows = []
    for endpoint in endpoints:
        for address in endpoint.addresses:
            zone, record = alias(address.fqdn) or ("", "")
            rows.append(
                {
                    "ResourceName": record,
                    "DNS": zone,
                    "PrivateIP": address.ip,
                    "FQDN": address.fqdn,
                    "GroupId": address.group_id,
                    "PrivateEndpoint": endpoint.name,
                    "ConnectionState": endpoint.connection_state,
                    "Note": _note(endpoint, zone),
                }
            )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.drop_duplicates(subset=["ResourceName", "DNS", "PrivateIP", "FQDN"], ignore_index=True)


def complete_fqdns(
    clients: AzureClients, entries: pd.DataFrame, ids: Sequence[str], field: str = "--fqdns-from"
) -> pd.DataFrame:
    """The entries (checked: dns.entry_file) with the FQDN the NICs of the endpoints ``ids`` name give each record
    they hold: what an entry without an FQDN lacks. An entry the NICs give another IP or FQDN is an InputError
    naming its line: the file is older than the endpoints, and exporting it would send clients to the wrong place."""
    checked = check_entries(entries)
    held: dict[tuple[str, str], dict[str, str]] = {}  # (record, zone) -> {ip: fqdn}, as the NICs hold them
    for row in entries_for(clients, ids, field).itertuples(index=False):
        if row.DNS:
            held.setdefault((row.ResourceName, row.DNS), {})[row.PrivateIP] = row.FQDN
    fqdns = []
    for row in checked.itertuples(index=False):
        on_nics = held.get((row.ResourceName, row.DNS))
        fqdn = on_nics.get(row.PrivateIP) if on_nics else row.FQDN
        at, name = lines_of(checked, [row.Line]), f"{row.ResourceName}.{row.DNS}"
        if fqdn is None:
            raise InputError(
                f"{at}: {name} is {', '.join(on_nics or ())} on its endpoint's NIC, not {row.PrivateIP}: "
                f"the file is older than the endpoint; {REMAKE}"
            )
        if row.FQDN and fqdn != row.FQDN:
            raise InputError(f"{at}: {name} is asked for as {fqdn} (its endpoint's NIC), not {row.FQDN}; {REMAKE}")
        fqdns.append(fqdn)
    completed = checked.assign(FQDN=fqdns)
    completed.attrs.update(checked.attrs)
    return completed


def ready_entries(entries: pd.DataFrame) -> pd.DataFrame:
    """The entries whose records should be created now: approved connections, known private-link names. A record
    for a Pending endpoint would send clients to an address that does not answer yet."""
    return entries[entries["Note"] == ""]


def _note(endpoint: Endpoint, zone: str) -> str:
    """Why an entry needs a person's attention before its record is created; empty when it does not."""
    if not zone:
        return "not a private-link name this toolkit knows: create its record by hand"
    if endpoint.connection_state == "Pending":
        return "connection Pending: approve it on the target resource; until then the IP does not answer"
    if endpoint.connection_state != "Approved":
        return f"connection {endpoint.connection_state}: this endpoint does not carry traffic; recreate or remove it"
    return ""
