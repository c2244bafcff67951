"""Long-running operations, answered the way ARM answers them.

Immediate mode answers 200/201 with ``provisioningState: Succeeded``. Realistic mode answers 201 (or 202) with
``Azure-AsyncOperation`` (and ``Location``) and ``Retry-After``; the status URL says ``InProgress`` until the
simulated duration has passed, then ``Succeeded`` (or ``Failed`` when a fault was injected). Like ARM, an operation
finishes on its own clock: once its time has passed, any request (a poll, a read of the resource, anything) sees it
finished, whether or not the client that started it ever polls again, so a run killed mid-operation leaves a
resource that ends Succeeded or Failed, never one that stays in progress.

While it runs, the resource shows the state its provider shows (``state_while``).
"""

from __future__ import annotations

import uuid

from .errors import ArmError
from .paths import parse_path
from .records import new_etag
from .services import service_for
from .services.base import Context, Reply

_PRIVATE_DNS = "/providers/microsoft.network/privatednszones/"
PRIVATE_DNS_STATUSES, PRIVATE_DNS_RESULTS = "privateDnsOperationStatuses", "privateDnsOperationResults"


def start(
    ctx: Context, kind: str, record: dict, namespace: str, *, fail: bool = False, error: dict | None = None
) -> dict[str, str]:
    """Record a pending operation on ``record`` (kind 'put' or 'delete'); return the headers that announce it.
    With ``error`` ({code, message}) the operation ends Failed with it, and nothing was stored."""
    op_id = str(uuid.uuid4())
    location = record.get("location") or "global"
    subscription = record["id"].split("/")[2] if record["id"].lower().startswith("/subscriptions/") else "none"
    ctx.tx.put_operation(
        {
            "id": op_id,
            "kind": kind,
            "resource_id": record["id"],
            "ready_at": ctx.now + (ctx.settings.lro_seconds if ctx.settings.lro == "realistic" else 0.0),
            "polls": 0,
            "status": "InProgress",
            "fail": fail,
            "refusal": error,
            "started": ctx.now,
        }
    )
    base = f"{ctx.base_url}/subscriptions/{subscription}/providers/{namespace}/locations/{location}"
    query = f"?api-version={ctx.api_version}"
    if _PRIVATE_DNS in record["id"].lower():
        return _private_dns_announce(ctx, record["id"], op_id, query)
    return {
        "Azure-AsyncOperation": f"{base}/operations/{op_id}{query}",
        "Location": f"{base}/operationResults/{op_id}{query}",
        "Retry-After": str(ctx.settings.retry_after),
    }


def _private_dns_announce(ctx: Context, resource_id: str, op_id: str, query: str) -> dict[str, str]:
    """Private DNS names its status URLs under the resource group (the Azure CLI's recorded
    ``network private-dns zone create``: 202, privateDnsOperationStatuses / privateDnsOperationResults)."""
    group = resource_id[: resource_id.lower().index("/providers/")]
    base = f"{ctx.base_url}{group}/providers/Microsoft.Network"
    return {
        "Azure-AsyncOperation": f"{base}/{PRIVATE_DNS_STATUSES}/{op_id}{query}",
        "Location": f"{base}/{PRIVATE_DNS_RESULTS}/{op_id}{query}",
        "Retry-After": str(ctx.settings.retry_after),
    }


def state_while(resource_type: str, kind: str, existing: bool) -> str:
    """The provisioningState a resource shows while its operation (kind 'put' or 'delete') runs. Microsoft.Network
    resources show Updating while they are created or updated ("Troubleshoot Azure Microsoft.Network failed
    provisioning state", "Provisioning states"); private DNS zones and their links, as other providers, Creating
    first (the Private DNS API's ProvisioningState: Creating, Updating, Deleting, Succeeded, Failed, Canceled)."""
    if kind == "delete":
        return "Deleting"
    network = resource_type.lower().startswith("microsoft.network/")
    private_dns = resource_type.lower().startswith("microsoft.network/privatednszones")
    return "Updating" if existing or (network and not private_dns) else "Creating"


def refuse_while_in_progress(ctx: Context, resource: dict) -> None:
    """A write to a Microsoft.Network resource while an operation on it still runs: 409 AnotherOperationInProgress,
    naming the operation's status URL, as the network provider answers (seen in Azure's answers quoted by Terraform
    and azure-sdk users: "Another operation on this or dependent resource is in progress. To retrieve status of the
    operation use uri: .../providers/Microsoft.Network/locations/{region}/operations/{id}")."""
    kind = resource.get("type", "").lower()
    if not kind.startswith("microsoft.network/") or kind.startswith("microsoft.network/privatednszones"):
        return
    for op in ctx.tx.pending_operations():
        if op["resource_id"].lower() == resource["id"].lower():
            url = (
                f"{ctx.base_url}/subscriptions/{resource['id'].split('/')[2]}/providers/Microsoft.Network/"
                f"locations/{resource.get('location') or 'global'}/operations/{op['id']}"
                f"?api-version={ctx.api_version}"
            )
            raise ArmError(
                409,
                "AnotherOperationInProgress",
                "Another operation on this or dependent resource is in "
                f"progress. To retrieve status of the operation use uri: "
                f"{url}.",
            )


def finish_due(ctx: Context) -> None:
    """Finish every operation whose time has passed: what ARM has done by now, polled or not."""
    for op in ctx.tx.due_operations(ctx.now):
        _finish(ctx, op)
        ctx.tx.put_operation(op)


def poll(ctx: Context, op_id: str, *, as_location: bool) -> Reply:
    """Answer a poll of the Azure-AsyncOperation URL, or of the Location URL when ``as_location``."""
    op = ctx.tx.get_operation(op_id)
    if op is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
    if op["status"] == "InProgress":
        op["polls"] += 1
        if ctx.now >= op["ready_at"]:
            _finish(ctx, op)
        ctx.tx.put_operation(op)
    retry = {"Retry-After": str(ctx.settings.retry_after)}
    if as_location:
        if op["status"] == "InProgress":
            return Reply(202, None, retry)
        if op["status"] == "Failed":
            raise ArmError(500, op["error"]["code"], op["error"]["message"])
        resource = ctx.tx.get(op["resource_id"]) if op["kind"] == "put" else None
        return Reply(200, service_for(resource["type"]).view(ctx, resource)) if resource else Reply(204)
    body = {"id": op_id, "name": op_id, "status": op["status"], "startTime": op["started"]}
    if op["status"] == "Failed":
        body["error"] = op["error"]
    return Reply(200, body, retry if op["status"] == "InProgress" else {})


def _finish(ctx: Context, op: dict) -> None:
    if op.get("refusal"):
        op["status"], op["error"] = "Failed", op["refusal"]
        return
    resource = ctx.tx.get(op["resource_id"])
    if op["fail"]:
        op["status"] = "Failed"
        op["error"] = {
            "code": "InternalServerError",
            "message": "The long-running operation failed (fault injected by the sandbox).",
        }
        if resource is not None and op["kind"] == "put":
            _set_state(ctx, resource, "Failed")
        return
    op["status"] = "Succeeded"
    if resource is None:
        return
    if op["kind"] == "delete":
        path = parse_path(resource["id"])
        service_for(path.type).remove(ctx, path, resource)
    elif resource.get("properties", {}).get("provisioningState") != "Succeeded":  # immediate mode: done already
        _set_state(ctx, resource, "Succeeded")


def _set_state(ctx: Context, resource: dict, state: str) -> None:
    resource.setdefault("properties", {})["provisioningState"] = state
    resource["etag"] = new_etag()
    ctx.tx.update(resource)
