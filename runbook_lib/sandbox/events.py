"""What services do on their own, so that the runbooks' later steps can be rehearsed.

Azure Backup ("Create and use private endpoints (v1 experience) for Azure Backup"): the first container registration
makes the ``{pe}_ecs…_blob`` and ``…_queue`` endpoints to the vault's communication storage account, and the first
backup makes ``{pe}_prot…_blob`` endpoints to its backup storage accounts (some named on partitioned
``*.blob.storage.azure.net`` hosts). Azure Backup creates them as the vault's managed identity, in the vault
endpoint's resource group and subnet, with records only in the zones of the vault endpoint's zone group that the
identity may write. The client then has to resolve every name it needs to its private address, or the operation
fails with UserErrorVMInternetConnectivityIssue and nothing else changes: the endpoints stay (they are how
PrivateIP.ps1 finds the records to add), the container or item does not.

Azure Migrate ("Using Azure Migrate with private endpoints"): "generate key" creates a key vault, a storage account,
a Recovery Services vault and an assessment project, each with an endpoint beside the project's, and private DNS
zones with records linked to the endpoint's VNet. A project whose key is generated without an endpoint is public for
good.

Site Recovery, as Azure Migrate uses it ("Migrate Hyper-V servers to Azure by using Private Link", "Migrate servers
to Azure by using Private Link"): a host or appliance that registers with the vault, and each machine replicated,
show in the vault's replication usages ("Number of servers registered to this vault", "Number of replication
protected items for this vault").

Each event runs in transactions of its own: the endpoints are committed before names are resolved, so that a
DNS server serving the same estate can answer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..nslookup import Lookup
from ..private_link import alias
from .addresses import IP_CONFIGURATIONS, allocate
from .authz import authorize, is_allowed
from .errors import ArmError
from .paths import parse_path
from .services import service_for
from .services.base import Context, PrivateLinkTarget, hidden, new_guid
from .services.endpoints import ENDPOINTS, ZONE_GROUPS, endpoint_members, endpoint_status, write_records
from .services.migrate import PROJECTS
from .services.recoveryservices import (
    BACKUP,
    V2,
    VAULT_TYPE,
    backup_account_name,
    endpoint_experience,
    v2_backup_data_member,
)
from .services.regions import geo_of
from .settings import SandboxSettings
from .store import Principal, Store, Transaction
from .tenant import OWNER_ROLE, add_subscription, assign_role, sandbox_id

BACKUP_SERVICE_SUBSCRIPTION = sandbox_id("subscription/azure-backup-service")
CONNECTIVITY_ERROR = "UserErrorVMInternetConnectivityIssue"
# who changes a v2 endpoint's NIC: the Backup service itself (no vault identity in v2)
BACKUP_SERVICE = Principal(sandbox_id("principal/azure-backup-service"), "Azure Backup", "ServicePrincipal", "")
# what the vault identity needs for Azure Backup to create endpoints (Azure Backup's private endpoints article); on the zones, A/write decides
# whether records are written
IDENTITY_NEEDS = (
    ("endpoint resource group", "Microsoft.Network/privateEndpoints/write"),
    ("endpoint resource group", "Microsoft.Network/networkInterfaces/read"),
    ("virtual network", "Microsoft.Network/virtualNetworks/subnets/join/action"),
)


@dataclass(frozen=True)
class EventResult:
    event: str
    target: str
    succeeded: bool
    code: str = ""
    message: str = ""
    created: tuple[str, ...] = ()  # ids of the endpoints the event made
    unresolved: tuple[str, ...] = field(default=())  # names the client could not resolve to their private address

    def to_dict(self) -> dict:
        return {**self.__dict__, "created": list(self.created), "unresolved": list(self.unresolved)}


def register_container(store: Store, vault_id: str, lookup_for: Callable[[str], Lookup]) -> EventResult:
    """A server registers with the vault (discovery). ``lookup_for(vnet_id)`` gives the client's DNS."""
    return _backup_event(store, "register-container", vault_id, lookup_for, "ecs", "containers")


