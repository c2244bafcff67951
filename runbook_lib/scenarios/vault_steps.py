"""The steps every vault-endpoint scenario shares (Backup, Site Recovery, Migrate's replication vault), in the
order the seeds demand: a vault that never had items, public access denied, its identity on and allowed to create
endpoints, the endpoint, its approval, the private DNS zones (linked, records in place), validation; and the
guard that no zone group overwrites the records another endpoint of the same vault or account answers with.

A scenario's parameter model (VaultEndpointParameters) says which group, which zones and which roles; its runbook
lists these steps with the seed sections they implement there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ..azure.ids import ResourceId, name_of, parse_id
from ..azure.requests import Write, deferred
from ..dns.checks import Inspection, inspect_endpoints
from ..dns.choices import DEFAULT_TTL
from ..dns.entries import entries_for, ready_entries
from ..dns.records import RecordPlan, apply_plan, plan_links, plan_records
from ..engine import Row, Run, ScenarioParameters, Step, blocked, create, unchanged, update
from ..engine.parameters import EndpointName, Region, ResourceGroupId, SubnetId, VaultId, VnetId
from ..journal import CheckResult, Journal
from ..ops import endpoints, roles, storage, vaults
from ..ops.network import free_addresses


class EndpointParameters(ScenarioParameters):
    """What every scenario that makes a private endpoint asks for."""

    location: Region = "westus3"  # the region of what the runbook creates (the endpoint's VNet may be elsewhere)
    subnet: SubnetId  # where the endpoint's NIC goes
    endpoint_name: EndpointName
    endpoint_resource_group: ResourceGroupId | None = None  # default: the subnet's resource group
    zones_resource_group: ResourceGroupId | None = None  # where the private DNS zones are (any subscription)
    approval: Literal["auto", "manual"] = "auto"  # manual: a request the target's owner approves
    approve: bool = False  # approve a Pending connection in this run (the caller must own the target)
    link_vnets: tuple[VnetId, ...] = ()  # the clients' VNets (the endpoint's own VNet always)
    nameserver: str | None = None  # validate resolution through this DNS server (HOST[:PORT])
    ttl: int = DEFAULT_TTL  # of the records this runbook writes

    @property
    def endpoint_id(self) -> str:
        group = self.endpoint_resource_group or parse_id(self.subnet).resource_group_id
        return f"{group}/providers/Microsoft.Network/privateEndpoints/{self.endpoint_name}"

    @property
    def vnet_id(self) -> str:
        return self.subnet.rsplit("/subnets/", 1)[0]

    @property
    def zones_group(self) -> str:
        """Where the zones are: the parameter, else the endpoint's resource group."""
        return self.zones_resource_group or parse_id(self.endpoint_id).resource_group_id

    def zone_id(self, zone: str) -> str:
        return f"{self.zones_group}/providers/Microsoft.Network/privateDnsZones/{zone}"


class VaultEndpointParameters(EndpointParameters):
    """A Recovery Services vault's endpoint. A scenario sets GROUP_ID and MEMBERS and names its zones."""

    GROUP_ID: ClassVar[str]
    MEMBERS: ClassVar[int]  # addresses the endpoint (and what the service adds beside it) takes in the subnet
    MEMBERS_WHY: ClassVar[str]  # ...in words

    vault: VaultId  # the Recovery Services vault; created when it does not exist
    zones_resource_group: ResourceGroupId  # where the private DNS zones are (any subscription)
    dns: Literal["zone-group", "custom"] = "zone-group"  # integrate with private DNS zones, or a custom DNS server

    def zone_names(self, vault_location: str) -> list[str]:
        raise NotImplementedError

    def identity_grants(self) -> list[tuple[str, str]]:
        """(scope, built-in role) the vault's identity needs: Contributor on the endpoint's and the VNet's resource
        groups and, with zone integration, Private DNS Zone Contributor on the zones' (seeds 000, 002)."""
        scopes = dict.fromkeys([parse_id(self.endpoint_id).resource_group_id, parse_id(self.vnet_id).resource_group_id])
        wanted = [(scope, "Contributor") for scope in scopes]
        if self.dns == "zone-group":
            wanted.append((self.zones_resource_group, "Private DNS Zone Contributor"))
        return wanted


