"""The troubleshooting checks of "Using Azure Migrate with private endpoints" as rows: is each private endpoint
approved, are the zones its FQDNs need there and linked to the VNets, do their A records hold the NIC's IPs, does a DNS
server answer them, is the vault private.

Reads only: a check never changes anything. Requests, each made once and cached (a zone checked for three
endpoints is read once): endpoints and NICs listed per resource group (dns.endpoints); one zone-group list per
endpoint (one request per endpoint, acceptable for a check); a zone list per resource group given in
``zone_groups`` and per endpoint subscription, only when a zone is not found before; one link list and one A-record
list per zone; one GET per subnet (only with a nameserver) and per vault.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.ids import RESOURCE_GROUP, name_of, parse_typed_id
from ..journal import CheckStatus
from ..nslookup import Lookup, nameserver_lookup
from ..ops.arm import arm_set
from ..private_link import alias, cloud_of, zone_name
from .check_reads import CheckReads, Zone
from .endpoints import VAULT, Address, Endpoint, read_endpoints

if TYPE_CHECKING:
    from azure.mgmt.recoveryservices.models import Vault

CHECKS = ("connection", "zone", "link", "record", "resolution", "vault")
COLUMNS = ["Check", "Resource", "Status", "Detail", "Fix"]
AZURE_DNS = "168.63.129.16"
VNET = "Microsoft.Network/virtualNetworks"
_VAULT_RECORD = re.compile(r"\d+-(?:ab|asr)-")  # Backup and Site Recovery record names start '{vaultId}-ab-|-asr-'


@dataclass(frozen=True)
class Inspection:
    """What the checks read and found: the results, and enough to draw the endpoints, zones and links."""

    endpoints: list[Endpoint]
    zones: dict[str, list[Zone]]  # endpoint id -> the zones it needs, found or not
    links: dict[str, set[str]]  # zone id -> the ids (lower case) of the VNets linked to it
    vnets: list[str]  # the consuming VNets every zone must be linked to as well
    results: pd.DataFrame  # COLUMNS: one row per check


def check_endpoints(
    clients: AzureClients,
    ids: Sequence[str],
    *,
    nameserver: str | None = None,
    vnets: Sequence[str] = (),
    zone_groups: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per check of the endpoints ``ids`` names (endpoints, vaults, resource groups: see dns.endpoints).

    ``vnets``: consuming VNets every zone must be linked to as well; ``zone_groups``: resource groups holding zones
    for endpoints without a zone group; ``nameserver``: 'HOST' or 'HOST:PORT' to resolve every FQDN through.
    """
    return inspect_endpoints(clients, ids, nameserver=nameserver, vnets=vnets, zone_groups=zone_groups).results


def inspect_endpoints(
    clients: AzureClients,
    ids: Sequence[str],
    *,
    nameserver: str | None = None,
    vnets: Sequence[str] = (),
    zone_groups: Sequence[str] = (),
) -> Inspection:
    """check_endpoints with what it read kept beside the results."""
    lookup = nameserver_lookup(nameserver, "--nameserver") if nameserver else None
    vnet_ids = [parse_typed_id(v, VNET, "--vnet").id for v in vnets]
    reads = CheckReads(clients, [parse_typed_id(g, RESOURCE_GROUP, "--zones") for g in zone_groups])
    endpoints = read_endpoints(clients, ids)
    placed = {e.id: [reads.find_zone(e, name) for name in zones_needed(e)] for e in endpoints}
    rows = [r for e in endpoints for r in connection_rows(e)]
    rows += [r for e in endpoints for r in zone_rows(e, placed[e.id])]
    rows += [r for e in endpoints for r in link_rows(e, placed[e.id], vnet_ids, reads)]
    rows += record_rows(endpoints, placed, reads)
    if lookup is not None and nameserver is not None:  # lookup is set only with a nameserver
        rows += [r for e in endpoints for r in resolution_rows(e, lookup, nameserver, reads.subnet(e.subnet_id))]
    rows += [r for e in endpoints if _is_vault(e.target_id) for r in vault_rows(e, reads.vault(e.target_id))]
    links = {z.id: reads.links(z.id) or set() for zones in placed.values() for z in zones if z.id}
    results = pd.DataFrame(rows, columns=COLUMNS).drop_duplicates(ignore_index=True)
    return Inspection(endpoints, placed, links, vnet_ids, results)


