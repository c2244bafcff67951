"""Generic ARM resource handling: GET, PUT, PATCH, DELETE and collection GET for any provider path."""

from __future__ import annotations

from . import lro
from .errors import ArmError, OperationFailed, not_found
from .faults import FaultRule
from .paths import ArmPath, parse_path
from .records import merge_patch
from .services import service_for
from .services.base import Context, Reply, Service, odata_eq


def handle(
    ctx: Context, method: str, path: ArmPath, body: dict | None, headers: dict[str, str], fault: FaultRule | None
) -> Reply:
    service = service_for(path.type)
    if path.is_collection:
        if method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"The collection '{path.id}' only answers GET.")
        require_parents(ctx, path)
        return page(ctx, path.id, [service.view(ctx, r) for r in service.collection(ctx, path)])
    if service.read_only and method not in ("GET", "HEAD"):
        raise ArmError(405, "MethodNotAllowed", f"'{path.type}' is computed by the service and only answers GET.")
    if service.rules.lower_case_name:
        path = path.renamed(path.name.lower())
    existing = service.lookup(ctx, path)
    fail = fault is not None and fault.answer == "lro-failed"
    if method == "HEAD":  # check_existence: 204 or 404, never a body
        return Reply(204 if existing is not None else 404)
    if method in ("PUT", "PATCH", "DELETE") and existing is not None:
        lro.refuse_while_in_progress(ctx, existing)
    if method == "GET":
        if existing is None:
            require_parents(ctx, path)
            raise not_found(path.id, path.type)
        return Reply(200, service.view(ctx, existing), {"ETag": existing["etag"]} if "etag" in existing else {})
    if method == "PUT":
        return _write(ctx, path, service, _required(body), existing, headers, fail)
    if method == "PATCH":
        if existing is None:
            require_parents(ctx, path)
            raise not_found(path.id, path.type)
        merged = merge_patch(service.render(ctx, existing), _required(body))
        return _write(ctx, path, service, merged, existing, headers, fail, patch=True)
    if method == "DELETE":
        return _delete(ctx, path, service, existing, headers, fail)
    raise ArmError(405, "MethodNotAllowed", f"The method '{method}' is not allowed on '{path.id}'.")


def require_parents(ctx: Context, path: ArmPath) -> None:
    """Raise the error ARM gives when the subscription, resource group or parent resource is missing."""
    kind = path.type.lower()
    sub_id = f"/subscriptions/{path.subscription}" if path.subscription else ""
    if sub_id and kind != "microsoft.resources/subscriptions" and ctx.tx.get(sub_id) is None:
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{path.subscription}' could not be found.")
    rg_id = f"{sub_id}/resourceGroups/{path.resource_group}" if path.resource_group else ""
    if rg_id and kind != "microsoft.resources/resourcegroups" and ctx.tx.get(rg_id) is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{path.resource_group}' could not be found.")
    parent = path.parent_id
    if parent and parent.lower() not in (sub_id.lower(), rg_id.lower()) and ctx.tx.get(parent) is None:
        raise ArmError(
            404,
            "ParentResourceNotFound",
            f"Can not perform requested operation on nested resource. Parent resource '{parent}' not found.",
        )


def page(ctx: Context, collection_url: str, items: list[dict]) -> Reply:
    """ARM's list answer: ``{"value": [...]}`` with a ``nextLink`` while more items remain."""
    token = ctx.query.get("$skiptoken", "0")
    if not token.isdigit():
        raise ArmError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.")
    start, size = int(token), ctx.settings.page_size
    body: dict = {"value": items[start : start + size]}
    if start + size < len(items):
        extra = "".join(f"&{k}={v}" for k, v in ctx.query.items() if k not in ("api-version", "$skiptoken"))
        body["nextLink"] = (
            f"{ctx.base_url}{collection_url}?api-version={ctx.api_version}{extra}&$skiptoken={start + size}"
        )
    return Reply(200, body)