def vault_principal(run: Run) -> str | None:
    """The object id of the vault's system-assigned identity; None while there is no vault or identity."""
    vault = _vault(run)
    return vault.identity.principal_id if vault is not None and vault.identity else None


def _vault(run: Run):
    return vaults.get_vault(run.clients, run.params.vault)


class Prerequisites(Step):
    id, title, section = "prerequisites", "Check the caller's rights and the subnet's free addresses", \
        "Before you start"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        try:
            needs = self.needs(run)
        except HttpResponseError as error:
            if error.status_code != 403:
                raise
            return [blocked(p.vault, f"the caller may not even read what this runbook works on "
                                     f"({getattr(error.error, 'code', 403)}): it needs Owner, or Contributor and "
                                     "User Access Administrator, on the vault's, the endpoint's and the zones' "
                                     "resource groups")]
        rows = [rights_row(run, scope, actions) for scope, actions in needs.items()]
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            rows.append(addresses_row(run, p.subnet, p.MEMBERS, f"{p.GROUP_ID} needs {p.MEMBERS} ({p.MEMBERS_WHY})"))
        return rows

    @staticmethod
    def needs(run: Run) -> dict[str, list[str]]:
        """Scope -> the actions this run will need there: only for what is not in place yet (an operator may
        create the endpoint once the vault's owner has prepared the vault)."""
        p: VaultEndpointParameters = run.params
        needs: dict[str, list[str]] = {}
        if _vault(run) is None:
            needs[parse_id(p.vault).resource_group_id] = ["Microsoft.RecoveryServices/vaults/write"]
        principal = vault_principal(run)
        for scope, role in p.identity_grants():
            if not principal or role not in roles.roles_held(run.clients, scope, principal):
                needs.setdefault(scope, []).append("Microsoft.Authorization/roleAssignments/write")
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            needs.setdefault(parse_id(p.endpoint_id).resource_group_id, []).append(
                "Microsoft.Network/privateEndpoints/write")
        return needs


def rights_row(run: Run, scope: str, actions: list[str]) -> Row:
    """Blocked when the caller may not do all of ``actions`` at ``scope`` (ARM's permissions API)."""
    try:
        missing = roles.caller_may(run.clients, scope, actions)
    except ResourceNotFoundError:
        return blocked(scope, "no such resource group: create it, or name another")
    if missing:
        return blocked(scope, f"the caller may not {', '.join(missing)} here: it needs Owner, or Contributor and "
                              "User Access Administrator (ask the owner, or let them run these steps)")
    return unchanged(scope, reason="the caller's rights suffice")


def addresses_row(run: Run, subnet_id: str, needed: int, why: str) -> Row:
    """Blocked when the subnet has fewer than ``needed`` free addresses; ``why`` says who needs them."""
    free = free_addresses(run.clients, subnet_id)
    if free < needed:
        return blocked(subnet_id, f"{free} free addresses, and {why}: choose a larger subnet")
    return unchanged(subnet_id, free, f"{free} free addresses, {needed} needed")


class CreateVault(Step):
    id, title, section = "vault", "Create a new vault, or use one that never had items", \
        "Create a Recovery Services vault"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        vault = _vault(run)
        if vault is None:
            rid = parse_id(p.vault)
            write = deferred(run.clients.for_subscription(rid.subscription).recoveryservices.vaults.
                             begin_create_or_update, rid.resource_group, rid.name, vaults.new_vault(p.location))
            return [create(p.vault, f"a vault in {p.location}, identity on, public access denied", write)]
        items = vaults.items(run.clients, p.vault, p.GROUP_ID)
        if items and endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            held = ", ".join(f"{count} ({name})" for name, count in items.items())
            return [blocked(p.vault, f"the vault has items: {held}; private endpoints can only be created for "
                                     "vaults that never had one: create a new vault")]
        return [unchanged(p.vault, vault.location, "exists")]


