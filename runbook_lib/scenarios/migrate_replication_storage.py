"""The storage accounts Azure Migrate replicates to, once every guard has passed: the vault identity's roles on each
by its type, trusted Microsoft services, a blob endpoint for each in the vault endpoint's VNet or one peered with it,
its approval, its zone group, the blob zone's link and the records it lacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..azure.ids import name_of
from ..dns.entries import entries_for, ready_entries
from ..dns.records import plan_links, plan_records
from ..engine import Row, Run, Step, create, unchanged
from ..ops import endpoints, vaults
from ..ops import storage as storage_ops
from ..ops.storage import StorageAccount, get_storage_account
from . import steps
from .steps import record_plan_rows as record_rows  # dns.records plan -> step rows (conflicts block)
from .steps.endpoint import ownership_row

if TYPE_CHECKING:
    from .migrate_replication import ReplicationParameters

STORAGE_GROUP = "blob"


def read_vault(run: Run):
    return vaults.get_vault(run.clients, run.params.vault)


def find_accounts(run: Run) -> list[StorageAccount]:
    """The scenario's storage accounts that exist (the storage-check step blocks on a missing one)."""
    found = (get_storage_account(run.clients, a) for a in run.params.storage_accounts())
    return [a for a in found if a is not None]


def storage_endpoint_ownership(run: Run, account_id: str, existing) -> Row | None:
    """A refusal when the endpoint named for ``account_id``'s blob endpoint serves something else."""
    return ownership_row(
        run,
        existing,
        account_id,
        STORAGE_GROUP,
        run.params.storage_subnet_id,
        f"the storage endpoints are named {{account}}-{STORAGE_GROUP}-pe: put them in another "
        "resource group (endpoint_resource_group)",
        "storage_subnet",
    )


class GrantStorageRoles(steps.GrantStorageRoles):
    def accounts(self, run: Run) -> list[StorageAccount]:
        return find_accounts(run)


class TrustedServices(steps.AllowTrustedServices):
    def accounts(self, run: Run) -> list[StorageAccount]:
        return find_accounts(run)


class StorageEndpoints(Step):
    id, title = "storage-endpoints", "Create a blob endpoint for each storage account"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        rows = []
        for account in find_accounts(run):
            endpoint_id = p.storage_endpoint_id(account.id)
            existing = endpoints.get_endpoint(run.clients, endpoint_id)
            if existing is not None:
                refusal = storage_endpoint_ownership(run, account.id, existing)
                rows.append(refusal or unchanged(endpoint_id, endpoints.connection_state(existing)))
                continue
            body = endpoints.endpoint_body(
                steps.free_location(run, p.storage_subnet_id),
                p.storage_subnet_id,
                account.id,
                STORAGE_GROUP,
                p.approval == "manual",
            )
            write = endpoints.put_endpoint(run.clients, endpoint_id, body)
            rows.append(
                create(
                    endpoint_id,
                    f"blob endpoint to {account.name} in {name_of(p.storage_subnet_id)}",
                    write,
                    "a request for the account's owner to approve" if p.approval == "manual" else "",
                )
            )
        return rows


class ApproveStorageEndpoints(Step):
    id, title = "storage-approval", "Approve the storage endpoints' connections"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        return [
            steps.approval_row(
                run,
                endpoint_id,
                account.id,
                STORAGE_GROUP,
                f"the owner of {account.name}",
                "storage account > Networking > Private endpoint connections",
                storage_ops.approval(run.clients, account.id, endpoint_id),
            )
            for account in find_accounts(run)
            for endpoint_id in [p.storage_endpoint_id(account.id)]
        ]


class StorageZoneGroups(Step):
    id, title = "storage-zones", "Attach the blob zone to each storage endpoint"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.storage_subnet_id, reason="custom DNS: no private DNS zones")]
        zone_id = p.zone_id(p.blob_zone(read_vault(run).location))
        return [
            steps.zone_group_row(
                run, p.storage_endpoint_id(account.id), [zone_id], "Azure writes the endpoint's record into the zone"
            )
            for account in find_accounts(run)
        ]


class StorageLinks(Step):
    id, title = "storage-links", "Link the blob zone to the storage endpoints' VNet"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        if p.dns == "custom":
            return [unchanged(p.storage_subnet_id, reason="custom DNS: no zone links")]
        vnet = p.storage_subnet_id.rsplit("/subnets/", 1)[0]
        if vnet.lower() in {v.lower() for v in (p.vnet_id, *p.link_vnets)}:
            return [unchanged(vnet, reason="linked by the step 'links'")]
        zone = p.blob_zone(read_vault(run).location)
        plan = plan_links(run.clients, [zone], p.zones_resource_group, [vnet])
        return record_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/virtualNetworkLinks/{row['Name']}")


class StorageRecords(Step):
    id, title = "storage-dns-records", "Create the storage endpoints' DNS records the blob zone lacks"

    def plan(self, run: Run) -> list[Row]:
        p: ReplicationParameters = run.params
        if p.dns == "custom":
            return [
                unchanged(
                    p.storage_subnet_id, reason="custom DNS: `runbook dns export` gives your DNS server's records"
                )
            ]
        ids = [
            e
            for e in (p.storage_endpoint_id(a.id) for a in find_accounts(run))
            if endpoints.get_endpoint(run.clients, e) is not None
        ]
        if not ids:
            return [unchanged(p.storage_subnet_id, reason="after the storage endpoints exist")]
        plan = plan_records(
            run.clients, ready_entries(entries_for(run.clients, ids)), p.zones_resource_group, ttl=p.ttl
        )
        return record_rows(run, plan, lambda row: f"{p.zone_id(row['Zone'])}/A/{row['Name']}")