def first_backup(store: Store, vault_id: str, lookup_for: Callable[[str], Lookup]) -> EventResult:
    """A registered item is backed up for the first time."""
    return _backup_event(store, "first-backup", vault_id, lookup_for, "prot", "protectedItems")


def _backup_event(store: Store, event: str, vault_id: str, lookup_for, stage: str, counter: str) -> EventResult:
    try:
        with store.transaction() as tx:  # an ARM error rolls back everything the event made
            vault = _vault(tx, vault_id)
            if stage == "prot" and not hidden(vault)["containers"]:
                return EventResult(
                    event,
                    vault["id"],
                    False,
                    "BMSUserErrorContainerNotRegistered",
                    "No container is registered with the vault: run register-container first.",
                )
            endpoint = _backup_endpoint(tx, vault)
            if endpoint is None:
                if vault["properties"].get("publicNetworkAccess") == "Disabled":
                    return EventResult(
                        event,
                        vault["id"],
                        False,
                        CONNECTIVITY_ERROR,
                        "The vault denies public network access and has no approved Backup private "
                        "endpoint: the client cannot reach it.",
                    )
                _count(tx, vault, counter)  # over public endpoints: it works, and the vault now has items for good
                return EventResult(event, vault["id"], True, message="Done over the vault's public endpoints.")
            vnet_id = _vnet_of(endpoint)
            created: tuple[str, ...] = ()
            if endpoint_experience([fqdn for _, _, fqdn, _ in endpoint_members(tx, endpoint)]) == V2:
                # v2: no identity, no endpoints beside the vault's, whose own NIC carries the storage ("Overview
                # and concepts of private endpoints (v2 experience) for Azure Backup", "Key enhancements"), and
                # grows at the first backup by the backup data's blob
                if stage == "prot":
                    _grow_v2_endpoint(_context(tx, BACKUP_SERVICE), vault, endpoint)
                needed = _needed_names(tx, endpoint, ())
            else:
                ctx = _context(tx, _identity(tx, vault))
                missing = _missing_rights(ctx, endpoint)
                if missing:
                    return EventResult(
                        event,
                        vault["id"],
                        False,
                        "UserErrorPrivateEndpointCreationFailed",
                        f"The vault's managed identity cannot create endpoints: it lacks {missing}.",
                    )
                created = _storage_endpoints(ctx, vault, endpoint, stage)
                needed = _needed_names(tx, endpoint, ("ecs",) if stage == "ecs" else ("ecs", "prot"))
    except ArmError as error:
        return EventResult(event, vault_id, False, error.code, error.message)
    lookup = lookup_for(vnet_id)
    unresolved = tuple(name for name, address in needed if address not in lookup(name))
    if unresolved:
        return EventResult(
            event,
            vault_id,
            False,
            CONNECTIVITY_ERROR,
            f"{len(unresolved)} name(s) do not resolve to their private address from the client's DNS; "
            "add their records and try again.",
            created,
            unresolved,
        )
    with store.transaction() as tx:
        _count(tx, _vault(tx, vault_id), counter)
    return EventResult(event, vault_id, True, message="Done through the private endpoints.", created=created)