class DenyPublicAccess(Step):
    id, title, section = "deny-public-access", "Deny public network access", "Deny public network access"

    def plan(self, run: Run) -> list[Row]:
        vault = _vault(run)
        if vault is None:
            return [unchanged(run.params.vault, "Disabled", "the new vault denies it from the start")]
        now = vaults.text(vault.properties.public_network_access)
        if now == "Disabled":
            return [unchanged(vault.id, now)]
        rid = parse_id(vault.id)
        write = deferred(run.clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_update,
                         rid.resource_group, rid.name, {"properties": {"publicNetworkAccess": "Disabled"}})
        return [update(vault.id, now, "Disabled", write, "clients reach the vault only through its endpoints")]


class EnableIdentity(Step):
    id, title, section = "identity", "Turn the vault's system-assigned identity on", \
        "Enable the managed identity for your vault"

    def plan(self, run: Run) -> list[Row]:
        vault = _vault(run)
        if vault is None:
            return [unchanged(run.params.vault, "SystemAssigned", "the new vault has it from the start")]
        if vaults.identity_on(vault):
            return [unchanged(vault.id, "SystemAssigned")]
        rid = parse_id(vault.id)
        write = deferred(run.clients.for_subscription(rid.subscription).recoveryservices.vaults.begin_update,
                         rid.resource_group, rid.name, {"identity": {"type": "SystemAssigned"}})
        return [update(vault.id, vaults.text(vault.identity.type if vault.identity else None) or "None",
                       "SystemAssigned", write, "before any endpoint; never switched off again")]


class GrantIdentity(Step):
    id, title, section = "identity-roles", "Let the vault's identity create endpoints and DNS records", \
        "Grant permissions to the vault to create required private endpoints"

    def plan(self, run: Run) -> list[Row]:
        principal = vault_principal(run)
        rows = []
        for scope, role in run.params.identity_grants():
            if principal and role in roles.roles_held(run.clients, scope, principal):
                rows.append(unchanged(scope, role))
                continue
            rows.append(create(scope, f"{role} for the vault's identity", self._assign(run, scope, role),
                               "" if principal else "once the vault and its identity exist"))
        return rows

    def _assign(self, run: Run, scope: str, role: str):
        def write():
            principal = _vault(run).identity.principal_id
            return deferred(roles.assign_role, run.clients, scope, role, principal)()
        return write


class GrantStorageRoles(GrantIdentity):
    """The vault identity's roles on storage accounts, by each account's type (ops.storage.ROLES): only a read of
    the account tells Standard from Premium. A scenario says which accounts (``accounts``)."""

    id, title, section = "storage-roles", "Give the vault's identity its roles on the storage accounts (by type)", \
        "Grant required permissions to the vault"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        raise NotImplementedError

    def plan(self, run: Run) -> list[Row]:
        principal = vault_principal(run)
        rows = []
        for account in self.accounts(run):
            held = roles.roles_held(run.clients, account.id, principal) if principal else set()
            rows += [unchanged(account.id, role, f"{account.tier} account") if role in held else
                     create(account.id, f"{role} for the vault's identity", self._assign(run, account.id, role),
                            f"{account.tier} account" + ("" if principal else "; once the vault's identity exists"))
                     for role in account.identity_roles]
        return rows or [unchanged(run.params.vault, reason="no storage account given")]


class AllowTrustedServices(Step):
    """Trusted Microsoft services through each storage account's firewall (the vault writes as one)."""

    id, title, section = "trusted-services", "Let trusted Microsoft services through the storage accounts' firewall", \
        "Grant required permissions to the vault"

    def accounts(self, run: Run) -> list[storage.StorageAccount]:
        raise NotImplementedError

    def plan(self, run: Run) -> list[Row]:
        rows = []
        for account in self.accounts(run):
            if account.trusted_services:
                rows.append(unchanged(account.id, "AzureServices in the firewall's exceptions"))
                continue
            rid = parse_id(account.id)
            body = storage.allow_trusted_services_body(run.clients, account.id)
            write = deferred(run.clients.for_subscription(rid.subscription).storage.storage_accounts.update,
                             rid.resource_group, rid.name, body)
            rows.append(update(account.id, "trusted Microsoft services blocked",
                               body["properties"]["networkAcls"]["bypass"], write,
                               "the vault writes to the account as a trusted Microsoft service"))
        return rows or [unchanged(run.params.vault, reason="no storage account given")]


