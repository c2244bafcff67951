"""What a resource type does beyond generic ARM handling. A Service subclass overrides only what differs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import ClassVar

from ..errors import ArmError
from ..paths import ArmPath, parse_path
from ..records import build_record
from ..settings import SandboxSettings
from ..store import Principal, Transaction

HIDDEN = "_sandbox"  # a record's state that Azure keeps to itself (a vault's items, an endpoint's members)


@dataclass(frozen=True)
class Rules:
    """Status codes and long-running behaviour, chosen so that the SDK operation accepts every answer."""

    lro_put: bool = True
    lro_patch: bool = False
    lro_delete: bool = True
    created: int = 201
    updated: int = 200
    async_put: int = 201  # status of a PUT answered asynchronously (201 + Azure-AsyncOperation, or 202 + Location)
    deleted: int = 200
    delete_missing: int | None = 204  # None: deleting a missing resource is a 404
    lower_case_name: bool = False
    always_async: bool = False  # long-running answers (202) even in immediate mode, whose operation is done at once


@dataclass
class Reply:
    """An HTTP answer: status, JSON body (None for no content) and headers."""

    status: int
    body: dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """What a handler needs for one request."""

    tx: Transaction
    caller: Principal
    base_url: str
    api_version: str
    settings: SandboxSettings
    now: float
    query: dict[str, str] = field(default_factory=dict)
    memo: dict = field(default_factory=dict)  # what this request read once and reads again (never kept after it)


class Service:
    types: tuple[str, ...] = ()  # full resource types this service owns (any casing)
    rules = Rules()
    requires_location: bool | None = None  # None: required for top-level tracked resources
    embedded: ClassVar[dict[str, str]] = {}  # property -> child type segment, for children listed inside the parent
    read_only = False  # computed by the service (usages, private link resources): GET only

    def lookup(self, ctx: Context, path: ArmPath) -> dict | None:
        """The stored resource at path, or None."""
        return ctx.tx.get(path.id)

    def precondition_failed(self, path: ArmPath, exists: bool) -> ArmError:
        """The answer to a PUT whose If-None-Match (``exists``: the resource exists) or If-Match condition fails:
        412 at once for most types; a type whose operation checks it raises an OperationFailed instead."""
        if exists:
            return ArmError(412, "PreconditionFailed", "The If-None-Match condition was not met: the resource exists.")
        return ArmError(412, "PreconditionFailed", "The If-Match condition was not met: the resource has changed.")

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        """Validate a write and return the record to store. Raise ArmError to refuse it."""
        required = self.requires_location if self.requires_location is not None else path.is_top_level
        if required and not body.get("location"):
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        record = build_record(path, {k: v for k, v in body.items() if k != HIDDEN}, existing)
        if existing and HIDDEN in existing:
            record[HIDDEN] = existing[HIDDEN]
        return record

    def save(self, ctx: Context, path: ArmPath, record: dict) -> None:
        """Store the record; children listed inside it are stored as resources of their own."""
        children = {prop: record["properties"].pop(prop, None) for prop in self.embedded}
        ctx.tx.put(record, type=record["type"], parent=path.parent_id, subscription=path.subscription)
        for prop, segment in self.embedded.items():
            self._save_children(ctx, record, segment, children[prop] or [])

    def _save_children(self, ctx: Context, parent: dict, segment: str, items: list[dict]) -> None:
        from ..names import check_name  # which reads the services' types
        from . import service_for  # the registry imports this module

        kept = set()
        for item in items:
            child_path = parse_path(f"{parent['id']}/{segment}/{item.get('name', '')}")
            check_name(child_path)  # a subnet inside its VNet's body keeps its rule as on its own PUT
            existing = ctx.tx.get(child_path.id)
            service = service_for(child_path.type)
            child = service.prepare(ctx, child_path, item, existing)
            service.save(ctx, child_path, child)
            kept.add(child_path.key)
        for old in ctx.tx.children(parent["id"], f"{parent['type']}/{segment}"):
            if old["id"].lower() not in kept:
                ctx.tx.delete_tree(old["id"])

    def render(self, ctx: Context, record: dict) -> dict:
        """The resource as a GET answers it."""
        if self.embedded:
            from . import service_for

            properties = record.setdefault("properties", {})
            for prop, segment in self.embedded.items():
                child_type = f"{record['type']}/{segment}"
                properties[prop] = [
                    service_for(child_type).view(ctx, child) for child in ctx.tx.children(record["id"], child_type)
                ]
        return record

    def view(self, ctx: Context, record: dict) -> dict:
        """What the client sees: the rendered resource without the service's hidden state."""
        shown = self.render(ctx, record)
        shown.pop(HIDDEN, None)
        return shown

    def remove(self, ctx: Context, path: ArmPath, record: dict) -> None:
        ctx.tx.delete_tree(record["id"])

    def deleted_body(self, ctx: Context, record: dict) -> dict | None:
        """The body of a DELETE answered at once (most types answer none)."""
        return None

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        """The items of a collection GET (before paging and rendering)."""
        if (
            path.is_top_level
            and path.subscription
            and path.scope.lower() == f"/subscriptions/{path.subscription}".lower()
        ):
            # /subscriptions/{id}/providers/{ns}/{type}: every resource of that type in the subscription
            return ctx.tx.of_type(path.type, path.subscription)
        return ctx.tx.children(path.parent_id, path.type)


def hidden(record: dict) -> dict:
    """The service's own state kept on a record (never shown to clients)."""
    return record.setdefault(HIDDEN, {})


def new_guid(ctx: Context, kind: str) -> str:
    """A GUID for something the service makes (an identity, a NIC): unique in the estate, the same on a rerun."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://runbook-lib.invalid/sandbox/{kind}/{ctx.tx.next_serial()}"))


def odata_eq(expression: str, field: str) -> str | None:
    """The value of ``field eq 'value'`` in an OData $filter (the only form the toolkit sends)."""
    for clause in expression.split(" and "):
        parts = clause.strip().split(" ", 2)
        if len(parts) == 3 and parts[0].lower() == field.lower() and parts[1].lower() == "eq":
            return parts[2].strip("'")
    return None


class PrivateLinkTarget(Service):
    """A resource that private endpoints connect to (vault, storage account, key vault, Migrate project).

    Its connections are child resources ``{id}/privateEndpointConnections/{name}``, also listed in its
    ``properties.privateEndpointConnections``.
    """

    def private_link_groups(self, ctx: Context, record: dict) -> dict[str, tuple]:
        """Group id -> its required members (private_link.Member), for this resource."""
        return {}

    def check_private_endpoint(self, ctx: Context, record: dict, group_id: str) -> None:
        """Raise ArmError when this resource refuses a new private endpoint for group_id."""

    def connection_name(self, record: dict, endpoint_name: str, group_id: str, guid: str) -> str:
        return f"{endpoint_name}.{guid}"

    def connections_changed(self, ctx: Context, record: dict) -> dict:
        """Update the resource after its connections changed; return the record to store."""
        return record

    def connections(self, ctx: Context, record: dict) -> list[dict]:
        return ctx.tx.children(record["id"], f"{record['type']}/privateEndpointConnections")

    def render(self, ctx: Context, record: dict) -> dict:
        record = super().render(ctx, record)
        from . import service_for

        record.setdefault("properties", {})["privateEndpointConnections"] = [
            service_for(c["type"]).view(ctx, c) for c in self.connections(ctx, record)
        ]
        return record