def generate_key(store: Store, project_id: str, caller: Principal) -> EventResult:
    """Azure Migrate's "Generate key": the project's resources, each with an endpoint where the project has one."""
    try:
        with store.transaction() as tx:
            project = tx.get(project_id)
            if project is None or project["type"].lower() != PROJECTS.lower():
                raise LookupError(f"--project: no Azure Migrate project '{project_id}' in the estate")
            ctx = _context(tx, caller)
            service = service_for(project["type"])
            if not isinstance(service, PrivateLinkTarget):  # a Migrate project's service always is one
                raise TypeError(f"{project['type']} takes no private endpoint connections")
            connections = service.connections(ctx, project)
            endpoint = next(
                (
                    tx.get(c["properties"]["privateEndpoint"]["id"])
                    for c in connections
                    if c["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"
                ),
                None,
            )
            if endpoint is None and connections:
                return EventResult(
                    "generate-key",
                    project["id"],
                    False,
                    "PrivateEndpointNotApproved",
                    "The project's private endpoint is not approved yet: approve it, then generate the key.",
                )
            created = _migrate_resources(ctx, project, endpoint)
            if endpoint is None:
                hidden(project)["connectivity"] = "public"
                tx.update(project)
    except ArmError as error:
        return EventResult("generate-key", project_id, False, error.code, error.message)
    how = "with private endpoints" if endpoint else "over public endpoints: the project's connectivity is now fixed"
    return EventResult("generate-key", project_id, True, message=f"Key generated {how}.", created=created)


def register_server(store: Store, vault_id: str) -> EventResult:
    """A Hyper-V host's replication provider, or the replication appliance, registers with the vault using its
    registration key: the vault's replication usages count one more registered server (registeredServersCount)."""
    return _site_recovery_event(store, "register-server", vault_id, "replicationServers", "registered server")


def replicate(store: Store, vault_id: str) -> EventResult:
    """Replication of one machine is enabled: one more replication protected item (protectedItemCount)."""
    return _site_recovery_event(store, "replicate", vault_id, "replicatedItems", "replicated item")


def _site_recovery_event(store: Store, event: str, vault_id: str, counter: str, words: str) -> EventResult:
    with store.transaction() as tx:
        vault = _vault(tx, vault_id)
        state = hidden(vault)
        state[counter] = state.get(counter, 0) + 1
        tx.update(vault)
    return EventResult(event, vault["id"], True, message=f"The vault has {state[counter]} {words}(s).")


EVENTS = ("register-container", "first-backup", "generate-key", "register-server", "replicate")


def run(
    store: Store, event: str, target_id: str, lookup_for: Callable[[str], Lookup], caller: Principal
) -> EventResult:
    """Run an event by name: register-container, first-backup, register-server, replicate (a vault) or
    generate-key (a Migrate project)."""
    if event == "register-container":
        return register_container(store, target_id, lookup_for)
    if event == "first-backup":
        return first_backup(store, target_id, lookup_for)
    if event == "generate-key":
        return generate_key(store, target_id, caller)
    if event == "register-server":
        return register_server(store, target_id)
    if event == "replicate":
        return replicate(store, target_id)
    raise ValueError(f"unknown event '{event}'; choose one of {', '.join(EVENTS)}")


# --- Azure Backup ----------------------------------------------------------------------------------------------


def _vault(tx: Transaction, vault_id: str) -> dict:
    vault = tx.get(vault_id)
    if vault is None or vault["type"].lower() != VAULT_TYPE.lower():
        raise LookupError(f"--vault: no Recovery Services vault '{vault_id}' in the estate")
    return vault


def _backup_endpoint(tx: Transaction, vault: dict) -> dict | None:
    """The vault's approved Backup endpoint (the one the customer made), if any."""
    for connection in tx.children(vault["id"], f"{VAULT_TYPE}/privateEndpointConnections"):
        properties = connection["properties"]
        if BACKUP in (properties.get("groupIds") or []) and (
            properties["privateLinkServiceConnectionState"]["status"] == "Approved"
        ):
            return tx.get(properties["privateEndpoint"]["id"])
    return None


def _identity(tx: Transaction, vault: dict) -> Principal:
    principal = tx.find_principal((vault.get("identity") or {}).get("principalId") or "")
    if principal is None:
        raise LookupError(f"vault '{vault['name']}' has no managed identity")
    return principal


def _missing_rights(ctx: Context, endpoint: dict) -> str:
    path = parse_path(endpoint["id"])
    scopes = {
        "endpoint resource group": f"/subscriptions/{path.subscription}/resourceGroups/{path.resource_group}",
        "virtual network": endpoint["properties"]["subnet"]["id"],
    }
    missing = [
        f"{action} on the {where}" for where, action in IDENTITY_NEEDS if not is_allowed(ctx, action, scopes[where])
    ]
    return "; ".join(missing)


def _grow_v2_endpoint(ctx: Context, vault: dict, endpoint: dict) -> None:
    """Add the backup data's blob to the v2 endpoint's NIC (once), at the subnet's lowest free address (SubnetIsFull
    when there is none), and its record to the zones of the endpoint's zone group."""
    member = v2_backup_data_member(vault)
    if member.fqdn in {fqdn for _, _, fqdn, _ in endpoint_members(ctx.tx, endpoint)}:
        return
    subnet = ctx.tx.get(endpoint["properties"]["subnet"]["id"]) or {}
    [address] = allocate(ctx.tx, subnet, [None])
    nic_id = endpoint["properties"]["networkInterfaces"][0]["id"]
    name = f"privateEndpointIpConfig.{new_guid(ctx, 'ip-configuration')}"
    nic = parse_path(nic_id)
    ctx.tx.put(
        {
            "id": f"{nic_id}/ipConfigurations/{name}",
            "name": name,
            "type": IP_CONFIGURATIONS,
            "properties": {
                "privateIPAddress": address,
                "privateIPAllocationMethod": "Dynamic",
                "privateIPAddressVersion": "IPv4",
                "subnet": {"id": subnet["id"]},
                "primary": False,
                "privateLinkConnectionProperties": {
                    "groupId": member.group_id,
                    "requiredMemberName": member.name,
                    "fqdns": [member.fqdn],
                },
            },
        },
        type=IP_CONFIGURATIONS,
        parent=nic_id,
        subscription=nic.subscription,
    )
    if endpoint_status(endpoint) == "Approved":
        for group in ctx.tx.children(endpoint["id"], ZONE_GROUPS):
            for config in group["properties"].get("privateDnsZoneConfigs") or []:
                write_records(ctx, endpoint, config["properties"]["privateDnsZoneId"])


def _storage_endpoints(ctx: Context, vault: dict, endpoint: dict, stage: str) -> tuple[str, ...]:
    """Make the stage's storage endpoints unless they exist; return the ids made."""
    created = []
    zones = _writable_zones(ctx, endpoint)
    for account, group in _accounts(ctx, vault, stage):
        name = f"{endpoint['name']}_{account['name'].split('pod01')[-1]}_{group}"
        path = parse_path(f"{parse_path(endpoint['id']).parent_id}/providers/{ENDPOINTS}/{name}")
        if ctx.tx.get(path.id) is not None:
            continue
        body = {
            "location": endpoint["location"],
            "properties": {
                "subnet": {"id": endpoint["properties"]["subnet"]["id"]},
                "privateLinkServiceConnections": [
                    {"name": name, "properties": {"privateLinkServiceId": account["id"], "groupIds": [group]}}
                ],
            },
        }
        _put(ctx, path.id, body)
        created.append(path.id)
        zone = zones.get(group)
        if zone:
            _put(
                ctx,
                f"{path.id}/privateDnsZoneGroups/default",
                {"properties": {"privateDnsZoneConfigs": [{"name": group, "properties": {"privateDnsZoneId": zone}}]}},
            )
    return tuple(created)


def _accounts(ctx: Context, vault: dict, stage: str) -> list[tuple[dict, str]]:
    """The Backup service's storage accounts for this vault and stage, made on first use (Microsoft-owned)."""
    geo = geo_of(vault)
    subscription = BACKUP_SERVICE_SUBSCRIPTION
    if ctx.tx.get(f"/subscriptions/{subscription}") is None:
        add_subscription(ctx.tx, subscription, "Azure Backup service (Microsoft-managed)")
    group_id = f"/subscriptions/{subscription}/resourceGroups/backup-pod01-{geo}"
    if ctx.tx.get(group_id) is None:
        _put(ctx, group_id, {"location": vault["location"]}, check=False)
    # the service owns its accounts, so the endpoints the vault identity asks for are approved at once
    assign_role(ctx.tx, group_id, OWNER_ROLE, ctx.caller)
    plan = (
        [("ecs114", False, ("blob", "queue"))]
        if stage == "ecs"
        else [("prot110", False, ("blob",)), ("prot120", True, ("blob",)), ("prot121", True, ("blob",))]
    )
    accounts = []
    for suffix, partitioned, groups in plan:
        account_id = f"{group_id}/providers/Microsoft.Storage/storageAccounts/{backup_account_name(vault, suffix)}"
        account = ctx.tx.get(account_id) or _put(
            ctx,
            account_id,
            {
                "location": vault["location"],
                "kind": "StorageV2",
                "sku": {"name": "Standard_LRS"},
                "properties": {"dnsEndpointType": "AzureDnsZone"} if partitioned else {},
            },
            check=False,
        )
        accounts += [(account, group) for group in groups]
    return accounts


def _writable_zones(ctx: Context, endpoint: dict) -> dict[str, str]:
    """Storage group -> zone id, for the blob/queue zones of the endpoint's zone group the identity may write."""
    zones = {}
    for group in ctx.tx.children(endpoint["id"], ZONE_GROUPS):
        for config in group["properties"].get("privateDnsZoneConfigs") or []:
            zone_id = config["properties"]["privateDnsZoneId"]
            service = zone_id.rsplit("/", 1)[-1].lower().removeprefix("privatelink.").split(".")[0]
            if service in ("blob", "queue") and is_allowed(ctx, "Microsoft.Network/privateDnsZones/A/write", zone_id):
                zones[service] = zone_id
    return zones


def _needed_names(tx: Transaction, endpoint: dict, stages: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, private address) the client must resolve: the vault endpoint's and the stages' storage endpoints'."""
    endpoints = [endpoint] + [
        e
        for e in tx.children(parse_path(endpoint["id"]).parent_id, ENDPOINTS)
        if any(e["name"].startswith(f"{endpoint['name']}_{stage}") for stage in stages)
        and endpoint_status(e) == "Approved"
    ]
    return [(fqdn, ip) for e in endpoints for _, _, fqdn, ip in endpoint_members(tx, e)]


def _vnet_of(endpoint: dict) -> str:
    return endpoint["properties"]["subnet"]["id"].rsplit("/subnets/", 1)[0]


def _count(tx: Transaction, vault: dict, counter: str) -> None:
    state = hidden(vault)
    state[counter] += 1
    state["everHadItems"] = True
    tx.update(vault)


# --- Azure Migrate ---------------------------------------------------------------------------------------------


def _migrate_resources(ctx: Context, project: dict, endpoint: dict | None) -> tuple[str, ...]:
    path = parse_path(project["id"])
    group = f"/subscriptions/{path.subscription}/resourceGroups/{path.resource_group}/providers"
    short = "".join(ch for ch in project["name"].lower() if ch.isalnum())[:12]
    tag = hashlib.sha256(project["id"].lower().encode()).hexdigest()[:6]
    location = project["location"]
    resources = [
        (
            f"{group}/Microsoft.KeyVault/vaults/{short}{tag}kv",
            "vault",
            {
                "location": location,
                "properties": {"tenantId": ctx.tx.setting("tenant_id"), "sku": {"family": "A", "name": "standard"}},
            },
        ),
        (
            f"{group}/Microsoft.Storage/storageAccounts/{short}{tag}sa",
            "blob",
            {"location": location, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}},
        ),
        (
            f"{group}/Microsoft.RecoveryServices/vaults/{short}-MigrateVault-{tag}",
            "AzureSiteRecovery",
            {"location": location, "sku": {"name": "Standard"}, "identity": {"type": "SystemAssigned"}},
        ),
        (
            f"{group}/Microsoft.Migrate/assessmentProjects/{short}{tag}project",
            "Default",
            {"location": location, "properties": {}},
        ),
    ]
    created = []
    for resource_id, group_id, body in resources:
        if ctx.tx.get(resource_id) is None:
            _put(ctx, resource_id, body)
            created.append(resource_id)
        if endpoint is not None:
            created += _migrate_endpoint(ctx, endpoint, resource_id, group_id)
    return tuple(created)