def list_generic(ctx: Context, path: ArmPath) -> Reply:
    """``.../resources``: the tracked (located) top-level resources of a subscription or resource group."""
    scope = parse_path(path.scope)
    require_parents(ctx, scope)
    if ctx.tx.get(scope.id) is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{path.resource_group}' could not be found.")
    wanted = odata_eq(ctx.query.get("$filter", ""), "resourceType")
    items = []
    for record in ctx.tx.below(path.scope):
        child = parse_path(record["id"])
        if not child.is_top_level or "location" not in record or child.type.lower().startswith("microsoft.resources/"):
            continue
        if wanted and child.type.lower() != wanted.lower():
            continue
        items.append({k: v for k, v in record.items() if k not in ("properties", "etag")})
    return page(ctx, path.id, items)


def _required(body: dict | None) -> dict:
    if body is None:
        raise ArmError(400, "InvalidRequestContent", "The request content was empty: a JSON object was expected.")
    return body


def _etag_value(value: str) -> str:
    return value.removeprefix("W/").strip('"')


def _check_conditions(headers: dict[str, str], existing: dict | None, service: Service, path: ArmPath) -> None:
    current = _etag_value(existing.get("etag", "")) if existing else None
    if_match, if_none = headers.get("if-match"), headers.get("if-none-match")
    if if_match and (existing is None or (if_match != "*" and _etag_value(if_match) != current)):
        raise service.precondition_failed(path, exists=False)
    if if_none and existing is not None and (if_none == "*" or _etag_value(if_none) == current):
        raise service.precondition_failed(path, exists=True)


def _write(
    ctx: Context,
    path: ArmPath,
    service: Service,
    body: dict,
    existing: dict | None,
    headers: dict[str, str],
    fail: bool,
    *,
    patch: bool = False,
) -> Reply:
    try:
        _check_conditions(headers, existing, service, path)
        require_parents(ctx, path)
        record = service.prepare(ctx, path, body, existing)
    except OperationFailed as error:  # accepted, then refused by the operation
        where = {"id": path.id, "location": body.get("location") or "global"}
        return Reply(
            202,
            None,
            lro.start(ctx, "put", where, path.namespace or "Microsoft.Resources", error=error.body()["error"]),
        )
    rules = service.rules
    is_lro = rules.lro_patch if patch else rules.lro_put
    in_flight = is_lro and (ctx.settings.lro == "realistic" or fail)  # the resource shows its operation running
    asynchronous = in_flight or (is_lro and rules.always_async)
    if in_flight:
        record["properties"]["provisioningState"] = lro.state_while(record["type"], "put", existing is not None)
    service.save(ctx, path, record)
    saved = ctx.tx.get(record["id"])
    if saved is None:  # every service's save stores the record
        raise RuntimeError(f"the sandbox did not store {record['id']}")
    view = service.view(ctx, saved)
    if not asynchronous:
        status = 200 if patch else (rules.updated if existing else rules.created)
        return Reply(status, view, {"ETag": view["etag"]} if "etag" in view else {})
    announce = lro.start(ctx, "put", view, path.namespace or "Microsoft.Resources", fail=fail)
    # an update answered asynchronously keeps its 200 (Microsoft.Network: 201 on create, 200 on update, each with
    # Azure-AsyncOperation); a type that answers 202 answers it to both
    if patch:
        status = 202
    else:
        status = rules.updated if existing and rules.async_put == 201 else rules.async_put
    if status == 202:
        return Reply(202, None, announce)
    announce.pop("Location")
    return Reply(status, view, announce)


def _delete(
    ctx: Context, path: ArmPath, service: Service, existing: dict | None, headers: dict[str, str], fail: bool
) -> Reply:
    rules = service.rules
    if existing is None:
        require_parents(ctx, path)
        if rules.delete_missing is None:
            raise not_found(path.id, path.type)
        return Reply(rules.delete_missing)
    _check_conditions(headers, existing, Service(), path)  # a DELETE's condition: 412 at once
    if rules.lro_delete and (ctx.settings.lro == "realistic" or fail or rules.always_async):
        existing["properties"] = {
            **existing.get("properties", {}),
            "provisioningState": lro.state_while(existing["type"], "delete", True),
        }
        ctx.tx.update(existing)
        return Reply(202, None, lro.start(ctx, "delete", existing, path.namespace or "Microsoft.Resources", fail=fail))
    body = service.deleted_body(ctx, existing)
    service.remove(ctx, path, existing)
    return Reply(rules.deleted, body)
