"""The vault itself: created with what it needs from the start, or used when it never had items (or already has
a Backup endpoint), in the region its endpoint's network demands; public network access denied, unless cross-region
restore needs it and the parameters say it stays."""

from __future__ import annotations

from ...azure.enums import text_of
from ...azure.ids import parse_id
from ...engine import Action, Row, Run, Step, blocked, create, unchanged, update
from ...ops import endpoints, network, vaults
from .leftovers import leftover_row
from .parameters import VaultEndpointParameters, vault_of

BACKUP = "AzureBackup"
BACKUP_ARTICLE = "'Create and use private endpoints (v1 experience) for Azure Backup'"


class CreateVault(Step):
    """The vault the endpoint to its ``group_id`` goes to: created, or one that never had items of that group's
    service (a Backup vault with an approved Backup endpoint may have some), in the region the article wants."""

    id, title = "vault", "Create a new vault, or use one that never had items"

    def __init__(self, source=None, *, group_id: str, identity: bool = True, **names):
        """``identity``: a new vault gets its system-assigned identity (Backup's v2 experience needs none)."""
        super().__init__(source, **names)
        self.group_id, self.identity = group_id, identity

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        vault = vault_of(run)
        first = endpoints.get_endpoint(run.clients, p.endpoint_id) is None  # this run creates the endpoint
        rows = (
            [region_row(run, self.group_id, vault.location if vault else p.location, vault is not None)]
            if first
            else []
        )
        if any(row.action == Action.BLOCKED for row in rows):
            return rows
        if vault is None:
            public = "Enabled" if keeps_public_access(p) else "Disabled"
            body = vaults.new_vault(p.location, public, identity=self.identity)
            write = vaults.create_vault(run.clients, p.vault, body)
            access = "public access kept (public_access: keep)" if public == "Enabled" else "public access denied"
            made = f"a vault in {p.location}, identity {'on' if self.identity else 'off'}, {access}"
            return rows + [create(p.vault, made, write)]
        if leftover := leftover_row(p.vault, vault, vaults.put_vault_again(run.clients, vault)):
            return rows + [leftover]
        items = vaults.items(run.clients, p.vault, self.group_id)
        if items and first:
            held = vaults.items_in_words(items)
            if self.group_id == BACKUP and vaults.has_approved_endpoint(vault, BACKUP):
                # Backup's FAQ: once a vault has endpoints, more can be added even with protected items
                return rows + [
                    unchanged(
                        p.vault,
                        vault.location,
                        f"has items ({held}) and already an approved Backup endpoint: a further endpoint is allowed",
                    )
                ]
            return rows + [
                blocked(
                    p.vault,
                    f"the vault has items: {held}; private endpoints can only be created for "
                    "vaults that never had one (an item counts once it was protected or "
                    "registered, even by a failed attempt): create a new vault",
                )
            ]
        return rows + [unchanged(p.vault, vault.location, "exists")]


def region_row(run: Run, group_id: str, vault_region: str, existing: bool) -> Row:
    """Where the vault is against where its endpoint goes. Backup: the endpoint's region (its VNet's) must be the
    vault's and the protected workloads' (BACKUP_ARTICLE, "Create Private Endpoints for Azure Backup", Basics).
    Site Recovery: the vault's region is the failover region ("Replicate on-premises machines by using private
    endpoints", "Create a Recovery Services vault"). Azure itself accepts an endpoint in another region than its
    target, so this is the articles' rule, checked here."""
    p: VaultEndpointParameters = run.params
    region = _region(vault_region)
    if group_id != BACKUP:
        return unchanged(
            p.vault,
            region,
            f"the vault's region, {region}, is the failover (target) region: machines "
            "fail over to it; the parameters do not name the machines' source region, "
            "so this run cannot check it",
        )
    rid = parse_id(p.vnet_id)
    vnet = network.get_vnet(run.clients, p.vnet_id)
    if vnet is None:
        return blocked(p.subnet, f"no virtual network '{rid.name}' (subnet): name an existing subnet for the endpoint")
    vnet_region = _region(vnet.location)
    if vnet_region == region:
        return unchanged(
            p.subnet,
            vnet_region,
            f"the endpoint's VNet is in the vault's region, {region}: the workloads it protects must be there too",
        )
    vault = "the vault" if existing else "the new vault (location)"
    other = "vault" if existing else "vault and location"
    return blocked(
        p.subnet,
        f"{vault} is in {region} and the endpoint's VNet {rid.name} in {vnet_region}: a Backup "
        "endpoint must be in its vault's region, as must the workloads it protects: choose a "
        f"subnet in a {region} VNet (subnet), or a vault in {vnet_region} ({other})",
    )


def _region(name: str) -> str:
    """'UK South' -> 'uksouth', as ARM names regions."""
    return name.replace(" ", "").lower()


def keeps_public_access(p: VaultEndpointParameters) -> bool:
    """The parameters keep public network access on (only Backup's model offers the choice)."""
    return getattr(p, "public_access", "deny") == "keep"


class DenyPublicAccess(Step):
    id, title = "deny-public-access", "Deny public network access"

    def plan(self, run: Run) -> list[Row]:
        p: VaultEndpointParameters = run.params
        vault = vault_of(run)
        keep = keeps_public_access(p)
        if vault is None:
            if keep:
                return [unchanged(p.vault, "Enabled", kept_reason(False))]
            return [unchanged(p.vault, "Disabled", "the new vault denies it from the start")]
        now = text_of(vault.properties.public_network_access)
        # the cross-region-restore note is the Backup article's: only Backup's model has public_access
        crr = hasattr(p, "public_access") and vaults.cross_region_restore(vault)
        if keep:
            return [
                unchanged(
                    vault.id,
                    now,
                    kept_reason(crr)
                    if now != "Disabled"
                    else "public_access: keep, but the vault already denies public access: left as it is",
                )
            ]
        if crr:
            return [blocked(vault.id, crr_reason(now, bool(vaults.backup_items(run.clients, vault.id))))]
        if now == "Disabled":
            return [unchanged(vault.id, now)]
        write = vaults.update_vault(run.clients, vault.id, {"properties": {"publicNetworkAccess": "Disabled"}})
        return [update(vault.id, now, "Disabled", write, "clients reach the vault only through its endpoints")]


def kept_reason(crr: bool) -> str:
    why = "cross-region restore is on and needs it" if crr else "the parameters say so"
    return (
        f"public_access: keep: public network access stays Enabled ({why}): machines outside the endpoints' "
        "networks can still back up to and restore from the vault"
    )


def crr_reason(now: str, had_items: bool) -> str:
    """BACKUP_ARTICLE, "Deny public network access to the vault": denying public access is not supported for vaults with
    cross-region restore on. Azure documents no error for it (the PATCH goes through): the guard is the article's."""
    where = f"({BACKUP_ARTICLE}, 'Deny public network access to the vault')"
    # 'Create and configure a Recovery Services vault', 'Set Cross Region Restore': no way back once protection starts
    off = (
        "cross-region restore cannot be turned off once protection has started, so"
        if had_items
        else "turn cross-region restore off (vault > Properties > Backup configuration) and run again, or"
    )
    if now == "Disabled":
        return (
            f"the vault denies public network access while cross-region restore is on, which is not supported "
            f"{where}: {off} allow public access again and set public_access: keep"
        )
    return (
        f"cross-region restore is on, and denying public network access is not supported with it {where}: "
        f"{off} set public_access: keep to leave public access on"
    )
