"""The tenant's fixed parts: stable ids, subscriptions and role assignments written straight into the store."""

from __future__ import annotations

import time
import uuid

from .rbac_data import ASSIGNMENTS, DEFINITIONS, assignment_properties
from .store import Principal, Transaction

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://runbook-lib.invalid/sandbox")
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def sandbox_id(name: str) -> str:
    """A stable GUID for a named thing in the sandbox (tenant, subscription, principal)."""
    return str(uuid.uuid5(_NAMESPACE, name))


TENANT_ID = sandbox_id("tenant")
DEFAULT_SUBSCRIPTION = sandbox_id("subscription/default")
DEFAULT_CALLER = Principal(sandbox_id("principal/sandbox-admin"), "sandbox-admin", "User", TENANT_ID)


def add_subscription(tx: Transaction, subscription_id: str, display_name: str) -> None:
    body = {
        "id": f"/subscriptions/{subscription_id}",
        "subscriptionId": subscription_id,
        "displayName": display_name,
        "state": "Enabled",
        "tenantId": TENANT_ID,
        "authorizationSource": "RoleBased",
    }
    tx.put(body, type="Microsoft.Resources/subscriptions", parent="", subscription=subscription_id)


def assign_role(tx: Transaction, scope: str, role_guid: str, principal: Principal) -> None:
    subscription = scope.split("/")[2]
    name = sandbox_id(f"assignment/{scope.lower()}/{role_guid}/{principal.object_id}")
    body = {
        "id": f"{scope}/providers/{ASSIGNMENTS}/{name}",
        "name": name,
        "type": ASSIGNMENTS,
        "properties": assignment_properties(
            scope,
            f"/subscriptions/{subscription}/providers/{DEFINITIONS}/{role_guid}",
            principal,
            principal,
            time.time(),
        ),
    }
    tx.put(body, type=ASSIGNMENTS, parent=scope, subscription=subscription)