class CreateEndpoint(Step):
    id, title, section = "endpoint", "Create the vault's private endpoint", "Create private endpoints"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        existing = endpoints.get_endpoint(run.clients, p.endpoint_id)
        if existing is not None:
            return [unchanged(p.endpoint_id, endpoints.connection_state(existing))]
        vault = _vault(run)
        if vault is not None and not vaults.identity_on(vault) and not run.will_change("identity"):
            return [blocked(p.endpoint_id, "the vault's identity is off: turn it on before creating endpoints")]
        rid = parse_id(p.endpoint_id)
        location = free_location(run, p.subnet)
        body = endpoints.endpoint_body(location, p.subnet, p.vault, p.GROUP_ID, p.approval == "manual")
        write = deferred(run.clients.for_subscription(rid.subscription).network.private_endpoints.
                         begin_create_or_update, rid.resource_group, rid.name, body)
        return [create(p.endpoint_id, f"{p.GROUP_ID} endpoint in {p.subnet.rsplit('/', 3)[-3]}", write,
                       "a request for the vault's owner to approve" if p.approval == "manual" else "")]


def free_location(run: Run, subnet_id: str) -> str:
    """The region of the subnet's VNet: an endpoint lives where its VNet does."""
    vnet = parse_id(subnet_id.rsplit("/subnets/", 1)[0])
    return run.clients.for_subscription(vnet.subscription).network.virtual_networks.get(
        vnet.resource_group, vnet.name).location


def approval_row(run: Run, endpoint_id: str, owner: str, where: str, approve: Write) -> Row:
    """An endpoint's connection: nothing to do once Approved; a Pending one approved by this run when the
    parameters say approve: true (``approve`` does it); else blocked, saying who approves it and where."""
    p = run.params
    endpoint = endpoints.get_endpoint(run.clients, endpoint_id)
    if endpoint is None:
        return unchanged(endpoint_id, "Approved" if p.approval == "auto" else "Pending", "after the endpoint is created")
    state = endpoints.connection_state(endpoint)
    if state == "Approved":
        return unchanged(endpoint_id, state)
    if state == "Pending" and p.approve:
        return update(endpoint_id, state, "Approved", approve, "approved by this run")
    return blocked(endpoint_id, f"the connection is {state}: {owner} approves it ({where}), or run again with "
                                f"approve: true as {owner.removeprefix('the ')}")


class ApproveEndpoint(Step):
    id, title, section = "approval", "Approve the endpoint's connection", "Approve private endpoints"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        approve = deferred(vaults.approve_connection, run.clients, p.vault, p.endpoint_id)
        return [approval_row(run, p.endpoint_id, "the vault's owner", "vault > Networking > Private access", approve)]


def zone_rows(run: Run, zones_group: str, zone_names: list[str], reason: str = "") -> list[Row]:
    """The private DNS zones ``zone_names`` in resource group ``zones_group``: unchanged, or created."""
    group = parse_id(zones_group)
    dns = run.clients.for_subscription(group.subscription).privatedns
    existing = {z.name.lower() for z in dns.private_zones.list_by_resource_group(group.resource_group)}
    rows = []
    for zone in zone_names:
        zone_id = f"{zones_group}/providers/Microsoft.Network/privateDnsZones/{zone}"
        rows.append(unchanged(zone_id) if zone.lower() in existing else create(zone_id, "global", deferred(
            dns.private_zones.begin_create_or_update, group.resource_group, zone, {"location": "global"}), reason))
    return rows