def check_row(check: str, resource: str, ok: bool | CheckStatus, detail: str, fix: str) -> dict[str, str]:
    """A result row; ``ok`` is True (pass), False (fail) or a status; the fix is dropped when it passes."""
    status = ok if isinstance(ok, CheckStatus) else CheckStatus.PASS if ok else CheckStatus.FAIL
    return {
        "Check": check,
        "Resource": resource,
        "Status": status,
        "Detail": detail,
        "Fix": "" if status == CheckStatus.PASS else fix,
    }


def connection_rows(endpoint: Endpoint) -> list[dict]:
    state, provisioning = endpoint.connection_state, text_of(endpoint.provisioning_state, "None")
    target = name_of(endpoint.target_id)
    if state == "Pending":
        fix = f"the owner of {target} approves it: {target} > Private endpoint connections > {endpoint.name} > Approve"
    elif state == "Approved":
        fix = "provisioning has not succeeded: wait for it; if it failed, delete the endpoint and create it again"
    else:
        fix = f"a {state} connection cannot be approved again: delete {endpoint.name} and create it again"
    ok = state == "Approved" and provisioning == "Succeeded"
    detail = f"connection to {target} ({endpoint.group_id}) is {state}, provisioning {provisioning}"
    return [check_row("connection", endpoint.name, ok, detail, fix)]


def zone_rows(endpoint: Endpoint, zones: Sequence[Zone]) -> list[dict]:
    rows = [
        check_row(
            "zone",
            z.name,
            bool(z.id),
            f"{'found in' if z.id else 'not in'} {z.where}",
            f"if {z.name} lives in another subscription, name its resource group (--zones); else create "
            f"it and link it to {name_of(endpoint.vnet_id)} (`runbook dns plan --zones RESOURCE_GROUP_ID "
            "--create-missing-zones` plans both)",
        )
        for z in zones
    ]
    return rows + [
        check_row(
            "zone",
            a.fqdn,
            CheckStatus.WARN,
            "not a private-link name this toolkit knows",
            "check its DNS record by hand",
        )
        for a in endpoint.addresses
        if alias(a.fqdn) is None
    ]


def link_rows(endpoint: Endpoint, zones: Sequence[Zone], vnet_ids: Sequence[str], reads: CheckReads) -> list[dict]:
    """Each zone found is linked to the endpoint's VNet and to every VNet of ``vnet_ids``."""
    rows = []
    for zone in zones:
        if not zone.id:
            continue
        linked = reads.links(zone.id) or set()
        for vnet_id in _unique([endpoint.vnet_id, *vnet_ids]):
            ok = vnet_id.lower() in linked
            role = "the endpoint's VNet" if vnet_id.lower() == endpoint.vnet_id.lower() else "VNet"
            detail = (
                f"linked to {role} {name_of(vnet_id)}"
                if ok
                else f"not linked to {role} {name_of(vnet_id)}: its queries ignore the zone and get public answers"
            )
            rows.append(
                check_row("link", zone.name, ok, detail, f"add a virtual network link from {zone.name} to {vnet_id}")
            )
    return rows


def record_rows(endpoints: Sequence[Endpoint], placed: dict[str, list[Zone]], reads: CheckReads) -> list[dict]:
    """Each FQDN's A record holds exactly its NIC's IP; then leftover records of the same vaults (warn)."""
    needed: dict[str, dict[str, list[Address]]] = {}  # zone id -> record name -> the addresses it answers
    for endpoint in endpoints:
        found = {z.name: z.id for z in placed[endpoint.id] if z.id}
        for address in endpoint.addresses:
            zone, record = alias(address.fqdn) or ("", "")
            if zone in found:
                needed.setdefault(found[zone], {}).setdefault(record, []).append(address)
    rows = []
    for zone_id, records in needed.items():
        held = reads.a_records(zone_id)
        rows += [
            _record_row(name_of(zone_id), record, address, held.get(record, ()))
            for record, addresses in records.items()
            for address in addresses
        ]
        rows += leftover_rows(name_of(zone_id), records, held)
    return rows


def _record_row(zone: str, record: str, address: Address, ips: Sequence[str]) -> dict:
    others = ", ".join(ip for ip in ips if ip != address.ip)
    if not ips:
        ok, detail = False, f"no A record {record} in {zone}"
        fix = (
            f"add the A record {record} = {address.ip} to {zone} (a zone group on the endpoint writes it once "
            "the connection is Approved)"
        )
    elif address.ip not in ips:
        ok, detail = False, f"A record {record} in {zone} holds {others} (stale), not the NIC's {address.ip}"
        fix = (
            f"remove the whole record {record} and add it again with {address.ip}, then flush the DNS cache of "
            "the clients (the old answer lives until its TTL runs out)"
        )
    else:
        ok = not others
        detail = f"A record {record} holds {address.ip}" + (f" and extra IPs {others}" if others else "")
        fix = f"remove {others} from {record}: clients pick any IP of the record"
    return check_row("record", address.fqdn, ok, detail, fix)