def _migrate_endpoint(ctx: Context, project_endpoint: dict, target_id: str, group_id: str) -> list[str]:
    """An endpoint beside the project's, with a zone in the endpoint's resource group linked to its VNet."""
    scope = parse_path(project_endpoint["id"]).parent_id
    name = f"{target_id.rsplit('/', 1)[-1]}-pe"
    endpoint_id = f"{scope}/providers/{ENDPOINTS}/{name}"
    if ctx.tx.get(endpoint_id) is not None:
        return []
    endpoint = _put(
        ctx,
        endpoint_id,
        {
            "location": project_endpoint["location"],
            "properties": {
                "subnet": {"id": project_endpoint["properties"]["subnet"]["id"]},
                "privateLinkServiceConnections": [
                    {"name": name, "properties": {"privateLinkServiceId": target_id, "groupIds": [group_id]}}
                ],
            },
        },
    )
    zone_ids = []
    for zone in sorted({z for z in (_zone_of(fqdn) for _, _, fqdn, _ in endpoint_members(ctx.tx, endpoint)) if z}):
        zone_id = f"{scope}/providers/Microsoft.Network/privateDnsZones/{zone}"
        if ctx.tx.get(zone_id) is None:
            _put(ctx, zone_id, {"location": "global"})
        vnet_id = _vnet_of(project_endpoint)
        link_id = f"{zone_id}/virtualNetworkLinks/{vnet_id.rsplit('/', 1)[-1]}-link"
        linked = any(
            (link["properties"].get("virtualNetwork") or {}).get("id", "").lower() == vnet_id.lower()
            for link in ctx.tx.children(zone_id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
        )
        if not linked:
            _put(
                ctx,
                link_id,
                {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}},
            )
        zone_ids.append(zone_id)
    _put(
        ctx,
        f"{endpoint_id}/privateDnsZoneGroups/default",
        {
            "properties": {
                "privateDnsZoneConfigs": [
                    {"name": z.rsplit("/", 1)[-1].replace(".", "-"), "properties": {"privateDnsZoneId": z}}
                    for z in zone_ids
                ]
            }
        },
    )
    return [endpoint_id]


def _zone_of(fqdn: str) -> str | None:
    answer = alias(fqdn)
    return answer[0] if answer else None


# --- plumbing --------------------------------------------------------------------------------------------------


def _context(tx: Transaction, caller: Principal) -> Context:
    return Context(
        tx,
        caller,
        "https://management.sandbox.invalid",
        "2024-05-01",
        SandboxSettings.from_dict(tx.setting("settings")),
        time.time(),
    )


def _put(ctx: Context, resource_id: str, body: dict, *, check: bool = True) -> dict:
    """Create a resource through its service, as the context's caller (checked like an ARM PUT when ``check``)."""
    path = parse_path(resource_id)
    if check:
        authorize(ctx, "PUT", path)
    service = service_for(path.type)
    existing = ctx.tx.get(path.id)
    service.save(ctx, path, service.prepare(ctx, path, body, existing))
    saved = ctx.tx.get(path.id)
    if saved is None:  # every service's save stores the record
        raise RuntimeError(f"the sandbox did not store {resource_id}")
    return saved