def zone_group_row(run: Run, endpoint_id: str, zone_ids: list[str], reason: str) -> Row:
    """The endpoint's zone group naming ``zone_ids``: unchanged when it does already, else created (Azure then
    writes the endpoint's records into those zones)."""
    group = f"{endpoint_id}/privateDnsZoneGroups/default"
    names = ", ".join(z.rsplit("/", 1)[-1] for z in zone_ids)
    exists = endpoints.get_endpoint(run.clients, endpoint_id) is not None
    if exists and {z.lower() for z in zone_ids} <= endpoints.zone_group_zones(run.clients, endpoint_id):
        return unchanged(group, names)
    rid = parse_id(endpoint_id)
    write = deferred(run.clients.for_subscription(rid.subscription).network.private_dns_zone_groups.
                     begin_create_or_update, rid.resource_group, rid.name, "default",
                     endpoints.zone_group_body(zone_ids))
    return create(group, names, write, reason)


# --- zone groups never overwrite another endpoint's records -----------------------------------------------------

STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"
VAULT = "Microsoft.RecoveryServices/vaults"


def _connected_endpoints(run: Run, target_id: str) -> list[str]:
    """The ids of the private endpoints connected to a vault or a storage account."""
    rid = parse_id(target_id)
    if rid.is_a(STORAGE_ACCOUNT):
        connections = _storage_client(run, rid).private_endpoint_connections.list(rid.resource_group, rid.name)
        return [c.private_endpoint.id for c in connections if c.private_endpoint]
    if not rid.is_a(VAULT):
        return []
    vault = vaults.get_vault(run.clients, target_id)
    connections = (vault.properties.private_endpoint_connections or []) if vault and vault.properties else []
    return [c.properties.private_endpoint.id for c in connections if c.properties and c.properties.private_endpoint]


def _storage_client(run: Run, rid: ResourceId):
    """The storage management client of the subscription ``rid`` is in."""
    return run.clients.for_subscription(rid.subscription).storage


def _a_records(run: Run, zone_id: str) -> dict[str, tuple[str, ...]]:
    """Record name (lower case) -> its IPs; empty when the zone does not exist."""
    rid = parse_id(zone_id)
    try:
        return {r.name.lower(): tuple(a.ipv4_address for a in r.a_records or [])
                for r in run.clients.for_subscription(rid.subscription).privatedns.record_sets.list_by_type(
                    rid.resource_group, rid.name, "A")}
    except ResourceNotFoundError:
        return {}


def live_records_of_others(run: Run, target_id: str, own_endpoint: str, zone_ids: list[str]) -> list[dict]:
    """The records in ``zone_ids`` that another endpoint of ``target_id`` answers with now: the ones a zone group
    of ``own_endpoint`` would overwrite (same target, so the same names). Each: zone (id), record, ip, endpoint
    (name) and endpoint_id."""
    others = [e for e in _connected_endpoints(run, target_id) if e.lower() != own_endpoint.lower()]
    if not others:
        return []
    ids = {e.rsplit("/", 1)[-1].lower(): e for e in others}
    zones = {z.rsplit("/", 1)[-1].lower(): z for z in zone_ids}
    held: dict[str, dict[str, tuple[str, ...]]] = {}
    found = []
    for entry in entries_for(run.clients, others).itertuples(index=False):
        zone_id = zones.get(str(entry.DNS).lower())
        if zone_id is None:
            continue
        if zone_id not in held:
            held[zone_id] = _a_records(run, zone_id)
        if entry.PrivateIP in held[zone_id].get(str(entry.ResourceName).lower(), ()):
            found.append({"zone": zone_id, "record": entry.ResourceName, "ip": entry.PrivateIP,
                          "endpoint": entry.PrivateEndpoint,
                          "endpoint_id": ids.get(str(entry.PrivateEndpoint).lower(), entry.PrivateEndpoint)})
    return found