def leftover_rows(zone: str, records: dict[str, list[Address]], held: dict[str, tuple[str, ...]]) -> list[dict]:
    """Records with the prefix of a vault checked here that no endpoint checked here needs: a deleted endpoint's."""
    prefixes = {m.group(0) for record in records if (m := _VAULT_RECORD.match(record))}
    extra = sorted(name for name in held if name not in records and name.startswith(tuple(prefixes)))
    return [
        check_row(
            "record",
            f"{name}.{zone}",
            CheckStatus.WARN,
            f"extra record {name} = {', '.join(held[name])}: same vault id, but no endpoint checked needs it",
            f"if no endpoint of the vault needs it (a deleted endpoint's leftover), delete {name} from {zone}",
        )
        for name in extra
    ]


def resolution_rows(
    endpoint: Endpoint,
    lookup: Lookup,
    server: str,
    subnet: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> list[dict]:
    prefixes = ", ".join(map(str, subnet)) or "(no prefix)"
    rows = []
    for address in endpoint.addresses:
        answers = lookup(address.fqdn)
        inside = bool(answers) and all(any(ipaddress.ip_address(ip) in net for net in subnet) for ip in answers)
        ok = answers == (address.ip,) and inside
        detail = f"{server} answers {', '.join(answers) or 'no address (NXDOMAIN)'}"
        if answers:
            detail += f", {'in' if inside else 'not in'} the endpoint subnet {prefixes}"
        if answers and not any(ipaddress.ip_address(ip).is_private for ip in answers):
            detail += " (a public address: the query never reached the private zone)"
        if not ok:
            detail += f"; the NIC holds {address.ip}"
        zone = (alias(address.fqdn) or (address.fqdn,))[0]
        fix = (
            f"custom DNS: forward {zone.removeprefix('privatelink.')} to Azure DNS ({AZURE_DNS}) from a VNet "
            f"linked to {zone}, or add the records; Azure DNS: link {zone} to the client's VNet"
        )
        rows.append(check_row("resolution", address.fqdn, ok, detail, fix))
    return rows


def vault_rows(endpoint: Endpoint, vault: Vault) -> list[dict]:
    """Public access denied (warn until it is), and the vault's state for the endpoint's group Enabled."""
    properties = vault.properties
    public = text_of(properties.public_network_access if properties else None, "None")
    site_recovery = endpoint.group_id.lower() == "azuresiterecovery"
    field = "privateEndpointStateForSiteRecovery" if site_recovery else "privateEndpointStateForBackup"
    if properties is None:
        state = "None"
    else:
        state = text_of(
            properties.private_endpoint_state_for_site_recovery
            if site_recovery
            else properties.private_endpoint_state_for_backup,
            "None",
        )
    name = arm_set(vault.name)
    return [
        check_row(
            "vault",
            name,
            CheckStatus.PASS if public == "Disabled" else CheckStatus.WARN,
            f"public network access {public}",
            f"deny public network access on {vault.name} (Networking) once its private endpoints work",
        ),
        check_row(
            "vault",
            name,
            state == "Enabled",
            f"{field} {state}",
            f"approve {endpoint.name}'s connection on {vault.name}: the state is Enabled once one is approved",
        ),
    ]


def zones_needed(endpoint: Endpoint) -> list[str]:
    """The zones of the endpoint's FQDNs; for a Backup endpoint also the blob and queue zones, which the storage
    endpoints Azure Backup adds after the first registration and backup will need (Azure Backup's private endpoints
    article: link all three)."""
    zones = [answer[0] for a in endpoint.addresses if (answer := alias(a.fqdn))]
    clouds = {cloud for a in endpoint.addresses if (cloud := cloud_of(a.fqdn)) is not None}
    if endpoint.group_id.lower() == "azurebackup" and len(clouds) == 1:
        cloud = clouds.pop()
        zones += [zone_name("blob", cloud), zone_name("queue", cloud)]
    return list(dict.fromkeys(zones))


def _unique(ids: Iterable[str]) -> list[str]:
    """Resource ids once each, compared case-insensitively (the first spelling kept)."""
    first: dict[str, str] = {}
    for resource_id in ids:
        first.setdefault(resource_id.lower(), resource_id)
    return list(first.values())


def _is_vault(resource_id: str) -> bool:
    return f"/providers/{VAULT}/".lower() in resource_id.lower()
