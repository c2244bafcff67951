"""Azure RBAC for the runbooks: built-in roles by name, who holds what at a scope, what the caller may do.

A new managed identity takes a while to reach Microsoft Entra ID's replicas: a role assignment for it answers
PrincipalNotFound until then, and is tried again with a bounded backoff (tenacity).
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Iterable

from azure.core.exceptions import HttpResponseError
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

from ..azure import AzureClients
from ..azure.ids import parse_id

# built-in role definition ids (the same in every subscription and cloud)
BUILTIN_ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Classic Storage Account Contributor": "86e8f5dc-a6e9-4c67-9d15-de283e8eac25",
    "Classic Storage Account Key Operator Service Role": "985d6b00-f706-48f5-a6fe-d0ca12fb668d",
}
PRINCIPAL_WAIT_SECONDS = 120  # Entra ID replication: usually seconds, documented as up to a few minutes


def role_definition_id(scope: str, role: str) -> str:
    """A built-in role's definition id in the scope's subscription."""
    subscription = parse_id(scope).subscription
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{BUILTIN_ROLES[role]}"


def roles_held(clients: AzureClients, scope: str, principal_id: str) -> set[str]:
    """The built-in roles (by name) ``principal_id`` holds at ``scope`` or above."""
    names = {guid: name for name, guid in BUILTIN_ROLES.items()}
    authorization = clients.for_subscription(parse_id(scope).subscription).authorization
    assignments = authorization.role_assignments.list_for_scope(scope, filter=f"principalId eq '{principal_id}'")
    here = scope.lower().rstrip("/")
    return {names[a.role_definition_id.rsplit("/", 1)[-1]] for a in assignments
            if a.role_definition_id.rsplit("/", 1)[-1] in names  # the filter also gives those below the scope:
            and (here == a.scope.lower().rstrip("/") or here.startswith(a.scope.lower().rstrip("/") + "/"))}


def assign_role(clients: AzureClients, scope: str, role: str, principal_id: str,
                wait_seconds: float = PRINCIPAL_WAIT_SECONDS, **kwargs):
    """Assign a built-in role to a service principal (a vault's identity), waiting while it is not visible yet;
    ``kwargs`` go to the SDK call."""
    authorization = clients.for_subscription(parse_id(scope).subscription).authorization
    body = {"properties": {"roleDefinitionId": role_definition_id(scope, role), "principalId": principal_id,
                           "principalType": "ServicePrincipal"}}
    attempt = retry(retry=retry_if_exception(_principal_not_found), stop=stop_after_delay(wait_seconds),
                    wait=wait_exponential(multiplier=0.5, max=15), reraise=True)(authorization.role_assignments.create)
    return attempt(scope, str(uuid.uuid4()), body, **kwargs)


def _principal_not_found(error: BaseException) -> bool:
    return isinstance(error, HttpResponseError) and getattr(error.error, "code", "") == "PrincipalNotFound"


def caller_may(clients: AzureClients, scope: str, actions: Iterable[str]) -> list[str]:
    """The actions of ``actions`` the caller may NOT do at ``scope`` (a resource group or resource id)."""
    rid = parse_id(scope)
    authorization = clients.for_subscription(rid.subscription).authorization
    permissions = list(authorization.permissions.list_for_resource_group(rid.resource_group))
    return [action for action in actions if not any(
        any(_match(action, a) for a in p.actions or []) and not any(_match(action, n) for n in p.not_actions or [])
        for p in permissions)]


def _match(action: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())