class ZoneOverwriteGuard(Step):
    """Before any zone group is made: none of the runbook's zone groups may write over the records that another
    endpoint of the same vault or storage account answers with now (the same target has the same record names:
    seed 000's warning). An endpoint's own records (the same endpoint run again) never block. A scenario lists the
    zone groups it makes (``zone_groups``); by default the vault endpoint's, over the zones of step 'zones'."""

    id, title, section = "zone-guard", "Check that no zone group overwrites another endpoint's DNS records", \
        "Create private endpoints for the Recovery Services vault (DNS)"

    def zone_groups(self, run: Run) -> list[tuple[str, str, list[str]]]:
        """(target id, endpoint id, zone ids) of each zone group the runbook makes."""
        p: VaultEndpointParameters = run.params
        vault = _vault(run)
        zones = p.zone_names(vault.location if vault else p.location)
        return [(p.vault, p.endpoint_id, [p.zone_id(z) for z in zones])]

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone group writes records")]
        rows = []
        for target, own, zone_ids in self.zone_groups(run):
            found = live_records_of_others(run, target, own, zone_ids)
            if not found:
                rows.append(unchanged(f"{own}/privateDnsZoneGroups/default",
                                      ", ".join(z.rsplit("/", 1)[-1] for z in zone_ids),
                                      f"no other endpoint of {name_of(target)} answers from these zones: this zone "
                                      "group overwrites nothing"))
                continue
            rows += [blocked(zone_id, overwrite_reason(target, own, [r for r in found if r["zone"] == zone_id]))
                     for zone_id in dict.fromkeys(r["zone"] for r in found)]
        return rows


def overwrite_reason(target: str, own: str, records: list[dict]) -> str:
    """Why ``own``'s zone group may not write into the zone that holds ``records`` (another endpoint's, live), and
    what to do instead."""
    others = list(dict.fromkeys(r["endpoint_id"] for r in records))
    names = ", ".join(name_of(e) for e in others)
    count = f"{len(records)} record{'s' if len(records) > 1 else ''}"
    example = f"{'e.g. ' if len(records) > 1 else ''}{records[0]['record']} = {records[0]['ip']}"
    held = f"{count} of endpoint{'s' if len(others) > 1 else ''} {names} ({example})"
    them = "them" if len(records) > 1 else "it"
    kind = "storage account" if parse_id(target).is_a(STORAGE_ACCOUNT) else "vault"
    why = (f"holds {held}: the zone group of {name_of(own)} would overwrite {them} (the same {kind} "
           f"{name_of(target)}, so the same names)")
    own_zones = f"give {name_of(own)} zones of its own (a zones_resource_group without them)"
    that = "that endpoint" if len(others) == 1 else "one of those endpoints"
    if kind == "vault":
        where = f", in resource group {parse_id(others[0]).resource_group}" if "/providers/" in others[0] else ""
        return f"{why}; reuse {that} (endpoint_name: {name_of(others[0])}{where}), or {own_zones}"
    return (f"{why}; the account's clients already reach it through {names}: keep {that} and {own_zones}, or "
            f"remove {names} first if nothing uses it any more")



class IntegrateZones(Step):
    id, title, section = "zones", "The private DNS zones and the endpoint's zone group", \
        "When integrating private endpoints with Azure private DNS zones"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no private DNS zones")]
        vault = _vault(run)
        zones = p.zone_names(vault.location if vault else p.location)
        return zone_rows(run, p.zones_resource_group, zones) + [
            zone_group_row(run, p.endpoint_id, [p.zone_id(z) for z in zones],
                           "Azure writes the endpoint's records into these zones")]


class LinkZones(Step):
    id, title, section = "links", "Link the zones to the endpoint's VNet and the clients' VNets", \
        "Validate virtual network links in private DNS zones"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: no zone links")]
        vault = _vault(run)
        if vault is None:
            return [unchanged(p.zones_resource_group, reason="after the vault exists")]
        plan = plan_links(run.clients, p.zone_names(vault.location), p.zones_resource_group,
                          [p.vnet_id, *p.link_vnets])
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")


class DnsRecords(Step):
    """The A records of the vault's endpoint (and of the storage endpoints Backup adds beside it) in the zones,
    for zones the vault's identity may not write (another subscription) and a second look after each stage."""

    id, title = "dns-records", "Create the DNS records the zones lack"
    section = "Create DNS entries when the DNS server/DNS zone is present in another subscription"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.endpoint_id, reason="custom DNS: `runbook dns export` gives your DNS server's "
                                                    "records")]
        if endpoints.get_endpoint(run.clients, p.endpoint_id) is None:
            return [unchanged(p.endpoint_id, reason="after the endpoint exists")]
        entries = ready_entries(entries_for(run.clients, [p.endpoint_id]))
        plan = plan_records(run.clients, entries, p.zones_resource_group, ttl=p.ttl)
        return record_plan_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/A/{row['Name']}")


def record_plan_rows(run: Run, plan: RecordPlan, resource) -> list[Row]:
    """A dns.records plan as step rows. A conflict blocks: a record is never overwritten by a runbook."""
    rows = []
    for index, row in plan.table.iterrows():
        if row["Action"] == "unchanged":
            rows.append(unchanged(resource(row), row["Current"]))
        elif row["Action"] == "create":
            rows.append(create(resource(row), row["Desired"], _apply_row(run, plan, index)))
        elif row["Action"] == "conflict":
            rows.append(blocked(resource(row), f"holds {row['Current']}, not {row['Desired']}: another endpoint's "
                                               "or a stale record; check it, then `runbook dns apply "
                                               "--overwrite-conflicts`"))
        elif run.will_change("zones"):
            rows.append(unchanged(resource(row), reason=f"once step 'zones' has created {row['Zone']}"))
        else:
            rows.append(blocked(resource(row), f"zone {row['Zone']} is missing in {plan.zones}"))
    return rows


def _apply_row(run: Run, plan: RecordPlan, index):
    """The write of one row of ``plan``: (None, its request id); the engine journals it."""
    def write():
        journal = Journal()
        apply_plan(run.clients, RecordPlan(plan.zones, plan.ttl, plan.table.loc[[index]]), journal=journal)
        return None, journal.changes[0].request_id
    return write


class Validate(Step):
    """Seed 004's checks (dns.checks) over the endpoints ``endpoint_ids`` names that exist; each result goes to the
    journal, and a failure blocks an apply."""

    id, title, section = "validate", "Validate: connection, zones, links, records, resolution", \
        "Troubleshoot network connectivity"

    def endpoint_ids(self, run: Run) -> list[str]:
        return [run.params.endpoint_id]

    def inspect(self, run: Run, ids: list[str] | None = None) -> Inspection | None:
        """The checks over ``ids`` (default: this step's endpoints that exist); None when there is none yet."""
        p = run.params
        if ids is None:
            ids = [e for e in self.endpoint_ids(run) if endpoints.get_endpoint(run.clients, e) is not None]
        if not ids:
            return None
        return inspect_endpoints(run.clients, ids, nameserver=p.nameserver, vnets=p.link_vnets,
                                 zone_groups=[p.zones_group])

    def plan(self, run: Run) -> list[Row]:
        p = run.params
        inspection = self.inspect(run)
        if inspection is None:
            return [unchanged(p.endpoint_id, reason="after the endpoints exist")]
        results = inspection.results
        for r in results.itertuples(index=False):
            run.journal.record(CheckResult(r.Check, r.Resource, r.Status, r.Detail))
        failed = results[results["Status"] == "fail"]
        if run.mode == "apply" and not failed.empty:
            return [blocked(r.Resource, f"{r.Check}: {r.Detail}; {r.Fix}") for r in failed.itertuples(index=False)]
        passed = int((results["Status"] == "pass").sum())
        return [unchanged(p.endpoint_id, f"{passed} of {len(results)} checks pass on "
                                         f"{len(inspection.endpoints)} endpoints")]


def validated_endpoints(steps: Iterable[Step], run: Run) -> list[str]:
    """The endpoints a runbook's validation steps check (made or not yet), each once."""
    return list(dict.fromkeys(e for step in steps if isinstance(step, Validate) for e in step.endpoint_ids(run)))
